import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { readWebVoyagerActions, sha256File, signIn, WEBVOYAGER_EXAMPLES } from './helpers';

const RUN = 'taskGitHub--0';
const RUN_DIR = path.join(WEBVOYAGER_EXAMPLES, RUN);

test('a researcher imports the WebVoyager examples and steps through a trajectory with the keyboard', async ({
  page,
}) => {
  await signIn(page, 'researcher');

  // Import the real WebVoyager runs by picking their folder.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
  await page.getByLabel('Format').selectOption('webvoyager');
  await page.getByLabel('Folder').setInputFiles(WEBVOYAGER_EXAMPLES);
  await page.getByRole('button', { name: 'Start import' }).click();
  await expect(page.getByRole('heading', { name: 'Import finished' })).toBeVisible({ timeout: 60_000 });
  const summary = page.getByRole('region', { name: 'Import finished' });
  await expect(summary).toContainText('10 created');
  await expect(summary).toContainText('53');

  // Find the GitHub task and open its expert demo.
  await page.getByRole('link', { name: 'View tasks' }).click();
  await page.getByLabel('Search tasks').fill('GitHub--0');
  await expect(page.getByRole('link', { name: /climate change data visualization/ })).toBeVisible();
  await expect(page.getByRole('row')).toHaveCount(2); // header + the one match
  await page.getByRole('link', { name: /climate change data visualization/ }).click();
  await expect(page.getByTestId('task-intent')).toContainText('climate change data visualization');
  // Only the run folders were uploaded (no WebVoyager_data.jsonl / reference_answer.json beside them).
  await expect(page.getByText('No evaluation spec.')).toBeVisible();
  await page.getByRole('link', { name: `webvoyager:${RUN}` }).click();

  // Step 1 shows screenshot1.png and the first action.
  const actions = readWebVoyagerActions(RUN_DIR);
  expect(actions).toHaveLength(5);
  const screenshot = page.getByTestId('step-screenshot');
  await expect(page.getByTestId('step-counter')).toHaveText('Step 1 of 5');
  await expect(screenshot).toHaveAttribute('data-hash', sha256File(path.join(RUN_DIR, 'screenshot1.png')));
  await expect(page.getByTestId('raw-action')).toHaveText(actions[0]!);
  await expect(page.getByTestId('action-caption')).toContainText('Click [5]');

  // → moves forward, ← back; the URL keeps the step; the image is really served.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('step-counter')).toHaveText('Step 3 of 5');
  await expect(page).toHaveURL(/step=3/);
  await expect(screenshot).toHaveAttribute('data-hash', sha256File(path.join(RUN_DIR, 'screenshot3.png')));
  await expect(page.getByTestId('raw-action')).toHaveText(actions[2]!);
  await expect(page.getByTestId('action-description')).toHaveText(
    /Click on a UI element '.+' on the screen\./,
  );
  const loaded = await screenshot.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth);
  expect(loaded).toBe(1024);
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('step-counter')).toHaveText('Step 2 of 5');
  await page.keyboard.press('End');
  await expect(page.getByTestId('step-counter')).toHaveText('Step 5 of 5');
  await expect(page.getByTestId('action-description')).toHaveText(
    "Answer user's question with text: 'resource-watch/resource-watch with 63 stars'",
  );

  // A deep link opens the step directly; the filmstrip selects a step too.
  await page.goto(`${new URL(page.url()).pathname}?step=4`);
  await expect(page.getByTestId('step-counter')).toHaveText('Step 4 of 5');
  // Step 4 clicks [52] in the open sort menu: the caption and the element list name the target.
  await expect(page.getByTestId('element-list')).toContainText('Sort by: Best match');
  await expect(page.getByTestId('action-caption')).toContainText('Click [52] → “Most stars”');
  await expect(page.getByTestId('action-description')).toHaveText(
    "Click on a UI element 'Most stars' on the screen.",
  );
  await page.getByRole('option', { name: /^Step 2:/ }).click();
  await expect(page.getByTestId('step-counter')).toHaveText('Step 2 of 5');
});

test('a broken import shows its error and leaves the task count unchanged', async ({ page }) => {
  await signIn(page, 'researcher');
  await page.goto('/');
  const before = await page.getByTestId('stat-tasks').innerText();

  await page.goto('/import');
  await page.getByLabel('Format').selectOption('webarena-tasks');
  await page.getByLabel('Zip archive or JSON file').setInputFiles({
    name: 'broken-tasks.json',
    mimeType: 'application/json',
    buffer: Buffer.from(
      JSON.stringify([
        {
          task_id: 1,
          intent: 'fine',
          sites: ['shopping'],
          start_url: '__SHOPPING__',
          eval: { eval_types: ['string_match'] },
        },
        { task_id: 2, sites: ['shopping'], start_url: null, eval: { eval_types: ['string_match'] } },
      ]),
    ),
  });
  await page.getByRole('button', { name: 'Start import' }).click();
  await expect(page.getByRole('heading', { name: 'Import failed' })).toBeVisible({ timeout: 30_000 });
  const alert = page.getByTestId('import-job').getByRole('alert');
  await expect(alert).toContainText('broken-tasks.json (field [1].intent)');
  await expect(alert).not.toContainText('uploads'); // no server paths
  await expect(alert).toContainText('[1].intent');

  await page.goto('/');
  await expect(page.getByTestId('stat-tasks')).toHaveText(before);
});

test('a .zip of a run folder imports as a rollout and shows up under "has rollouts"', async ({ page }) => {
  // Zip a copy of a real run under a new folder name (so it is a new task), with Python's zipfile.
  const zip = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-zip-')), 'runs.zip');
  execFileSync('python3', [
    '-c',
    'import os, sys, zipfile\nsrc, out = sys.argv[1], sys.argv[2]\nwith zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:\n    for name in sorted(os.listdir(src)):\n        z.write(os.path.join(src, name), "runs/taskZipUpload--7/" + name)',
    path.join(WEBVOYAGER_EXAMPLES, 'taskAmazon--0'),
    zip,
  ]);

  await signIn(page, 'researcher');
  await page.goto('/import');
  await page.getByLabel('Format').selectOption('webvoyager');
  await page.getByLabel('Kind').selectOption('rollout');
  await page.getByLabel('Zip archive or JSON file').setInputFiles(zip);
  await page.getByRole('button', { name: 'Start import' }).click();
  const summary = page.getByRole('region', { name: 'Import finished' });
  await expect(summary).toContainText('1 created', { timeout: 30_000 });
  fs.rmSync(path.dirname(zip), { recursive: true, force: true });

  await page.goto('/tasks?rollouts=yes&q=ZipUpload');
  await expect(page.getByRole('row')).toHaveCount(2);
  const row = page.getByRole('row').nth(1);
  await expect(row).toContainText('webvoyager:ZipUpload--7');
  await expect(row.getByRole('cell').nth(6)).toHaveText('1'); // rollouts column (after difficulty)
});
