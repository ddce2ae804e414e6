/**
 * The manifest of a fine-tuning export (`manifest.json` beside the data files): what went in, by
 * source and category; every trajectory with its split and its environment verdict and message; the
 * sha256 of every file; the strategy-graph versions, label-function versions and review decisions
 * the selection relied on; and the command that reproduces it.
 */
import type { ExportFormat, ExportSource, ExportSplit } from '@/lib/core/export/types';
import type { SkippedStepReason } from '@/lib/core/export/samples';
import type { Category, TrajectoryKind } from '@/lib/core/types';

/** Bumped when the manifest's shape changes (2: `trajectories`, with the environment verdicts). */
export const EXPORT_MANIFEST_VERSION = 2;

export const EXPORT_MANIFEST_FILE = 'manifest.json';

export interface ExportCounts {
  trajectories: number;
  examples: number;
}

export interface ExportManifestFile {
  /** Relative to the export directory, `/`-separated. */
  path: string;
  bytes: number;
  sha256: string;
}

/** One exported trajectory, in the order written. */
export interface ExportManifestTrajectory {
  trajectoryId: string;
  /** The task the examples are about (the created task for relabelled sources). */
  taskId: string;
  source: ExportSource;
  kind: TrajectoryKind;
  /** Null for expert demos and unscored rollouts. */
  category: Category | null;
  split: ExportSplit;
  examples: number;
  /** The environment's own verdict of the trajectory (null = unknown). */
  envSuccess: boolean | null;
  /**
   * The environment's explanation of it (a State-API verifier's message, the WebArena evaluators'
   * details, why there is none); null when none was recorded (imports, older rollouts).
   */
  envMessage: string | null;
  /**
   * Corrections only: the failed rollout it corrects, null once deleted (absent for other kinds,
   * and in older manifests).
   */
  correctedTrajectoryId?: string | null;
  /** Corrections only: the first step the person took (0-based); the examples start there. */
  takeoverStep?: number;
}

export interface ExportManifest {
  manifestVersion: typeof EXPORT_MANIFEST_VERSION;
  exportId: string;
  /** ISO 8601. */
  createdAt: string;
  createdBy: string;
  iteration: number;
  format: ExportFormat;
  options: {
    sources: ExportSource[];
    seed: number;
    validationFraction: number;
    includeEarlierIterations: boolean;
    /** Trajectories of tasks that pass on the untouched seed kept (absent in older manifests). */
    includeSeedPassing?: boolean;
  };
  /** The sample shape and the prompt it was rendered with. */
  sample: { shape: 'next_action'; promptId: string; promptVersion: string };
  counts: {
    train: ExportCounts;
    validation: ExportCounts;
    bySource: Partial<Record<ExportSource, ExportCounts>>;
    /**
     * By trajectory category; expert demos count as `expert`, corrections as `correction`, unscored
     * rollouts as `unscored`.
     */
    byCategory: Record<string, ExportCounts>;
    skippedSteps: Partial<Record<SkippedStepReason, number>>;
    /** Accepted template variants with no demonstration yet (`proposed_tasks`). */
    skippedProposedTasks: number;
    /** Trajectories left out because their task passes on the seed (absent in older manifests). */
    skippedSeedPassing?: number;
    images: { files: number; bytes: number; reencoded: number };
  };
  /** Every trajectory of the export, with its environment verdict and message. */
  trajectories: ExportManifestTrajectory[];
  /** Every file of the export but the manifest itself. */
  files: ExportManifestFile[];
  graphVersions: { taskId: string; graphVersionId: string; version: number }[];
  labelFunctionVersions: { nodeId: string; lfVersionId: string; version: number }[];
  reviewDecisions: {
    kind: 'proposed_path' | 'extrapolated_intent' | 'proposed_task';
    id: string;
    status: string;
    reviewedBy: string | null;
    reviewedAt: string | null;
  }[];
  warnings: string[];
  /** The CLI command that writes the same selection again. */
  command: string;
}

/**
 * `npx core-curator export <format> --iteration N --sources a,b --seed S --validation-fraction F`
 * (plus `--include-earlier-iterations`, `--include-seed-passing`). Re-running it on the same
 * database writes the same examples in the same splits into a new export.
 */
export function buildReproduceCommand(params: {
  format: ExportFormat;
  iteration: number;
  sources: readonly ExportSource[];
  seed: number;
  validationFraction: number;
  includeEarlierIterations: boolean;
  includeSeedPassing?: boolean;
}): string {
  const parts = [
    'npx core-curator export',
    params.format,
    `--iteration ${params.iteration}`,
    `--sources ${params.sources.join(',')}`,
    `--seed ${params.seed}`,
    `--validation-fraction ${params.validationFraction}`,
  ];
  if (params.includeEarlierIterations) parts.push('--include-earlier-iterations');
  if (params.includeSeedPassing) parts.push('--include-seed-passing');
  return parts.join(' ');
}
