/**
 * Parsed, pre-database shapes produced by the import parsers (DESIGN.md › Formats the product
 * speaks). Nothing here has a database id yet: rows are keyed by stable `externalId`s derived from
 * the source files, so importing the same file twice can be recognised and deduplicated.
 */
import type { ObservedElement, StepAction } from '@/lib/core/types';

export const TASK_SOURCES = ['webvoyager', 'webarena', 'visualwebarena'] as const;
export type TaskSource = (typeof TASK_SOURCES)[number];

export interface ParsedTask {
  /**
   * Stable source key: `webvoyager:<WebVoyager id>` (e.g. `webvoyager:Allrecipes--4`), or
   * `<source>:<sites joined by '+'>:<task_id>` for WebArena / VisualWebArena
   * (e.g. `webarena:shopping_admin:0`, `visualwebarena:wikipedia+reddit:12`).
   */
  externalId: string;
  source: TaskSource;
  /** Natural-language goal, as the source wrote it. */
  intent: string;
  /** Start URL as given; WebArena `__SHOPPING__`-style placeholders are kept verbatim. */
  startUrl: string | null;
  environment: 'web' | 'android';
  /** e.g. `Allrecipes`, `shopping_admin`; several WebArena sites are joined with `,`. */
  site: string | null;
  /** WebArena `intent_template` (null when empty or absent). */
  template: string | null;
  /** WebArena `instantiation_dict`. */
  params: Record<string, unknown> | null;
  origin: 'seed';
  /**
   * WebArena: the `eval` object as is. WebVoyager: `{ reference_answers: [{id, type, ans}], notice }`
   * when `reference_answer.json` holds an entry for the task, else null.
   */
  evalSpec: unknown;
  /** Other config fields worth keeping (task_id, intent_template_id, require_login, difficulty, image, …). */
  meta: Record<string, unknown>;
  /**
   * `task.difficulty`: VisualWebArena's `overall_difficulty` (or a `difficulty` field), lower-cased
   * (`normalizeDifficulty`); null or absent when the source gives none.
   */
  difficulty?: string | null;
}

export interface ParsedStep {
  /** 0-based position in the trajectory. */
  index: number;
  url: string | null;
  title: string | null;
  /** Element list text as the harness gave it; null when the harness omitted it. */
  elementsText: string | null;
  elements: ObservedElement[];
  /** Absolute path of the source image file; null when the file is missing. */
  screenshotFile: string | null;
  action: StepAction;
  /** `describeAction(action, environment)`. */
  actionDescription: string;
  thought: string | null;
  /** The whole assistant turn. */
  rawOutput: string;
}

export interface ParsedTrajectory {
  /** e.g. `webvoyager:taskAllrecipes--4` (the run folder name). */
  externalId: string;
  taskExternalId: string;
  kind: 'expert' | 'rollout';
  source: string;
  /**
   * Model or policy that produced the trajectory, when the source records it (WebVoyager run
   * folders do not: they are left undefined).
   */
  policy?: string | null;
  /** The environment's own verdict; null when the source does not record one. */
  envSuccess: boolean | null;
  finalAnswer: string | null;
  steps: ParsedStep[];
}

export interface ImportBundle {
  tasks: ParsedTask[];
  trajectories: ParsedTrajectory[];
  /** Non-fatal problems (missing screenshot, unpaired turn, …), each naming its file. */
  warnings: string[];
}
