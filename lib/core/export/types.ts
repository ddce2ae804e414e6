/**
 * Fine-tuning exports (DESIGN.md › Formats › Fine-tuning exports): what goes in, the formats, the
 * neutral example the writers map to each format, and the manifest. Framework-free.
 */
import type { Category } from '@/lib/core/types';

/**
 * Where an example comes from. Each trajectory qualifies under one source (a trajectory relabelled
 * with another intent is another example set):
 *
 * - `expert_demos`: expert trajectories of seed and augmented tasks (not the demo copies an
 *   accepted extrapolated intent creates; those are `extrapolated_intents`);
 * - `fully_passed`: complete rollouts whose category is Fully Passed;
 * - `approved_paths`: rollouts whose proposed path a human approved (Partially Passed rollouts
 *   that showed a new valid strategy);
 * - `extrapolated_intents`: the demo of each task created by accepting an extrapolated intent (the
 *   failed rollout, relabelled with the intent it does accomplish);
 * - `proposed_tasks`: accepted paraphrase variants of a task, each with the Fully Passed rollout
 *   it was proposed from, relabelled with the new intent. Accepted template variants have no
 *   demonstration until rolled out; the manifest counts them as skipped;
 * - `corrections`: complete corrections (trajectories of kind `correction`: a failed rollout
 *   replayed up to its first harmful step, then finished by a person) whose verifier passed
 *   (`envSuccess` true: a correction that still failed teaches nothing). Only the person's steps
 *   are targets — index ≥ `takeoverStep` — each with the whole history before it, the replayed steps
 *   included (the teacher-correction data of rollback-correction methods, a person as the teacher).
 *   Iterations as rollouts (the correction's own iteration); split with the rollout it corrects.
 *
 * No other source takes a correction: the others select kind `expert` or `rollout` only.
 */
export const EXPORT_SOURCES = [
  'expert_demos',
  'fully_passed',
  'approved_paths',
  'extrapolated_intents',
  'proposed_tasks',
  'corrections',
] as const;
export type ExportSource = (typeof EXPORT_SOURCES)[number];

export const EXPORT_SOURCE_LABELS: Record<ExportSource, string> = {
  expert_demos: 'Expert demos',
  fully_passed: 'Fully Passed rollouts',
  approved_paths: 'Rollouts of approved paths',
  extrapolated_intents: 'Accepted extrapolated intents',
  proposed_tasks: 'Accepted proposed tasks',
  corrections: 'Corrections of failed rollouts',
};

/**
 * - `openai`: OpenAI-compatible chat JSONL, `{messages}` with image parts as data URIs;
 * - `llama-factory`: ShareGPT-style `{messages, images}` with `<image>` tags, plus `dataset_info.json`;
 * - `ms-swift`: `{messages, images}` with `<image>` tags (ms-swift's standard dataset format).
 */
export const EXPORT_FORMATS = ['openai', 'llama-factory', 'ms-swift'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_FORMAT_LABELS: Record<ExportFormat, string> = {
  openai: 'OpenAI-compatible chat JSONL',
  'llama-factory': 'LLaMA-Factory (ShareGPT + dataset_info.json)',
  'ms-swift': 'ms-swift (messages + images)',
};

/** The two splits and their file names inside an export directory. */
export const EXPORT_SPLITS = ['train', 'validation'] as const;
export type ExportSplit = (typeof EXPORT_SPLITS)[number];

/** An image of an example, by content hash; the writer resolves it to a data URI or a file path. */
export interface ExampleImage {
  mediaHash: string;
  mime: string;
}

export type ExampleContentPart = { type: 'text'; text: string } | { type: 'image'; image: ExampleImage };

/** One chat turn of a neutral example. Assistant turns are text only (DESIGN.md rule). */
export type ExampleMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: ExampleContentPart[] }
  | { role: 'assistant'; content: string };

/**
 * One training example: the next action given the history and the current screenshot
 * (DESIGN.md: one example per step). `meta` travels in the manifest's statistics, never into the
 * training file.
 */
export interface NeutralExample {
  messages: ExampleMessage[];
  meta: {
    trajectoryId: string;
    taskId: string;
    stepIndex: number;
    source: ExportSource;
    category: Category | null;
  };
}
