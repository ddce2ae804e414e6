/**
 * Fine-tuning settings, stored as `app_setting` rows, validated with zod, every change audited in
 * the same transaction:
 *
 * - `fineTune.openai`: the OpenAI-compatible fine-tuning API (base URL, base model, API key,
 *   `n_epochs`, model-name suffix, poll interval). The API key is sealed at rest exactly like the
 *   model keys (`sealSecret(getServerSecret(dataDir), key)`, server/llm/secret-box.ts); it is
 *   write-only: views carry `hasApiKey` only, and only {@link resolveOpenAiFineTuneSettings}
 *   (server-side, for the launcher) opens it.
 * - `fineTune.commands`: named command lines (argv arrays) the product runs **on the server** to
 *   launch a fine-tuning outside an API. They are configured only from the CLI / this service by
 *   someone with shell access to the machine; the browser can only choose among them by name, never
 *   edit them (that would be remote code execution for anyone with the launch scope).
 *
 * A stored value that no longer parses (hand-edited database, older shape) reads as unset, like the
 * other `app_setting` readers.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { inTransaction, type Db } from '@/server/db/client';
import { appSetting } from '@/server/db/schema';
import { getServerSecret, openSecret, SecretBoxError, sealSecret } from '@/server/llm/secret-box';
import { ZBaseUrlSchema } from '@/server/llm/settings-service';
import { expandCommandArgv, FINE_TUNE_COMMAND_PLACEHOLDERS } from '@/server/fine-tune/command-launcher';
import { recordAudit } from '@/server/services/audit-service';

const OPENAI_KEY = 'fineTune.openai';
const COMMANDS_KEY = 'fineTune.commands';

/** Default poll interval of the provider's job status, in ms. */
export const DEFAULT_FINE_TUNE_POLL_INTERVAL_MS = 10_000;
/** Sent as the bearer token when no key is stored: local OpenAI-compatible servers ignore it. */
export const NO_API_KEY_PLACEHOLDER = 'not-needed';
export const MAX_FINE_TUNE_COMMANDS = 100;

const ZNEpochsSchema = z.union([z.literal('auto'), z.number().int().min(1).max(50)], {
  error: "must be 'auto' or an integer from 1 to 50",
});

const ZSuffixSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,40}$/, 'must be 1..40 characters of a-z, 0-9 and -')
  .nullable();

const ZPollIntervalMsSchema = z.number().int().min(500).max(600_000);

/**
 * Input of an update of `fineTune.openai`. `apiKey`: `undefined` keeps the stored key, `''` clears
 * it, any other string replaces it. `suffix`: `''` or `null` = none. Defaults: `nEpochs` `'auto'`,
 * `suffix` null, `pollIntervalMs` 10 000.
 */
export const ZOpenAiFineTuneSettingsInputSchema = z.object({
  baseUrl: ZBaseUrlSchema,
  model: z.string().trim().min(1, 'required (the base model to fine-tune)').max(200),
  apiKey: z.string().max(4096).optional(),
  nEpochs: ZNEpochsSchema.default('auto'),
  suffix: z
    .string()
    .regex(/^[a-z0-9-]{0,40}$/, 'must be up to 40 characters of a-z, 0-9 and -')
    .nullable()
    .default(null)
    .transform((v) => (v === '' ? null : v)),
  pollIntervalMs: ZPollIntervalMsSchema.default(DEFAULT_FINE_TUNE_POLL_INTERVAL_MS),
});
export type TOpenAiFineTuneSettingsInput = z.input<typeof ZOpenAiFineTuneSettingsInputSchema>;

/** The stored shape of `fineTune.openai` (ciphertext, never the key). */
const ZStoredOpenAiSettingsSchema = z.object({
  baseUrl: ZBaseUrlSchema,
  model: z.string().min(1).max(200),
  apiKeyCiphertext: z.string().nullable(),
  nEpochs: ZNEpochsSchema,
  suffix: ZSuffixSchema,
  pollIntervalMs: ZPollIntervalMsSchema,
});
type StoredOpenAiSettings = z.infer<typeof ZStoredOpenAiSettingsSchema>;

/** One configured launch command: `argv[0]` is the program (no shell), the rest its arguments. */
export const ZFineTuneCommandSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'must be a slug of 1..40 characters: a-z, 0-9, ".", "_", "-"'),
  argv: z
    .array(z.string().min(1, 'must not be empty').max(2000))
    .min(1, 'needs at least the program')
    .max(100),
  description: z.string().max(200).default(''),
});
export type TFineTuneCommand = z.output<typeof ZFineTuneCommandSchema>;
export type TFineTuneCommandInput = z.input<typeof ZFineTuneCommandSchema>;

const ZFineTuneCommandListSchema = z
  .array(ZFineTuneCommandSchema)
  .max(MAX_FINE_TUNE_COMMANDS)
  .superRefine((commands, ctx) => {
    const seen = new Set<string>();
    for (const [i, c] of commands.entries()) {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'duplicate name' });
      seen.add(c.name);
    }
  });

/** What clients may see of the API settings: never the key nor its ciphertext. */
export interface OpenAiFineTuneSettingsView {
  baseUrl: string;
  model: string;
  hasApiKey: boolean;
  nEpochs: number | 'auto';
  suffix: string | null;
  pollIntervalMs: number;
}

/** All fine-tuning settings as clients see them (safe to send to a browser). */
export interface FineTuneSettingsView {
  /** Null until configured. */
  openai: OpenAiFineTuneSettingsView | null;
  commands: TFineTuneCommand[];
}

/** The launcher's settings, with the key opened. Server-side only. */
export interface ResolvedOpenAiFineTuneSettings {
  baseUrl: string;
  model: string;
  /** The decrypted key, or {@link NO_API_KEY_PLACEHOLDER} when none is stored. */
  apiKey: string;
  nEpochs: number | 'auto';
  suffix: string | null;
  pollIntervalMs: number;
}

/** Who made the change (audit log): the user (null for the CLI) and the label shown. */
export interface FineTuneSettingsActor {
  userId: string | null;
  label: string;
}

function readValue(db: Db, key: string): unknown {
  const row = db.select({ value: appSetting.value }).from(appSetting).where(eq(appSetting.key, key)).get();
  return row?.value;
}

function writeValue(tx: Db, key: string, value: unknown, actor: FineTuneSettingsActor): void {
  const now = new Date();
  tx.insert(appSetting)
    .values({ key, value, updatedBy: actor.userId, updatedAt: now })
    .onConflictDoUpdate({ target: appSetting.key, set: { value, updatedBy: actor.userId, updatedAt: now } })
    .run();
}

function readStoredOpenAi(db: Db): StoredOpenAiSettings | null {
  const parsed = ZStoredOpenAiSettingsSchema.safeParse(readValue(db, OPENAI_KEY));
  return parsed.success ? parsed.data : null;
}

function readCommands(db: Db): TFineTuneCommand[] {
  const parsed = ZFineTuneCommandListSchema.safeParse(readValue(db, COMMANDS_KEY));
  return parsed.success ? parsed.data : [];
}

function toView(stored: StoredOpenAiSettings): OpenAiFineTuneSettingsView {
  const { apiKeyCiphertext, ...rest } = stored;
  return { ...rest, hasApiKey: apiKeyCiphertext !== null };
}

function badInput(prefix: string, error: z.ZodError): DomainError {
  const issues = error.issues.map((i) => `${[prefix, ...i.path].join('.')}: ${i.message}`).join('; ');
  return new DomainError('BAD_INPUT', issues);
}

/** The fine-tuning settings as clients see them: no key, no ciphertext. */
export function getFineTuneSettings(db: Db): FineTuneSettingsView {
  const stored = readStoredOpenAi(db);
  return { openai: stored ? toView(stored) : null, commands: readCommands(db) };
}

/**
 * Validates and stores `fineTune.openai`, sealing a new API key, and audits the change
 * (`fine_tune.settings.update`, before/after views plus `apiKey: 'set' | 'cleared' | 'unchanged'`;
 * never the key). `dataDir` locates the server secret the key is sealed with.
 * @returns the new view.
 * @throws DomainError('BAD_INPUT') naming each invalid field (`fineTune.openai.<field>: …`).
 */
export function updateOpenAiFineTuneSettings(
  db: Db,
  dataDir: string,
  input: TOpenAiFineTuneSettingsInput,
  actor: FineTuneSettingsActor,
): OpenAiFineTuneSettingsView {
  const parsed = ZOpenAiFineTuneSettingsInputSchema.safeParse(input);
  if (!parsed.success) throw badInput(OPENAI_KEY, parsed.error);
  const { apiKey, ...fields } = parsed.data;
  // Seal before the transaction (reading or creating the secret file is I/O).
  // undefined = keep, '' = clear, anything else = replace.
  const newCiphertext: string | null | undefined =
    apiKey === undefined ? undefined : apiKey === '' ? null : sealSecret(getServerSecret(dataDir), apiKey);
  return inTransaction(
    db,
    (tx) => {
      const before = readStoredOpenAi(tx);
      const stored: StoredOpenAiSettings = {
        ...fields,
        apiKeyCiphertext: newCiphertext === undefined ? (before?.apiKeyCiphertext ?? null) : newCiphertext,
      };
      writeValue(tx, OPENAI_KEY, stored, actor);
      const after = toView(stored);
      recordAudit(tx, {
        userId: actor.userId,
        actor: actor.label,
        action: 'fine_tune.settings.update',
        objectType: 'app_setting',
        objectId: OPENAI_KEY,
        before: before ? toView(before) : null,
        after: {
          ...after,
          apiKey: apiKey === undefined ? 'unchanged' : apiKey === '' ? 'cleared' : 'set',
        },
      });
      return after;
    },
    { immediate: true },
  );
}

/**
 * The API settings for the launcher, with the key decrypted. Server-side only: never send the
 * result to a client. When no key is stored, `apiKey` is {@link NO_API_KEY_PLACEHOLDER}
 * (`'not-needed'`): the SDK requires some key and local servers without auth ignore it.
 * @throws DomainError('CONFLICT') when `fineTune.openai` is not configured, or when the stored key
 *   cannot be decrypted (the server secret changed: enter the key again).
 */
export function resolveOpenAiFineTuneSettings(db: Db, dataDir: string): ResolvedOpenAiFineTuneSettings {
  const stored = readStoredOpenAi(db);
  if (!stored) {
    throw new DomainError(
      'CONFLICT',
      'Fine-tuning API is not configured: set its base URL and base model in the fine-tuning settings.',
    );
  }
  const { apiKeyCiphertext, ...rest } = stored;
  let apiKey = NO_API_KEY_PLACEHOLDER;
  if (apiKeyCiphertext !== null) {
    try {
      apiKey = openSecret(getServerSecret(dataDir), apiKeyCiphertext);
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new DomainError(
        'CONFLICT',
        `The stored fine-tuning API key cannot be decrypted (${error.message}); enter it again in the fine-tuning settings.`,
      );
    }
  }
  return { ...rest, apiKey };
}

/**
 * Adds a launch command (CLI / shell access only, see the file comment) and audits it
 * (`fine_tune.command.add`, before = the replaced command or null, after = the command).
 * @returns the stored command (defaults applied).
 * @throws DomainError('BAD_INPUT') naming the invalid field (`fineTune.commands.<field>: …`);
 *   DomainError('CONFLICT') when the name exists and `options.replace` is not true, or when
 *   {@link MAX_FINE_TUNE_COMMANDS} commands are already configured.
 */
export function addFineTuneCommand(
  db: Db,
  command: TFineTuneCommandInput,
  actor: FineTuneSettingsActor,
  options: { replace?: boolean } = {},
): TFineTuneCommand {
  const parsed = ZFineTuneCommandSchema.safeParse(command);
  if (!parsed.success) throw badInput(COMMANDS_KEY, parsed.error);
  const next = parsed.data;
  // An unknown placeholder is refused now rather than at launch (throws BAD_INPUT naming it).
  expandCommandArgv(next.argv, Object.fromEntries(FINE_TUNE_COMMAND_PLACEHOLDERS.map((name) => [name, ''])));
  return inTransaction(
    db,
    (tx) => {
      const commands = readCommands(tx);
      const index = commands.findIndex((c) => c.name === next.name);
      const existing = index >= 0 ? commands[index] : undefined;
      if (existing && !options.replace) {
        throw new DomainError(
          'CONFLICT',
          `A fine-tuning command named '${next.name}' already exists (replace it explicitly).`,
        );
      }
      if (!existing && commands.length >= MAX_FINE_TUNE_COMMANDS) {
        throw new DomainError('CONFLICT', `At most ${MAX_FINE_TUNE_COMMANDS} fine-tuning commands.`);
      }
      const updated = existing ? commands.map((c, i) => (i === index ? next : c)) : [...commands, next];
      writeValue(tx, COMMANDS_KEY, updated, actor);
      recordAudit(tx, {
        userId: actor.userId,
        actor: actor.label,
        action: 'fine_tune.command.add',
        objectType: 'fine_tune_command',
        objectId: next.name,
        before: existing ?? null,
        after: next,
      });
      return next;
    },
    { immediate: true },
  );
}

/**
 * Removes a launch command and audits it (`fine_tune.command.remove`, before = the command).
 * @throws DomainError('NOT_FOUND') when no command has that name.
 */
export function removeFineTuneCommand(db: Db, name: string, actor: FineTuneSettingsActor): void {
  inTransaction(
    db,
    (tx) => {
      const commands = readCommands(tx);
      const existing = commands.find((c) => c.name === name);
      if (!existing) throw new DomainError('NOT_FOUND', `No fine-tuning command named '${name}'.`);
      writeValue(
        tx,
        COMMANDS_KEY,
        commands.filter((c) => c.name !== name),
        actor,
      );
      recordAudit(tx, {
        userId: actor.userId,
        actor: actor.label,
        action: 'fine_tune.command.remove',
        objectType: 'fine_tune_command',
        objectId: name,
        before: existing,
        after: null,
      });
    },
    { immediate: true },
  );
}

/**
 * The configured command called `name`.
 * @throws DomainError('NOT_FOUND') when no command has that name.
 */
export function getFineTuneCommandOrThrow(db: Db, name: string): TFineTuneCommand {
  const command = readCommands(db).find((c) => c.name === name);
  if (!command) throw new DomainError('NOT_FOUND', `No fine-tuning command named '${name}'.`);
  return command;
}
