/**
 * Pure helpers of the Exports pages: labels, the export form's parsing, and lines that describe an
 * export or a fine-tuning run. Framework-free so they are unit-tested.
 */
import { MAX_VALIDATION_FRACTION } from '@/lib/core/export/split';
import { EXPORT_SOURCES, type ExportFormat, type ExportSource } from '@/lib/core/export/types';

export { EXPORT_FORMAT_LABELS, EXPORT_SOURCE_LABELS } from '@/lib/core/export/types';

/** The `exports.list` input of the Exports page (prefetched by the page, read by the list). */
export const EXPORTS_LIST_INPUT = { limit: 50 } as const;

/** The `fineTune.runs` input of an export's page. */
export function fineTuneRunsInput(exportId: string) {
  return { exportId, limit: 50 };
}

/** How often a running export or fine-tuning run is polled, and a run's log, in ms. */
export const EXPORT_POLL_INTERVAL_MS = 1_000;

/** One line on each source, shown under its checkbox. */
export const EXPORT_SOURCE_HINTS: Record<ExportSource, string> = {
  expert_demos: 'Demos of seed and augmented tasks, from every iteration up to this one.',
  fully_passed: 'Rollouts the strategy graph judged Fully Passed.',
  approved_paths: 'Partially Passed rollouts whose new path a reviewer approved.',
  extrapolated_intents: 'Failed rollouts relabelled with the intent a reviewer accepted.',
  proposed_tasks: 'Accepted paraphrases, each with the Fully Passed rollout it came from.',
  corrections:
    'Failed rollouts a person finished (verifier passed): the person’s steps are the targets, the replayed steps their history.',
};

export const EXPORT_FORMAT_HINTS: Record<ExportFormat, string> = {
  openai: 'messages with data-URI images; the format OpenAI-compatible fine-tuning APIs take.',
  'llama-factory': 'messages + images with <image> tags, and dataset_info.json (ShareGPT).',
  'ms-swift': 'messages + images with <image> tags; run swift from the export folder.',
};

export interface ExportFormInput {
  iterationId: string;
  format: ExportFormat;
  sources: ExportSource[];
  seed: string;
  validationPercent: string;
  includeEarlierIterations: boolean;
  /** Keep trajectories of tasks that pass on the untouched seed (sent only when true). */
  includeSeedPassing?: boolean;
}

export type ParsedExportForm =
  | {
      ok: true;
      value: {
        iterationId: number;
        format: ExportFormat;
        sources: ExportSource[];
        seed: number;
        validationFraction: number;
        includeEarlierIterations: boolean;
        includeSeedPassing?: boolean;
      };
    }
  | { ok: false; error: string };

/** Checks the export form (the server checks again): a source, an integer seed, 0–50 % validation. */
export function parseExportForm(input: ExportFormInput): ParsedExportForm {
  const iterationId = Number(input.iterationId);
  if (!Number.isInteger(iterationId) || iterationId < 1) return { ok: false, error: 'Choose an iteration.' };
  if (input.sources.length === 0) return { ok: false, error: 'Choose at least one source.' };
  const seed = Number(input.seed);
  if (input.seed.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > 2_147_483_647)
    return { ok: false, error: 'The seed is a whole number from 0 to 2147483647.' };
  const percent = Number(input.validationPercent);
  if (
    input.validationPercent.trim() === '' ||
    !Number.isFinite(percent) ||
    percent < 0 ||
    percent > MAX_VALIDATION_FRACTION * 100
  )
    return { ok: false, error: `Validation is 0 to ${MAX_VALIDATION_FRACTION * 100} % of the trajectories.` };
  return {
    ok: true,
    value: {
      iterationId,
      format: input.format,
      sources: EXPORT_SOURCES.filter((s) => input.sources.includes(s)),
      seed,
      validationFraction: Math.round(percent * 100) / 10_000,
      includeEarlierIterations: input.includeEarlierIterations,
      ...(input.includeSeedPassing ? { includeSeedPassing: true } : {}),
    },
  };
}

/** `1.2 MB`-style size (powers of 1024, one decimal under 10). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

/** What the launcher of a run targets, in words. */
export function describeRunTarget(run: { launcher: 'openai' | 'command'; target: string }): string {
  return run.launcher === 'openai' ? `Fine-tuning API · ${run.target}` : `Command · ${run.target}`;
}

/** Why the API launcher cannot take this export, or null when it can. */
export function openAiLaunchProblem(format: ExportFormat, openai: { model: string } | null): string | null {
  if (!openai) return 'No fine-tuning API is configured (a PI sets it under Settings › Fine-tuning).';
  if (format !== 'openai')
    return 'The fine-tuning API takes OpenAI chat JSONL; export in that format to use it.';
  return null;
}
