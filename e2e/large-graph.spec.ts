import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createMergedGraph } from '@/lib/core/strategy-graph/sample-graphs';
import { E2E_DATA_DIR } from '../playwright.config';
import { signIn } from './helpers';

test('a 300-node merged strategy graph renders and stays interactive', async ({ page }) => {
  // A CORE export with one task whose graph grew to 300 nodes by merging paths (with cycles).
  const { graph } = createMergedGraph({ nodeCount: 300, seed: 7, stages: 12, swap: 0.05 });
  const ids = Object.keys(graph).filter((id) => id !== '0' && id !== '-1');
  expect(ids.length).toBeGreaterThanOrEqual(300);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-large-'));
  fs.writeFileSync(
    path.join(dir, 'key_nodes.json'),
    JSON.stringify(
      ids.map((id) => ({
        id: `9${id}`,
        description: `Large graph key step ${id}`,
        label_function: 'def label_function(trajectory):\n    return True\n',
      })),
    ),
  );
  const prefixed = Object.fromEntries(
    Object.entries(graph).map(([id, adj]) => [
      `9${id}`,
      {
        parent_node_id: adj.parent_node_id.map((p) => (p === '0' ? p : `9${p}`)),
        child_node_id: adj.child_node_id.map((c) => (c === '-1' ? c : `9${c}`)),
      },
    ]),
  );
  fs.writeFileSync(
    path.join(dir, 'tasks.json'),
    JSON.stringify({ 'large-graph-task': { objective: 'Large merged graph', key_nodes: prefixed } }),
  );
  execFileSync('node', ['bin/core-curator.mjs', '--data-dir', E2E_DATA_DIR, 'import', 'core', dir], {
    stdio: 'pipe',
  });
  fs.rmSync(dir, { recursive: true, force: true });

  await signIn(page, 'annotator');
  await page.goto('/tasks?q=large-graph-task');
  const started = Date.now();
  await page.getByRole('link', { name: 'Large merged graph' }).click();
  const canvas = page.getByTestId('graph-canvas');
  await expect(canvas).toHaveAttribute('data-node-count', String(ids.length + 2));
  await expect(page.getByTestId('graph-stats')).toContainText(`${ids.length} nodes`);
  console.log(`300-node graph: task page with laid-out graph in ${Date.now() - started} ms`);

  // Zoom and pan with the mouse, then the page still answers: the node panel opens for a node.
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByText('Click a node to see its label function')).toBeVisible();

  // In a graph this size, a node is found by its description: the node panel opens on it.
  const someId = ids[Math.floor(ids.length / 2)]!;
  await page.getByLabel('Find node').fill(`Large graph key step ${someId}`);
  const panel = page.getByTestId('node-panel');
  await expect(panel).toContainText(`node 9${someId}`);
  await expect(panel).toContainText(`Large graph key step ${someId}`);
  await expect(panel).toContainText('return True');
});
