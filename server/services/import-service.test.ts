/**
 * `importBundle` over the real WebVoyager runs and WebArena task configs: counts, idempotent
 * re-imports, and all-or-nothing failure (no rows, no files) for bad data and cancellation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError, ImportFormatError } from '@/lib/core/errors';
import type { ImportBundle } from '@/lib/core/import/types';
import type { Db } from '@/server/db/client';
import { auditLog, iteration, media, step, task, trajectory } from '@/server/db/schema';
import { importBundle, type ImportOptions } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import { mediaPath, thumbPath } from '@/server/services/media-store';
import {
  createTestWorld,
  SHARED_DATA_DIR,
  WEBVOYAGER_EXAMPLES,
  type TestWorld,
} from '@/server/testing/harness';

const WEBARENA_FILE = path.join(SHARED_DATA_DIR, 'webarena/test_webarena.raw.json');
const OPTIONS: ImportOptions = { format: 'webvoyager', actor: { userId: null, label: 'test' } };

function rowCounts(db: Db) {
  const n = (table: typeof task | typeof trajectory | typeof step | typeof media | typeof auditLog) =>
    db.select({ n: count() }).from(table).get()?.n ?? 0;
  return { tasks: n(task), trajectories: n(trajectory), steps: n(step), media: n(media), audit: n(auditLog) };
}

/** Every regular file below `dir` (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

function storedFiles(dataDir: string) {
  return { media: filesUnder(path.join(dataDir, 'media')), thumbs: filesUnder(path.join(dataDir, 'thumbs')) };
}

const EMPTY = { tasks: 0, trajectories: 0, steps: 0, media: 0, audit: 0 };

describe('importBundle', () => {
  let world: TestWorld;
  const temps: string[] = [];
  beforeEach(() => {
    world = createTestWorld();
  });
  afterEach(async () => {
    await world.cleanup();
    for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-import-test-'));
    temps.push(dir);
    return dir;
  }

  describe('WebVoyager examples', () => {
    // 53 screenshot files, 52 distinct images: taskBooking--1's screenshot5.png and screenshot7.png
    // are byte-identical, and media is content-addressed.
    it('imports 10 tasks, 10 trajectories, 53 steps with 53 screenshots (52 distinct images) and their files', async () => {
      const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES);
      const progress: number[] = [];
      const summary = await importBundle(world.db, world.dataDir, bundle, {
        ...OPTIONS,
        onProgress: (f) => progress.push(f),
      });

      expect(summary).toMatchObject({
        format: 'webvoyager',
        tasks: { created: 10, updated: 0, unchanged: 0 },
        trajectories: { created: 10, updated: 0, unchanged: 0 },
        steps: 53,
        // Per screenshot file: the second copy of the Booking image finds the first one stored.
        screenshots: { stored: 52, reused: 1 },
        warnings: bundle.warnings,
      });
      expect(rowCounts(world.db)).toEqual({ tasks: 10, trajectories: 10, steps: 53, media: 52, audit: 1 });
      expect(
        world.db.$client.prepare('select count(*) as n from step where screenshot_hash is null').get(),
      ).toEqual({ n: 0 });
      const booking = world.db.$client
        .prepare(
          `select s."index", s.screenshot_hash as hash from step s join trajectory t on t.id = s.trajectory_id
           where t.external_id = 'webvoyager:taskBooking--1' and s."index" in (4, 6) order by s."index"`,
        )
        .all() as { hash: string }[];
      expect(booking).toHaveLength(2);
      expect(booking[0]!.hash).toBe(booking[1]!.hash);
      expect(progress.at(-1)).toBe(1);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));

      // Every media row has its original and thumbnail on disk, and nothing else is there.
      const rows = world.db.select().from(media).all();
      for (const m of rows) {
        const original = mediaPath(world.dataDir, m.hash, m.mime)!;
        expect(fs.statSync(original).size).toBe(m.bytes);
        expect(fs.existsSync(thumbPath(world.dataDir, m.hash)!)).toBe(true);
        expect(m.mime).toBe('image/png');
        expect(m.width).toBeGreaterThan(0);
        expect(m.height).toBeGreaterThan(0);
      }
      const files = storedFiles(world.dataDir);
      expect(files.media).toHaveLength(52);
      expect(files.thumbs).toHaveLength(52);

      // Rows carry the parsed values: one trajectory checked step by step.
      const amazon = world.db.$client
        .prepare(
          `select t.kind, t.step_count as stepCount, t.created_by as createdBy, t.iteration_id as iterationId, k.external_id as task
           from trajectory t join task k on k.id = t.task_id where t.external_id = ?`,
        )
        .get('webvoyager:taskAmazon--0');
      expect(amazon).toEqual({
        kind: 'expert',
        stepCount: 3,
        createdBy: 'import:webvoyager',
        iterationId: 1,
        task: 'webvoyager:Amazon--0',
      });
      const amazonSteps = world.db.$client
        .prepare(
          `select s."index", s.action_type as type, s.screenshot_hash is not null as hasShot from step s
           join trajectory t on t.id = s.trajectory_id where t.external_id = ? order by s."index"`,
        )
        .all('webvoyager:taskAmazon--0');
      expect(amazonSteps).toEqual([
        { index: 0, type: 'type', hasShot: 1 },
        { index: 1, type: 'click', hasShot: 1 },
        { index: 2, type: 'answer', hasShot: 1 },
      ]);
      expect(world.db.select().from(iteration).all()).toMatchObject([{ id: 1, status: 'open' }]);
      expect(world.db.select().from(auditLog).all()).toMatchObject([
        { actor: 'test', action: 'import', objectId: 'webvoyager', userId: null },
      ]);
    });

    it('an imported run reads back through trajectories.get with its steps and screenshot sizes', async () => {
      const runs = tempDir();
      fs.cpSync(path.join(WEBVOYAGER_EXAMPLES, 'taskAmazon--0'), path.join(runs, 'taskAmazon--0'), {
        recursive: true,
      });
      const bundle = await readImportSource('webvoyager', runs, { kind: 'rollout' });
      await importBundle(world.db, world.dataDir, bundle, OPTIONS);
      const { id } = world.db.select({ id: trajectory.id }).from(trajectory).get()!;
      const read = await world.caller(world.makeUser('annotator')).trajectories.get({ id });
      const parsed = bundle.trajectories[0]!;
      expect(read).toMatchObject({
        kind: 'rollout',
        stepCount: 3,
        task: { externalId: 'webvoyager:Amazon--0', site: bundle.tasks[0]!.site },
      });
      expect(read.steps.map((s) => [s.index, s.actionType, s.actionDescription, s.thought])).toEqual(
        parsed.steps.map((s) => [s.index, s.action.type, s.actionDescription, s.thought]),
      );
      for (const s of read.steps) {
        const png = fs.readFileSync(mediaPath(world.dataDir, s.screenshotHash!, 'image/png')!);
        // PNG IHDR: width and height, big-endian, at bytes 16 and 20.
        expect([s.screenshotWidth, s.screenshotHeight]).toEqual([png.readUInt32BE(16), png.readUInt32BE(20)]);
      }
    });

    it('re-importing the same runs changes nothing', async () => {
      const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES);
      await importBundle(world.db, world.dataDir, bundle, OPTIONS);
      const idsBefore = world.db.select({ id: trajectory.id }).from(trajectory).all();
      const again = await importBundle(
        world.db,
        world.dataDir,
        await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES),
        OPTIONS,
      );

      expect(again).toMatchObject({
        tasks: { created: 0, updated: 0, unchanged: 10 },
        trajectories: { created: 0, updated: 0, unchanged: 10 },
        steps: 0,
        screenshots: { stored: 0, reused: 53 },
      });
      expect(rowCounts(world.db)).toEqual({ tasks: 10, trajectories: 10, steps: 53, media: 52, audit: 2 });
      expect(world.db.select({ id: trajectory.id }).from(trajectory).all()).toEqual(idsBefore);
      expect(storedFiles(world.dataDir).media).toHaveLength(52);
    });

    it('a changed trajectory is replaced in place (same id, new steps), the rest stay unchanged', async () => {
      const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES);
      await importBundle(world.db, world.dataDir, bundle, OPTIONS);
      const before = world.db.$client
        .prepare(`select id from trajectory where external_id = 'webvoyager:taskAmazon--0'`)
        .get();

      const changed = structuredClone(bundle);
      const amazon = changed.trajectories.find((t) => t.externalId === 'webvoyager:taskAmazon--0')!;
      amazon.steps = amazon.steps.slice(0, 2);
      const summary = await importBundle(world.db, world.dataDir, changed, OPTIONS);

      expect(summary.trajectories).toEqual({ created: 0, updated: 1, unchanged: 9 });
      expect(summary.steps).toBe(2);
      expect(rowCounts(world.db)).toMatchObject({ trajectories: 10, steps: 52 });
      expect(
        world.db.$client
          .prepare(
            `select id, step_count as n from trajectory where external_id = 'webvoyager:taskAmazon--0'`,
          )
          .get(),
      ).toEqual({
        ...(before as { id: string }),
        n: 2,
      });
    });

    it('a trajectory naming an unknown task fails the whole import: no rows, no files', async () => {
      const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES);
      const last = bundle.trajectories.at(-1)!;
      const broken: ImportBundle = {
        ...bundle,
        trajectories: [
          ...bundle.trajectories.slice(0, -1),
          { ...last, taskExternalId: 'webvoyager:NoSuchTask--1' },
        ],
      };

      const error = await importBundle(world.db, world.dataDir, broken, OPTIONS).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: 'BAD_INPUT',
        message: `Trajectory ${last.externalId} refers to unknown task webvoyager:NoSuchTask--1`,
      });
      expect(rowCounts(world.db)).toEqual(EMPTY);
      expect(world.db.select().from(iteration).all()).toEqual([]);
      expect(storedFiles(world.dataDir)).toEqual({ media: [], thumbs: [] });
    });

    it('an unreadable screenshot fails the whole import naming the file: no rows, no files', async () => {
      const runs = tempDir();
      for (const name of ['taskAmazon--0', 'taskBBC News--9', 'taskGitHub--0']) {
        fs.cpSync(path.join(WEBVOYAGER_EXAMPLES, name), path.join(runs, name), { recursive: true });
      }
      // The last screenshot of the last run: everything before it is stored first, then removed.
      const bad = path.join(runs, 'taskGitHub--0', 'screenshot5.png');
      fs.writeFileSync(bad, Buffer.from('this is not a png, just garbage bytes \x00\x01\x02'));
      const bundle = await readImportSource('webvoyager', runs);
      expect(bundle.trajectories.flatMap((t) => t.steps).at(-1)?.screenshotFile).toBe(bad);

      const error = await importBundle(world.db, world.dataDir, bundle, OPTIONS).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('BAD_INPUT');
      expect((error as DomainError).message).toContain(bad);
      expect(rowCounts(world.db)).toEqual(EMPTY);
      expect(storedFiles(world.dataDir)).toEqual({ media: [], thumbs: [] });
    });

    it('a failed import keeps screenshots an earlier import stored', async () => {
      const runs = tempDir();
      fs.cpSync(path.join(WEBVOYAGER_EXAMPLES, 'taskAmazon--0'), path.join(runs, 'taskAmazon--0'), {
        recursive: true,
      });
      await importBundle(world.db, world.dataDir, await readImportSource('webvoyager', runs), OPTIONS);
      const before = storedFiles(world.dataDir);
      expect(before.media).toHaveLength(3);

      fs.cpSync(path.join(WEBVOYAGER_EXAMPLES, 'taskBBC News--9'), path.join(runs, 'taskBBC News--9'), {
        recursive: true,
      });
      fs.writeFileSync(path.join(runs, 'taskBBC News--9', 'screenshot3.png'), 'garbage');
      await expect(
        importBundle(world.db, world.dataDir, await readImportSource('webvoyager', runs), OPTIONS),
      ).rejects.toThrow(/screenshot3\.png: not a readable image/);
      expect(storedFiles(world.dataDir)).toEqual(before);
      expect(rowCounts(world.db)).toEqual({ tasks: 1, trajectories: 1, steps: 3, media: 3, audit: 1 });
    });

    it('once the transaction committed, a failing progress callback does not delete the stored screenshots', async () => {
      const runs = tempDir();
      fs.cpSync(path.join(WEBVOYAGER_EXAMPLES, 'taskAmazon--0'), path.join(runs, 'taskAmazon--0'), {
        recursive: true,
      });
      const bundle = await readImportSource('webvoyager', runs);
      const onProgress = (fraction: number) => {
        if (fraction === 1) throw new Error('progress writer failed');
      };
      await expect(importBundle(world.db, world.dataDir, bundle, { ...OPTIONS, onProgress })).rejects.toThrow(
        'progress writer failed',
      );
      // The rows are committed, so the files they reference must still be there.
      expect(rowCounts(world.db)).toEqual({ tasks: 1, trajectories: 1, steps: 3, media: 3, audit: 1 });
      for (const m of world.db.select().from(media).all()) {
        expect(fs.existsSync(mediaPath(world.dataDir, m.hash, m.mime)!)).toBe(true);
        expect(fs.existsSync(thumbPath(world.dataDir, m.hash)!)).toBe(true);
      }
    });

    it('an already aborted signal imports nothing', async () => {
      const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES);
      const controller = new AbortController();
      controller.abort();
      await expect(
        importBundle(world.db, world.dataDir, bundle, { ...OPTIONS, signal: controller.signal }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'Import cancelled',
      });
      expect(rowCounts(world.db)).toEqual(EMPTY);
      expect(storedFiles(world.dataDir)).toEqual({ media: [], thumbs: [] });
    });

    it('cancelling midway removes the screenshots stored so far', async () => {
      const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES);
      const controller = new AbortController();
      let storedWhenAborted = 0;
      const onProgress = (fraction: number) => {
        if (fraction >= 0.3 && !controller.signal.aborted) {
          storedWhenAborted = storedFiles(world.dataDir).media.length;
          controller.abort();
        }
      };
      await expect(
        importBundle(world.db, world.dataDir, bundle, { ...OPTIONS, signal: controller.signal, onProgress }),
      ).rejects.toMatchObject({
        message: 'Import cancelled',
      });
      expect(storedWhenAborted).toBeGreaterThan(10);
      expect(rowCounts(world.db)).toEqual(EMPTY);
      expect(storedFiles(world.dataDir)).toEqual({ media: [], thumbs: [] });
    });
  });

  describe('WebArena task configs', () => {
    it('imports all 812 tasks; a second import finds all 812 unchanged', async () => {
      const first = await importBundle(
        world.db,
        world.dataDir,
        await readImportSource('webarena-tasks', WEBARENA_FILE),
        {
          ...OPTIONS,
          format: 'webarena-tasks',
        },
      );
      expect(first).toMatchObject({
        tasks: { created: 812, updated: 0, unchanged: 0 },
        trajectories: { created: 0, updated: 0, unchanged: 0 },
        steps: 0,
      });
      expect(rowCounts(world.db)).toEqual({ tasks: 812, trajectories: 0, steps: 0, media: 0, audit: 1 });

      const row = world.db.$client
        .prepare(
          `select intent, start_url as startUrl, site, template, params, eval_spec as evalSpec from task where external_id = 'webarena:shopping_admin:0'`,
        )
        .get() as Record<string, string>;
      expect(row).toMatchObject({
        intent: 'What is the top-1 best-selling product in 2022',
        startUrl: '__SHOPPING_ADMIN__',
        site: 'shopping_admin',
        template: 'What is the top-{{n}} best-selling product in {{year}}',
      });
      expect(JSON.parse(row.params!)).toEqual({ n: 1, year: 2022 });
      expect(JSON.parse(row.evalSpec!)).toMatchObject({ eval_types: ['string_match'] });

      const second = await importBundle(
        world.db,
        world.dataDir,
        await readImportSource('webarena-tasks', WEBARENA_FILE),
        {
          ...OPTIONS,
          format: 'webarena-tasks',
        },
      );
      expect(second.tasks).toEqual({ created: 0, updated: 0, unchanged: 812 });
      expect(rowCounts(world.db)).toMatchObject({ tasks: 812 });
    });

    it('imports the three VisualWebArena task files beside the WebArena ones', async () => {
      const counts: Record<string, number> = {
        'test_classifieds.raw.json': 234,
        'test_reddit.raw.json': 210,
        'test_shopping.raw.json': 466,
      };
      for (const [name, n] of Object.entries(counts)) {
        const summary = await importBundle(
          world.db,
          world.dataDir,
          await readImportSource('webarena-tasks', path.join(SHARED_DATA_DIR, 'visualwebarena', name)),
          {
            ...OPTIONS,
            format: 'webarena-tasks',
          },
        );
        expect(summary.tasks).toEqual({ created: n, updated: 0, unchanged: 0 });
      }
      expect(
        world.db.$client.prepare('select source, count(*) as n from task group by source').all(),
      ).toEqual([{ source: 'visualwebarena', n: 910 }]);
      // The difficulty column holds overall_difficulty; every VisualWebArena config has one.
      const byDifficulty = world.db.$client
        .prepare('select difficulty, count(*) as n from task group by difficulty order by difficulty')
        .all() as { difficulty: string | null; n: number }[];
      expect(byDifficulty.map((r) => r.difficulty)).toEqual(['easy', 'hard', 'medium']);
      expect(byDifficulty.reduce((sum, r) => sum + r.n, 0)).toBe(910);
      const classifiedsHard = world.db.$client
        .prepare(
          "select count(*) as n from task where difficulty = 'hard' and external_id like 'visualwebarena:classifieds%'",
        )
        .get() as { n: number };
      expect(classifiedsHard.n).toBe(104);
    });

    it('an edited config updates only that task', async () => {
      const bundle = await readImportSource('webarena-tasks', WEBARENA_FILE);
      await importBundle(world.db, world.dataDir, bundle, { ...OPTIONS, format: 'webarena-tasks' });
      const edited = structuredClone(bundle);
      edited.tasks[5]!.intent = 'An edited intent';
      const summary = await importBundle(world.db, world.dataDir, edited, {
        ...OPTIONS,
        format: 'webarena-tasks',
      });
      expect(summary.tasks).toEqual({ created: 0, updated: 1, unchanged: 811 });
      expect(
        world.db.$client
          .prepare('select intent from task where external_id = ?')
          .get(bundle.tasks[5]!.externalId),
      ).toEqual({
        intent: 'An edited intent',
      });
    });

    it('a config without `intent` fails naming the file and field, and leaves the tasks as they were', async () => {
      await importBundle(world.db, world.dataDir, await readImportSource('webarena-tasks', WEBARENA_FILE), {
        ...OPTIONS,
        format: 'webarena-tasks',
      });
      const configs = JSON.parse(fs.readFileSync(WEBARENA_FILE, 'utf8')) as Record<string, unknown>[];
      delete configs[17]!.intent;
      configs[3]!.intent = 'Changed, but must not be written';
      const malformed = path.join(tempDir(), 'malformed.raw.json');
      fs.writeFileSync(malformed, JSON.stringify(configs));

      const error = await readImportSource('webarena-tasks', malformed).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportFormatError);
      expect(error).toMatchObject({ code: 'BAD_INPUT', file: malformed, field: '[17].intent' });
      expect((error as Error).message).toContain(malformed);
      expect((error as Error).message).toContain('[17].intent');
      expect(rowCounts(world.db)).toEqual({ tasks: 812, trajectories: 0, steps: 0, media: 0, audit: 1 });
      expect(
        world.db.$client
          .prepare(`select count(*) as n from task where intent = 'Changed, but must not be written'`)
          .get(),
      ).toEqual({ n: 0 });
    });

    it('reading a missing path is BAD_INPUT naming it', async () => {
      const missing = path.join(tempDir(), 'nope.json');
      await expect(readImportSource('webarena-tasks', missing)).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: `${missing}: no such file or folder`,
      });
    });
  });
});
