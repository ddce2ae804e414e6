/**
 * The offline, deterministic `heuristic` provider (issue 4). PLACEHOLDER signature, being written.
 */
import type { LlmTask } from '@/lib/core/llm/types';

/** Model name recorded for heuristic answers. */
export const HEURISTIC_MODEL = 'heuristic-v1';

/** Answers a task in the same text shape a real model is asked for. */
export function respondHeuristically(task: LlmTask): string {
  throw new Error(`heuristic provider not written yet (${task.purpose})`);
}
