/**
 * The audit log: recordAudit writes what the page reads; listAuditLog filters by actor, action,
 * object and date range and pages newest first with a keyset cursor; facets count what is there.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { inTransaction } from '@/server/db/client';
import { auditLog } from '@/server/db/schema';
import { getAuditFacets, listAuditLog, recordAudit } from '@/server/services/audit-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

const DAY = 24 * 3600 * 1000;
const T0 = Date.UTC(2025, 0, 10, 12, 0, 0);

describe('audit-service', () => {
  let world: TestWorld;
  beforeEach(() => {
    world = createTestWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  /** Seeds entries with explicit timestamps: `spec[i]` at T0 + i days unless `at` is given. */
  function seed(
    spec: { action: string; objectType: string; objectId?: string; actor?: string; at?: number }[],
  ) {
    for (const [i, s] of spec.entries()) {
      world.db
        .insert(auditLog)
        .values({
          at: new Date(s.at ?? T0 + i * DAY),
          userId: null,
          actor: s.actor ?? 'cli',
          action: s.action,
          objectType: s.objectType,
          objectId: s.objectId ?? null,
        })
        .run();
    }
  }

  it('recordAudit writes one entry with its before and after, read back by listAuditLog', () => {
    const pi = world.makeUser('pi', 'pi@example.test');
    const id = inTransaction(world.db, (tx) =>
      recordAudit(tx, {
        userId: pi.id,
        actor: pi.email,
        action: 'label_function.save',
        objectType: 'pool_node',
        objectId: '7',
        before: { version: 1, code: 'def label_function(t):\n    return False\n' },
        after: { version: 2, code: 'def label_function(t):\n    return True\n' },
      }),
    );
    const page = listAuditLog(world.db, { limit: 10 });
    expect(page.nextCursor).toBeNull();
    expect(page.items).toEqual([
      {
        id,
        at: expect.any(Date) as Date,
        userId: pi.id,
        actor: 'pi@example.test',
        userName: 'pi',
        action: 'label_function.save',
        objectType: 'pool_node',
        objectId: '7',
        before: { version: 1, code: 'def label_function(t):\n    return False\n' },
        after: { version: 2, code: 'def label_function(t):\n    return True\n' },
      },
    ]);
  });

  it('filters by action, object type, object id and actor (all combined with AND)', () => {
    seed([
      { action: 'graph.merge', objectType: 'strategy_graph', objectId: 't1', actor: 'a@example.test' },
      { action: 'graph.merge', objectType: 'strategy_graph', objectId: 't2', actor: 'b@example.test' },
      { action: 'label_function.save', objectType: 'pool_node', objectId: '3', actor: 'a@example.test' },
      { action: 'comment.add', objectType: 'trajectory', objectId: 'r1', actor: 'b@example.test' },
    ]);
    const ids = (params: Parameters<typeof listAuditLog>[1]) =>
      listAuditLog(world.db, params).items.map((e) => `${e.action}:${e.objectId}`);

    expect(ids({ limit: 50, action: 'graph.merge' })).toEqual(['graph.merge:t2', 'graph.merge:t1']);
    expect(ids({ limit: 50, objectType: 'pool_node' })).toEqual(['label_function.save:3']);
    expect(ids({ limit: 50, objectType: 'strategy_graph', objectId: 't1' })).toEqual(['graph.merge:t1']);
    expect(ids({ limit: 50, actor: 'a@example.test' })).toEqual(['label_function.save:3', 'graph.merge:t1']);
    expect(ids({ limit: 50, actor: 'b@example.test', action: 'graph.merge' })).toEqual(['graph.merge:t2']);
    expect(ids({ limit: 50, action: 'nothing.like.this' })).toEqual([]);
  });

  it('filters by date range: from inclusive, to exclusive', () => {
    seed([
      { action: 'a0', objectType: 'x' },
      { action: 'a1', objectType: 'x' },
      { action: 'a2', objectType: 'x' },
      { action: 'a3', objectType: 'x' },
    ]);
    const actions = (from?: number, to?: number) =>
      listAuditLog(world.db, {
        limit: 50,
        from: from === undefined ? undefined : new Date(from),
        to: to === undefined ? undefined : new Date(to),
      }).items.map((e) => e.action);
    expect(actions(T0 + DAY, T0 + 3 * DAY)).toEqual(['a2', 'a1']);
    expect(actions(T0 + 2 * DAY)).toEqual(['a3', 'a2']);
    expect(actions(undefined, T0 + DAY)).toEqual(['a0']);
  });

  it('pages newest first with a cursor, with no entry lost or repeated, also within one millisecond', () => {
    // 7 entries; three share one timestamp, so the cursor must also order by id.
    seed([
      { action: 'e0', objectType: 'x', at: T0 },
      { action: 'e1', objectType: 'x', at: T0 + 1000 },
      { action: 'e2', objectType: 'x', at: T0 + 2000 },
      { action: 'e3', objectType: 'x', at: T0 + 2000 },
      { action: 'e4', objectType: 'x', at: T0 + 2000 },
      { action: 'e5', objectType: 'x', at: T0 + 3000 },
      { action: 'e6', objectType: 'x', at: T0 + 4000 },
    ]);
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = listAuditLog(world.db, { limit: 2, cursor });
      pages.push(page.items.map((e) => e.action));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual([['e6', 'e5'], ['e4', 'e3'], ['e2', 'e1'], ['e0']]);

    // A page that ends exactly at the last entry says there is nothing more.
    const first = listAuditLog(world.db, { limit: 7 });
    expect(first.items).toHaveLength(7);
    expect(first.nextCursor).toBeNull();

    // Filters and cursor combine.
    const filtered = listAuditLog(world.db, { limit: 1, action: 'e3' });
    expect(filtered.items.map((e) => e.action)).toEqual(['e3']);
    expect(filtered.nextCursor).toBeNull();
  });

  it('rejects a malformed cursor, a bad limit and an empty date range, naming the field', () => {
    const codeAndMessage = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        return `${(error as DomainError).code} ${(error as DomainError).message}`;
      }
      throw new Error('expected a DomainError');
    };
    expect(codeAndMessage(() => listAuditLog(world.db, { limit: 10, cursor: 'abc' }))).toMatch(
      /^BAD_INPUT cursor:/,
    );
    expect(codeAndMessage(() => listAuditLog(world.db, { limit: 0 }))).toMatch(/^BAD_INPUT limit:/);
    expect(codeAndMessage(() => listAuditLog(world.db, { limit: 500 }))).toMatch(/^BAD_INPUT limit:/);
    expect(
      codeAndMessage(() => listAuditLog(world.db, { limit: 10, from: new Date(T0), to: new Date(T0) })),
    ).toMatch(/^BAD_INPUT from:/);
  });

  it('facets count actions, object types and actors, most frequent first', () => {
    seed([
      { action: 'graph.merge', objectType: 'strategy_graph', actor: 'a@example.test' },
      { action: 'graph.merge', objectType: 'strategy_graph', actor: 'b@example.test' },
      { action: 'import', objectType: 'import', actor: 'cli' },
      { action: 'comment.add', objectType: 'trajectory', actor: 'b@example.test' },
    ]);
    expect(getAuditFacets(world.db)).toEqual({
      actions: [
        { value: 'graph.merge', n: 2 },
        { value: 'comment.add', n: 1 },
        { value: 'import', n: 1 },
      ],
      objectTypes: [
        { value: 'strategy_graph', n: 2 },
        { value: 'import', n: 1 },
        { value: 'trajectory', n: 1 },
      ],
      actors: [
        { value: 'b@example.test', n: 2 },
        { value: 'a@example.test', n: 1 },
        { value: 'cli', n: 1 },
      ],
    });
  });

  it('the audit router is PI-only', async () => {
    const researcher = world.makeUser('researcher');
    await expect(world.caller(researcher).audit.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const pi = world.makeUser('pi');
    await expect(world.caller(pi).audit.list({})).resolves.toEqual({ items: [], nextCursor: null });
  });
});
