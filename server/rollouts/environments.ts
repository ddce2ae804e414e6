/**
 * Where a rollout acts and who judges it (the environment verdict, `trajectory.envSuccess`):
 *
 * - **State-API app tasks** (`task.source = 'state-api'`): the worker's own server of the app
 *   folder (one per worker and app, started on first use), reset before every rollout; verdict =
 *   the task's Python `verify(server_url)` (`verifier.ts`), given the final answer when it asks.
 * - **URL tasks with a WebArena / VisualWebArena `eval`**: `start_url` placeholders resolved from
 *   the `siteUrls` setting; verdict = the TypeScript evaluators (`lib/core/evaluators/webarena.ts`)
 *   on the live page; `null` when an evaluator is unsupported here (image or LLM judges). These
 *   sites are the user's: nothing is reset.
 * - **Other URL tasks** (WebVoyager's live websites): start at `startUrl`; verdict unknown (`null`).
 */
import type { Page } from 'playwright-core';
import { DomainError } from '@/lib/core/errors';
import {
  evaluateWebArenaTask,
  isUnsupported,
  parseWebArenaEval,
  resolveSitePlaceholders,
  type PageProbe,
  type WebArenaSiteUrls,
} from '@/lib/core/evaluators/webarena';
import {
  checkStartUrl,
  START_URL_LIST_SEPARATOR,
  truncateUrl,
  type UrlPolicy,
} from '@/lib/core/rollouts/url-policy';
import { assertNavigationAllowed, type BlockedRequestLog } from '@/server/rollouts/network-guard';
import { startStateApiServer, type StateApiServer } from '@/server/rollouts/state-api-server';
import { runVerifier } from '@/server/rollouts/verifier';

/** The task fields the environments read. */
export interface RolloutTask {
  id: string;
  externalId: string;
  intent: string;
  source: string;
  startUrl: string | null;
  evalSpec: unknown;
  meta: Record<string, unknown>;
  /** For State-API tasks: the app folder (from `environment_app`). */
  appFolder: string | null;
}

export interface EnvironmentVerdict {
  envSuccess: boolean | null;
  message: string;
}

function hasWebArenaEval(evalSpec: unknown): boolean {
  return !!evalSpec && typeof evalSpec === 'object' && 'eval_types' in evalSpec;
}

/**
 * Playwright's page as the evaluators' PageProbe. The evaluators' URLs come from task files, so
 * they open only what the rollout's network policy allows (`assertNavigationAllowed`).
 */
export function pageProbe(
  page: Page,
  timeoutMs: number,
  navigation: { policy: UrlPolicy; log: BlockedRequestLog | null },
): PageProbe {
  return {
    currentUrl: () => Promise.resolve(page.url()),
    goto: async (url) => {
      assertNavigationAllowed(navigation.policy, navigation.log, url);
      await page.goto(url, { timeout: timeoutMs, waitUntil: 'load' });
    },
    // Playwright evaluates a string as a page expression; the configs' locators are JS expressions.
    evaluate: (expression) =>
      page.evaluate<string>(
        `(() => { const v = (${expression}); return v === null || v === undefined ? '' : String(v); })()`,
      ),
    content: () => page.content(),
  };
}

/**
 * The environments of one worker: app servers are started on first use and kept until `close()`.
 */
export class WorkerEnvironments {
  private readonly servers = new Map<string, StateApiServer>();

  constructor(private readonly siteUrls: WebArenaSiteUrls) {}

  /**
   * Resets what can be reset and returns the URL to open, with the origins the environment itself
   * serves (a State-API app's own server; none for URL tasks, whose sites come from the settings).
   * A WebArena ` |AND| ` list opens its first URL; every part is still checked.
   * @throws DomainError('BAD_INPUT') for a task with no start URL, a placeholder without a site URL,
   *   or a start URL that is not http(s) (`checkStartUrl`).
   */
  async prepare(task: RolloutTask): Promise<{ startUrl: string; origins: string[] }> {
    if (task.source === 'state-api') {
      const server = await this.serverFor(task);
      server.reset();
      return { startUrl: `${server.url}/`, origins: [server.url] };
    }
    if (!task.startUrl) {
      throw new DomainError('BAD_INPUT', `Task ${task.externalId} has no start URL and no app to serve`);
    }
    const parts = resolveSitePlaceholders(task.startUrl, this.siteUrls)
      .split(START_URL_LIST_SEPARATOR)
      .map((part) => part.trim());
    for (const part of parts) {
      const problem = checkStartUrl(part);
      if (problem)
        throw new DomainError(
          'BAD_INPUT',
          `Task ${task.externalId}: start URL ${truncateUrl(part)}: ${problem}`,
        );
    }
    return { startUrl: parts[0]!, origins: [] };
  }

  /** Judges the episode that just ended on `page`. Never throws for a failing verdict. */
  async verdict(
    task: RolloutTask,
    page: Page | null,
    finalAnswer: string | null,
    timeoutMs: number,
    navigation: { policy: UrlPolicy; log: BlockedRequestLog | null },
  ): Promise<EnvironmentVerdict> {
    if (task.source === 'state-api') {
      const server = await this.serverFor(task);
      const verify = typeof task.meta.verify === 'string' ? task.meta.verify : null;
      if (!verify) return { envSuccess: null, message: 'task has no verify file' };
      const result = await runVerifier({
        folder: task.appFolder!,
        verifyFile: verify,
        serverUrl: server.url,
        finalAnswer,
      });
      return { envSuccess: result.success, message: result.message };
    }
    if (hasWebArenaEval(task.evalSpec) && page) {
      const evalBlock = parseWebArenaEval(task.evalSpec);
      const result = await evaluateWebArenaTask(evalBlock, {
        answer: finalAnswer ?? '',
        page: pageProbe(page, timeoutMs, navigation),
        sites: this.siteUrls,
      });
      if (isUnsupported(result)) return { envSuccess: null, message: `not judged: ${result.unsupported}` };
      return { envSuccess: result.pass, message: result.details.join('; ') };
    }
    return { envSuccess: null, message: 'this task has no evaluator here' };
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    this.servers.clear();
  }

  private async serverFor(task: RolloutTask): Promise<StateApiServer> {
    if (!task.appFolder)
      throw new DomainError('BAD_INPUT', `Task ${task.externalId} names no registered app`);
    let server = this.servers.get(task.appFolder);
    if (!server) {
      server = await startStateApiServer(task.appFolder);
      this.servers.set(task.appFolder, server);
    }
    return server;
  }
}
