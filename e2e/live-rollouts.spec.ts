/**
 * Live rollouts and the ingestion API in the browser (issue 6 › Tests):
 * - a researcher creates an API key, an external "harness" (this test's HTTP client) streams a
 *   trajectory with real WebVoyager screenshots, and the live grid and the trajectory viewer show
 *   each step as it is pushed; the capture-to-screen latency is printed; a revoked key is refused;
 * - a researcher starts noisy-expert rollouts on the bundled shop app from the Live page and watches
 *   a rollout's steps arrive in Chromium.
 *
 * Latency is printed, never asserted (speed is measured by benches, not tests).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { E2E_DATA_DIR } from '../playwright.config';
import { signIn, WEBVOYAGER_EXAMPLES } from './helpers';

interface LatencySample {
  trajectoryId: string;
  stepIndex: number;
  capturedAt: number;
  publishedAt?: number;
  renderedAt: number;
}

async function readLatency(page: Page, trajectoryId: string): Promise<LatencySample[]> {
  const all = await page.evaluate(
    () => (window as unknown as { __liveLatency?: LatencySample[] }).__liveLatency ?? [],
  );
  return all.filter((s) => s.trajectoryId === trajectoryId);
}

function printLatency(label: string, samples: LatencySample[]): void {
  const ms = samples.map((s) => s.renderedAt - s.capturedAt).sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)];
  console.log(
    `[latency] ${label}: capture-to-screen over ${ms.length} steps: median ${median} ms, max ${ms.at(-1)} ms (all: ${ms.join(', ')})`,
  );
}

test.beforeAll(() => {
  execFileSync('npx', ['core-curator', 'env', 'add', 'environments/shop', '--data-dir', E2E_DATA_DIR], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
});

test('an external harness streams a trajectory through the ingestion API and the live view shows each step', async ({
  page,
  request,
}) => {
  await signIn(page, 'researcher');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Key name').fill('e2e harness');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = await page.getByLabel('API key', { exact: true }).inputValue();
  expect(key).toMatch(/^cck_/);
  const auth = { Authorization: `Bearer ${key}` };

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Live' }).click();
  await expect(page.getByTestId('live-connection')).toHaveAttribute('data-state', 'connected');

  const created = await request.post('/api/ingest/v1/trajectories', {
    headers: auth,
    data: { task: { intent: 'Find a vegetarian lasagna recipe (e2e harness)' }, policy: 'e2e-harness' },
  });
  expect(created.status()).toBe(201);
  const { trajectoryId } = (await created.json()) as { trajectoryId: string };
  const tile = page.locator(`[data-testid="live-tile"][data-trajectory-id="${trajectoryId}"]`);
  await expect(tile).toBeVisible();
  await expect(tile).toContainText('Find a vegetarian lasagna recipe (e2e harness)');

  const run = path.join(WEBVOYAGER_EXAMPLES, 'taskAllrecipes--4');
  const shots = [1, 2, 3].map((i) => fs.readFileSync(path.join(run, `screenshot${i}.png`)));
  const postStep = async (i: number) => {
    const response = await request.post(`/api/ingest/v1/trajectories/${trajectoryId}/steps`, {
      headers: auth,
      data: {
        url: 'https://www.allrecipes.com/',
        actionText: i === 0 ? 'Type [3]; vegetarian lasagna' : 'Click [7]',
        elements: [
          { id: '3', role: 'textbox', name: 'Search' },
          { id: '7', role: 'link', name: 'Vegetarian Lasagna' },
        ],
        screenshotBase64: shots[i]!.toString('base64'),
        capturedAt: Date.now(),
      },
    });
    expect(response.status()).toBe(201);
  };
  for (const i of [0, 1]) {
    await postStep(i);
    await expect(tile).toHaveAttribute('data-step-count', String(i + 1));
  }
  printLatency('live grid (ingestion API)', await readLatency(page, trajectoryId));

  // One click to the live trajectory view; the next step appears there without a reload.
  await tile.click();
  await page.waitForURL(`**/trajectories/${trajectoryId}`);
  await expect(page.getByTestId('trajectory-status')).toContainText(/running|live/i);
  await postStep(2);
  await expect(page.locator('[data-step-index="2"]')).toBeVisible();
  printLatency('trajectory view (ingestion API)', await readLatency(page, trajectoryId));

  const finished = await request.post(`/api/ingest/v1/trajectories/${trajectoryId}/finish`, {
    headers: auth,
    data: { envSuccess: true, finalAnswer: 'Vegetarian Lasagna' },
  });
  expect(finished.status()).toBe(200);
  await expect(page.getByTestId('trajectory-status')).toContainText(/complete/i);

  // Revoke the key in the UI: the harness is refused from then on.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Revoke key e2e harness' }).click();
  await expect(page.getByRole('table', { name: 'API keys' })).toContainText(/revoked/i);
  const refused = await request.post('/api/ingest/v1/trajectories', {
    headers: auth,
    data: { task: { intent: 'never' } },
  });
  expect(refused.status()).toBe(401);
  expect(((await refused.json()) as { error: string }).error).toMatch(/revoked/i);
});

test('a researcher starts noisy-expert rollouts on the bundled shop and watches the steps arrive live', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page, 'researcher');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Live' }).click();
  await expect(page.getByTestId('live-connection')).toHaveAttribute('data-state', 'connected');

  const launcher = page.getByRole('form', { name: 'Start rollouts' });
  await launcher.getByLabel(/Northwind Outfitters/).check();
  await launcher.getByText('Only these tasks (optional)').click();
  // shop-007, the longest scripted demo (9 actions): long enough to open its live view mid-run.
  await launcher
    .getByRole('list', { name: 'Only these tasks' })
    .getByLabel(/app:shop:shop-007/)
    .check();
  await launcher.getByLabel('Samples per task').fill('1');
  await launcher.getByLabel('Noise').fill('0');
  await launcher.getByRole('button', { name: 'Start rollouts' }).click();
  await expect(page.getByTestId('rollout-job')).toBeVisible();

  // The rollout's tile appears and grows while the page stays as it is (pushed over SSE).
  const tile = page.locator('[data-testid="live-tile"][data-status="running"]').first();
  await expect(tile).toBeVisible({ timeout: 30_000 });
  const trajectoryId = (await tile.getAttribute('data-trajectory-id'))!;
  const sameTile = page.locator(`[data-testid="live-tile"][data-trajectory-id="${trajectoryId}"]`);
  await expect(sameTile).toHaveAttribute('data-step-count', /^[1-9]/, { timeout: 30_000 });
  printLatency('live grid (Chromium rollout)', await readLatency(page, trajectoryId));

  // One click to the live trajectory view, which appends the remaining steps as they happen.
  await sameTile.click();
  await page.waitForURL(`**/trajectories/${trajectoryId}`);
  await expect(page.locator('[data-step-index="8"]')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('trajectory-status')).toContainText(/complete/i, { timeout: 30_000 });
  const viewSamples = await readLatency(page, trajectoryId);
  expect(viewSamples.length).toBeGreaterThan(0);
  printLatency('trajectory view (Chromium rollout)', viewSamples);
  // The verifier's own explanation stands beside the environment verdict.
  await expect(page.getByTestId('env-message')).toContainText(
    /Environment says: order NW-\d+ ships the tent express to 742 Cedar Lane/,
    { timeout: 30_000 },
  );
});

test('a researcher checks which tasks pass on the seed and filters the tasks by difficulty', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page, 'researcher');
  await page.goto('/settings/rollouts');
  await page.getByRole('button', { name: 'Check tasks of Northwind Outfitters' }).click();
  const check = page.getByTestId('seed-check-job');
  await expect(check).toContainText('10 tasks checked', { timeout: 90_000 });
  await expect(check).toContainText('Northwind Outfitters: no task passes on the seed.');

  await page.goto('/tasks?q=app%3Ashop%3A&difficulty=easy&seed=fails');
  const rows = page.getByRole('row');
  await expect(rows.nth(1)).toBeVisible();
  const count = await rows.count();
  expect(count).toBeGreaterThan(1);
  for (let i = 1; i < count; i++) await expect(rows.nth(i)).toContainText('easy');
  await expect(page.getByLabel('Difficulty')).toHaveValue('easy');
  await expect(page.getByLabel('Seed check')).toHaveValue('fails');
  await expect(page.getByText('passes on the seed', { exact: true })).toHaveCount(0);
});
