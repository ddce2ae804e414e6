/**
 * The files of a State-API web app folder (DESIGN.md › Formats › State-API web apps):
 *
 * - `real-tasks.json` and `function-tasks.json` (WebArena-Infinity; either may be absent, not
 *   both): `[{id, instruction, verify, difficulty?}]`, where `verify` is the path of a Python file,
 *   relative to the folder, defining `verify(server_url) -> (bool, str)`;
 * - `expert-demos.json` (optional, our extension): `{<task key>: [expert action, …]}`, the scripted
 *   demonstrations the runner records in Chromium as expert demos (see {@link ZExpertActionSchema});
 *   a real task's key is its id, a function task's `function:<id>`.
 *
 * Tasks become product tasks with `source = 'state-api'` and `externalId = app:<app id>:<task id>`
 * (real tasks) or `app:<app id>:function:<task id>` (function tasks).
 */
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { parseWithSchema } from '@/lib/core/import/format-errors';

export const ZStateApiTaskSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  difficulty: z.string().optional(),
  instruction: z.string().min(1),
  verify: z.string().min(1),
});
export type TStateApiTask = z.infer<typeof ZStateApiTaskSchema>;

export const ZStateApiTasksSchema = z.array(ZStateApiTaskSchema).min(1);

/** The two task files of the convention, in the order they are read. */
export const STATE_API_TASK_SETS = ['real', 'function'] as const;
export type StateApiTaskSet = (typeof STATE_API_TASK_SETS)[number];
export const STATE_API_TASK_FILES: Record<StateApiTaskSet, string> = {
  real: 'real-tasks.json',
  function: 'function-tasks.json',
};

/** A task of one of the two files, with the key the app's other files name it by. */
export interface StateApiAppTask extends TStateApiTask {
  taskSet: StateApiTaskSet;
  /** `<id>` for a real task, `function:<id>` for a function task (expert-demos.json keys). */
  key: string;
}

/** `<id>` for real tasks, `function:<id>` for function tasks. */
export function stateApiTaskKey(taskSet: StateApiTaskSet, taskId: string): string {
  return taskSet === 'function' ? `function:${taskId}` : taskId;
}

/**
 * One scripted expert action. Elements are named as the runner's set-of-marks walk names them
 * (`server/rollouts/som.ts`): `role` (ARIA role or the tag's implicit one) and `name` (accessible
 * name), compared exactly; `context`, when given, must occur in the mark's context (the row or list
 * item text that tells look-alikes apart, case-insensitive); `nth` picks among the matches (0-based).
 */
export const ZExpertActionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('click'),
    role: z.string().min(1),
    name: z.string(),
    nth: z.number().int().min(0).optional(),
    context: z.string().min(1).optional(),
  }),
  z.object({
    type: z.literal('type'),
    role: z.string().min(1),
    name: z.string(),
    text: z.string(),
    nth: z.number().int().min(0).optional(),
    context: z.string().min(1).optional(),
  }),
  z.object({
    type: z.literal('select'),
    role: z.string().min(1),
    name: z.string(),
    option: z.string().min(1),
    nth: z.number().int().min(0).optional(),
    context: z.string().min(1).optional(),
  }),
  z.object({ type: z.literal('key_press'), key: z.string().min(1) }),
  z.object({ type: z.literal('scroll'), direction: z.enum(['up', 'down']) }),
  z.object({ type: z.literal('go_back') }),
  z.object({ type: z.literal('answer'), answer: z.string() }),
]);
export type ExpertAction = z.infer<typeof ZExpertActionSchema>;

export const ZExpertDemosSchema = z.record(z.string(), z.array(ZExpertActionSchema).min(1));
export type TExpertDemos = z.infer<typeof ZExpertDemosSchema>;

/**
 * Parses `real-tasks.json` or `function-tasks.json`.
 * @throws DomainError('BAD_INPUT') naming the file and the field (e.g. `[3].verify`), or duplicate ids.
 */
export function parseStateApiTasks(json: unknown, file: string): TStateApiTask[] {
  const tasks = parseWithSchema(ZStateApiTasksSchema, json, { file });
  const seen = new Set<string>();
  for (const [i, t] of tasks.entries()) {
    if (seen.has(t.id)) throw new DomainError('BAD_INPUT', `${file}: [${i}].id '${t.id}' is used twice`);
    seen.add(t.id);
  }
  return tasks;
}

/** @throws DomainError('BAD_INPUT') naming the file and the field. */
export function parseExpertDemos(json: unknown, file: string): TExpertDemos {
  return parseWithSchema(ZExpertDemosSchema, json, { file });
}

/** `app:<app id>:<task id>`, or `app:<app id>:function:<task id>` for a function task. */
export function stateApiTaskExternalId(
  appId: string,
  taskId: string,
  taskSet: StateApiTaskSet = 'real',
): string {
  return `app:${appId}:${stateApiTaskKey(taskSet, taskId)}`;
}

/** App ids are slugs: lower-case letters, digits and dashes, 1–40 characters. */
export const APP_ID_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;
