/**
 * The curation workspace end to end (issue 5 › Tests), on real WebVoyager runs seeded through the
 * product's own pipeline (e2e/seed-curation.ts: heuristic abstraction, real sandbox scoring,
 * propose_paths and infer_intents):
 * - an annotator reviews a proposed path with the keyboard, approves it, and finds graph version 2;
 * - an annotator edits an extrapolated intent, accepts it, and finds the new task;
 * - a researcher edits a label function, test-runs it, saves, and sees the rollout's verdict change.
 */
import { execFileSync } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { E2E_DATA_DIR } from '../playwright.config';
import { signIn } from './helpers';

interface SeedSummary {
  pathRollout: { id: string; category: string };
  intentRollout: { id: string; category: string };
  lfRollout: { id: string; category: string };
}

let seed: SeedSummary;

test.beforeAll(() => {
  const out = execFileSync('npx', ['tsx', 'e2e/seed-curation.ts'], {
    env: { ...process.env, CORE_CURATOR_DATA_DIR: E2E_DATA_DIR },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  seed = JSON.parse(out.trim().split('\n').pop()!) as SeedSummary;
  expect(seed.pathRollout.category).toBe('partially_passed');
  expect(seed.intentRollout.category).toBe('failed');
});

async function openQueue(page: Page, label: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review' }).click();
  await page
    .getByRole('link', { name: new RegExp(`Review ${label}|${label}`) })
    .first()
    .click();
  await expect(page.getByTestId('review-item')).toBeVisible();
}

test('an annotator approves a proposed path with the keyboard and finds the new graph version', async ({
  page,
}) => {
  await signIn(page, 'annotator');
  await openQueue(page, 'Proposed paths');
  await expect(page.getByTestId('review-item-summary')).toContainText('Allrecipes--4');
  // The path over the graph: reused nodes, and where it ends early.
  await expect(page.getByTestId('overlay-summary')).toBeVisible();
  await expect(page.getByTestId('path-nodes').getByRole('listitem')).toHaveCount(2);

  // The cheatsheet opens with `?` and closes with Esc.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: /Keyboard shortcuts/ });
  await expect(help).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  // `a` approves and moves on; the queue is then empty for this annotator.
  await page.keyboard.press('a');
  await expect(page.getByText(/No more items|Nothing (left )?to review|queue is empty/i)).toBeVisible();

  // The task's graph now has a version 2 made by the merge.
  await page.goto('/tasks?q=Allrecipes--4');
  await page
    .getByRole('link', { name: /Baked Salmon/i })
    .first()
    .click();
  await expect(page.getByLabel('Graph version')).toContainText('v2 · merge');
});

test('an annotator edits an extrapolated intent, accepts it, and finds the new task', async ({ page }) => {
  await signIn(page, 'annotator');
  await openQueue(page, 'Extrapolated intents');
  await expect(page.getByTestId('intent-candidate')).toBeVisible();

  await page.keyboard.press('e');
  const editor = page.getByTestId('intent-editor');
  await expect(editor).toBeFocused();
  const intent = 'Find the Smart Folio for iPad on the Apple website and open its product page';
  await editor.fill(intent);
  await page.keyboard.press('Control+Enter');
  await expect(page.getByText(/No more items|Nothing (left )?to review|queue is empty/i)).toBeVisible();

  await page.goto('/tasks?origin=extrapolated');
  const row = page.getByRole('link', { name: intent });
  await expect(row).toBeVisible();
  await row.click();
  // Its demo is the rollout it came from.
  await expect(page.getByText('extrapolated').first()).toBeVisible();
  await expect(page.getByText('expert demo').first()).toBeVisible();
});

test('a researcher edits a label function, test-runs it, saves, and sees the verdicts change', async ({
  page,
}) => {
  await signIn(page, 'researcher');
  await page.goto('/tasks?q=ArXiv--11');
  await page
    .getByRole('link', { name: /multi-language abstract|abstract/i })
    .first()
    .click();
  const rolloutRow = page.getByRole('row', { name: /e2e-rollout/ });
  await expect(rolloutRow).toContainText('fully passed');

  // Pick the graph's first node (as "Find node" offers it) and open its label function.
  const find = page.getByLabel('Find node');
  const firstNode = await page.locator('datalist option').first().getAttribute('value');
  await find.fill(firstNode!);
  await find.press('Enter');
  const details = page.getByRole('complementary', { name: 'Node details' });
  await details.getByRole('link', { name: 'Edit label function' }).click();

  const code = page.getByRole('textbox', { name: /label function/i });
  await expect(code).toBeVisible();
  await code.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(
    "def label_function(trajectory):\n    return validate_click(trajectory, None, 'No such link anywhere')\n",
  );

  // Test run (Ctrl+Enter): the draft fails where the current version passed.
  await page.keyboard.press('Control+Enter');
  const matrix = page.getByRole('table', { name: 'Test-run results' });
  await expect(matrix).toBeVisible({ timeout: 60_000 });
  const arxivRow = matrix.getByRole('row', { name: /e2e-rollout:webvoyager:taskArXiv--11/ });
  await expect(arxivRow).toHaveAttribute('data-changed', 'true');
  await expect(arxivRow).toContainText(/fail/i);

  await page.getByLabel('Reason').fill('Too loose: any click passed');
  await page.keyboard.press('Control+s');
  const versions = page.getByRole('list', { name: 'Label-function versions' });
  await expect(versions.getByRole('button', { name: /v2 current/ })).toBeVisible();
  await expect(page.getByText('No unsaved changes.')).toBeVisible();

  // Rescoring runs as a job; on the task page (linked from "Used by") the rollout is no longer Fully Passed.
  await page.getByRole('link', { name: 'webvoyager:ArXiv--11', exact: true }).click();
  await page.waitForURL(/\/tasks\/[0-9a-f-]+$/);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('row', { name: /e2e-rollout/ })).toContainText('partially passed', {
      timeout: 2000,
    });
  }).toPass({ timeout: 60_000 });
});

test('two reviewers disagree on a rollout verdict, the next one sees the comment, and a PI adjudicates; all audited', async ({
  browser,
}) => {
  const pi = await browser.newPage();
  await signIn(pi, 'pi');
  await pi.goto('/review/adjudication');
  await pi.getByLabel('Independent reviews per item in Rollout verdicts').fill('2');
  await pi.getByRole('button', { name: 'Save settings of Rollout verdicts' }).click();
  await expect(pi.getByText(/saved/i).first()).toBeVisible();

  // The annotator leaves a comment on the step (Ctrl+Enter in the comment box sends the comment,
  // it does not decide the item), then judges the rollout successful.
  const annotator = await browser.newPage();
  await signIn(annotator, 'annotator');
  await openQueue(annotator, 'Rollout verdicts');
  const comment = annotator.getByRole('textbox', { name: 'Comment on step 1' });
  await expect(comment).toBeAttached();
  await annotator.keyboard.press('c');
  await expect(comment).toBeFocused();
  await comment.fill('The search box is the one the demo used.');
  await annotator.keyboard.press('Control+Enter');
  await expect(annotator.getByTestId('step-comment')).toContainText(
    'The search box is the one the demo used.',
  );
  await expect(annotator.getByTestId('review-item')).toBeVisible();
  await annotator.locator('body').click({ position: { x: 5, y: 5 } });
  await annotator.keyboard.press('a');
  await expect(annotator.getByText(/Nothing left to review/i)).toBeVisible();

  // The researcher gets the same item (two reviews needed), sees the comment, and disagrees.
  const researcher = await browser.newPage();
  await signIn(researcher, 'researcher');
  await openQueue(researcher, 'Rollout verdicts');
  await expect(researcher.getByTestId('step-comment')).toContainText(
    'The search box is the one the demo used.',
  );
  await researcher.keyboard.press('r');
  await expect(researcher.getByTestId('decision-reason')).toBeFocused();
  await researcher.keyboard.type('It never answered the question');
  await researcher.keyboard.press('Enter');
  await expect(researcher.getByText(/Nothing left to review/i)).toBeVisible();

  // The PI sees both reviews side by side and rules.
  await pi.goto('/review/adjudication');
  const disagreement = pi.getByRole('list', { name: 'Disagreements' }).getByRole('listitem').first();
  await expect(disagreement.getByRole('region', { name: 'Review by Ana Annotator' })).toContainText(
    'Succeeded',
  );
  await expect(disagreement.getByRole('region', { name: 'Review by Robin Researcher' })).toContainText(
    'It never answered the question',
  );
  await disagreement.getByLabel(/Reason/).fill('The final answer is missing');
  await disagreement.getByRole('button', { name: 'Failed' }).click();
  await expect(pi.getByRole('list', { name: 'Disagreements' })).toBeHidden();
  await expect(pi.getByTestId('agreement-rollout_verdict')).toContainText('0%');

  // The audit log holds both decisions and the ruling.
  await pi.goto('/audit?action=review.adjudicate');
  await expect(pi.getByRole('row', { name: /pi@e2e.test/ })).toBeVisible();
  await pi.goto('/audit?action=review.decide');
  await expect(pi.getByRole('row', { name: /annotator@e2e.test/ }).first()).toBeVisible();
  await expect(pi.getByRole('row', { name: /researcher@e2e.test/ }).first()).toBeVisible();
});
