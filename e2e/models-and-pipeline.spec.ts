import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { E2E_DATA_DIR } from '../playwright.config';
import {
  completionBody,
  startFakeOpenAiServer,
  type FakeOpenAiServer,
} from '../server/llm/fake-openai-server';
import { signIn, WEBVOYAGER_EXAMPLES } from './helpers';

const cli = (...args: string[]) =>
  execFileSync('node', ['bin/core-curator.mjs', '--data-dir', E2E_DATA_DIR, ...args], {
    stdio: 'pipe',
  }).toString();

let server: FakeOpenAiServer;

test.beforeAll(async () => {
  cli('import', 'webvoyager', WEBVOYAGER_EXAMPLES);
  server = await startFakeOpenAiServer(() => ({ body: completionBody('pong') }));
});

test.afterAll(async () => {
  await server.close();
});

test('a PI points the agent role at an OpenAI-compatible server, tests it, and the key never comes back', async ({
  page,
}) => {
  await signIn(page, 'pi');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
  const agent = page.getByRole('form', { name: 'Agent model settings' });
  await expect(agent.getByText('offline and deterministic')).toBeVisible();

  await agent.getByLabel('Provider').selectOption('openai');
  await agent.getByLabel('Base URL').fill(server.baseUrl);
  await agent.getByLabel('Model').fill('e2e-vision');
  await agent.getByLabel('API key').fill('sk-e2e-secret');
  await agent.getByRole('button', { name: 'Save' }).click();
  await expect(agent.getByText('Saved.')).toBeVisible();
  await agent.getByRole('button', { name: 'Test connection' }).click();
  await expect(agent.getByTestId('connection-ok')).toContainText('e2e-vision');
  await expect(agent.getByTestId('connection-ok')).toContainText('pong');
  // What reached the server: the model, the key as a bearer token, top_k top-level.
  const request = server.requests[server.requests.length - 1]!;
  expect(request.body).toMatchObject({ model: 'e2e-vision', top_k: 50 });
  expect(request.headers.authorization).toBe('Bearer sk-e2e-secret');

  // After a reload the key is not in the page, only the fact that one is stored.
  await page.reload();
  await expect(agent.getByTestId('agent-key-stored')).toBeVisible();
  await expect(agent.getByLabel('API key')).toHaveValue('');
  expect(await page.content()).not.toContain('sk-e2e-secret');

  // The connection test's call is in the log, viewable.
  await agent.getByRole('button', { name: 'Test connection' }).click();
  await agent.getByRole('link', { name: 'view the call' }).click();
  // A client-side navigation: wait for it, or the text checks below can pass on this page and
  // goBack() then leaves the Models page instead of the call's.
  await page.waitForURL(/\/model-calls\//);
  await expect(page.getByText('e2e-vision').first()).toBeVisible();
  await expect(page.getByText('pong').first()).toBeVisible();

  // Back to the offline default for the other specs.
  await page.goBack();
  await agent.getByLabel('Provider').selectOption('heuristic');
  await agent.getByRole('button', { name: 'Save' }).click();
  await expect(agent.getByText('Saved.')).toBeVisible();
  await expect(page.getByText(/saved: heuristic/)).toHaveCount(2); // coder and agent
});

test('an annotator is refused the Models page', async ({ page }) => {
  await signIn(page, 'annotator');
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }),
  ).toHaveCount(0);
  await page.goto('/settings/models');
  await expect(page.getByRole('alert').filter({ hasText: 'Not allowed' })).toBeVisible();
});

test('a researcher abstracts a task from the Pipeline page, browses the attempts and finds the new graph', async ({
  page,
}) => {
  // The offline default, whatever an earlier test left behind.
  const db = new Database(path.join(E2E_DATA_DIR, 'core-curator.db'));
  db.prepare('DELETE FROM llm_setting').run();
  db.close();
  await signIn(page, 'researcher');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipeline' }).click();
  await page.getByLabel('Stage').selectOption('abstract');
  await page.getByLabel('Search tasks').fill('Coursera');
  await page.getByLabel('webvoyager:Coursera--16').check();
  await expect(page.getByTestId('selected-count')).toContainText('1');
  await page.getByRole('button', { name: 'Start' }).click();

  // The run page follows the job to its end.
  await expect(page).toHaveURL(/\/pipeline\/runs\//);
  const job = page.getByTestId('pipeline-job');
  await expect(job).toContainText('succeeded', { timeout: 60_000 });
  await expect(page.getByText('heuristic (offline)').first()).toBeVisible();
  await expect(page.getByText('OSR').first()).toBeVisible();

  // Key steps with every attempt, in order, with the code as text.
  const keySteps = page.getByRole('table', { name: 'Key steps' });
  await expect(keySteps.getByTestId('key-step-row').first()).toBeVisible();
  const first = keySteps.getByTestId('key-step-row').first();
  await first.getByText(/Attempts \(\d+\)/).click();
  const attempt = first.getByTestId('lf-attempt').first();
  await expect(attempt).toContainText('def label_function(trajectory)');
  await attempt
    .getByRole('link', { name: /model call/i })
    .first()
    .click();
  await expect(page.getByText('label_function').first()).toBeVisible();
  await expect(page.getByText('heuristic-v1').first()).toBeVisible();
  await page.goBack();

  // The task now has graph version 1, made of the run's passing key steps.
  await page
    .getByRole('table', { name: 'Units' })
    .getByRole('link', { name: 'webvoyager:Coursera--16' })
    .click();
  await expect(page.getByLabel('Graph version')).toContainText('v1 · init');
  await expect(page.getByTestId('graph-canvas')).toBeVisible();
});
