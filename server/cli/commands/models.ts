/**
 * `core-curator models set|show|test` — the Models page (`/settings/models`) from a terminal, so a
 * lab can script a headless setup. Same service (`server/llm/settings-service.ts`), same zod
 * schema as `llm.settings.update`, same audit entries (`llm_settings.update`, actor `cli`), same
 * connection test as **Test connection** (`server/llm/clients.ts`).
 *
 * The API key is read from the environment variable named by `--api-key-env`, never from argv
 * (argv shows in `ps` and in shell history), and is never printed: `show` says only whether a key
 * is stored, as the page does. `set` changes only the fields it is given: the others keep their
 * stored values (or the defaults when nothing is stored).
 */
import { CommanderError, InvalidArgumentError, Option, type Command } from 'commander';
import { DomainError } from '@/lib/core/errors';
import { LLM_PROVIDERS, LLM_ROLES, type LlmRole, type SamplingParams } from '@/lib/core/llm/types';
import { withDb } from '@/server/cli/shared';
import { testConnection } from '@/server/llm/clients';
import {
  getLlmSettings,
  updateLlmSettings,
  ZLlmSettingsUpdateSchema,
  type LlmSettingsView,
  type TLlmSettingsUpdate,
} from '@/server/llm/settings-service';

/** Who the audit log names for changes made here. */
export const CLI_SETTINGS_ACTOR = { id: null, email: 'cli' } as const;

/** Schema field path → the flag that sets it (errors name the flag). */
const FLAG_OF_FIELD: Record<string, string> = {
  role: '<role>',
  provider: '--provider',
  baseUrl: '--base-url',
  model: '--model',
  apiKey: '--api-key-env',
  timeoutMs: '--timeout-ms',
  maxRetries: '--max-retries',
  concurrency: '--concurrency',
  'sampling.temperature': '--temperature',
  'sampling.top_p': '--top-p',
  'sampling.top_k': '--top-k',
  'sampling.max_tokens': '--max-tokens',
};

/** A number as typed; range and integer checks are the schema's. */
export function parseNumberArg(value: string): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('not a number.');
  return n;
}

/** Typed for a sampling parameter to leave it out of requests. */
const NONE = 'none';

/**
 * A sampling value: a number, or `none`. (Kept as the string: commander turns a parser's `null`
 * into `''`.)
 */
function parseOptionalNumberArg(value: string): number | typeof NONE {
  return value.trim().toLowerCase() === NONE ? NONE : parseNumberArg(value);
}

/** The flag's value for the schema: unset → the stored one, `none` → null. */
function samplingValue(flag: number | typeof NONE | undefined, stored: number | null): number | null {
  if (flag === undefined) return stored;
  return flag === NONE ? null : flag;
}

/**
 * A bad flag value after parsing: printed like commander's own usage errors (without the help
 * text) and exits 2.
 */
export function failUsage(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  throw new CommanderError(2, 'core-curator.invalidValue', message);
}

function isRole(value: string): value is LlmRole {
  return (LLM_ROLES as readonly string[]).includes(value);
}

function parseRoleArg(value: string): LlmRole {
  if (!isRole(value)) throw new InvalidArgumentError(`one of ${LLM_ROLES.join(', ')}.`);
  return value;
}

interface SetOptions {
  provider?: (typeof LLM_PROVIDERS)[number];
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  clearApiKey?: boolean;
  temperature?: number | typeof NONE;
  topP?: number | typeof NONE;
  topK?: number | typeof NONE;
  maxTokens?: number | typeof NONE;
  timeoutMs?: number;
  maxRetries?: number;
  concurrency?: number;
  json?: boolean;
}

/**
 * The update `set` sends: the stored view with the given flags on top. The key is read from the
 * named environment variable here.
 * @throws Error naming `--api-key-env` when the variable is unset or empty (the message never
 *   holds its value).
 */
export function buildLlmSettingsUpdate(
  role: LlmRole,
  current: LlmSettingsView,
  opts: SetOptions,
  env: NodeJS.ProcessEnv = process.env,
): TLlmSettingsUpdate {
  let apiKey: string | null | undefined;
  if (opts.apiKeyEnv !== undefined) {
    const value = env[opts.apiKeyEnv];
    if (value === undefined)
      throw new FlagError(`--api-key-env: environment variable ${opts.apiKeyEnv} is not set`);
    if (value.trim() === '')
      throw new FlagError(`--api-key-env: environment variable ${opts.apiKeyEnv} is empty`);
    apiKey = value.trim();
  } else if (opts.clearApiKey) {
    apiKey = null;
  }
  const sampling: SamplingParams = {
    temperature: samplingValue(opts.temperature, current.sampling.temperature),
    top_p: samplingValue(opts.topP, current.sampling.top_p),
    top_k: samplingValue(opts.topK, current.sampling.top_k),
    max_tokens: samplingValue(opts.maxTokens, current.sampling.max_tokens),
  };
  const provider = opts.provider ?? current.provider;
  // A switch from `heuristic` starts with no endpoint: the schema asks for --base-url and --model.
  const fromHeuristic = current.provider === 'heuristic';
  return {
    role,
    provider,
    baseUrl: opts.baseUrl ?? (fromHeuristic ? null : current.baseUrl),
    model: opts.model ?? (fromHeuristic ? undefined : current.model),
    apiKey,
    timeoutMs: opts.timeoutMs ?? current.timeoutMs,
    maxRetries: opts.maxRetries ?? current.maxRetries,
    concurrency: opts.concurrency ?? current.concurrency,
    sampling,
  };
}

/** A bad flag value: printed as a usage error (exit 2), naming the flag. */
export class FlagError extends Error {}

/**
 * Validates `update` with the tRPC procedure's schema and names the flag of every problem.
 * @throws FlagError
 */
function assertValidUpdate(update: TLlmSettingsUpdate): void {
  const parsed = ZLlmSettingsUpdateSchema.safeParse(update);
  if (parsed.success) return;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.join('.');
    return `${FLAG_OF_FIELD[field] ?? field}: ${issue.message}`;
  });
  throw new FlagError(problems.join('; '));
}

function formatSampling(s: SamplingParams): string {
  const part = (name: string, v: number | null) => `${name} ${v === null ? 'none' : v}`;
  return [
    part('temperature', s.temperature),
    part('top_p', s.top_p),
    part('top_k', s.top_k),
    part('max_tokens', s.max_tokens),
  ].join(', ');
}

/** What `show` prints for a role: everything the Models page shows, the key only as set / not set. */
export function formatLlmSettings(view: LlmSettingsView): string {
  const rows: [string, string][] = [
    ['provider', view.provider],
    ['base URL', view.baseUrl ?? '—'],
    ['model', view.model],
    ['API key', view.hasApiKey ? 'set' : 'not set'],
    ['sampling', formatSampling(view.sampling)],
    ['timeout', `${view.timeoutMs} ms per attempt, ${view.maxRetries} retries`],
    ['concurrency', String(view.concurrency)],
    [
      'stored',
      view.isStored
        ? `updated ${view.updatedAt?.toISOString() ?? '?'}${view.updatedBy ? ` by user ${view.updatedBy}` : ''}`
        : 'no (the offline default)',
    ],
  ];
  return [`${view.role}`, ...rows.map(([k, v]) => `  ${`${k}:`.padEnd(13)}${v}`)].join('\n');
}

/** The JSON `show --json` prints: the view, which never carries the key. */
function jsonView(view: LlmSettingsView) {
  return { ...view, updatedAt: view.updatedAt?.toISOString() ?? null };
}

export function registerModelsCommands(program: Command): void {
  const models = program
    .command('models')
    .description('Model settings per role (the Models page): set, show, test the connection.');

  models
    .command('set')
    .description(
      "Set a role's model (only the given fields change). The key comes from an environment variable: --api-key-env OPENAI_API_KEY.",
    )
    .argument('<role>', `one of: ${LLM_ROLES.join(', ')}`, parseRoleArg)
    .addOption(new Option('--provider <name>', 'who answers').choices([...LLM_PROVIDERS]))
    .option('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://localhost:8000/v1')
    .option('--model <name>', 'model name as the server knows it')
    .option(
      '--api-key-env <VAR>',
      'read the API key from this environment variable (never pass it on the command line)',
    )
    .option('--clear-api-key', 'remove the stored API key')
    .option('--temperature <n>', 'sampling temperature (0–2, or none)', parseOptionalNumberArg)
    .option('--top-p <n>', 'nucleus sampling (0–1, or none)', parseOptionalNumberArg)
    .option(
      '--top-k <n>',
      'top-k, sent as a top-level body field as vLLM expects (or none, e.g. for OpenAI)',
      parseOptionalNumberArg,
    )
    .option('--max-tokens <n>', 'most tokens per reply (or none)', parseOptionalNumberArg)
    .option('--timeout-ms <n>', 'per attempt, in ms (1000–600000)', parseNumberArg)
    .option('--max-retries <n>', 'retries after the first attempt (0–10)', parseNumberArg)
    .option('--concurrency <n>', 'calls in flight at once (1–64)', parseNumberArg)
    .option('--json', 'print the stored settings as JSON')
    .action((role: LlmRole, opts: SetOptions) =>
      withDb(program, (db, dataDir) => {
        if (opts.apiKeyEnv !== undefined && opts.clearApiKey)
          failUsage('--api-key-env and --clear-api-key cannot be used together');
        let update: TLlmSettingsUpdate;
        try {
          update = buildLlmSettingsUpdate(role, getLlmSettings(db, role), opts);
          assertValidUpdate(update);
        } catch (error) {
          if (error instanceof FlagError) failUsage(error.message);
          throw error;
        }
        const view = updateLlmSettings(db, dataDir, CLI_SETTINGS_ACTOR, update);
        process.stdout.write(
          opts.json ? `${JSON.stringify(jsonView(view))}\n` : `${formatLlmSettings(view)}\n`,
        );
        return Promise.resolve();
      }),
    );

  models
    .command('show')
    .description('Show the model settings of one role or both (never the API key, only whether one is set).')
    .argument('[role]', `one of: ${LLM_ROLES.join(', ')} (default: both)`, parseRoleArg)
    .option('--json', 'print JSON (one object per role, keyed by role)')
    .action((role: LlmRole | undefined, opts: { json?: boolean }) =>
      withDb(program, (db) => {
        const views = (role ? [role] : [...LLM_ROLES]).map((r) => getLlmSettings(db, r));
        process.stdout.write(
          opts.json
            ? `${JSON.stringify(Object.fromEntries(views.map((v) => [v.role, jsonView(v)])))}\n`
            : `${views.map(formatLlmSettings).join('\n\n')}\n`,
        );
        return Promise.resolve();
      }),
    );

  models
    .command('test')
    .description(
      "Send the Models page's test prompt through a role's stored settings (recorded as a model call).",
    )
    .argument('<role>', `one of: ${LLM_ROLES.join(', ')}`, parseRoleArg)
    .option('--json', 'print the result as JSON')
    .action((role: LlmRole, opts: { json?: boolean }) =>
      withDb(program, async (db, dataDir) => {
        const result = await testConnection(db, dataDir, role);
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        const who = result.provider ? `${result.provider} model ${result.model}` : 'no client';
        if (!result.ok) {
          // Exit 1 with the reason on stderr (and the JSON on stdout with --json).
          throw new DomainError(
            'CONFLICT',
            `connection test of ${role} failed: ${who} after ${result.latencyMs} ms: ${result.error}`,
          );
        }
        if (!opts.json) {
          process.stdout.write(
            `ok: ${role} → ${who} answered in ${result.latencyMs} ms (model call ${result.callId})\n`,
          );
        }
      }),
    );
}
