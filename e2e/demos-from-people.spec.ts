/**
 * Expert demos from people (issue 16), in Chromium against the production build:
 * - a researcher records a demo of a bundled-app task by clicking marks on the live screenshot and
 *   typing, the verifier passes, and `abstract` builds graph v1 from the recorded demo;
 * - a failed rollout is corrected from its first harmful step (replayed prefix, then the person),
 *   the correction passes its verifier and appears in a `corrections` export.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { E2E_DATA_DIR } from '../playwright.config';
import { signIn } from './helpers';

const TASK = 'app:contacts:contacts-002';

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  execFileSync('npx', ['core-curator', 'env', 'add', 'environments/contacts', '--data-dir', E2E_DATA_DIR], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
});

function db() {
  return new Database(path.join(E2E_DATA_DIR, 'core-curator.db'));
}

/** The list option of the element with this accessible text (`<role> "name"`). */
function option(page: Page, text: string) {
  return page
    .getByRole('listbox', { name: 'Elements on the page' })
    .getByRole('option')
    .filter({ hasText: text });
}

/** Clicks the element's mark on the live screenshot, at the centre of its box. */
async function clickMark(page: Page, text: string) {
  const box = (await option(page, text).first().getAttribute('data-box'))!.split(',').map(Number);
  const [x, y, w, h] = box as [number, number, number, number];
  const shot = page.getByTestId('recording-screenshot');
  const rect = (await shot.boundingBox())!;
  const scale = rect.width / 1280;
  await shot.click({ position: { x: (x + w / 2) * scale, y: (y + h / 2) * scale } });
}

async function waitForTurn(page: Page, steps: number) {
  await expect(page.getByTestId('recording-status')).toHaveText('Your turn', { timeout: 30_000 });
  await expect(page.getByRole('list', { name: 'Recorded steps' }).getByRole('listitem')).toHaveCount(steps);
}

test('a researcher records a demo by clicking marks and typing; it passes and abstract builds graph v1 from it', async ({
  page,
}) => {
  test.setTimeout(180_000);
  db().prepare('DELETE FROM llm_setting').run();
  await signIn(page, 'researcher');
  await page.goto('/tasks');
  await page
    .getByLabel(/Search/)
    .first()
    .fill('Marcus Bell');
  // The search is debounced into the URL: wait for it before opening the task.
  await expect(page).toHaveURL(/q=Marcus/);
  await expect(page.getByRole('row')).toHaveCount(2);
  await page.getByRole('link', { name: /Mark Marcus Bell as a favourite/ }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]+$/);
  await page.getByRole('button', { name: 'Record a demo' }).click();
  await expect(page).toHaveURL(/\/record\//);
  await expect(page.getByRole('heading', { name: 'Mark Marcus Bell as a favourite.' })).toBeVisible();
  await expect(page.getByTestId('recording-status')).toHaveText('Your turn', { timeout: 60_000 });

  // Clicking the search field's mark selects it for typing; Enter in the text box types.
  await clickMark(page, '<textbox> "Search contacts"');
  await expect(page.getByLabel('Text to type')).toBeFocused();
  await page.getByLabel('Text to type').fill('Marcus');
  await page.getByLabel('Text to type').press('Enter');
  await waitForTurn(page, 1);

  await clickMark(page, '<link> "Marcus Bell"');
  await waitForTurn(page, 2);
  // A wrong turn, undone with the keyboard (the app is reset and the steps replayed).
  await clickMark(page, '<link> "Contacts"');
  await waitForTurn(page, 3);
  await page.getByTestId('recording-workspace').focus();
  await page.keyboard.press('u');
  await waitForTurn(page, 2);

  // Picked from the list by keyboard: filter, Enter selects the first match, Enter clicks it.
  await page.keyboard.press('/');
  await page.getByLabel('Filter elements').fill('Add Marcus');
  await page.getByLabel('Filter elements').press('Enter');
  await expect(option(page, 'Add Marcus Bell to favourites')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await waitForTurn(page, 3);

  await page.getByRole('button', { name: 'Finish and run the verifier' }).click();
  const ended = page.getByTestId('recording-ended');
  await expect(ended).toContainText('Saved as an expert demo (verifier passed)', { timeout: 60_000 });
  await expect(ended).toContainText('Marcus Bell is a favourite');
  await ended.getByRole('link', { name: 'Open the saved expert demo' }).click();
  await expect(page.getByTestId('step-screenshot')).toBeVisible();

  // abstract uses the recorded demo: graph v1.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipeline' }).click();
  await page.getByLabel('Stage').selectOption('abstract');
  await page.getByLabel('Search tasks').fill('contacts-002');
  await page.getByLabel(TASK).check();
  await expect(page.getByTestId('selected-count')).toContainText('1');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page).toHaveURL(/\/pipeline\/runs\//);
  await expect(page.getByTestId('pipeline-job')).toContainText('succeeded', { timeout: 90_000 });
  await page.getByRole('table', { name: 'Units' }).getByRole('link', { name: TASK }).click();
  await expect(page.getByLabel('Graph version')).toContainText('v1 · init');

  const demo = db()
    .prepare("SELECT kind, source, env_success FROM trajectory WHERE source = 'recorded'")
    .all();
  expect(demo).toEqual([{ kind: 'expert', source: 'recorded', env_success: 1 }]);
});

test('a reviewer corrects a failed rollout from its first harmful step; the correction passes and lands in a corrections export', async ({
  page,
}) => {
  test.setTimeout(240_000);
  // A failed rollout, deterministically: the noisy expert replays the recorded demo without noise
  // but runs out of steps before the last click (2 of 3), so Marcus Bell is not a favourite. The
  // rollout command scores the task and fills the review queues.
  execFileSync(
    'npx',
    [
      'core-curator',
      'rollouts',
      '--task',
      TASK,
      '--samples',
      '1',
      '--noise',
      '0',
      '--max-steps',
      '2',
      '--data-dir',
      E2E_DATA_DIR,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const rollout = db()
    .prepare(
      "SELECT id, env_success AS envSuccess, step_count AS steps FROM trajectory WHERE kind = 'rollout'",
    )
    .get() as { id: string; envSuccess: number; steps: number };
  expect(rollout).toMatchObject({ envSuccess: 0, steps: 2 });

  await signIn(page, 'annotator');
  await page.goto('/review/corrections_wanted');
  const steps = page.getByRole('listbox', { name: 'Steps of the failed rollout' });
  await expect(steps.getByRole('option')).toHaveCount(2, { timeout: 30_000 });
  await expect(page.getByTestId('correction-suggestion')).toBeVisible();
  // The first harmful step: the second one (the click that left the favourite undone).
  await steps.getByRole('option', { name: /^Step 2:/ }).click();
  await expect(steps.getByRole('option', { name: /^Step 2:/ })).toHaveAttribute('aria-selected', 'true');
  await page.getByTestId('decide-accept').click();

  await expect(page).toHaveURL(/\/record\//, { timeout: 30_000 });
  const sessionId = page.url().split('/').at(-1)!;
  await expect(page.getByText('Correction', { exact: true })).toBeVisible();
  await waitForTurn(page, 1);
  await expect(page.getByTestId('recording-notice')).toHaveText(
    'Replayed 1 step(s). You take over from step 2.',
  );
  await expect(page.getByRole('list', { name: 'Recorded steps' })).toContainText('replayed');
  // The replayed step is the rollout's: the person's undo has nothing to take back yet.
  await expect(page.getByRole('button', { name: /Undo last step/ })).toBeDisabled();

  await option(page, '<link> "Marcus Bell"')
    .getByRole('button', { name: /^Click/ })
    .click();
  await waitForTurn(page, 2);
  await clickMark(page, '<button> "Add Marcus Bell to favourites"');
  await waitForTurn(page, 3);
  await page.getByRole('button', { name: 'Finish and run the verifier' }).click();
  await expect(page.getByTestId('recording-ended')).toContainText('Saved as a correction (verifier passed)', {
    timeout: 60_000,
  });

  const correction = db()
    .prepare(
      "SELECT id, derived_from_id AS derivedFromId, takeover_step AS takeoverStep, env_success AS envSuccess FROM trajectory WHERE kind = 'correction'",
    )
    .get() as { id: string; derivedFromId: string; takeoverStep: number; envSuccess: number };
  expect(correction).toMatchObject({ derivedFromId: rollout.id, takeoverStep: 1, envSuccess: 1 });

  // A researcher exports it: the corrections source holds the person's steps only.
  await page.getByRole('button', { name: 'Sign out' }).click();
  // Signed out, the session's images are refused; signed in as someone else, they do not exist.
  expect((await page.request.get(`/api/recordings/${sessionId}/image?marks=1`)).status()).toBe(401);
  await signIn(page, 'researcher');
  expect((await page.request.get(`/api/recordings/${sessionId}/image?marks=1`)).status()).toBe(404);
  await page.goto(`/record/${sessionId}`);
  await expect(page.getByRole('alert').filter({ hasText: /not found/ })).toBeVisible();
  await page.goto('/exports');
  await expect(page.getByTestId('source-count-corrections')).toContainText('1 trajectory');
  const form = page.getByRole('form', { name: 'New export' });
  await form.getByRole('button', { name: 'Export' }).click();
  await page.getByRole('link', { name: 'Open the export' }).click();
  await page.waitForURL(/\/exports\/[0-9a-f-]{36}$/);
  const exportId = page.url().split('/').at(-1)!;
  await expect(page.getByRole('table', { name: 'Files' })).toBeVisible({ timeout: 60_000 });
  const manifest = (await (await page.request.get(`/api/exports/${exportId}/manifest.json`)).json()) as {
    trajectories: { trajectoryId: string; source: string; examples: number }[];
  };
  const exported = manifest.trajectories.find((t) => t.trajectoryId === correction.id);
  // Steps 2..4 of the correction (click, click, stop) are examples; the replayed step 1 is history.
  expect(exported).toMatchObject({ source: 'corrections', examples: 3 });
});
