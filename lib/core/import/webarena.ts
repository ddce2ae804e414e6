/**
 * WebArena / VisualWebArena task-config parser, pure: DESIGN.md › Formats › WebArena /
 * VisualWebArena task configs. Input is the parsed JSON of one config file plus its name; the
 * file-system reader lives in `./node/webarena.ts`.
 */
import { z } from 'zod';

import { normalizeDifficulty } from '@/lib/core/difficulty';
import { ImportFormatError } from '@/lib/core/errors';
import { parseWithSchema } from '@/lib/core/import/format-errors';
import type { ImportBundle, ParsedTask } from '@/lib/core/import/types';
import { ZTaskStartUrlSchema } from '@/lib/core/rollouts/url-policy';

/** Evaluator kinds of the WebArena / VisualWebArena harness (`evaluation_harness/evaluators.py`). */
export const WEBARENA_EVAL_TYPES = ['string_match', 'url_match', 'program_html', 'page_image_query'] as const;
export type WebArenaEvalType = (typeof WEBARENA_EVAL_TYPES)[number];

/** Fields whose presence marks a VisualWebArena config (`config_files/vwa/*.raw.json`). */
export const VISUALWEBARENA_FIELDS = [
  'visual_difficulty',
  'overall_difficulty',
  'reasoning_difficulty',
  'image',
] as const;

/**
 * One WebArena / VisualWebArena config. Only what the product relies on is checked; every other
 * field passes through (`looseObject`) into `meta` or `evalSpec`.
 */
export const ZWebArenaTaskConfigSchema = z.looseObject({
  task_id: z.union([z.number().int(), z.string().min(1)]),
  intent: z.string(),
  /** http(s), `__SITE__` placeholders allowed, ` |AND| ` lists checked part by part. */
  start_url: ZTaskStartUrlSchema.nullable().optional(),
  sites: z.array(z.string()).optional(),
  intent_template: z.string().nullable().optional(),
  instantiation_dict: z.record(z.string(), z.unknown()).nullable().optional(),
  eval: z.looseObject({
    eval_types: z.array(z.enum(WEBARENA_EVAL_TYPES)),
  }),
});
export type TWebArenaTaskConfig = z.infer<typeof ZWebArenaTaskConfigSchema>;

/** Fields mapped onto ParsedTask columns; everything else goes to `meta`. */
const MAPPED_FIELDS = new Set(['intent', 'start_url', 'intent_template', 'instantiation_dict', 'eval']);

function isVisualWebArena(config: Record<string, unknown>, file: string): boolean {
  return VISUALWEBARENA_FIELDS.some((field) => field in config) || /visualwebarena/i.test(file);
}

/**
 * Maps one validated config to a {@link ParsedTask}. `file` decides the source when no
 * VisualWebArena field is present.
 *
 * Mapping: source `visualwebarena` when the config has any of `visual_difficulty`,
 * `overall_difficulty`, `reasoning_difficulty`, `image` or the file path contains
 * `visualwebarena`, else `webarena`; externalId `<source>:<sites joined by '+'>:<task_id>`
 * (`<source>:<task_id>` when `sites` is absent or empty); site = sites joined by `,`;
 * template = `intent_template` (null when empty); params = `instantiation_dict`; startUrl as given
 * (`__SHOPPING__`-style placeholders kept); evalSpec = `eval` as is; meta = all other fields
 * (task_id, sites, intent_template_id, require_login, storage_state, geolocation, require_reset,
 * difficulties, image, comments, viewport_size, …); difficulty = `overall_difficulty` (else
 * `difficulty`) lower-cased, kept in meta too.
 */
export function mapWebArenaTaskConfig(config: TWebArenaTaskConfig, file: string): ParsedTask {
  const source = isVisualWebArena(config, file) ? 'visualwebarena' : 'webarena';
  const sites = config.sites ?? [];
  const meta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!MAPPED_FIELDS.has(key)) meta[key] = value;
  }
  const key = sites.length > 0 ? `${sites.join('+')}:${config.task_id}` : String(config.task_id);
  const template = config.intent_template ?? '';
  return {
    externalId: `${source}:${key}`,
    source,
    intent: config.intent,
    startUrl: config.start_url ?? null,
    environment: 'web',
    site: sites.length > 0 ? sites.join(',') : null,
    template: template.trim() === '' ? null : template,
    params: config.instantiation_dict ?? null,
    origin: 'seed',
    evalSpec: config.eval,
    meta,
    difficulty: normalizeDifficulty(meta.overall_difficulty) ?? normalizeDifficulty(meta.difficulty),
  };
}

/**
 * Parses a WebArena / VisualWebArena config file's JSON: a list of configs
 * (`test_webarena.raw.json`, `test_*.raw.json`) or a single config object
 * (`evaluator-configs/*.json`). Returns `{ tasks, trajectories: [], warnings }`; a warning names
 * each config with an empty intent (the evaluator edge-case configs have `"intent": ""`).
 *
 * Validation (zod): `task_id` (integer or non-empty string), `intent` (string), `eval.eval_types`
 * (array of `string_match` | `url_match` | `program_html` | `page_image_query`); `start_url` may be
 * null, else every ` |AND| ` part must be an http(s) URL once its `__SITE__` placeholder is replaced
 * (`file:///etc/passwd` is refused, naming `[i].start_url`); `sites` an array of strings when present. Raises {@link ImportFormatError} naming `file`
 * and the field path with the config's index (`[17].eval.eval_types`; no index for a single
 * object), for JSON that is neither an object nor a list, and for two configs with the same
 * externalId (naming both indexes).
 */
export function parseWebArenaTaskConfigs(json: unknown, file: string): ImportBundle {
  const isList = Array.isArray(json);
  if (!isList && (typeof json !== 'object' || json === null)) {
    throw new ImportFormatError({ file, reason: 'expected a task config object or a list of them' });
  }
  const items: unknown[] = isList ? json : [json];
  const tasks: ParsedTask[] = [];
  const warnings: string[] = [];
  const indexById = new Map<string, number>();
  items.forEach((item, index) => {
    const basePath = isList ? [index] : [];
    const where = isList ? `[${index}]` : 'config';
    const config = parseWithSchema(ZWebArenaTaskConfigSchema, item, { file, basePath });
    const task = mapWebArenaTaskConfig(config, file);
    const firstIndex = indexById.get(task.externalId);
    if (firstIndex !== undefined) {
      throw new ImportFormatError({
        file,
        field: `[${index}].task_id`,
        reason: `duplicate task '${task.externalId}' at [${firstIndex}] and [${index}]`,
      });
    }
    indexById.set(task.externalId, index);
    if (task.intent.trim() === '')
      warnings.push(`${file}: ${where} (${task.externalId}) has an empty intent`);
    tasks.push(task);
  });
  return { tasks, trajectories: [], warnings };
}
