/**
 * Model settings per role (`coder`, `agent`): provider, endpoint, model, API key (encrypted at
 * rest, write-only), timeout, retries, concurrency and sampling. A role without a stored row uses
 * the offline, deterministic `heuristic` provider.
 *
 * The view returned to clients never carries the key, only `hasApiKey`. Every change is written to
 * the audit log (without the key: only whether it was set, cleared or left unchanged).
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { HEURISTIC_MODEL } from '@/lib/core/llm/heuristic';
import {
  LLM_PROVIDERS,
  LLM_ROLES,
  type LlmProviderName,
  type LlmRole,
  type SamplingParams,
} from '@/lib/core/llm/types';
import { inTransaction, type Db } from '@/server/db/client';
import { auditLog, llmSetting } from '@/server/db/schema';
import { getServerSecret, openSecret, SecretBoxError, sealSecret } from '@/server/llm/secret-box';

/** DESIGN.md › Sampling defaults (temperature 1.0, top_p 0.9, top_k 50) plus a max_tokens bound. */
export const DEFAULT_SAMPLING: SamplingParams = { temperature: 1.0, top_p: 0.9, top_k: 50, max_tokens: 2048 };
/** Per attempt, in ms (the SDK's `timeout`). */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Retries after the first attempt (the SDK's `maxRetries`). */
export const DEFAULT_MAX_RETRIES = 2;
/** Calls in flight at once per role. */
export const DEFAULT_CONCURRENCY = 4;

export const ZSamplingSchema = z.object({
  temperature: z.number().min(0).max(2).nullable(),
  top_p: z.number().gt(0).max(1).nullable(),
  top_k: z.number().int().min(1).max(100_000).nullable(),
  max_tokens: z.number().int().min(1).max(1_000_000).nullable(),
});

/** An http(s) base URL without credentials (the key goes in its own, sealed field). */
export const ZBaseUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000)
  .refine((value) => {
    const u = new URL(value);
    return u.username === '' && u.password === '';
  }, 'must not contain credentials (put the key in the API key field)');

/**
 * Input of `llm.settings.update`. `apiKey`: `undefined` keeps the stored key, `null` clears it,
 * a string replaces it. For `heuristic` the endpoint, key and model are ignored (model is
 * `HEURISTIC_MODEL`); for `openai` `baseUrl` and `model` are required.
 */
export const ZLlmSettingsUpdateSchema = z
  .object({
    role: z.enum(LLM_ROLES),
    provider: z.enum(LLM_PROVIDERS),
    baseUrl: ZBaseUrlSchema.nullable().optional(),
    model: z.string().trim().max(200).optional(),
    apiKey: z.string().min(1).max(4096).nullable().optional(),
    timeoutMs: z.number().int().min(1_000).max(600_000).default(DEFAULT_TIMEOUT_MS),
    maxRetries: z.number().int().min(0).max(10).default(DEFAULT_MAX_RETRIES),
    concurrency: z.number().int().min(1).max(64).default(DEFAULT_CONCURRENCY),
    sampling: ZSamplingSchema.default(DEFAULT_SAMPLING),
  })
  .superRefine((v, ctx) => {
    if (v.provider !== 'openai') return;
    if (!v.baseUrl)
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: 'required for an OpenAI-compatible provider',
      });
    if (!v.model)
      ctx.addIssue({
        code: 'custom',
        path: ['model'],
        message: 'required for an OpenAI-compatible provider',
      });
  });
export type TLlmSettingsUpdate = z.input<typeof ZLlmSettingsUpdateSchema>;

/** What clients see of a role's settings. Never the key. */
export interface LlmSettingsView {
  role: LlmRole;
  provider: LlmProviderName;
  /** Null for `heuristic`. */
  baseUrl: string | null;
  model: string;
  hasApiKey: boolean;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  sampling: SamplingParams;
  /** False when the role has no stored row (the heuristic default). */
  isStored: boolean;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/** The settings a client is built from, with the key decrypted (server-side only). */
export interface ResolvedLlmSettings extends Omit<
  LlmSettingsView,
  'hasApiKey' | 'isStored' | 'updatedAt' | 'updatedBy'
> {
  apiKey: string | null;
}

/** Who made the change (audit log). */
export interface SettingsActor {
  id: string | null;
  email: string;
}

type SettingRow = typeof llmSetting.$inferSelect;

function defaultView(role: LlmRole): LlmSettingsView {
  return {
    role,
    provider: 'heuristic',
    baseUrl: null,
    model: HEURISTIC_MODEL,
    hasApiKey: false,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    maxRetries: DEFAULT_MAX_RETRIES,
    concurrency: DEFAULT_CONCURRENCY,
    sampling: { ...DEFAULT_SAMPLING },
    isStored: false,
    updatedAt: null,
    updatedBy: null,
  };
}

function toView(row: SettingRow): LlmSettingsView {
  return {
    role: row.role,
    provider: row.provider,
    baseUrl: row.baseUrl,
    model: row.model,
    hasApiKey: row.apiKeyCiphertext !== null,
    timeoutMs: row.timeoutMs,
    maxRetries: row.maxRetries,
    concurrency: row.concurrency,
    sampling: row.sampling,
    isStored: true,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}

function readRow(db: Db, role: LlmRole): SettingRow | undefined {
  return db.select().from(llmSetting).where(eq(llmSetting.role, role)).get();
}

/** One role's settings as clients see them (the heuristic default when nothing is stored). */
export function getLlmSettings(db: Db, role: LlmRole): LlmSettingsView {
  const row = readRow(db, role);
  return row ? toView(row) : defaultView(role);
}

/** Both roles' settings, keyed by role. */
export function getAllLlmSettings(db: Db): Record<LlmRole, LlmSettingsView> {
  return { coder: getLlmSettings(db, 'coder'), agent: getLlmSettings(db, 'agent') };
}

/**
 * Validates and stores one role's settings, writes an audit entry, returns the new view.
 * @throws DomainError('BAD_INPUT') on invalid input.
 */
export function updateLlmSettings(
  db: Db,
  dataDir: string,
  actor: SettingsActor,
  input: TLlmSettingsUpdate,
): LlmSettingsView {
  const parsed = ZLlmSettingsUpdateSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new DomainError('BAD_INPUT', `Invalid model settings: ${issues}`);
  }
  const v = parsed.data;
  const isHeuristic = v.provider === 'heuristic';
  // Encrypt before the transaction (reading/creating the secret file is I/O).
  // string = replace, null = clear, undefined = keep the stored key.
  const newCiphertext: string | null | undefined =
    typeof v.apiKey === 'string' ? sealSecret(getServerSecret(dataDir), v.apiKey) : v.apiKey;
  return inTransaction(db, (tx) => {
    const before = readRow(tx, v.role);
    const apiKeyCiphertext = newCiphertext === undefined ? (before?.apiKeyCiphertext ?? null) : newCiphertext;
    const values = {
      role: v.role,
      provider: v.provider,
      baseUrl: isHeuristic ? null : (v.baseUrl ?? null),
      model: isHeuristic ? HEURISTIC_MODEL : (v.model ?? ''),
      apiKeyCiphertext,
      timeoutMs: v.timeoutMs,
      maxRetries: v.maxRetries,
      concurrency: v.concurrency,
      sampling: v.sampling,
      updatedBy: actor.id,
      updatedAt: new Date(),
    };
    tx.insert(llmSetting).values(values).onConflictDoUpdate({ target: llmSetting.role, set: values }).run();
    const after = toView({ ...values });
    tx.insert(auditLog)
      .values({
        userId: actor.id,
        actor: actor.email,
        action: 'llm_settings.update',
        objectType: 'llm_setting',
        objectId: v.role,
        before: before ? auditShape(toView(before)) : null,
        after: {
          ...auditShape(after),
          apiKey: v.apiKey === undefined ? 'unchanged' : v.apiKey === null ? 'cleared' : 'set',
        },
      })
      .run();
    return after;
  });
}

function auditShape(view: LlmSettingsView) {
  const { provider, baseUrl, model, hasApiKey, timeoutMs, maxRetries, concurrency, sampling } = view;
  return { provider, baseUrl, model, hasApiKey, timeoutMs, maxRetries, concurrency, sampling };
}

/**
 * The settings a client is built from, with the API key decrypted. Server-side only.
 * @throws DomainError('CONFLICT') when the stored key cannot be decrypted (server secret changed).
 */
export function resolveLlmSettings(db: Db, dataDir: string, role: LlmRole): ResolvedLlmSettings {
  const row = readRow(db, role);
  const view = row ? toView(row) : defaultView(role);
  let apiKey: string | null = null;
  if (row?.apiKeyCiphertext) {
    try {
      apiKey = openSecret(getServerSecret(dataDir), row.apiKeyCiphertext);
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new DomainError(
        'CONFLICT',
        `The stored API key of the ${role} model cannot be decrypted (${error.message}); enter it again on the Models page.`,
      );
    }
  }
  const { hasApiKey: _h, isStored: _s, updatedAt: _a, updatedBy: _b, ...rest } = view;
  return { ...rest, apiKey };
}
