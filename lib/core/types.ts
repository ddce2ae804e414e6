/**
 * Domain types shared by the whole product (DESIGN.md › Domain terms). Framework-free.
 */

/** Nominal typing for ids, so a `StepId` cannot go where a `TrajectoryId` is expected. */
export type Brand<T, B extends string> = T & { readonly __brand: B };

export type TaskId = Brand<string, 'TaskId'>;
export type TrajectoryId = Brand<string, 'TrajectoryId'>;
export type StepId = Brand<string, 'StepId'>;
export type IterationId = Brand<number, 'IterationId'>;
export type UserId = Brand<string, 'UserId'>;
export type JobId = Brand<string, 'JobId'>;
/** Lower-case hex sha256 of a media file's bytes; media are content-addressed by it. */
export type MediaHash = Brand<string, 'MediaHash'>;

export const ENVIRONMENTS = ['web', 'android'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const TASK_ORIGINS = ['seed', 'augmented', 'extrapolated'] as const;
export type TaskOrigin = (typeof TASK_ORIGINS)[number];

/**
 * `expert`: an expert demo (imported, scripted, recorded by a person, or a promoted rollout);
 * `rollout`: a sampled attempt of a policy; `correction`: a failed rollout replayed up to its first
 * harmful step and finished by a person (DESIGN.md › Domain terms). Only corrections are made here:
 * imports and ingestion take the first two.
 */
export const TRAJECTORY_KINDS = ['expert', 'rollout', 'correction'] as const;
export type TrajectoryKind = (typeof TRAJECTORY_KINDS)[number];
/** The kinds a file or a harness may bring in (corrections are made only in the dashboard). */
export const IMPORTED_TRAJECTORY_KINDS = ['expert', 'rollout'] as const;
export type ImportedTrajectoryKind = (typeof IMPORTED_TRAJECTORY_KINDS)[number];

export const CATEGORIES = ['fully_passed', 'partially_passed', 'failed'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * Structured action kinds for web and Android agents. Web kinds follow WebVoyager's action space
 * (Click / Type / Scroll / Wait / GoBack / Google / ANSWER) plus WebArena's (goto, press, hover,
 * new_tab, stop); Android kinds follow AndroidWorld / the CORE reference code (open_app,
 * navigate_home, navigate_back, long_press, status).
 */
export const ACTION_TYPES = [
  'click',
  'type',
  'scroll',
  'wait',
  'go_back',
  'google',
  'answer',
  'goto',
  'key_press',
  'hover',
  'open_app',
  'navigate_home',
  'navigate_back',
  'long_press',
  'status',
  'unknown',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export type ScrollDirection = 'up' | 'down' | 'left' | 'right';

/** A box in screenshot pixels, origin top-left. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The structured action of one step. Only the fields that apply to `type` are set. */
export interface StepAction {
  type: ActionType;
  /** Set-of-marks label or element id the action targets, e.g. `"5"` for `Click [5]`. */
  elementId?: string;
  /** Element role or tag, e.g. `button`, `textarea`, `link`. */
  elementRole?: string;
  /** Element accessible name / visible text, e.g. `Search or jump to...`. */
  elementName?: string;
  /** Typed text (`type`). */
  text?: string;
  /** Key name (`key_press`), e.g. `Enter`. */
  key?: string;
  /** Scroll direction (`scroll`). When `elementId` is absent the whole window scrolls. */
  direction?: ScrollDirection;
  /** Answer text (`answer`). */
  answer?: string;
  /** Target URL (`goto`). */
  url?: string;
  /** App name (`open_app`). */
  app?: string;
  /** Task status (`status`). */
  status?: 'complete' | 'infeasible';
  /** Pointer position in screenshot pixels, when the harness recorded one. */
  point?: { x: number; y: number };
  /** The raw action text as the model wrote it, e.g. `Type [2]; Baked Salmon`. */
  raw: string;
}

/** One interactive element of an observation (set-of-marks / accessibility tree entry). */
export interface ObservedElement {
  /** Label as shown on the screenshot or in the tree, e.g. `"5"`. */
  id: string;
  /** Tag or role, e.g. `button`; null when the harness printed none. */
  role: string | null;
  /** Visible text / accessible name; may be empty. */
  name: string;
  /** Bounding box in screenshot pixels when known. */
  box: Box | null;
  /**
   * Text that tells look-alikes apart (e.g. the row or list item an icon button sits in, or its
   * `aria-describedby` text); absent when the name alone is distinctive or the harness gave none.
   */
  context?: string;
  /** Widget states, e.g. `checked`, `unchecked`, `expanded`, `selected`, `disabled`, `value: "…"`. */
  states?: string[];
}
