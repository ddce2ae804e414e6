/**
 * `core-curator env marks <folder>`: the runner's own set-of-marks of a page of an app folder, one
 * mark a line, for writing expert demos; `--image` writes the marked screenshot. Real Chromium on
 * the bundled mail app.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerRolloutCommands } from '@/server/cli/commands/rollouts';
import { runCliInProcess } from '@/server/testing/cli-in-process';

describe('env marks', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-env-marks-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(
    'prints the marks of a page as the runner numbers and names them, and writes the marked image',
    { timeout: 90_000 },
    async () => {
      const image = path.join(dir, 'marks.png');
      const result = await runCliInProcess([registerRolloutCommands], dir, [
        'env',
        'marks',
        'environments/mail',
        '--path',
        '#/settings',
        '--image',
        image,
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toMatch(/^Relay Mail — Inbox & Settings — http:\/\/127\.0\.0\.1:\d+\/#\/settings$/);
      expect(lines[1]).toMatch(/^\d+ mark\(s\) in view:$/);
      expect(result.stdout).toMatch(/^ {2}\[\d+\]: <link> "Settings"/m);
      expect(result.stdout).toMatch(
        /^ {2}\[\d+\]: <switch> "Conversation view[^"]*" \((checked|unchecked)\)/m,
      );
      // Below the fold of the settings panel: listed apart, with a mark to scroll the panel by.
      expect(result.stdout).toMatch(
        /^ {2}~ down in a panel, scroll \[\d+\]: <switch> "Desktop notifications/m,
      );
      expect(result.stdout).not.toContain('<checkbox> ""');
      const meta = await sharp(image).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 1280, 800]);
    },
  );

  it('refuses a path that would leave the app, naming the flag', async () => {
    const result = await runCliInProcess([registerRolloutCommands], dir, [
      'env',
      'marks',
      'environments/mail',
      '--path',
      '//example.com/',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--path '//example.com/': give a path on the app's server");
  });
});
