/**
 * What the agent would see on one page of a State-API app folder: serves the folder
 * (`state-api-server.ts`), opens the page in Chromium through the rollout's guarded context
 * (`app-page.ts`) and returns the set-of-marks observation (`browser.ts` `observePage`). For
 * writing and checking `expert-demos.json` against the runner's own naming rule
 * (`npx core-curator env marks <folder>`).
 */
import fs from 'node:fs';
import { DomainError } from '@/lib/core/errors';
import { launchRolloutBrowser, observePage, type ObservedPage } from '@/server/rollouts/browser';
import { openAppPage } from '@/server/rollouts/app-page';
import { startStateApiServer } from '@/server/rollouts/state-api-server';
import { writeFileAtomic } from '@/server/services/write-atomic';

/** Longest wait for the page to load, in ms. */
export const APP_MARKS_PAGE_TIMEOUT_MS = 30_000;

/**
 * @param pagePath where to open, relative to the app's server: `#/settings`, `/index.html?x=1`;
 *   default `/`.
 * @param imageFile when given, the screenshot with the marks drawn is written there (atomically).
 * @throws DomainError('BAD_INPUT') for a folder that is not an app, or a path that is not `/…` or
 *   `#…` (or would leave the app's own server); DomainError('CONFLICT') when Chromium is missing.
 */
export async function inspectAppMarks(
  folder: string,
  options: { pagePath?: string; imageFile?: string } = {},
): Promise<ObservedPage> {
  const pagePath = options.pagePath ?? '/';
  if (!/^[/#]/.test(pagePath) || pagePath.startsWith('//')) {
    throw new DomainError(
      'BAD_INPUT',
      `--path '${pagePath}': give a path on the app's server, e.g. / or #/settings`,
    );
  }
  if (!fs.existsSync(folder)) throw new DomainError('BAD_INPUT', `${folder}: no such folder`);
  const server = await startStateApiServer(folder);
  try {
    const url = new URL(pagePath.startsWith('#') ? `/${pagePath}` : pagePath, server.url);
    if (url.origin !== new URL(server.url).origin)
      throw new DomainError('BAD_INPUT', `--path '${pagePath}' leaves the app's server`);
    const browser = await launchRolloutBrowser();
    try {
      const opened = await openAppPage(browser.browser, {
        startUrl: url.href,
        origins: [server.url],
        timeoutMs: APP_MARKS_PAGE_TIMEOUT_MS,
      });
      try {
        const observed = await observePage(opened.page, { drawMarks: options.imageFile !== undefined });
        if (options.imageFile && observed.markedPng) writeFileAtomic(options.imageFile, observed.markedPng);
        return observed;
      } finally {
        await opened.close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}
