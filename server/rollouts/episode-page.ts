/**
 * Opening the page of one episode and judging it at the end: shared by the rollout runner
 * (`runner.ts`, a policy acts) and recording sessions (`recording-session.ts`, a person acts), so
 * both reach exactly the same network and get the same verdict.
 *
 * Opening: the environment is reset (`WorkerEnvironments.prepare`), the start URL must pass the
 * rollout network policy (the app's own server, the WebArena site URLs, the allowed hosts of
 * Rollout settings) before anything opens, then a fresh guarded browser context (`network-guard.ts`)
 * opens it and waits for the app's first data requests (`networkidle`, at most 5 s).
 */
import type { Page } from 'playwright-core';
import { DomainError } from '@/lib/core/errors';
import type { WebArenaSiteUrls } from '@/lib/core/evaluators/webarena';
import { createUrlPolicy, truncateUrl, type UrlPolicy } from '@/lib/core/rollouts/url-policy';
import { PAGE_INIT_SCRIPT, VIEWPORT, type RolloutBrowser } from '@/server/rollouts/browser';
import type { EnvironmentVerdict, RolloutTask, WorkerEnvironments } from '@/server/rollouts/environments';
import {
  assertNavigationAllowed,
  BlockedRequestLog,
  openGuardedContext,
  type GuardedContext,
} from '@/server/rollouts/network-guard';

/** Longest wait for the network to go quiet after opening and before judging, in ms. */
export const NETWORK_IDLE_MS = 5_000;

/** A step (or opening the page) ran past its time limit. */
export class StepTimeoutError extends Error {}
/** The browser did not give a context: the episode errors with this message as it is. */
export class BrowserUnavailableError extends Error {}

/** Races `work` against `ms`. @throws StepTimeoutError with `message` when the time runs out. */
export async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface EpisodeNetwork {
  siteUrls: WebArenaSiteUrls;
  /** Origins a PI allowed beyond the environment's own server and the site URLs. */
  allowedHosts: readonly string[];
}

export interface EpisodePage {
  page: Page;
  guarded: GuardedContext;
  /** What `executeAction` and the evaluators may open, and where refusals are logged. */
  navigation: { policy: UrlPolicy; log: BlockedRequestLog };
  blocked: BlockedRequestLog;
  startUrl: string;
}

/**
 * Resets the task's environment and opens its start URL in a new guarded context of `browser`.
 * `blocked` collects refusals (pass the episode's log so refusals before the first step are kept).
 * @throws DomainError('BAD_INPUT') when the task has no usable start URL or the network policy
 *   refuses it (nothing is opened then); BrowserUnavailableError when the browser gives no context;
 *   StepTimeoutError when opening takes longer than `stepTimeoutMs`. The context is closed on error.
 */
export async function openEpisodePage(
  browser: RolloutBrowser,
  environments: WorkerEnvironments,
  task: RolloutTask,
  options: EpisodeNetwork & { stepTimeoutMs: number; blocked?: BlockedRequestLog },
): Promise<EpisodePage> {
  const blocked = options.blocked ?? new BlockedRequestLog();
  const { startUrl, origins } = await environments.prepare(task);
  const policy = createUrlPolicy([...origins, ...Object.values(options.siteUrls), ...options.allowedHosts]);
  const navigation = { policy, log: blocked };
  const startVerdict = policy.check(startUrl, { navigation: true });
  if (!startVerdict.allowed) {
    throw new DomainError(
      'BAD_INPUT',
      `Start URL ${truncateUrl(startUrl)} refused: ${startVerdict.message}. A rollout may reach only its app's server, the WebArena site URLs and the allowed hosts of Rollout settings.`,
    );
  }
  const guarded = await openGuardedContext(browser.browser, policy, blocked, {
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
  }).catch((error: unknown) => {
    throw new BrowserUnavailableError(`The browser could not open a page: ${(error as Error).message}`);
  });
  try {
    await guarded.context.addInitScript(PAGE_INIT_SCRIPT);
    const page = await guarded.context.newPage();
    page.setDefaultTimeout(options.stepTimeoutMs);
    await withTimeout(
      (async () => {
        assertNavigationAllowed(policy, blocked, startUrl);
        await page.goto(startUrl, { waitUntil: 'load' });
      })(),
      options.stepTimeoutMs,
      `Opening ${startUrl} took longer than ${options.stepTimeoutMs} ms`,
    );
    // Apps fetch their data after `load` (State-API apps GET /api/state): let that finish too.
    await page
      .waitForLoadState('networkidle', { timeout: Math.min(NETWORK_IDLE_MS, options.stepTimeoutMs) })
      .catch(() => undefined);
    return { page, guarded, navigation, blocked, startUrl };
  } catch (error) {
    await guarded.close();
    throw error;
  }
}

/**
 * The environment's verdict on the episode that ended on `page`, after letting the app finish
 * saving (a PUT after the last click). Never throws for a failing verdict; throws when the verdict
 * cannot be had (the verifier raised or timed out).
 */
export async function judgeEpisode(
  environments: WorkerEnvironments,
  task: RolloutTask,
  episode: Pick<EpisodePage, 'page' | 'navigation'>,
  finalAnswer: string | null,
  stepTimeoutMs: number,
): Promise<EnvironmentVerdict> {
  await episode.page
    .waitForLoadState('networkidle', { timeout: Math.min(NETWORK_IDLE_MS, stepTimeoutMs) })
    .catch(() => undefined);
  return environments.verdict(task, episode.page, finalAnswer, stepTimeoutMs, episode.navigation);
}
