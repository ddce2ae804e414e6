/**
 * Which expert demos `abstract` learns from, and why it skips a task (issue 16: "`abstract` says which
 * tasks it skipped and why"). A demo is used when it is finished (`complete`) and has steps: a demo
 * still running (a person or a `--record-demos` job is still recording it) is unfinished, an errored
 * one was cut off (crashed browser, step timeout, a verifier that raised), and neither shows the
 * whole task. A demo whose verifier judged it a failure (a recording that went wrong) is left out
 * too, except a promoted one (a person chose to promote it unverified). A task none of whose demos is usable is skipped with a reason and a hint pointing to
 * the ways to get a demo: record one on the task page, or promote a verified rollout.
 *
 * The same reasons and hints are printed by the CLI and listed on the pipeline run page.
 */

/** Why a unit was skipped, for `abstract` (other stages record a reason without a code). */
export const ABSTRACT_SKIP_CODES = [
  'no_expert_demo',
  'demos_unfinished',
  'demos_errored',
  'demos_without_steps',
  'demos_failed_verifier',
  'demos_unusable',
] as const;
export type AbstractSkipCode = (typeof ABSTRACT_SKIP_CODES)[number];

export function isAbstractSkipCode(value: unknown): value is AbstractSkipCode {
  return typeof value === 'string' && (ABSTRACT_SKIP_CODES as readonly string[]).includes(value);
}

/** An expert demo as `abstract` sees it before loading it. */
export interface DemoCandidate {
  id: string;
  status: string;
  stepCount: number;
  /** The environment's verdict (null = unknown, as for imported demos). */
  envSuccess?: boolean | null;
  /** `recorded`, `promoted`, `webvoyager`, … */
  source?: string;
}

/** Why a demo is not used. */
export type DemoProblem = 'unfinished' | 'errored' | 'no_steps' | 'failed_verifier';

const PROBLEM_WORDS: Record<DemoProblem, string> = {
  unfinished: 'still running',
  errored: 'errored',
  no_steps: 'without steps',
  failed_verifier: 'failed its verifier',
};

function demoProblem(demo: DemoCandidate): DemoProblem | null {
  if (demo.status === 'running') return 'unfinished';
  if (demo.status === 'errored') return 'errored';
  if (demo.stepCount <= 0) return 'no_steps';
  // A demo whose verifier said failure does not show how the task is done — unless a person
  // promoted it knowing that (`--allow-unverified`): then it is used as they decided.
  if (demo.envSuccess === false && demo.source !== 'promoted') return 'failed_verifier';
  return null;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "1 still running, 2 errored" (in a fixed order). */
export function describeDemoProblems(ignored: readonly { problem: DemoProblem }[]): string {
  return (['unfinished', 'errored', 'no_steps', 'failed_verifier'] as const)
    .map((p) => [p, ignored.filter((i) => i.problem === p).length] as const)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${n} ${PROBLEM_WORDS[p]}`)
    .join(', ');
}

export interface DemoSelection {
  /** The demos abstraction learns from, in the order given. */
  usable: DemoCandidate[];
  /** The demos left out, with why. */
  ignored: { id: string; problem: DemoProblem }[];
  /** Set when no demo is usable: the task is skipped. */
  skip: { code: AbstractSkipCode; reason: string } | null;
}

/** Splits a task's expert demos into those `abstract` uses and those it leaves out (with why). */
export function selectAbstractionDemos(demos: readonly DemoCandidate[]): DemoSelection {
  const usable: DemoCandidate[] = [];
  const ignored: { id: string; problem: DemoProblem }[] = [];
  for (const demo of demos) {
    const problem = demoProblem(demo);
    if (problem) ignored.push({ id: demo.id, problem });
    else usable.push(demo);
  }
  if (usable.length > 0) return { usable, ignored, skip: null };
  if (demos.length === 0)
    return { usable, ignored, skip: { code: 'no_expert_demo', reason: 'no expert demo' } };
  const problems = new Set(ignored.map((i) => i.problem));
  const n = demos.length;
  const its = n === 1 ? 'its expert demo' : `its ${n} expert demos`;
  if (problems.size === 1) {
    const [only] = problems;
    if (only === 'unfinished')
      return {
        usable,
        ignored,
        skip: { code: 'demos_unfinished', reason: `${its} ${n === 1 ? 'is' : 'are'} still running` },
      };
    if (only === 'errored')
      return {
        usable,
        ignored,
        skip: { code: 'demos_errored', reason: `${its} ended with ${n === 1 ? 'an error' : 'errors'}` },
      };
    if (only === 'failed_verifier')
      return {
        usable,
        ignored,
        skip: {
          code: 'demos_failed_verifier',
          reason: `${its} failed ${n === 1 ? 'its' : 'their'} verifier`,
        },
      };
    return {
      usable,
      ignored,
      skip: { code: 'demos_without_steps', reason: `${its} ${n === 1 ? 'has' : 'have'} no steps` },
    };
  }
  return {
    usable,
    ignored,
    skip: {
      code: 'demos_unusable',
      reason: `none of its ${plural(n, 'expert demo')} is usable (${describeDemoProblems(ignored)})`,
    },
  };
}

/** What to do about a skip: where a demo comes from. */
const GET_A_DEMO = 'record a demo on the task page, or promote a verified rollout';

/** How to promote, said once below a list with {@link GET_A_DEMO} hints. */
export const PROMOTE_HOW_TO =
  "To promote a rollout: 'Promote to expert demo' on its trajectory page, or " +
  'npx core-curator trajectories promote <trajectory-id> [--allow-unverified]; then run abstract again.';

/** The hint shown after a skip reason; null when there is nothing to suggest. */
export function skipHint(code: AbstractSkipCode | null): string | null {
  switch (code) {
    case 'no_expert_demo':
    case 'demos_errored':
    case 'demos_without_steps':
    case 'demos_failed_verifier':
    case 'demos_unusable':
      return GET_A_DEMO;
    case 'demos_unfinished':
      return 'wait until the demo has finished, then run abstract again';
    default:
      return null;
  }
}

/**
 * The code of a stored skip: the recorded one, or — for units skipped before codes were recorded —
 * the one the old reason text meant.
 */
export function skipCodeOf(summary: Record<string, unknown> | null | undefined): AbstractSkipCode | null {
  const code = summary?.reasonCode;
  if (isAbstractSkipCode(code)) return code;
  return summary?.reason === 'no expert demos' ? 'no_expert_demo' : null;
}

/** One skipped unit of a run, as `computeRunStats` lists it. */
export interface SkippedUnit {
  taskId: string;
  taskExternalId: string;
  /** The trajectory the unit was about (stages other than `abstract`); null for a task. */
  trajectoryId: string | null;
  trajectoryExternalId: string | null;
  code: AbstractSkipCode | null;
  reason: string;
  hint: string | null;
}

/** "Skipped 3 tasks:" / "Skipped 1 rollout:" — the heading of the list. */
export function formatSkippedHeading(units: readonly SkippedUnit[]): string {
  const tasks = units.every((u) => u.trajectoryId === null);
  return `Skipped ${plural(units.length, tasks ? 'task' : 'unit')}:`;
}

/** "task webvoyager:GitHub--0 — no expert demo (record a demo on …)". */
export function formatSkippedUnit(unit: SkippedUnit): string {
  const subject =
    unit.trajectoryId === null
      ? `task ${unit.taskExternalId}`
      : `trajectory ${unit.trajectoryExternalId ?? unit.trajectoryId.slice(0, 8)} of task ${unit.taskExternalId}`;
  return `${subject} — ${unit.reason}${unit.hint ? ` (${unit.hint})` : ''}`;
}

/** Whether a list of skips calls for {@link PROMOTE_HOW_TO} (some unit lacks a usable demo). */
export function needsPromoteHowTo(units: readonly SkippedUnit[]): boolean {
  return units.some((u) => u.code !== null && u.code !== 'demos_unfinished');
}

/**
 * The heading, one indented line per skipped unit and, when a demo is missing, how to promote one;
 * '' when nothing was skipped.
 */
export function formatSkippedUnits(units: readonly SkippedUnit[]): string {
  if (units.length === 0) return '';
  return [
    formatSkippedHeading(units),
    ...units.map((u) => `  ${formatSkippedUnit(u)}`),
    ...(needsPromoteHowTo(units) ? [PROMOTE_HOW_TO] : []),
  ].join('\n');
}
