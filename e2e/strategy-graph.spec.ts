import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_DATA_DIR } from '../playwright.config';
import { signIn, WEBVOYAGER_EXAMPLES } from './helpers';

const cli = (...args: string[]) =>
  execFileSync('node', ['bin/core-curator.mjs', '--data-dir', E2E_DATA_DIR, ...args], {
    stdio: 'pipe',
  }).toString();

/** A CORE export whose tasks.json attaches a 4-node graph (two branches) to the GitHub demo's task. */
function writeCoreExport(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-core-e2e-'));
  const lf = (body: string) => `def label_function(trajectory):\n    return ${body}\n`;
  fs.writeFileSync(
    path.join(dir, 'key_nodes.json'),
    JSON.stringify([
      {
        id: '201',
        description: 'Search GitHub for climate change data visualization',
        label_function: lf("validate_type_action(trajectory, 'climate change data visualization', None)"),
      },
      {
        id: '202',
        description: "Sort the results by 'Most stars'",
        label_function: lf("validate_click(trajectory, None, 'Most stars')"),
      },
      {
        id: '203',
        description: 'Filter the results by the Python language',
        label_function: lf("validate_click(trajectory, None, 'Python')"),
      },
      {
        id: '204',
        description: 'Answer with the resource-watch repository',
        label_function: lf("validate_answer(trajectory, 'resource-watch')"),
      },
    ]),
  );
  fs.writeFileSync(
    path.join(dir, 'tasks.json'),
    JSON.stringify({
      'webvoyager:GitHub--0': {
        objective: 'GitHub search',
        template: null,
        key_nodes: {
          '201': { parent_node_id: ['0'], child_node_id: ['202', '203'] },
          '202': { parent_node_id: ['201'], child_node_id: ['204'] },
          '203': { parent_node_id: ['201'], child_node_id: ['204'] },
          '204': { parent_node_id: ['202', '203'], child_node_id: ['-1'] },
        },
      },
    }),
  );
  return dir;
}

/** Seeds the GitHub run with its CORE graph (idempotent), so each test stands on its own. */
function seedGitHubGraph(): void {
  cli('import', 'webvoyager', path.join(WEBVOYAGER_EXAMPLES, 'taskGitHub--0'));
  const coreDir = writeCoreExport();
  cli('import', 'core', coreDir);
  fs.rmSync(coreDir, { recursive: true, force: true });
}

test('a researcher scores a task from its page and sees the matched path of the selected trajectory', async ({
  page,
}) => {
  seedGitHubGraph();

  await signIn(page, 'researcher');
  await page.goto('/tasks?q=GitHub--0');
  await page.getByRole('link', { name: /climate change data visualization/ }).click();

  const canvas = page.getByTestId('graph-canvas');
  await expect(page.getByTestId('graph-stats')).toHaveText('4 nodes · 4 edges · 2 paths');
  await expect(canvas).toHaveAttribute('data-node-count', '6'); // 4 + start + end

  // Score in the sandbox from the page; the progress shows, then the verdict for the selected demo.
  await page.getByRole('button', { name: 'Score now' }).click();
  await page
    .getByLabel('Trajectory to colour by')
    .selectOption({ label: 'expert demo · webvoyager:taskGitHub--0' });
  const verdict = page.getByTestId('graph-verdict');
  await expect(verdict).toContainText('verdict true', { timeout: 60_000 });
  await expect(verdict).toContainText('fully passed');
  await expect(verdict).toContainText('matched path 201 → 202 → 204');
  await expect(canvas).toHaveAttribute('data-matched-path', '201,202,204');

  // The trajectories table shows the stored category too.
  await page.reload();
  await expect(page.getByRole('row', { name: /webvoyager:taskGitHub--0/ })).toContainText('fully passed');
});

test('a PI audits label-function quality and a researcher sees the graph grow', async ({ page }) => {
  seedGitHubGraph();
  cli('score', '--task', 'webvoyager:GitHub--0');

  await signIn(page, 'pi');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'LF quality' }).click();
  const lfs = page.getByRole('table', { name: 'Label functions' });
  const python = lfs.getByRole('row', { name: /Filter the results by the Python language/ });
  // One run is below the default threshold (3 runs) for flags; lowering it shows the flag.
  await expect(python).toBeVisible();
  await expect(python).not.toContainText('passes nothing');
  await page.getByLabel('Flag label functions from this many runs').fill('1');
  await expect(python).toContainText('passes nothing');
  await expect(lfs.getByRole('row', { name: /Sort the results by 'Most stars'/ })).toContainText('100%');
  await page.getByLabel('Sort label functions by').selectOption('passRate');
  await expect(lfs.getByRole('row').nth(1)).not.toContainText('Python');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Graph growth' }).click();
  const growth = page.getByRole('table', { name: 'Graph growth per iteration' });
  await expect(growth.getByRole('row').nth(1)).toContainText('1'); // iteration 1
  await expect(page.getByTestId('growth-chart').locator('svg').first()).toBeVisible();
});
