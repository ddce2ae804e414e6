/**
 * A recording session: a person drives a rollout browser from the dashboard (teleoperation) to
 * make an expert demo, or finishes a failed rollout from its first harmful step (a correction).
 *
 * The browser, network policy, observation and actions are the rollout runner's own
 * (`episode-page.ts`, `browser.ts`): a recorded step has exactly a rollout step's shape (clean
 * screenshot, marks image, set-of-marks elements, URL, title, structured action, description).
 *
 * Lifecycle: `start()` launches a browser, resets the environment, opens the start URL and, for a
 * correction, replays the rollout's steps before the take-over point; then the person acts
 * (`act`), undoes (`undo`: reset and replay all but the last step), and ends with `finish` (the
 * verifier judges; the caller saves) or `discard`. Nothing is written to the database here: steps
 * and images stay in memory until the caller saves a finished session in one transaction, so a
 * discarded, timed-out or crashed session leaves nothing.
 *
 * Always closed: on finish, discard, the idle timeout (`idleTimeoutMs` without an action), a
 * browser that dies (its `disconnected` event), and — the browser being a child of this process —
 * when the server stops (Playwright closes its browsers on exit and on SIGINT / SIGTERM / SIGHUP;
 * a killed server takes Chromium's pipe with it, and Chromium exits).
 */
import { randomUUID } from 'node:crypto';
import { DomainError } from '@/lib/core/errors';
import {
  findReplayTarget,
  replayTargetOf,
  retargetAction,
  type ReplayTarget,
} from '@/lib/core/rollouts/replay';
import type { OffscreenElement } from '@/lib/core/rollouts/types';
import { isTerminalAction } from '@/lib/core/rollouts/types';
import type { BlockedRequestBatch } from '@/lib/core/rollouts/url-policy';
import { describeAction } from '@/lib/core/step-descriptions';
import type { ObservedElement, StepAction } from '@/lib/core/types';
import {
  executeAction,
  isBrowserGoneError,
  launchRolloutBrowser,
  observePage,
  type RolloutBrowser,
} from '@/server/rollouts/browser';
import {
  judgeEpisode,
  openEpisodePage,
  StepTimeoutError,
  withTimeout,
  type EpisodeNetwork,
  type EpisodePage,
} from '@/server/rollouts/episode-page';
import {
  WorkerEnvironments,
  type EnvironmentVerdict,
  type RolloutTask,
} from '@/server/rollouts/environments';
import { BlockedRequestLog } from '@/server/rollouts/network-guard';
import { ACTION_TIMEOUT_MS } from '@/server/rollouts/runner';

/** Default idle timeout: a session with no action for this long is discarded, in ms. */
export const DEFAULT_RECORDING_IDLE_MS = 15 * 60_000;

export type RecordingMode = 'demo' | 'correction';
export type RecordingStatus = 'starting' | 'replaying' | 'ready' | 'busy' | 'judging' | 'closing' | 'ended';

/** One observation of the page, kept in memory until the session is saved. */
export interface RecordingObservation {
  url: string;
  title: string;
  elements: ObservedElement[];
  offscreen: OffscreenElement[];
  /** Clean viewport screenshot (PNG). */
  png: Buffer;
  /** The same with the set-of-marks drawn (what a model would be sent). */
  markedPng: Buffer;
  /** ms since the epoch. */
  capturedAt: number;
}

/** A recorded step: the observation the action was taken on, and the action. */
export interface RecordingStep {
  observation: RecordingObservation;
  action: StepAction;
  actionDescription: string;
  /** True for a step replayed from the rollout being corrected (not the person's). */
  replayed: boolean;
  /** Requests the network policy refused while on this step. */
  blocked: BlockedRequestBatch;
}

/** A step to replay: its action and the element list of the observation it was taken on. */
export interface ReplayStep {
  action: StepAction;
  elements: readonly ObservedElement[];
  replayed: boolean;
}

/** What `finish` returns for the caller to save. */
export interface FinishedRecording {
  steps: RecordingStep[];
  finalAnswer: string | null;
  verdict: EnvironmentVerdict;
  /** Corrections: index of the first step the person took. */
  takeoverStep: number | null;
}

export interface RecordingSessionOptions {
  task: RolloutTask;
  mode: RecordingMode;
  network: EpisodeNetwork;
  stepTimeoutMs: number;
  /** Most steps a recording may have (the rollout setting `maxSteps`). */
  maxSteps: number;
  idleTimeoutMs?: number;
  /** Corrections: the rollout's steps before the take-over point, replayed at start. */
  prefix?: readonly ReplayStep[];
  /** Called after every change of state (the caller publishes it). */
  onChange?: (session: RecordingSession) => void;
  /** Called once when the session ends, with why. */
  onEnd?: (session: RecordingSession, reason: string) => void;
  /** Replaces the browser launcher (tests). */
  launchBrowser?: () => Promise<RolloutBrowser>;
}

function clip(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.length > 400 ? `${first.slice(0, 399)}…` : first;
}

export class RecordingSession {
  readonly id = randomUUID();
  readonly task: RolloutTask;
  readonly mode: RecordingMode;
  status: RecordingStatus = 'starting';
  /** Increases with every change; actions name the version whose marks they use. */
  version = 0;
  steps: RecordingStep[] = [];
  current: RecordingObservation | null = null;
  /** What the session is doing, or why it stopped replaying (shown to the person). */
  notice: string | null = null;
  /** Why the last action was refused (the page refused it, the element vanished, …). */
  lastError: string | null = null;
  endReason: string | null = null;
  /** Corrections: index of the first step the person takes (lowered when the replay diverged). */
  takeoverStep: number | null;
  lastActivityAt = Date.now();

  private browser: RolloutBrowser | null = null;
  private environments: WorkerEnvironments;
  private episode: EpisodePage | null = null;
  private readonly blocked = new BlockedRequestLog();
  private idleTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(private readonly options: RecordingSessionOptions) {
    this.task = options.task;
    this.mode = options.mode;
    this.takeoverStep = options.mode === 'correction' ? (options.prefix?.length ?? 0) : null;
    this.environments = new WorkerEnvironments(options.network.siteUrls);
  }

  get idleTimeoutMs(): number {
    return this.options.idleTimeoutMs ?? DEFAULT_RECORDING_IDLE_MS;
  }

  get maxSteps(): number {
    return this.options.maxSteps;
  }

  get ended(): boolean {
    return this.status === 'ended';
  }

  /**
   * Launches the browser, opens the task and replays the prefix (corrections). Never throws: a
   * failure ends the session with the reason (`endReason`).
   */
  async start(): Promise<void> {
    this.touch();
    try {
      const launch = this.options.launchBrowser ?? launchRolloutBrowser;
      const browser = await launch();
      if (this.closing) {
        // Ended (discarded, page closed) while Chromium was starting: it must not outlive the session.
        await browser.close();
        return;
      }
      this.browser = browser;
      browser.browser.on('disconnected', () => {
        if (!this.closing)
          void this.end('The browser closed unexpectedly (crashed or was killed); nothing was saved.');
      });
      this.changed('Opening the task…');
      await this.reopen();
      if (this.options.prefix && this.options.prefix.length > 0) {
        this.status = 'replaying';
        this.changed(`Replaying ${this.options.prefix.length} step(s) of the rollout…`);
        const replayed = await this.replay(this.options.prefix);
        this.takeoverStep = this.steps.length;
        this.notice = replayed.problem
          ? `Replay stopped at step ${this.steps.length + 1} of ${this.options.prefix.length}: ${replayed.problem}. You take over from step ${this.steps.length + 1}.`
          : `Replayed ${this.steps.length} step(s). You take over from step ${this.steps.length + 1}.`;
      } else this.notice = null;
      if (this.closing) return;
      this.status = 'ready';
      this.changed();
    } catch (error) {
      await this.end(this.failureReason(error, 'Could not start'));
    }
  }

  /**
   * Performs the person's action on the current observation (`version` must be the one whose marks
   * they used) and records it as a step. A refused action (element gone, covered, an option that
   * does not exist) is not recorded: `lastError` says why and the page is observed again.
   * Terminal actions go through {@link finish}.
   * @throws DomainError('CONFLICT') when the session is not ready, the marks are stale, or the
   *   step limit is reached; DomainError('BAD_INPUT') for a terminal action or an unknown mark.
   */
  async act(action: StepAction, version: number): Promise<void> {
    this.assertReady();
    if (version !== this.version)
      throw new DomainError(
        'CONFLICT',
        `The page changed since you looked (view ${version}, now ${this.version}); act on the new screenshot.`,
      );
    if (isTerminalAction(action))
      throw new DomainError('BAD_INPUT', 'Answering or stopping ends the recording: use Finish.');
    if (this.steps.length >= this.options.maxSteps - 1)
      throw new DomainError(
        'CONFLICT',
        `The recording has ${this.steps.length} steps, one short of the limit of ${this.options.maxSteps} (Rollout settings › max steps): Finish it.`,
      );
    const observation = this.current!;
    let chosen = action;
    if (action.elementId !== undefined) {
      const element = observation.elements.find((e) => e.id === action.elementId);
      if (!element)
        throw new DomainError('BAD_INPUT', `Mark [${action.elementId}] is not on the current page.`);
      chosen = retargetAction(action, element);
    }
    this.status = 'busy';
    this.lastError = null;
    this.touch();
    this.changed();
    try {
      const episode = this.episode!;
      let failed: string | null = null;
      await withTimeout(
        executeAction(
          episode.page,
          chosen,
          Math.min(ACTION_TIMEOUT_MS, this.options.stepTimeoutMs),
          episode.navigation,
          observation.elements,
        ).catch((error: unknown) => {
          if (isBrowserGoneError(error) || error instanceof StepTimeoutError) throw error;
          failed = clip((error as Error).message);
        }),
        this.options.stepTimeoutMs,
        `The action took longer than ${this.options.stepTimeoutMs} ms`,
      );
      if (failed === null)
        this.steps.push({
          observation,
          action: chosen,
          actionDescription: describeAction(chosen, 'web'),
          replayed: false,
          blocked: this.blocked.drain(),
        });
      this.lastError = failed;
      await this.observe();
      this.status = 'ready';
      this.changed();
    } catch (error) {
      await this.failed(error);
    }
  }

  /**
   * Removes the last step: resets the environment, reopens the task and replays the steps before
   * it. The replayed steps of a correction cannot be undone.
   * @throws DomainError('CONFLICT') when not ready or nothing of the person's is left to undo.
   */
  async undo(): Promise<void> {
    this.assertReady();
    const floor = this.takeoverStep ?? 0;
    if (this.steps.length <= floor)
      throw new DomainError(
        'CONFLICT',
        this.mode === 'correction'
          ? 'Nothing of yours to undo: the steps before it are the rollout’s.'
          : 'Nothing to undo.',
      );
    const keep = this.steps.slice(0, -1);
    this.status = 'replaying';
    this.lastError = null;
    this.touch();
    this.changed(`Undo: resetting the environment and replaying ${keep.length} step(s)…`);
    try {
      await this.closeEpisode();
      this.steps = [];
      await this.reopen();
      const replayed = await this.replay(
        keep.map((s) => ({ action: s.action, elements: s.observation.elements, replayed: s.replayed })),
      );
      if (this.takeoverStep !== null) this.takeoverStep = Math.min(this.takeoverStep, this.steps.length);
      this.notice = replayed.problem
        ? `Undo could replay only ${this.steps.length} of ${keep.length} step(s): step ${this.steps.length + 1} ${replayed.problem}. Go on from here.`
        : null;
      this.status = 'ready';
      this.changed();
    } catch (error) {
      await this.failed(error);
    }
  }

  /**
   * Ends the recording: appends the final step (an answer, or the status `complete`), asks the
   * environment for its verdict, closes the browser and returns what to save. A verifier that
   * raises gives an unknown verdict with its reason.
   * @throws DomainError('CONFLICT') when not ready or there is nothing the person did.
   */
  async finish(answer: string | null): Promise<FinishedRecording> {
    this.assertReady();
    if (this.mode === 'correction' && this.steps.length < (this.takeoverStep ?? 0))
      throw new DomainError('CONFLICT', 'The replay has not reached the take-over point.');
    const observation = this.current!;
    const action: StepAction =
      answer !== null && answer.trim() !== ''
        ? { type: 'answer', answer: answer.trim(), raw: `ANSWER; ${answer.trim()}` }
        : { type: 'status', status: 'complete', raw: 'DONE' };
    this.status = 'judging';
    this.touch();
    this.changed('Running the verifier…');
    const steps = [
      ...this.steps,
      {
        observation,
        action,
        actionDescription: describeAction(action, 'web'),
        replayed: false,
        blocked: this.blocked.drain(),
      },
    ];
    let verdict: EnvironmentVerdict;
    try {
      verdict = await judgeEpisode(
        this.environments,
        this.task,
        this.episode!,
        action.type === 'answer' ? (action.answer ?? null) : null,
        this.options.stepTimeoutMs,
      );
    } catch (error) {
      if (isBrowserGoneError(error) || !this.browser?.browser.isConnected()) {
        await this.failed(error);
        throw new DomainError('CONFLICT', this.endReason ?? 'The browser closed while judging.');
      }
      verdict = {
        envSuccess: null,
        message: `the verdict could not be had: ${clip((error as Error).message)}`,
      };
    }
    const last = steps[steps.length - 1]!;
    last.blocked = mergeBlocked(last.blocked, this.blocked.drain());
    const finished: FinishedRecording = {
      steps,
      finalAnswer: action.type === 'answer' ? (action.answer ?? null) : null,
      verdict,
      takeoverStep: this.takeoverStep,
    };
    return finished;
  }

  /** Ends the session (idempotent): closes the page, browser and app servers. */
  async end(reason: string): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.endReason = reason;
    this.status = 'closing';
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    try {
      await this.closeEpisode();
      await this.browser?.close();
      await this.environments.close();
    } finally {
      this.browser = null;
      this.status = 'ended';
      this.options.onEnd?.(this, reason);
      this.changed();
    }
  }

  /** Kills the browser process (tests simulate a crash with it). */
  killBrowser(): void {
    this.browser?.kill();
  }

  // -----------------------------------------------------------------------------------------------

  private assertReady(): void {
    if (this.status === 'ended')
      throw new DomainError('CONFLICT', `The session has ended: ${this.endReason}`);
    if (this.status !== 'ready' || !this.current)
      throw new DomainError(
        'CONFLICT',
        `The session is ${this.status === 'busy' ? 'carrying out the last action' : this.status}; wait for it.`,
      );
  }

  private touch(): void {
    this.lastActivityAt = Date.now();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      void this.end(
        `Nothing happened for ${formatIdle(this.idleTimeoutMs)}: the session was closed and nothing was saved.`,
      );
    }, this.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private changed(notice?: string): void {
    if (notice !== undefined) this.notice = notice;
    this.version++;
    this.options.onChange?.(this);
  }

  private async reopen(): Promise<void> {
    if (!this.browser) throw new DomainError('CONFLICT', 'The browser is not running.');
    this.episode = await openEpisodePage(this.browser, this.environments, this.task, {
      ...this.options.network,
      stepTimeoutMs: this.options.stepTimeoutMs,
      blocked: this.blocked,
    });
    this.blocked.drain();
    await this.observe();
  }

  private async closeEpisode(): Promise<void> {
    const episode = this.episode;
    this.episode = null;
    await episode?.guarded.close().catch(() => undefined);
  }

  private async observe(): Promise<void> {
    const page = this.episode!.page;
    const observed = await withTimeout(
      observePage(page, { drawMarks: true }),
      this.options.stepTimeoutMs,
      `Reading the page took longer than ${this.options.stepTimeoutMs} ms`,
    );
    this.current = {
      url: observed.url,
      title: observed.title,
      elements: observed.elements,
      offscreen: observed.offscreen,
      png: observed.png,
      markedPng: observed.markedPng ?? observed.png,
      capturedAt: Date.now(),
    };
  }

  /**
   * Replays `steps` on the current page, recording each with its fresh observation.
   * @returns the first divergence's problem (the steps before it are recorded), or none.
   */
  private async replay(steps: readonly ReplayStep[]): Promise<{ problem: string | null }> {
    for (const [i, recorded] of steps.entries()) {
      if (this.closing) return { problem: 'the session ended' };
      const observation = this.current!;
      let action = recorded.action;
      const target: ReplayTarget | null | { problem: string } = replayTargetOf(action, recorded.elements);
      if (target && 'problem' in target) return { problem: target.problem };
      if (target) {
        const found = findReplayTarget(target, observation.elements);
        if ('problem' in found) return { problem: `(${describeAction(action, 'web')}): ${found.problem}` };
        action = retargetAction(action, found.element);
      }
      if (isTerminalAction(action)) return { problem: 'it ends the episode' };
      try {
        await withTimeout(
          executeAction(
            this.episode!.page,
            action,
            Math.min(ACTION_TIMEOUT_MS, this.options.stepTimeoutMs),
            this.episode!.navigation,
            observation.elements,
          ),
          this.options.stepTimeoutMs,
          `Step ${i + 1} took longer than ${this.options.stepTimeoutMs} ms`,
        );
      } catch (error) {
        if (isBrowserGoneError(error)) throw error;
        await this.observe();
        return { problem: `(${describeAction(action, 'web')}) failed: ${clip((error as Error).message)}` };
      }
      this.steps.push({
        observation,
        action,
        actionDescription: describeAction(action, 'web'),
        replayed: recorded.replayed,
        blocked: this.blocked.drain(),
      });
      await this.observe();
      this.changed();
    }
    return { problem: null };
  }

  private failureReason(error: unknown, what: string): string {
    const gone = isBrowserGoneError(error) || (this.browser !== null && !this.browser.browser.isConnected());
    return gone
      ? 'The browser closed unexpectedly (crashed or was killed); nothing was saved.'
      : `${what}: ${clip((error as Error).message)}`;
  }

  /** An error the session cannot go on from: it ends, nothing saved. */
  private async failed(error: unknown): Promise<void> {
    if (this.closing) return;
    const reason = this.failureReason(error, 'The session failed');
    await this.end(/nothing was saved/.test(reason) ? reason : `${reason}. Nothing was saved.`);
  }
}

function formatIdle(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

function mergeBlocked(a: BlockedRequestBatch, b: BlockedRequestBatch): BlockedRequestBatch {
  return { count: a.count + b.count, requests: [...a.requests, ...b.requests] };
}
