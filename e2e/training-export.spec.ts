/**
 * Fine-tuning export and launch in the browser (issue 7 › Tests):
 * - an annotator has no Exports page, link or download;
 * - a researcher exports the curated data of the open iteration in the LLaMA-Factory format, opens
 *   the export, verifies its files against the manifest, downloads the manifest, launches a
 *   harmless configured command (added with the CLI, as on a real server) and watches its log
 *   stream in while it runs, then closes the iteration, which opens the next.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_DATA_DIR } from '../playwright.config';
import { signIn, WEBVOYAGER_EXAMPLES } from './helpers';

/** Prints six "epoch" lines 700 ms apart, then where it would save (a stand-in for llamafactory-cli). */
const FAKE_TRAINER = [
  'const [train, out] = process.argv.slice(2);',
  'console.log("training on " + train);',
  'let epoch = 0;',
  'const timer = setInterval(() => {',
  '  epoch += 1;',
  '  console.log(`epoch ${epoch}/6 loss=${(1 / epoch).toFixed(3)}`);',
  '  if (epoch === 6) { clearInterval(timer); console.log("saved adapter to " + out); }',
  '}, 700);',
].join('\n');

test.beforeAll(() => {
  // A script file, as a lab's training entry point would be (inline code would need its braces
  // doubled: `{…}` in a command is a placeholder).
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-trainer-')), 'train.mjs');
  fs.writeFileSync(script, FAKE_TRAINER);
  // Expert demos to export (a no-op when the import spec already brought them in).
  execFileSync(
    'node',
    ['bin/core-curator.mjs', '--data-dir', E2E_DATA_DIR, 'import', 'webvoyager', WEBVOYAGER_EXAMPLES],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  execFileSync(
    'node',
    [
      'bin/core-curator.mjs',
      '--data-dir',
      E2E_DATA_DIR,
      'finetune',
      'command',
      'add',
      'e2e-trainer',
      '--description',
      'harmless stand-in',
      '--replace',
      '--',
      'node',
      script,
      '{train_file}',
      '{output_dir}',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
});

test('annotators cannot export', async ({ page }) => {
  await signIn(page, 'annotator');
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exports' }),
  ).toHaveCount(0);
  await page.goto('/exports');
  await expect(page.getByText('Fine-tuning exports are for researchers and PIs.')).toBeVisible();
  const download = await page.request.get('/api/exports/anything/manifest.json');
  expect(download.status()).toBe(403);
});

test('a researcher exports an iteration, launches fine-tuning with its log streaming, and closes the iteration', async ({
  page,
}) => {
  await signIn(page, 'researcher');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exports' }).click();
  await page.waitForURL('**/exports');
  const form = page.getByRole('form', { name: 'New export' });
  // The expert demos imported by earlier specs are counted before anything is written.
  await expect(page.getByTestId('source-count-expert_demos')).toContainText(/[1-9]\d* trajector/);
  await form.getByLabel('Validation share (%)').fill('20');
  await form.getByLabel('LLaMA-Factory (ShareGPT + dataset_info.json)').check();
  await form.getByRole('button', { name: 'Export' }).click();
  await page.getByRole('link', { name: 'Open the export' }).click();
  await page.waitForURL(/\/exports\/[0-9a-f-]{36}$/);
  const exportId = page.url().split('/').at(-1)!;

  const splits = page.getByRole('table', { name: 'Split' });
  await expect(splits).toBeVisible();
  const files = page.getByRole('table', { name: 'Files' });
  await expect(files.getByRole('link', { name: 'train.jsonl' })).toBeVisible();
  await expect(files.getByRole('link', { name: 'dataset_info.json' })).toBeVisible();
  await expect(page.getByLabel('Reproduce command')).toContainText(
    'npx core-curator export llama-factory --iteration 1 --sources expert_demos,fully_passed,approved_paths',
  );
  await page.getByRole('button', { name: 'Verify files' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'match their sha256' })).toBeVisible();

  // The manifest the page summarises, downloaded as a user would.
  const response = await page.request.get(`/api/exports/${exportId}/manifest.json`);
  expect(response.status()).toBe(200);
  const manifest = (await response.json()) as {
    counts: { train: { examples: number }; validation: { examples: number } };
    format: string;
  };
  expect(manifest.format).toBe('llama-factory');
  const trainRow = splits.getByRole('row').filter({ hasText: 'train' });
  await expect(trainRow).toContainText(String(manifest.counts.train.examples));
  expect(manifest.counts.train.examples).toBeGreaterThan(0);

  // Launch fine-tuning: no API is configured, so the server's command is the way.
  const launch = page.getByRole('form', { name: 'Launch fine-tuning' });
  await expect(launch.getByRole('radio', { name: /OpenAI-compatible fine-tuning API/ })).toBeDisabled();
  await launch.getByRole('radio', { name: /A command on the server/ }).check();
  await launch.getByRole('combobox', { name: 'Command' }).selectOption('e2e-trainer');
  await launch.getByRole('button', { name: 'Launch fine-tuning' }).click();
  const runs = page.getByRole('list', { name: 'Fine-tuning runs' });
  await expect(runs.getByText('Command · e2e-trainer')).toBeVisible();
  const log = page.getByLabel('Run log');
  // The log streams: early epochs show while the command is still running.
  await expect(log).toContainText('epoch 1/6');
  await expect(log).not.toContainText('saved adapter');
  await expect(runs.getByText('running')).toBeVisible();
  await expect(log).toContainText('training on ');
  await expect(log).toContainText('train.jsonl');
  await expect(log).toContainText('saved adapter to', { timeout: 20_000 });
  await expect(log).toContainText('[exit code 0');
  await expect(runs.getByText('succeeded')).toBeVisible();

  // Closing the iteration opens the next.
  await page.getByRole('link', { name: 'Exports' }).first().click();
  await page.waitForURL('**/exports');
  await page.getByRole('button', { name: 'Close iteration 1…' }).click();
  const closeForm = page.getByRole('form', { name: 'Close iteration 1' });
  await closeForm.getByLabel('Note (optional)').fill('exported for round 2');
  await closeForm.getByRole('button', { name: 'Close iteration 1 and open 2' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Iteration 1 closed; iteration 2 is open.' }),
  ).toBeVisible();
  await expect(page.getByRole('cell', { name: 'exported for round 2' })).toBeVisible();
});
