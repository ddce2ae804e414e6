/**
 * Task queries over real data: the 812 WebArena configs, the 10 WebVoyager runs imported as
 * rollouts (plus a few expert copies), and a handful of hand-made tasks with awkward intents
 * (`%`, `_`, `\`) and other origins. Expected values come from the source files, not the database.
 */
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImportBundle, ParsedTrajectory } from '@/lib/core/import/types';
import type { TaskOrigin } from '@/lib/core/types';
import { task } from '@/server/db/schema';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import {
  getTaskFacets,
  getTaskOrThrow,
  listTasks,
  type ListTasksParams,
} from '@/server/services/task-service';
import {
  createTestWorld,
  SHARED_DATA_DIR,
  WEBVOYAGER_EXAMPLES,
  type TestWorld,
} from '@/server/testing/harness';

const WEBARENA_FILE = path.join(SHARED_DATA_DIR, 'webarena/test_webarena.raw.json');
const ACTOR = { userId: null, label: 'test' };

interface HandMadeTask {
  externalId: string;
  intent: string;
  origin: TaskOrigin;
  site: string | null;
  createdAt: Date;
}

/** Dated well before and after the imports, so `oldest` / `newest` have known ends. */
const HAND_MADE: HandMadeTask[] = [
  {
    externalId: 'manual:percent',
    intent: 'Find shirts that are 100% cotton',
    origin: 'augmented',
    site: 'shopping',
    createdAt: new Date('2001-01-01T00:00:00Z'),
  },
  {
    externalId: 'manual:underscore',
    intent: 'Open the file snake_case.txt',
    origin: 'extrapolated',
    site: null,
    createdAt: new Date('2002-01-01T00:00:00Z'),
  },
  {
    externalId: 'manual:backslash',
    intent: 'Open C:\\temp\\notes',
    origin: 'augmented',
    site: null,
    createdAt: new Date('2100-01-01T00:00:00Z'),
  },
];

/** Mark-up of the imported trajectories (see `seed`). */
const EXPERT_COPIES = ['webvoyager:taskAmazon--0', 'webvoyager:taskGitHub--0', 'webvoyager:taskArXiv--11'];
const SECOND_ROLLOUT = 'webvoyager:taskAmazon--0';
const WEBARENA_WITH_DEMO = 'webarena:shopping_admin:0';

let webarena: ImportBundle;
let rollouts: ImportBundle;

/** The same trajectory under another external id (and kind / task). */
function copyOf(
  t: ParsedTrajectory,
  suffix: string,
  changes: Partial<ParsedTrajectory> = {},
): ParsedTrajectory {
  return { ...t, externalId: `${t.externalId}#${suffix}`, ...changes };
}

async function seed(world: TestWorld): Promise<void> {
  await importBundle(world.db, world.dataDir, webarena, { format: 'webarena-tasks', actor: ACTOR });
  const byId = new Map(rollouts.trajectories.map((t) => [t.externalId, t]));
  const extra: ParsedTrajectory[] = [
    ...EXPERT_COPIES.map((id) => copyOf(byId.get(id)!, 'expert', { kind: 'expert' })),
    copyOf(byId.get(SECOND_ROLLOUT)!, 'rollout-2'),
    copyOf(byId.get('webvoyager:taskBBC News--9')!, 'demo', {
      kind: 'expert',
      taskExternalId: WEBARENA_WITH_DEMO,
    }),
  ];
  await importBundle(
    world.db,
    world.dataDir,
    { ...rollouts, trajectories: [...rollouts.trajectories, ...extra] },
    { format: 'webvoyager', actor: ACTOR },
  );
  for (const t of HAND_MADE) {
    world.db
      .insert(task)
      .values({
        id: `id-${t.externalId}`,
        externalId: t.externalId,
        source: 'manual',
        intent: t.intent,
        origin: t.origin,
        site: t.site,
        createdBy: 'test',
        createdAt: t.createdAt,
      })
      .run();
  }
}

interface Known {
  externalId: string;
  intent: string;
  site: string | null;
  source: string;
}

function allKnownTasks(): Known[] {
  return [...webarena.tasks, ...rollouts.tasks, ...HAND_MADE.map((t) => ({ ...t, source: 'manual' }))].map(
    ({ externalId, intent, site, source }) => ({
      externalId,
      intent,
      site,
      source,
    }),
  );
}

/** SQLite `LIKE` without wildcards: ASCII case-insensitive substring. */
function likeContains(text: string, needle: string): boolean {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return fold(text).includes(fold(needle));
}

/** SQLite's BINARY collation: UTF-8 byte order. */
function compareBinary(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const DEFAULTS: ListTasksParams = { page: 1, pageSize: 50, sort: 'newest' };
const TOTAL = 812 + 10 + HAND_MADE.length;

describe('task-service', () => {
  let world: TestWorld;

  beforeAll(async () => {
    webarena = await readImportSource('webarena-tasks', WEBARENA_FILE);
    // Screenshots play no part in task queries; leaving them out keeps each world fast.
    const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES, { kind: 'rollout' });
    rollouts = {
      ...bundle,
      trajectories: bundle.trajectories.map((t) => ({
        ...t,
        steps: t.steps.map((s) => ({ ...s, screenshotFile: null })),
      })),
    };
    expect(webarena.tasks).toHaveLength(812);
    expect(rollouts.trajectories.every((t) => t.kind === 'rollout')).toBe(true);
  });

  beforeEach(async () => {
    world = createTestWorld();
    await seed(world);
  });
  afterEach(async () => {
    await world.cleanup();
  });

  const list = (params: Partial<ListTasksParams>) => listTasks(world.db, { ...DEFAULTS, ...params });
  const everything = (params: Partial<ListTasksParams> = {}) =>
    list({ ...params, page: 1, pageSize: 10_000 });

  describe('listTasks', () => {
    it('lists every task with totals and the first page', () => {
      const result = list({});
      expect(result.total).toBe(TOTAL);
      expect(result.page).toBe(1);
      expect(result.pageSize).toBe(50);
      expect(result.items).toHaveLength(50);
      expect(new Set(everything().items.map((t) => t.externalId))).toEqual(
        new Set(allKnownTasks().map((t) => t.externalId)),
      );
    });

    it('pages through every task exactly once; past the end is empty with the same total', () => {
      const seen: string[] = [];
      const pages = Math.ceil(TOTAL / 100);
      for (let page = 1; page <= pages; page++) {
        const result = list({ page, pageSize: 100, sort: 'intent' });
        expect(result.total).toBe(TOTAL);
        expect(result.items).toHaveLength(page < pages ? 100 : TOTAL - 100 * (pages - 1));
        seen.push(...result.items.map((t) => t.id));
      }
      expect(seen).toHaveLength(TOTAL);
      expect(new Set(seen).size).toBe(TOTAL);
      expect(seen).toEqual(everything({ sort: 'intent' }).items.map((t) => t.id));
      expect(list({ page: pages + 1, pageSize: 100 })).toMatchObject({
        items: [],
        total: TOTAL,
        page: pages + 1,
      });
    });

    it('sorts by intent (binary order, id breaks ties)', () => {
      const items = everything({ sort: 'intent' }).items;
      const expected = [...items].sort(
        (a, b) => compareBinary(a.intent, b.intent) || compareBinary(a.id, b.id),
      );
      expect(items.map((t) => t.id)).toEqual(expected.map((t) => t.id));
      expect(items[0]!.intent <= items[1]!.intent).toBe(true);
    });

    it('sorts oldest and newest first, each the reverse of the other', () => {
      const oldest = everything({ sort: 'oldest' }).items;
      const newest = everything({ sort: 'newest' }).items;
      expect(oldest.map((t) => t.externalId).slice(0, 2)).toEqual(['manual:percent', 'manual:underscore']);
      expect(newest[0]!.externalId).toBe('manual:backslash');
      expect(newest.map((t) => t.id)).toEqual([...oldest].reverse().map((t) => t.id));
      for (let i = 1; i < oldest.length; i++)
        expect(oldest[i]!.createdAt.getTime()).toBeGreaterThanOrEqual(oldest[i - 1]!.createdAt.getTime());
    });

    it.each([
      ['%', 'a literal percent sign'],
      ['_', 'a literal underscore'],
      ['100%', 'percent after digits'],
      ['e_c', 'underscore between letters'],
      ['\\', 'a backslash (the escape character itself)'],
      ['C:\\temp', 'a Windows path'],
      ['BEST-SELLING', 'case-insensitive'],
      ['webvoyager:Amazon--0', 'the external id'],
    ])('searches for %j (%s) as plain text', (search) => {
      const expected = allKnownTasks()
        .filter((t) => likeContains(t.intent, search) || likeContains(t.externalId, search))
        .map((t) => t.externalId)
        .sort();
      expect(expected.length).toBeGreaterThan(0);
      const result = everything({ search });
      expect(result.total).toBe(expected.length);
      expect(result.items.map((t) => t.externalId).sort()).toEqual(expected);
    });

    it('counts the real matches for the wildcard characters', () => {
      // 10 WebArena intents contain '%'; with the hand-made one, 11. Unescaped, '%' would match all.
      expect(everything({ search: '%' }).total).toBe(11);
      expect(everything({ search: 'e_c' }).items.map((t) => t.externalId)).toEqual(['manual:underscore']);
      expect(everything({ search: '  snake_case  ' }).items.map((t) => t.externalId)).toEqual([
        'manual:underscore',
      ]);
      expect(everything({ search: 'no task says this' })).toMatchObject({ total: 0, items: [] });
    });

    it('filters by site — a multi-site task under each of its sites — origin and source', () => {
      const onSite = (name: string) =>
        [...webarena.tasks, ...HAND_MADE].filter((t) => t.site?.split(',').includes(name)).length;
      expect(everything({ site: 'shopping_admin' }).total).toBe(onSite('shopping_admin'));
      expect(everything({ site: 'shopping_admin' }).total).toBe(184); // 182 alone + 2 shared with another site
      expect(everything({ site: 'shopping' }).total).toBe(onSite('shopping'));
      expect(everything({ site: 'map' }).total).toBe(onSite('map'));
      expect(everything({ site: 'Amazon' }).items.map((t) => t.externalId)).toEqual(['webvoyager:Amazon--0']);
      expect(everything({ site: 'wikipedia,map' }).total).toBe(16); // the exact combination still works
      expect(everything({ site: 'hop' }).total).toBe(0); // whole names only, not substrings

      expect(everything({ origin: 'seed' }).total).toBe(822);
      expect(
        everything({ origin: 'augmented' })
          .items.map((t) => t.externalId)
          .sort(),
      ).toEqual(['manual:backslash', 'manual:percent']);
      expect(everything({ origin: 'extrapolated' }).items.map((t) => t.externalId)).toEqual([
        'manual:underscore',
      ]);

      expect(everything({ source: 'webarena' }).total).toBe(812);
      expect(everything({ source: 'webvoyager' }).total).toBe(10);
      expect(everything({ source: 'manual' }).total).toBe(3);
      expect(everything({ source: 'visualwebarena' }).total).toBe(0);

      const combined = everything({ source: 'webarena', site: 'gitlab', search: 'issue' });
      const expected = webarena.tasks.filter(
        (t) =>
          t.site === 'gitlab' && (likeContains(t.intent, 'issue') || likeContains(t.externalId, 'issue')),
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(combined.items.map((t) => t.externalId).sort()).toEqual(
        expected.map((t) => t.externalId).sort(),
      );
    });

    it('filters by hasRollouts both ways', () => {
      const withRollouts = everything({ hasRollouts: true });
      expect(withRollouts.total).toBe(10);
      expect(withRollouts.items.map((t) => t.externalId).sort()).toEqual(
        rollouts.tasks.map((t) => t.externalId).sort(),
      );
      expect(withRollouts.items.every((t) => t.rolloutCount >= 1)).toBe(true);

      const without = everything({ hasRollouts: false });
      expect(without.total).toBe(812 + HAND_MADE.length);
      expect(without.items.every((t) => t.rolloutCount === 0)).toBe(true);
      // The WebArena task with an expert demo but no rollout is on the `false` side.
      expect(without.items.find((t) => t.externalId === WEBARENA_WITH_DEMO)).toMatchObject({
        expertCount: 1,
        rolloutCount: 0,
      });

      expect(everything({ hasRollouts: true, source: 'webarena' }).total).toBe(0);
      expect(everything({ hasRollouts: false, source: 'webvoyager' }).total).toBe(0);
    });

    it('reports expertCount and rolloutCount per task', () => {
      const counts = Object.fromEntries(
        everything().items.map((t) => [t.externalId, [t.expertCount, t.rolloutCount]]),
      );
      expect(counts['webvoyager:Amazon--0']).toEqual([1, 2]);
      expect(counts['webvoyager:GitHub--0']).toEqual([1, 1]);
      expect(counts['webvoyager:ArXiv--11']).toEqual([1, 1]);
      expect(counts['webvoyager:Booking--1']).toEqual([0, 1]);
      expect(counts[WEBARENA_WITH_DEMO]).toEqual([1, 0]);
      expect(counts['webarena:shopping_admin:1']).toEqual([0, 0]);
      expect(counts['manual:percent']).toEqual([0, 0]);
      const totals = Object.values(counts).reduce(([e, r], [a, b]) => [e! + a!, r! + b!], [0, 0]);
      expect(totals).toEqual([4, 11]);
    });

    it('returns the listed columns with their values', () => {
      const [item] = everything({ search: 'manual:percent' }).items;
      expect(item).toEqual({
        id: 'id-manual:percent',
        externalId: 'manual:percent',
        intent: 'Find shirts that are 100% cotton',
        site: 'shopping',
        source: 'manual',
        origin: 'augmented',
        environment: 'web',
        createdAt: new Date('2001-01-01T00:00:00Z'),
        difficulty: null,
        passesOnSeed: null,
        seedCheckMessage: null,
        expertCount: 0,
        rolloutCount: 0,
      });
    });

    it('filters by difficulty (none = without one) and by seed check, and counts them as facets', async () => {
      const set = (externalId: string, values: Partial<typeof task.$inferInsert>) =>
        world.db.update(task).set(values).where(eq(task.externalId, externalId)).run();
      set('manual:percent', { difficulty: 'hard', passesOnSeed: true, seedCheckMessage: 'already there' });
      set('manual:underscore', { difficulty: 'easy', passesOnSeed: false });
      set('manual:backslash', { difficulty: 'tricky' });
      const ids = (params: Partial<ListTasksParams>) =>
        everything(params)
          .items.map((t) => t.externalId)
          .sort();
      expect(ids({ difficulty: 'hard' })).toEqual(['manual:percent']);
      expect(ids({ difficulty: 'HARD' })).toEqual(['manual:percent']);
      expect(ids({ difficulty: 'tricky' })).toEqual(['manual:backslash']);
      expect(everything({ difficulty: 'none' }).total).toBe(TOTAL - 3);
      expect(ids({ seedCheck: 'passes' })).toEqual(['manual:percent']);
      expect(ids({ seedCheck: 'fails' })).toEqual(['manual:underscore']);
      expect(everything({ seedCheck: 'unchecked' }).total).toBe(TOTAL - 2);
      expect(everything({ difficulty: 'easy', seedCheck: 'passes' }).total).toBe(0);
      expect(everything({ search: 'manual:percent' }).items[0]).toMatchObject({
        difficulty: 'hard',
        passesOnSeed: true,
        seedCheckMessage: 'already there',
      });
      // easy, medium, hard first, then other words.
      expect(getTaskFacets(world.db).difficulties).toEqual([
        { value: 'easy', n: 1 },
        { value: 'hard', n: 1 },
        { value: 'tricky', n: 1 },
      ]);
      const caller = world.caller(world.makeUser('annotator'));
      expect((await caller.tasks.list({ difficulty: 'easy' })).total).toBe(1);
      await expect(caller.tasks.list({ difficulty: 'x'.repeat(41) })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      await expect(caller.tasks.list({ seedCheck: 'maybe' as unknown as 'passes' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    });

    it('answers the same through the tasks.list procedure (zod defaults applied)', async () => {
      const caller = world.caller(world.makeUser('annotator'));
      const result = await caller.tasks.list({ search: '%', sort: 'intent' });
      expect(result).toMatchObject({ total: 11, page: 1, pageSize: 50 });
      expect(result.items.map((t) => t.id)).toEqual(
        everything({ search: '%', sort: 'intent' }).items.map((t) => t.id),
      );
      await expect(caller.tasks.list({ pageSize: 500 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });
  });

  describe('getTaskFacets', () => {
    it('lists sites and sources with counts, without a null site', () => {
      const facets = getTaskFacets(world.db);
      const expectedSites = new Map<string, number>();
      for (const t of allKnownTasks())
        for (const site of t.site?.split(',') ?? [])
          expectedSites.set(site, (expectedSites.get(site) ?? 0) + 1);
      expect(facets.sites).toEqual(
        [...expectedSites.entries()]
          .sort(([a], [b]) => a.localeCompare(b)) // the dropdown's order
          .map(([value, n]) => ({ value, n })),
      );
      expect(facets.sites.find((s) => s.value === 'shopping_admin')).toEqual({
        value: 'shopping_admin',
        n: 184,
      });
      expect(facets.sites.some((s) => s.value.includes(','))).toBe(false);
      expect(facets.sites.every((s) => s.value !== null)).toBe(true);
      expect(facets.sources).toEqual([
        { value: 'manual', n: 3 },
        { value: 'webarena', n: 812 },
        { value: 'webvoyager', n: 10 },
      ]);
    });
  });

  describe('getTaskOrThrow', () => {
    it('returns the task with its trajectories, expert demos first', () => {
      const id = everything({ search: 'webvoyager:Amazon--0' }).items[0]!.id;
      const result = getTaskOrThrow(world.db, id);
      expect(result).toMatchObject({
        id,
        externalId: 'webvoyager:Amazon--0',
        source: 'webvoyager',
        site: 'Amazon',
        origin: 'seed',
      });
      // Kind ascending (expert < rollout); within a kind newest first, and both rollouts share a timestamp.
      expect(result.trajectories.map((t) => t.kind)).toEqual(['expert', 'rollout', 'rollout']);
      expect(result.trajectories[0]!.externalId).toBe('webvoyager:taskAmazon--0#expert');
      expect(
        result.trajectories
          .slice(1)
          .map((t) => t.externalId)
          .sort(),
      ).toEqual(['webvoyager:taskAmazon--0', 'webvoyager:taskAmazon--0#rollout-2']);
      expect(result.trajectories.every((t) => t.stepCount === 3)).toBe(true);
    });

    it('throws NOT_FOUND for an unknown id', () => {
      expect(() => getTaskOrThrow(world.db, 'missing')).toThrow(
        expect.objectContaining({ code: 'NOT_FOUND', message: 'Task missing not found' }),
      );
    });
  });
});
