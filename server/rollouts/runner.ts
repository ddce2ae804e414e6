/**
 * The rollout runner: plays episodes of policies in Chromium and streams them into the database
 * as live trajectories (`live-trajectory-service.ts`), so the live view shows each step as it is
 * captured.
 *
 * `parallel` workers each own one browser process and their own app servers (`environments.ts`);
 * they take episodes from one shared queue. An episode, step by step: observe (set-of-marks
 * element list, URL, title, viewport screenshot stored by hash) → ask the policy → append the step
 * (observation + chosen action) → execute the action. It ends when the policy answers or sets a
 * status, at `maxSteps`, on a step that exceeds `stepTimeoutMs`, on cancellation, or when the
 * browser dies. Then the environment judges it (`envSuccess`).
 *
 * Failure isolation: a crashed browser (process killed, connection lost) ends *that* episode as
 * `errored` and the worker starts a new browser for its next episode; the other workers go on. An
 * action the page refuses (an element covered, a navigation timing out) does not end the episode —
 * agents mis-click — unless MAX_CONSECUTIVE_ACTION_FAILURES happen in a row.
 */
import { DomainError } from '@/lib/core/errors';
import { describeAction } from '@/lib/core/step-descriptions';
import {
  isTerminalAction,
  type EpisodeEnd,
  type PolicyHistoryStep,
  type RolloutPolicy,
} from '@/lib/core/rollouts/types';
import type { WebArenaSiteUrls } from '@/lib/core/evaluators/webarena';
import type { Db } from '@/server/db/client';
import { storeImage } from '@/server/services/media-store';
import { truncateUrl } from '@/lib/core/rollouts/url-policy';
import {
  addBlockedRequestsToStep,
  appendLiveStep,
  createLiveTrajectory,
  finishLiveTrajectory,
} from '@/server/services/live-trajectory-service';
import {
  assertChromiumAvailable,
  executeAction,
  isBrowserGoneError,
  launchRolloutBrowser,
  observePage,
  VIEWPORT,
  type RolloutBrowser,
} from '@/server/rollouts/browser';
import { WorkerEnvironments, type RolloutTask } from '@/server/rollouts/environments';
import {
  BrowserUnavailableError,
  judgeEpisode,
  openEpisodePage,
  StepTimeoutError,
  withTimeout,
} from '@/server/rollouts/episode-page';
import { BlockedRequestLog, type GuardedContext } from '@/server/rollouts/network-guard';

/** Longest a refused action may wait for its element (a mis-click should not cost the whole step). */
export const ACTION_TIMEOUT_MS = 5_000;
export const MAX_CONSECUTIVE_ACTION_FAILURES = 3;

export interface RolloutEpisode {
  task: RolloutTask;
  /** 0-based sample number within the task. */
  sampleIndex: number;
  /** `expert` records a demonstration; `rollout` samples one. */
  kind: 'expert' | 'rollout';
  /** A fresh policy per episode (policies may keep per-episode state). */
  policy: RolloutPolicy;
}

export interface RunRolloutsOptions {
  db: Db;
  dataDir: string;
  /** Browsers working at once (≥ 1). */
  parallel: number;
  maxSteps: number;
  stepTimeoutMs: number;
  siteUrls: WebArenaSiteUrls;
  /**
   * Origins a PI allowed beyond the environments' own servers and the site URLs (Rollout settings ›
   * Allowed hosts), e.g. `https://www.allrecipes.com`, `https://*.example.com`.
   */
  allowedHosts: readonly string[];
  /** Author of the trajectories (user id or label). */
  createdBy: string;
  jobId?: string | null;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
  /** Test hook, called after each stored step with a way to kill that worker's browser. */
  onStep?: (info: {
    episode: RolloutEpisode;
    trajectoryId: string;
    stepIndex: number;
    killBrowser: () => void;
  }) => void;
  /** Replaces the browser launcher (tests). */
  launchBrowser?: () => Promise<RolloutBrowser>;
}

export interface EpisodeResult {
  trajectoryId: string;
  taskId: string;
  sampleIndex: number;
  status: 'complete' | 'errored';
  end: EpisodeEnd['kind'];
  envSuccess: boolean | null;
  steps: number;
  message: string;
}

export interface RolloutRunSummary {
  episodes: EpisodeResult[];
  complete: number;
  errored: number;
  envSuccess: { true: number; false: number; unknown: number };
  browsersStarted: number;
  seconds: number;
}

/**
 * Runs every episode; resolves when all have ended.
 * @throws DomainError('CONFLICT') before starting when no Chromium is found (with the fix), and after
 *   the run when it was cancelled (episodes that ended are kept).
 */
export async function runRollouts(
  episodes: RolloutEpisode[],
  options: RunRolloutsOptions,
): Promise<RolloutRunSummary> {
  const started = performance.now();
  if (!options.launchBrowser) assertChromiumAvailable();
  const launch = options.launchBrowser ?? launchRolloutBrowser;
  const queue = [...episodes];
  const results: EpisodeResult[] = [];
  let browsersStarted = 0;
  const report = (message: string) =>
    options.onProgress?.(results.length / Math.max(episodes.length, 1), message);
  report(
    `Starting ${Math.min(options.parallel, episodes.length)} browser(s) for ${episodes.length} episode(s)`,
  );

  const worker = async () => {
    const environments = new WorkerEnvironments(options.siteUrls);
    let browser: RolloutBrowser | null = null;
    try {
      for (let episode = queue.shift(); episode; episode = queue.shift()) {
        if (options.signal?.aborted) break;
        if (!browser) {
          browser = await launch();
          browsersStarted++;
        }
        const result = await runEpisode(episode, browser, environments, options);
        results.push(result);
        report(
          `${results.length} of ${episodes.length} episodes done (last: ${episode.task.externalId} #${episode.sampleIndex + 1}, ${result.status})`,
        );
        if (!browser.browser.isConnected()) {
          await browser.close();
          browser = null;
        }
      }
    } finally {
      await browser?.close();
      await environments.close();
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.parallel, episodes.length)) }, worker);
  await Promise.all(workers);

  if (options.signal?.aborted)
    throw new DomainError('CONFLICT', `Rollouts cancelled after ${results.length} episode(s)`);
  options.onProgress?.(1, 'Done');
  const envSuccess = { true: 0, false: 0, unknown: 0 };
  for (const r of results) {
    if (r.envSuccess === true) envSuccess.true++;
    else if (r.envSuccess === false) envSuccess.false++;
    else envSuccess.unknown++;
  }
  return {
    episodes: results,
    complete: results.filter((r) => r.status === 'complete').length,
    errored: results.filter((r) => r.status === 'errored').length,
    envSuccess,
    browsersStarted,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
}

async function runEpisode(
  episode: RolloutEpisode,
  browser: RolloutBrowser,
  environments: WorkerEnvironments,
  options: RunRolloutsOptions,
): Promise<EpisodeResult> {
  const { db, dataDir } = options;
  const { task } = episode;
  const policyLabel = episode.policy.model
    ? `${episode.policy.name}:${episode.policy.model}`
    : episode.policy.name;
  const trajectoryId = createLiveTrajectory(db, {
    taskId: task.id,
    kind: episode.kind,
    source: episode.kind === 'expert' ? `recorded:${episode.policy.name}` : `rollout:${episode.policy.name}`,
    policy: policyLabel,
    createdBy: options.createdBy,
    jobId: options.jobId ?? null,
    sampleIndex: episode.sampleIndex,
  });
  const history: PolicyHistoryStep[] = [];
  let stepIndex = 0;
  let judging = false;
  const base = { trajectoryId, taskId: task.id, sampleIndex: episode.sampleIndex };
  const blocked = new BlockedRequestLog();
  let lastStepId: string | null = null;
  /** Puts what was refused since the last call on the step the agent is on (the last stored one). */
  const flushBlocked = () => {
    if (lastStepId) addBlockedRequestsToStep(db, lastStepId, blocked.drain());
  };
  let guarded: GuardedContext | null = null;
  try {
    // Nothing is opened before the start URL passes the network policy (`openEpisodePage`).
    const opened = await openEpisodePage(browser, environments, task, {
      siteUrls: options.siteUrls,
      allowedHosts: options.allowedHosts,
      stepTimeoutMs: options.stepTimeoutMs,
      blocked,
    });
    guarded = opened.guarded;
    const { navigation } = opened;
    const page = opened.page;

    let end: EpisodeEnd | null = null;
    let finalAnswer: string | null = null;
    let failures = 0;
    for (; stepIndex < options.maxSteps; stepIndex++) {
      if (options.signal?.aborted) {
        end = { kind: 'cancelled' };
        break;
      }
      const current = page;
      const outcome = await withTimeout(
        (async () => {
          // The marks are drawn for every policy: a model is sent that image, and exports train on it.
          const observed = await observePage(current, { drawMarks: true });
          const capturedAt = Date.now();
          const shot = await storeImage(dataDir, observed.png, `${task.externalId} step ${stepIndex}`);
          const marked = observed.markedPng
            ? await storeImage(dataDir, observed.markedPng, `${task.externalId} step ${stepIndex} (marks)`)
            : null;
          const size = (image: typeof shot) => ({
            mediaHash: image.hash,
            mime: image.mime,
            width: image.width ?? VIEWPORT.width,
            height: image.height ?? VIEWPORT.height,
          });
          const decision = await episode.policy.decide(
            {
              stepIndex,
              url: observed.url,
              title: observed.title,
              elements: observed.elements,
              offscreen: observed.offscreen,
              screenshot: size(shot),
              markedScreenshot: marked ? size(marked) : null,
            },
            {
              intent: task.intent,
              history,
              sampleIndex: episode.sampleIndex,
              signal: options.signal ?? new AbortController().signal,
            },
          );
          if (lastStepId) flushBlocked();
          const appended = await appendLiveStep(db, dataDir, trajectoryId, {
            url: observed.url,
            title: observed.title,
            elements: observed.elements,
            screenshot: shot,
            action: decision.action,
            thought: decision.thought,
            rawOutput: decision.rawOutput,
            modelCallId: decision.modelCallId ?? null,
            capturedAt,
            blocked: blocked.drain(),
            modelImage: marked,
          });
          lastStepId = appended.stepId;
          const taken: PolicyHistoryStep = {
            index: stepIndex,
            action: decision.action,
            actionDescription: describeAction(decision.action, 'web'),
            url: observed.url,
          };
          history.push(taken);
          options.onStep?.({ episode, trajectoryId, stepIndex, killBrowser: () => browser.kill() });
          if (isTerminalAction(decision.action))
            return {
              terminal: true as const,
              answer: decision.action.answer ?? null,
              status: decision.action.status,
            };
          try {
            await executeAction(
              current,
              decision.action,
              Math.min(ACTION_TIMEOUT_MS, options.stepTimeoutMs),
              navigation,
              observed.elements,
            );
            failures = 0;
          } catch (error) {
            if (isBrowserGoneError(error) || error instanceof StepTimeoutError) throw error;
            // The policy sees why in its history at the next step and can choose again.
            taken.error = (error as Error).message.split('\n')[0]?.slice(0, 300) ?? 'the action failed';
            failures++;
            if (failures >= MAX_CONSECUTIVE_ACTION_FAILURES) {
              throw new DomainError(
                'CONFLICT',
                `${failures} actions in a row failed; last: ${(error as Error).message.split('\n')[0]}`,
              );
            }
          }
          flushBlocked();
          return { terminal: false as const };
        })(),
        options.stepTimeoutMs,
        `Step ${stepIndex} took longer than ${options.stepTimeoutMs} ms`,
      );
      if (outcome.terminal) {
        finalAnswer = outcome.answer;
        end = outcome.answer !== null ? { kind: 'answered' } : { kind: 'done' };
        stepIndex++;
        break;
      }
    }
    end ??= { kind: 'max_steps' };
    if (end.kind === 'cancelled') {
      flushBlocked();
      finishLiveTrajectory(db, trajectoryId, { status: 'errored', envSuccess: null, error: 'Cancelled' });
      return {
        ...base,
        status: 'errored',
        end: end.kind,
        envSuccess: null,
        steps: stepIndex,
        message: 'cancelled',
      };
    }
    judging = true;
    const verdict = await judgeEpisode(environments, task, opened, finalAnswer, options.stepTimeoutMs);
    flushBlocked();
    finishLiveTrajectory(db, trajectoryId, {
      status: 'complete',
      envSuccess: verdict.envSuccess,
      envMessage: verdict.message,
      finalAnswer,
    });
    return {
      ...base,
      status: 'complete',
      end: end.kind,
      envSuccess: verdict.envSuccess,
      steps: stepIndex,
      message: verdict.message,
    };
  } catch (error) {
    const gone =
      !(error instanceof BrowserUnavailableError) &&
      (isBrowserGoneError(error) || !browser.browser.isConnected());
    const reason = (error as Error).message.split('\n')[0] ?? 'unknown error';
    let message =
      error instanceof BrowserUnavailableError
        ? reason
        : gone
          ? `The browser crashed or was closed at step ${stepIndex}: ${reason}`
          : judging
            ? `Environment verdict: ${reason}`
            : `Step ${stepIndex}: ${reason}`;
    if (lastStepId) {
      try {
        flushBlocked();
      } catch {
        // The database write failing must not hide the episode's own error.
      }
    } else {
      // No step to carry them: the refusals go into the error text (never silent).
      const pending = blocked.drain();
      if (pending.count > 0) {
        const shown = pending.requests
          .slice(0, 3)
          .map((r) => `${r.method} ${truncateUrl(r.url).slice(0, 200)} (${r.reason})`);
        message += ` [${pending.count} blocked request(s): ${shown.join('; ')}${pending.count > 3 ? '; …' : ''}]`;
      }
    }
    // A verdict that could not be had (verifier raised, timed out, missing module) keeps its reason
    // beside the unknown verdict too (`envMessage`), as well as in `error`.
    finishLiveTrajectory(db, trajectoryId, {
      status: 'errored',
      envSuccess: null,
      error: message,
      envMessage: judging && !gone ? reason : null,
    });
    return { ...base, status: 'errored', end: 'errored', envSuccess: null, steps: stepIndex, message };
  } finally {
    await guarded?.close();
  }
}
