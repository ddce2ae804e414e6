/**
 * Opening an app's start page the way a rollout does (`runner.ts` runEpisode), for work that is not
 * an episode — the seed check (`seed-check-service.ts`): a browser context behind the rollout
 * network guard (`openGuardedContext`, only `origins` reachable), the page init script, the start
 * URL checked as a navigation before it is opened, then `load` and `networkidle` (State-API apps
 * fetch and PUT their data after `load`), or whatever the caller's `settled` says comes first.
 *
 * `runner.ts` composes the same pieces inline (its episode also records blocked requests on
 * steps); a later change may move it onto this helper.
 */
import type { Page } from 'playwright-core';
import { createUrlPolicy } from '@/lib/core/rollouts/url-policy';
import { PAGE_INIT_SCRIPT, VIEWPORT } from '@/server/rollouts/browser';
import {
  assertNavigationAllowed,
  BlockedRequestLog,
  openGuardedContext,
  type GuardedContext,
} from '@/server/rollouts/network-guard';
import type { Browser } from 'playwright-core';

/** Longest wait for `networkidle` after `load`, in ms (the runner waits at most 5 s too). */
export const APP_IDLE_TIMEOUT_MS = 5_000;

export interface OpenedAppPage {
  page: Page;
  blocked: BlockedRequestLog;
  /** Closes the context and its egress proxy. */
  close(): Promise<void>;
}

/**
 * Opens `startUrl` in a fresh guarded context of `browser`, reaching only `origins`.
 * @throws DomainError('BAD_INPUT') when the start URL is refused; Playwright's error when the page
 *   does not load within `timeoutMs`.
 */
export async function openAppPage(
  browser: Browser,
  params: {
    startUrl: string;
    origins: readonly string[];
    timeoutMs: number;
    idleTimeoutMs?: number;
    /**
     * Resolves when the caller knows the page has settled by other means (e.g. the app stored its
     * state): an app holding an `/api/events` stream open never reaches `networkidle`.
     */
    settled?: (signal: AbortSignal) => Promise<void>;
  },
): Promise<OpenedAppPage> {
  const policy = createUrlPolicy([...params.origins]);
  const blocked = new BlockedRequestLog();
  assertNavigationAllowed(policy, blocked, params.startUrl);
  const guarded: GuardedContext = await openGuardedContext(browser, policy, blocked, {
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
  });
  try {
    await guarded.context.addInitScript(PAGE_INIT_SCRIPT);
    const page = await guarded.context.newPage();
    page.setDefaultTimeout(params.timeoutMs);
    await page.goto(params.startUrl, { waitUntil: 'load', timeout: params.timeoutMs });
    const stop = new AbortController();
    try {
      await Promise.race([
        page
          .waitForLoadState('networkidle', { timeout: params.idleTimeoutMs ?? APP_IDLE_TIMEOUT_MS })
          .catch(() => undefined),
        ...(params.settled ? [params.settled(stop.signal).catch(() => undefined)] : []),
      ]);
    } finally {
      stop.abort();
    }
    return { page, blocked, close: () => guarded.close() };
  } catch (error) {
    await guarded.close();
    throw error;
  }
}
