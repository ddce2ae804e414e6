/**
 * Fine-tuning settings on a fresh file database: the API settings round-trip with a write-only,
 * sealed key (kept, replaced, cleared; never in a view or the audit log), resolve opens it, the
 * unset API is a CONFLICT, launch commands are added, refused as duplicates, replaced and removed
 * with audit entries, and validation errors name the field.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { appSetting, auditLog } from '@/server/db/schema';
import {
  addFineTuneCommand,
  getFineTuneCommandOrThrow,
  getFineTuneSettings,
  NO_API_KEY_PLACEHOLDER,
  removeFineTuneCommand,
  resolveOpenAiFineTuneSettings,
  updateOpenAiFineTuneSettings,
  type FineTuneSettingsActor,
} from '@/server/services/fine-tune-settings-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

const API_KEY = 'sk-finetune-SECRET-0123456789abcdef';

let world: TestWorld;
let actor: FineTuneSettingsActor;
const cli: FineTuneSettingsActor = { userId: null, label: 'cli' };

beforeEach(() => {
  vi.stubEnv('BETTER_AUTH_SECRET', 'fine-tune-server-secret-fine-tune-server-secret');
  world = createTestWorld();
  const pi = world.makeUser('pi', 'pi@example.test');
  actor = { userId: pi.id, label: pi.email };
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await world.cleanup();
});

const BASE = { baseUrl: 'https://api.example.test/v1', model: 'gpt-4o-mini-2024-07-18' };

function auditEntries(action: string) {
  return world.db.select().from(auditLog).where(eq(auditLog.action, action)).all();
}

function storedRaw(key: string): string {
  const row = world.db.select().from(appSetting).where(eq(appSetting.key, key)).get();
  return JSON.stringify(row?.value ?? null);
}

function expectDomainError(fn: () => unknown, code: string, message: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect((caught as DomainError).code).toBe(code);
  expect((caught as DomainError).message).toMatch(message);
}

describe('fine-tuning API settings', () => {
  it('is unset at first: the view has no openai block and resolve is a CONFLICT', () => {
    expect(getFineTuneSettings(world.db)).toEqual({ openai: null, commands: [] });
    expectDomainError(
      () => resolveOpenAiFineTuneSettings(world.db, world.dataDir),
      'CONFLICT',
      /^Fine-tuning API is not configured: /,
    );
  });

  it('round-trips with defaults, seals the key and never shows it', () => {
    const view = updateOpenAiFineTuneSettings(world.db, world.dataDir, { ...BASE, apiKey: API_KEY }, actor);
    const expected = {
      ...BASE,
      hasApiKey: true,
      nEpochs: 'auto',
      suffix: null,
      pollIntervalMs: 10_000,
    };
    expect(view).toEqual(expected);
    expect(getFineTuneSettings(world.db)).toEqual({ openai: expected, commands: [] });

    // Stored sealed, not in clear; the views carry neither the key nor the ciphertext.
    const raw = storedRaw('fineTune.openai');
    expect(raw).not.toContain(API_KEY);
    expect(raw).toMatch(/"apiKeyCiphertext":"v1:/);
    expect(JSON.stringify(getFineTuneSettings(world.db))).not.toMatch(/sk-finetune|v1:|iphertext/);

    expect(resolveOpenAiFineTuneSettings(world.db, world.dataDir)).toEqual({
      ...BASE,
      apiKey: API_KEY,
      nEpochs: 'auto',
      suffix: null,
      pollIntervalMs: 10_000,
    });

    const [entry, ...rest] = auditEntries('fine_tune.settings.update');
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      userId: actor.userId,
      actor: 'pi@example.test',
      objectType: 'app_setting',
      objectId: 'fineTune.openai',
      before: null,
      after: { ...expected, apiKey: 'set' },
    });
    expect(JSON.stringify(entry)).not.toMatch(/sk-finetune|v1:|iphertext/);
  });

  it('keeps the stored key when apiKey is undefined, replaces it, and clears it with an empty string', () => {
    updateOpenAiFineTuneSettings(world.db, world.dataDir, { ...BASE, apiKey: API_KEY }, actor);
    const kept = updateOpenAiFineTuneSettings(
      world.db,
      world.dataDir,
      { ...BASE, model: 'gpt-4.1-mini', nEpochs: 3, suffix: 'curated-v2', pollIntervalMs: 500 },
      cli,
    );
    expect(kept).toMatchObject({ hasApiKey: true, model: 'gpt-4.1-mini', nEpochs: 3, suffix: 'curated-v2' });
    expect(resolveOpenAiFineTuneSettings(world.db, world.dataDir).apiKey).toBe(API_KEY);

    updateOpenAiFineTuneSettings(world.db, world.dataDir, { ...BASE, apiKey: 'sk-other' }, cli);
    expect(resolveOpenAiFineTuneSettings(world.db, world.dataDir).apiKey).toBe('sk-other');

    const cleared = updateOpenAiFineTuneSettings(world.db, world.dataDir, { ...BASE, apiKey: '' }, cli);
    expect(cleared.hasApiKey).toBe(false);
    expect(storedRaw('fineTune.openai')).toContain('"apiKeyCiphertext":null');
    // No key stored: the placeholder local servers ignore.
    expect(resolveOpenAiFineTuneSettings(world.db, world.dataDir).apiKey).toBe(NO_API_KEY_PLACEHOLDER);

    const entries = auditEntries('fine_tune.settings.update');
    expect(entries.map((e) => (e.after as { apiKey: string }).apiKey)).toEqual([
      'set',
      'unchanged',
      'set',
      'cleared',
    ]);
    expect(entries[1]).toMatchObject({
      userId: null,
      actor: 'cli',
      before: { model: BASE.model, hasApiKey: true, nEpochs: 'auto' },
      after: { model: 'gpt-4.1-mini', hasApiKey: true, nEpochs: 3 },
    });
    expect(JSON.stringify(entries)).not.toMatch(/sk-finetune|sk-other|v1:/);
  });

  it('treats an empty suffix as none', () => {
    expect(updateOpenAiFineTuneSettings(world.db, world.dataDir, { ...BASE, suffix: '' }, cli).suffix).toBe(
      null,
    );
  });

  it('refuses a key sealed under another server secret with a CONFLICT, not garbage', () => {
    updateOpenAiFineTuneSettings(world.db, world.dataDir, { ...BASE, apiKey: API_KEY }, cli);
    vi.stubEnv('BETTER_AUTH_SECRET', 'another-server-secret-another-server-secret');
    expectDomainError(
      () => resolveOpenAiFineTuneSettings(world.db, world.dataDir),
      'CONFLICT',
      /cannot be decrypted/,
    );
  });

  it.each([
    [{ ...BASE, baseUrl: 'ftp://example.test' }, /fineTune\.openai\.baseUrl: /],
    [{ ...BASE, baseUrl: 'https://user:pw@example.test/v1' }, /fineTune\.openai\.baseUrl: .*credentials/],
    [{ ...BASE, model: '  ' }, /fineTune\.openai\.model: /],
    [{ ...BASE, nEpochs: 0 }, /fineTune\.openai\.nEpochs: /],
    [{ ...BASE, nEpochs: 51 }, /fineTune\.openai\.nEpochs: /],
    [{ ...BASE, suffix: 'Has_Upper' }, /fineTune\.openai\.suffix: /],
    [{ ...BASE, suffix: 'x'.repeat(41) }, /fineTune\.openai\.suffix: /],
    [{ ...BASE, pollIntervalMs: 499 }, /fineTune\.openai\.pollIntervalMs: /],
    [{ ...BASE, pollIntervalMs: 600_001 }, /fineTune\.openai\.pollIntervalMs: /],
  ])('rejects %j with a BAD_INPUT naming the field', (input, message) => {
    expectDomainError(
      () => updateOpenAiFineTuneSettings(world.db, world.dataDir, input, cli),
      'BAD_INPUT',
      message,
    );
    expect(getFineTuneSettings(world.db).openai).toBeNull();
    expect(auditEntries('fine_tune.settings.update')).toEqual([]);
  });
});

describe('fine-tuning commands', () => {
  const TRAIN = { name: 'axolotl', argv: ['axolotl', 'train', 'config.yml'] };

  it('adds a command with defaults, reads it back and audits it', () => {
    expect(addFineTuneCommand(world.db, TRAIN, cli)).toEqual({ ...TRAIN, description: '' });
    expect(getFineTuneCommandOrThrow(world.db, 'axolotl')).toEqual({ ...TRAIN, description: '' });
    expect(getFineTuneSettings(world.db).commands).toEqual([{ ...TRAIN, description: '' }]);
    expect(auditEntries('fine_tune.command.add')).toMatchObject([
      {
        actor: 'cli',
        objectType: 'fine_tune_command',
        objectId: 'axolotl',
        before: null,
        after: { ...TRAIN, description: '' },
      },
    ]);
  });

  it('refuses a duplicate name with a CONFLICT unless replace is asked', () => {
    addFineTuneCommand(world.db, TRAIN, cli);
    addFineTuneCommand(world.db, { name: 'llama-factory', argv: ['llamafactory-cli', 'train'] }, cli);
    const replacement = { ...TRAIN, argv: ['axolotl', 'train', 'v2.yml'], description: 'v2 config' };
    expectDomainError(() => addFineTuneCommand(world.db, replacement, cli), 'CONFLICT', /already exists/);
    expect(getFineTuneCommandOrThrow(world.db, 'axolotl').argv).toEqual(TRAIN.argv);

    addFineTuneCommand(world.db, replacement, actor, { replace: true });
    // Replaced in place: order kept, no second entry.
    expect(getFineTuneSettings(world.db).commands.map((c) => [c.name, c.argv])).toEqual([
      ['axolotl', ['axolotl', 'train', 'v2.yml']],
      ['llama-factory', ['llamafactory-cli', 'train']],
    ]);
    const adds = auditEntries('fine_tune.command.add');
    expect(adds).toHaveLength(3);
    expect(adds[2]).toMatchObject({
      actor: 'pi@example.test',
      before: { ...TRAIN, description: '' },
      after: replacement,
    });
  });

  it('removes a command (audited) and NOT_FOUND for an absent one', () => {
    addFineTuneCommand(world.db, TRAIN, cli);
    removeFineTuneCommand(world.db, 'axolotl', actor);
    expect(getFineTuneSettings(world.db).commands).toEqual([]);
    expect(auditEntries('fine_tune.command.remove')).toMatchObject([
      { objectId: 'axolotl', before: { ...TRAIN, description: '' }, after: null },
    ]);
    expectDomainError(() => removeFineTuneCommand(world.db, 'axolotl', actor), 'NOT_FOUND', /axolotl/);
    expectDomainError(() => getFineTuneCommandOrThrow(world.db, 'axolotl'), 'NOT_FOUND', /axolotl/);
  });

  it.each([
    [{ name: 'Bad Name', argv: ['x'] }, /fineTune\.commands\.name: /],
    [{ name: '-leading-dash', argv: ['x'] }, /fineTune\.commands\.name: /],
    [{ name: 'a'.repeat(41), argv: ['x'] }, /fineTune\.commands\.name: /],
    [{ name: 'ok', argv: [] }, /fineTune\.commands\.argv: /],
    [{ name: 'ok', argv: ['x', ''] }, /fineTune\.commands\.argv\.1: /],
    [{ name: 'ok', argv: ['x'.repeat(2001)] }, /fineTune\.commands\.argv\.0: /],
    [{ name: 'ok', argv: Array.from({ length: 101 }, () => 'x') }, /fineTune\.commands\.argv: /],
    [{ name: 'ok', argv: ['x'], description: 'd'.repeat(201) }, /fineTune\.commands\.description: /],
  ])('rejects %j with a BAD_INPUT naming the field', (command, message) => {
    expectDomainError(() => addFineTuneCommand(world.db, command, cli), 'BAD_INPUT', message);
    expect(getFineTuneSettings(world.db).commands).toEqual([]);
  });
});
