/**
 * The files of a State-API web app folder (DESIGN.md › Formats › State-API web apps):
 *
 * - `real-tasks.json`: `[{id, difficulty, instruction, verify}]` (WebArena-Infinity), where `verify`
 *   is the path of a Python file, relative to the folder, defining `verify(server_url) -> (bool, str)`;
 * - `expert-demos.json` (optional, our extension): `{<task id>: [expert action, …]}`, the scripted
 *   demonstrations the runner records in Chromium as expert demos (see {@link ZExpertActionSchema}).
 *
 * Tasks become product tasks with `externalId = app:<app id>:<task id>` and `source = 'state-api'`.
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

/**
 * One scripted expert action. Elements are named as the runner's set-of-marks walk names them
 * (`server/rollouts/som.ts`): `role` (ARIA role or the tag's implicit one) and `name` (accessible
 * name), compared exactly; `nth` picks among several matches (0-based).
 */
export const ZExpertActionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('click'),
    role: z.string().min(1),
    name: z.string(),
    nth: z.number().int().min(0).optional(),
  }),
  z.object({
    type: z.literal('type'),
    role: z.string().min(1),
    name: z.string(),
    text: z.string(),
    nth: z.number().int().min(0).optional(),
  }),
  z.object({
    type: z.literal('select'),
    role: z.string().min(1),
    name: z.string(),
    option: z.string().min(1),
    nth: z.number().int().min(0).optional(),
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
 * Parses `real-tasks.json`.
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

/** `app:<app id>:<task id>` */
export function stateApiTaskExternalId(appId: string, taskId: string): string {
  return `app:${appId}:${taskId}`;
}

/** App ids are slugs: lower-case letters, digits and dashes, 1–40 characters. */
export const APP_ID_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;
