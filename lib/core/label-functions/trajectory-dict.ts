/**
 * The trajectory dict handed to `label_function(trajectory)` (DESIGN.md › Label functions), built
 * from a task, a trajectory and its steps. Pure: no I/O. The same JSON is what
 * `core-curator lf run --trajectory <file.json>` reads.
 *
 * ## Format (copy for the README)
 *
 * A JSON object; Python sees it as a `dict` (keys in snake_case, absent values as `None`):
 *
 * ```text
 * {
 *   "objective":   str,             # the task's intent
 *   "template":    str | None,      # the task's template (WebArena intent_template), if any
 *   "params":      dict | None,     # the template's parameters (WebArena instantiation_dict), if any
 *   "environment": "web" | "android",
 *   "steps": [                      # one dict per step, in step order
 *     {
 *       "index": int,               # 0-based step index (the evidence step refers to it)
 *       "url":   str | None,        # page URL observed before the action (web), if recorded
 *       "title": str | None,        # page / window title, if recorded
 *       "action": {
 *         "type": str,              # click | type | scroll | wait | go_back | google | answer | goto |
 *                                   # key_press | hover | open_app | navigate_home | navigate_back |
 *                                   # long_press | status | unknown
 *         "element_id":   str | None,   # set-of-marks label / element index, e.g. "5"
 *         "element_role": str | None,   # tag or role of the target, e.g. "button", "input"
 *         "element_name": str | None,   # accessible name / visible text of the target
 *         "text":      str | None,      # typed text (type)
 *         "press_enter": bool,          # type: Enter is pressed after typing (see below)
 *         "key":       str | None,      # key name (key_press), e.g. "Enter"
 *         "direction": str | None,      # up | down | left | right (scroll)
 *         "answer":    str | None,      # answer text (answer)
 *         "url":       str | None,      # target URL (goto)
 *         "app":       str | None,      # app name (open_app)
 *         "status":    str | None,      # complete | infeasible (status)
 *         "raw":       str              # the action as the model wrote it, e.g. "Type [2]; Baked Salmon"
 *       },
 *       "action_description": str,  # templated sentence (stage D), e.g. "Scroll down on the screen."
 *       "thought":  str | None,     # the model's reasoning for this step
 *       "elements": [ {"id": str, "role": str | None, "name": str} ]   # observed interactive elements
 *     }, …
 *   ],
 *   "action_description": [str],    # parallel lists, as in the CORE reference pipeline:
 *   "action_output_raw":  [str],    #   the whole model output of each step (else the raw action),
 *   "element_lists":      [str],    #   each step's element list / accessibility tree as text ("" if none)
 *   "final_answer": str | None,     # the trajectory's final answer, if any
 *   "final_state":  Any | None      # the environment's final state where it exposes one, else None
 * }
 * ```
 *
 * `press_enter` is true for web `type` actions (WebVoyager's harness presses Enter after every
 * `Type`; WebArena's `type [id] [text] [press_enter_after]` defaults to 1), false when a WebArena raw
 * action ends in `[0]`, and false on Android (AndroidWorld's `input_text` does not submit).
 *
 * For `lf run`, only `objective` and `steps` (each with `index` and `action.type`) are required;
 * missing fields default to `None` / `[]` / `false`, and missing parallel lists are derived from
 * `steps`. Unknown extra keys are kept, so researchers' own dicts load as they are.
 */
import { z } from 'zod';

import { ACTION_TYPES, type Environment, type ObservedElement, type StepAction } from '@/lib/core/types';

export interface TrajectoryDictElement {
  id: string;
  role: string | null;
  name: string;
}

export interface TrajectoryDictAction {
  type: string;
  element_id: string | null;
  element_role: string | null;
  element_name: string | null;
  text: string | null;
  press_enter: boolean;
  key: string | null;
  direction: string | null;
  answer: string | null;
  url: string | null;
  app: string | null;
  status: string | null;
  raw: string;
}

export interface TrajectoryDictStep {
  index: number;
  url: string | null;
  title: string | null;
  action: TrajectoryDictAction;
  action_description: string;
  thought: string | null;
  elements: TrajectoryDictElement[];
}

/** The dict `label_function(trajectory)` receives (see the module comment for the format). */
export interface TrajectoryDict {
  objective: string;
  template: string | null;
  params: Record<string, unknown> | null;
  environment: Environment;
  steps: TrajectoryDictStep[];
  action_description: string[];
  action_output_raw: string[];
  element_lists: string[];
  final_answer: string | null;
  final_state: unknown;
}

/** The step fields the dict needs; both import `ParsedStep`s and database `step` rows fit. */
export interface TrajectoryDictStepInput {
  index: number;
  url: string | null;
  title: string | null;
  elementsText: string | null;
  elements: readonly ObservedElement[];
  action: StepAction;
  actionDescription: string;
  thought: string | null;
  rawOutput: string | null;
}

export interface BuildTrajectoryDictParams {
  task: {
    intent: string;
    template?: string | null;
    params?: Record<string, unknown> | null;
    environment?: Environment;
  };
  trajectory: { finalAnswer: string | null };
  steps: readonly TrajectoryDictStepInput[];
  /** The environment's final state (e.g. a state-API app's `GET /api/state`); null when none. */
  finalState?: unknown;
}

/**
 * Whether Enter is pressed after a `type` action: web harnesses submit after typing (WebVoyager
 * always, WebArena unless `press_enter_after` is 0, written as a trailing `[0]`); Android does not.
 */
export function typePressesEnter(action: StepAction, environment: Environment): boolean {
  if (action.type !== 'type' || environment !== 'web') return false;
  return !/\[\s*0\s*\]\s*$/.test(action.raw);
}

/**
 * Renders parsed elements as text, one `[id] role 'name'` line each (WebArena's accessibility-tree
 * style), for steps whose harness gave no element-list text.
 */
export function renderElementList(elements: readonly ObservedElement[]): string {
  return elements
    .map((element) => `[${element.id}] ${element.role ?? 'element'} ${JSON.stringify(element.name)}`)
    .join('\n');
}

function buildAction(action: StepAction, environment: Environment): TrajectoryDictAction {
  return {
    type: action.type,
    element_id: action.elementId ?? null,
    element_role: action.elementRole ?? null,
    element_name: action.elementName ?? null,
    text: action.text ?? null,
    press_enter: typePressesEnter(action, environment),
    key: action.key ?? null,
    direction: action.direction ?? null,
    answer: action.answer ?? null,
    url: action.url ?? null,
    app: action.app ?? null,
    status: action.status ?? null,
    raw: action.raw,
  };
}

/**
 * Builds the trajectory dict of one trajectory. Steps are sorted by `index`; the parallel lists
 * follow the same order: `action_output_raw[i]` is the step's whole model output (`rawOutput`), else
 * its raw action; `element_lists[i]` is its element-list text, else its parsed elements rendered by
 * {@link renderElementList}, else `""`. The environment defaults to `web`. Never raises.
 */
export function buildTrajectoryDict(params: BuildTrajectoryDictParams): TrajectoryDict {
  const environment = params.task.environment ?? 'web';
  const steps = [...params.steps].sort((a, b) => a.index - b.index);
  return {
    objective: params.task.intent,
    template: params.task.template ?? null,
    params: params.task.params ?? null,
    environment,
    steps: steps.map((step) => ({
      index: step.index,
      url: step.url,
      title: step.title,
      action: buildAction(step.action, environment),
      action_description: step.actionDescription,
      thought: step.thought,
      elements: step.elements.map((element) => ({ id: element.id, role: element.role, name: element.name })),
    })),
    action_description: steps.map((step) => step.actionDescription),
    action_output_raw: steps.map((step) => step.rawOutput ?? step.action.raw),
    element_lists: steps.map((step) => step.elementsText ?? renderElementList(step.elements)),
    final_answer: params.trajectory.finalAnswer,
    final_state: params.finalState ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading a trajectory dict given as JSON (`lf run --trajectory`)
// ---------------------------------------------------------------------------------------------

const nullableString = z.string().nullable().default(null);

const ZTrajectoryDictActionSchema = z.looseObject({
  type: z.enum(ACTION_TYPES, { error: `action.type must be one of: ${ACTION_TYPES.join(', ')}` }),
  element_id: nullableString,
  element_role: nullableString,
  element_name: nullableString,
  text: nullableString,
  press_enter: z.boolean().default(false),
  key: nullableString,
  direction: nullableString,
  answer: nullableString,
  url: nullableString,
  app: nullableString,
  status: nullableString,
  raw: z.string().default(''),
});

const ZTrajectoryDictStepSchema = z.looseObject({
  index: z.number().int().nonnegative(),
  url: nullableString,
  title: nullableString,
  action: ZTrajectoryDictActionSchema,
  action_description: z.string().default(''),
  thought: nullableString,
  elements: z
    .array(z.looseObject({ id: z.string(), role: z.string().nullable().default(null), name: z.string() }))
    .default([]),
});

/**
 * A trajectory dict as given in a JSON file: `objective` and `steps` required, everything else
 * defaulted (see the module comment). Extra keys are kept. Use {@link completeTrajectoryDict} to
 * derive missing parallel lists.
 */
export const ZTrajectoryDictSchema = z.looseObject({
  objective: z.string(),
  template: nullableString,
  params: z.record(z.string(), z.unknown()).nullable().default(null),
  environment: z.enum(['web', 'android']).default('web'),
  steps: z.array(ZTrajectoryDictStepSchema),
  action_description: z.array(z.string()).optional(),
  action_output_raw: z.array(z.string()).optional(),
  element_lists: z.array(z.string()).optional(),
  final_answer: nullableString,
  final_state: z.unknown().default(null),
});
export type TTrajectoryDictInput = z.infer<typeof ZTrajectoryDictSchema>;

/** Fills the parallel lists a parsed dict left out from its steps (same rules as {@link buildTrajectoryDict}). */
export function completeTrajectoryDict(
  input: TTrajectoryDictInput,
): TrajectoryDict & Record<string, unknown> {
  return {
    ...input,
    final_state: input.final_state ?? null,
    action_description: input.action_description ?? input.steps.map((step) => step.action_description),
    action_output_raw: input.action_output_raw ?? input.steps.map((step) => step.action.raw),
    element_lists:
      input.element_lists ??
      input.steps.map((step) =>
        renderElementList(step.elements.map((element) => ({ ...element, box: null }))),
      ),
  };
}
