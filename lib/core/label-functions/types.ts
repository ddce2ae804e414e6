/**
 * Label-function evaluation types shared by the sandbox (server/sandbox), the CLI and storage.
 */

/** How one label-function evaluation ended. Anything but `ok` counts as `False` for the verdict. */
export const LF_OUTCOMES = ['ok', 'exception', 'timeout', 'memory', 'crash', 'non_bool'] as const;
export type LfOutcome = (typeof LF_OUTCOMES)[number];

export interface LfEvaluation {
  /** `true`/`false` when the function returned a bool; null on error, timeout, crash or non-bool. */
  result: boolean | null;
  /** 0-based step index of the evidence (see the predefined API's docstring); null when none. */
  evidenceStep: number | null;
  outcome: LfOutcome;
  /** Error text for anything but `ok` (exception type and message, "timed out after 2000 ms", …). */
  error: string | null;
  /** Wall-clock milliseconds spent in the function. */
  durationMs: number;
}
