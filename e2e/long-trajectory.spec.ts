import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { E2E_DATA_DIR } from '../playwright.config';
import { signIn } from './helpers';

const STEPS = 300;

/** Writes a WebVoyager-format run of STEPS steps, each with its own small screenshot. */
async function writeLongRun(): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-long-'));
  const run = path.join(root, 'taskLongRun--300');
  fs.mkdirSync(run);
  const messages: { role: string; content: string }[] = [{ role: 'system', content: 'You are a web agent.' }];
  for (let i = 1; i <= STEPS; i++) {
    messages.push({
      role: 'user',
      content:
        i === 1
          ? 'Now given a task: Scroll through the long results page 300 times.  Please interact with https://example.org/ and get the answer.Observation: A screenshot and some texts. (Omitted in context.)'
          : 'Observation: A screenshot and some texts. (Omitted in context.)',
    });
    messages.push({
      role: 'assistant',
      content:
        i === STEPS
          ? 'Thought: Done.\n\nAction: ANSWER; finished'
          : `Thought: Keep going (${i}).\n\nAction: Scroll [WINDOW]; down`,
    });
    await sharp({
      create: {
        width: 320,
        height: 240,
        channels: 3,
        background: { r: i % 256, g: (i * 7) % 256, b: (i * 13) % 256 },
      },
    })
      .png()
      .toFile(path.join(run, `screenshot${i}.png`));
  }
  fs.writeFileSync(path.join(run, 'interact_messages.json'), JSON.stringify(messages));
  return root;
}

test('a 300-step trajectory: the filmstrip renders only what is in view and the keyboard reaches both ends', async ({
  page,
}) => {
  const root = await writeLongRun();
  execFileSync(
    'node',
    ['bin/core-curator.mjs', '--data-dir', E2E_DATA_DIR, 'import', 'webvoyager', root, '--kind', 'rollout'],
    { stdio: 'pipe' },
  );
  fs.rmSync(root, { recursive: true, force: true });

  await signIn(page, 'annotator');
  await page.goto('/tasks?q=LongRun');
  await page.getByRole('link', { name: /Scroll through the long results page/ }).click();
  await page.getByRole('link', { name: 'webvoyager:taskLongRun--300' }).click();

  await expect(page.getByTestId('step-counter')).toHaveText(`Step 1 of ${STEPS}`);
  const thumbnails = page.getByRole('listbox', { name: 'Filmstrip' }).getByRole('option');
  expect(await thumbnails.count()).toBeLessThan(40);

  await page.keyboard.press('End');
  await expect(page.getByTestId('step-counter')).toHaveText(`Step ${STEPS} of ${STEPS}`);
  await expect(page.getByRole('option', { name: `Step ${STEPS}: answer` })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(page).toHaveURL(new RegExp(`step=${STEPS}`));
  expect(await thumbnails.count()).toBeLessThan(40);

  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('step-counter')).toHaveText(`Step ${STEPS - 10} of ${STEPS}`);
  await expect(page.getByTestId('action-description')).toHaveText('Scroll down on the screen.');
  await page.keyboard.press('Home');
  await expect(page.getByTestId('step-counter')).toHaveText(`Step 1 of ${STEPS}`);
});
