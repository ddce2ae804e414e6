import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { E2E_ACCOUNTS, E2E_PASSWORD } from './accounts';

export const SHARED_DATA = path.resolve(process.cwd(), '../shared/data');
export const WEBVOYAGER_EXAMPLES = path.join(SHARED_DATA, 'webvoyager/examples');

export async function signIn(page: Page, role: keyof typeof E2E_ACCOUNTS): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(E2E_ACCOUNTS[role].email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toContainText(E2E_ACCOUNTS[role].email);
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The `Action:` lines of a WebVoyager run, in order (what the viewer must show per step). */
export function readWebVoyagerActions(runDir: string): string[] {
  const messages = JSON.parse(fs.readFileSync(path.join(runDir, 'interact_messages.json'), 'utf8')) as {
    role: string;
    content: unknown;
  }[];
  return messages
    .filter((m) => m.role === 'assistant' && typeof m.content === 'string')
    .map((m) => /Action:\s*([\s\S]*)$/.exec(m.content as string)?.[1]?.trim() ?? '');
}
