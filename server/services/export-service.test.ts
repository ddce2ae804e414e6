import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IMAGE_TAG } from '@/lib/core/export/formats';
import type { ExportManifest } from '@/lib/core/export/manifest';
import { assignSplit } from '@/lib/core/export/split';
import { validateExportRecord } from '@/lib/core/export/validate';
import { parseWebVoyagerAction } from '@/lib/core/import/webvoyager';
import { job, media, step, trajectory } from '@/server/db/schema';
import { mediaPath, storeImage } from '@/server/services/media-store';
import sharp from 'sharp';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import {
  getTrainingExport,
  previewTrainingExport,
  rerunTrainingExport,
  startTrainingExport,
  verifyTrainingExport,
} from '@/server/services/export-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';

const actor = { userId: null, label: 'test' };

function readLines(file: string): Record<string, unknown>[] {
  const text = fs.readFileSync(file, 'utf8');
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function runExport(world: TestWorld, request: Parameters<typeof startTrainingExport>[2]) {
  const { exportId, jobId } = startTrainingExport(world.db, world.jobs, request, actor);
  await world.jobs.idle();
  const row = world.db.select().from(job).where(eq(job.id, jobId)).get()!;
  expect(row.error).toBeNull();
  expect(row.status).toBe('succeeded');
  const exported = getTrainingExport(world.db, world.dataDir, exportId);
  return { exportId, dir: path.join(world.dataDir, exported.dir), manifest: exported.manifest! };
}

describe('fine-tuning exports on real WebVoyager runs', { timeout: 60_000 }, () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = createTestWorld();
    const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES, { kind: 'rollout' });
    await importBundle(world.db, world.dataDir, bundle, { format: 'webvoyager', actor });
    const ids = world.db
      .select({ id: trajectory.id })
      .from(trajectory)
      .orderBy(trajectory.id)
      .all()
      .map((r) => r.id);
    // Curated state: three demos, four Fully Passed rollouts, the rest failed.
    world.db
      .update(trajectory)
      .set({ kind: 'expert' })
      .where(inArray(trajectory.id, ids.slice(0, 3)))
      .run();
    world.db
      .update(trajectory)
      .set({ category: 'fully_passed' })
      .where(inArray(trajectory.id, ids.slice(3, 7)))
      .run();
    world.db
      .update(trajectory)
      .set({ category: 'failed' })
      .where(inArray(trajectory.id, ids.slice(7)))
      .run();
  });
  afterEach(() => world.cleanup());

  it('previews the selection per source', () => {
    const preview = previewTrainingExport(world.db, {
      iterationId: 1,
      sources: ['expert_demos', 'fully_passed'],
      includeEarlierIterations: false,
    });
    expect(preview.bySource.expert_demos?.trajectories).toBe(3);
    expect(preview.bySource.fully_passed?.trajectories).toBe(4);
    expect(preview.trajectories).toBe(7);
  });

  it('writes LLaMA-Factory with dataset_info.json, one example per step, tags equal to images', async () => {
    const { dir, manifest } = await runExport(world, {
      iterationId: 1,
      format: 'llama-factory',
      sources: ['expert_demos', 'fully_passed'],
      validationFraction: 0.3,
    });
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'dataset_info.json'), 'utf8')) as Record<
      string,
      { formatting: string; file_name: string }
    >;
    expect(info.core_curator_train).toMatchObject({ formatting: 'sharegpt', file_name: 'train.jsonl' });
    const train = readLines(path.join(dir, 'train.jsonl'));
    const validation = readLines(path.join(dir, 'validation.jsonl'));
    const steps = world.db
      .select({ n: trajectory.stepCount })
      .from(trajectory)
      .where(inArray(trajectory.kind, ['expert']))
      .all();
    expect(manifest.counts.bySource.expert_demos?.trajectories).toBe(3);
    expect(manifest.counts.train.examples + manifest.counts.validation.examples).toBe(
      train.length + validation.length,
    );
    expect(train.length + validation.length).toBeGreaterThan(steps.length);
    for (const record of [...train, ...validation]) {
      const messages = record.messages as { role: string; content: string }[];
      const images = record.images as string[];
      const tags = messages.map((m) => m.content.split(IMAGE_TAG).length - 1).reduce((a, b) => a + b, 0);
      expect(tags).toBe(images.length);
      expect(messages.at(-1)!.role).toBe('assistant');
      expect(messages.at(-1)!.content).not.toContain(IMAGE_TAG);
      for (const image of images) expect(fs.existsSync(path.join(dir, image))).toBe(true);
      // The target reads back as the action it came from.
      expect(parseWebVoyagerAction(messages.at(-1)!.content).action.type).not.toBe('unknown');
    }
    expect(manifest.counts.byCategory.expert?.trajectories).toBe(3);
    expect(manifest.counts.byCategory.fully_passed?.trajectories).toBe(4);
  });

  it('ships the image a model is sent (the marks drawn) for steps the runner recorded, the screenshot otherwise', async () => {
    const demo = world.db
      .select({ id: trajectory.id })
      .from(trajectory)
      .where(eq(trajectory.kind, 'expert'))
      .orderBy(trajectory.id)
      .get()!;
    const first = world.db
      .select()
      .from(step)
      .where(eq(step.trajectoryId, demo.id))
      .orderBy(step.index)
      .get()!;
    const marked = await storeImage(
      world.dataDir,
      await sharp({ create: { width: 40, height: 30, channels: 3, background: '#e6194b' } })
        .png()
        .toBuffer(),
      'marked',
    );
    world.db
      .insert(media)
      .values({ hash: marked.hash, mime: marked.mime, bytes: marked.bytes, width: 40, height: 30 })
      .onConflictDoNothing()
      .run();
    world.db.update(step).set({ modelImageHash: marked.hash }).where(eq(step.id, first.id)).run();
    const { dir } = await runExport(world, {
      iterationId: 1,
      format: 'llama-factory',
      sources: ['expert_demos'],
      validationFraction: 0,
    });
    const records = readLines(path.join(dir, 'train.jsonl'));
    const images = records.flatMap((r) => r.images as string[]);
    expect(images).toContain(`images/${marked.hash}.png`);
    expect(images).not.toContain(`images/${first.screenshotHash}.png`);
    // Other steps keep their recorded screenshots.
    expect(images.length).toBeGreaterThan(1);
  });

  it('exports corrections from the take-over step only, with the replayed steps as history; no other source takes them', async () => {
    const failed = world.db
      .select({ id: trajectory.id, stepCount: trajectory.stepCount, taskId: trajectory.taskId })
      .from(trajectory)
      .where(eq(trajectory.category, 'failed'))
      .orderBy(trajectory.id)
      .all()
      .find((t) => t.stepCount >= 4)!;
    /** A correction of `failed` as the recording session saves it: the rollout's steps, then the person's. */
    const correct = (envSuccess: boolean, takeoverStep: number) => {
      const id = randomUUID();
      world.db
        .insert(trajectory)
        .values({
          id,
          taskId: failed.taskId,
          kind: 'correction',
          source: 'corrected',
          derivedFromId: failed.id,
          takeoverStep,
          envSuccess,
          // A correction the graph scored Fully Passed must still not count as a Fully Passed rollout.
          category: 'fully_passed',
          iterationId: 1,
          stepCount: failed.stepCount,
          contentHash: id,
          createdBy: 'test',
        })
        .run();
      for (const s of world.db.select().from(step).where(eq(step.trajectoryId, failed.id)).all())
        world.db
          .insert(step)
          .values({ ...s, id: randomUUID(), trajectoryId: id })
          .run();
      return id;
    };
    const passedId = correct(true, 2);
    correct(false, 1); // the verifier failed it: no teacher signal
    const preview = previewTrainingExport(world.db, {
      iterationId: 1,
      sources: [
        'expert_demos',
        'fully_passed',
        'approved_paths',
        'extrapolated_intents',
        'proposed_tasks',
        'corrections',
      ],
      includeEarlierIterations: false,
    });
    expect(preview.bySource.corrections).toEqual({ trajectories: 1, steps: failed.stepCount - 2 });
    expect(preview.bySource.fully_passed?.trajectories).toBe(4);

    const validationFraction = 0.5;
    const { dir, manifest } = await runExport(world, {
      iterationId: 1,
      format: 'openai',
      sources: ['corrections'],
      validationFraction,
      seed: 3,
    });
    const replayed = world.db
      .select({ index: step.index, description: step.actionDescription })
      .from(step)
      .where(eq(step.trajectoryId, passedId))
      .orderBy(step.index)
      .all();
    expect(manifest.trajectories).toEqual([
      expect.objectContaining({
        trajectoryId: passedId,
        source: 'corrections',
        kind: 'correction',
        envSuccess: true,
        correctedTrajectoryId: failed.id,
        takeoverStep: 2,
        // Split with the rollout it corrects (its replayed steps are that rollout's).
        split: assignSplit(3, failed.id, validationFraction),
      }),
    ]);
    const examples = manifest.trajectories[0]!.examples;
    expect(examples).toBeGreaterThan(0);
    expect(examples).toBeLessThanOrEqual(failed.stepCount - 2);
    expect(manifest.counts.bySource.corrections).toEqual({ trajectories: 1, examples });
    expect(manifest.counts.byCategory.correction).toEqual({ trajectories: 1, examples });
    const records = [
      ...readLines(path.join(dir, 'train.jsonl')),
      ...readLines(path.join(dir, 'validation.jsonl')),
    ];
    expect(records).toHaveLength(examples);
    // The first example's history holds the two replayed steps, and no example's history is shorter.
    const userText = (record: Record<string, unknown>) => {
      const messages = record.messages as { role: string; content: { type: string; text?: string }[] }[];
      return messages
        .find((m) => m.role === 'user')!
        .content.flatMap((p) => (p.type === 'text' ? [p.text!] : []))
        .join('\n');
    };
    for (const record of records) {
      expect(userText(record)).toContain(`Step 1: ${replayed[0]!.description}`);
      expect(userText(record)).toContain(`Step 2: ${replayed[1]!.description}`);
    }

    // Every other source leaves corrections out.
    const others = await runExport(world, {
      iterationId: 1,
      format: 'ms-swift',
      sources: ['expert_demos', 'fully_passed', 'approved_paths', 'extrapolated_intents', 'proposed_tasks'],
      validationFraction: 0,
    });
    expect(others.manifest.trajectories.filter((t) => t.kind === 'correction')).toEqual([]);
    expect(others.manifest.counts.bySource.corrections).toBeUndefined();
  });

  it("lists every trajectory in the manifest with its split and the environment's verdict and message", async () => {
    const passed = world.db
      .select({ id: trajectory.id })
      .from(trajectory)
      .where(eq(trajectory.category, 'fully_passed'))
      .orderBy(trajectory.id)
      .all()
      .map((r) => r.id);
    world.db
      .update(trajectory)
      .set({ envSuccess: true, envMessage: 'Repository starred: 1 of 1' })
      .where(eq(trajectory.id, passed[0]!))
      .run();
    world.db
      .update(trajectory)
      .set({ envSuccess: false, envMessage: 'expected "main", found "dev"' })
      .where(eq(trajectory.id, passed[1]!))
      .run();
    const { manifest } = await runExport(world, {
      iterationId: 1,
      format: 'ms-swift',
      sources: ['expert_demos', 'fully_passed'],
      validationFraction: 0.3,
    });
    expect(manifest.manifestVersion).toBe(2);
    expect(manifest.trajectories).toHaveLength(7);
    expect(new Set(manifest.trajectories.map((t) => t.trajectoryId)).size).toBe(7);
    const byId = new Map(manifest.trajectories.map((t) => [t.trajectoryId, t]));
    expect(byId.get(passed[0]!)).toMatchObject({
      source: 'fully_passed',
      kind: 'rollout',
      category: 'fully_passed',
      envSuccess: true,
      envMessage: 'Repository starred: 1 of 1',
    });
    expect(byId.get(passed[1]!)).toMatchObject({
      envSuccess: false,
      envMessage: 'expected "main", found "dev"',
    });
    // Imported WebVoyager runs carry no evaluator explanation.
    expect(byId.get(passed[2]!)).toMatchObject({ envSuccess: null, envMessage: null });
    expect(manifest.trajectories.filter((t) => t.kind === 'expert')).toHaveLength(3);
    for (const split of ['train', 'validation'] as const) {
      const listed = manifest.trajectories.filter((t) => t.split === split);
      expect(listed.length).toBe(manifest.counts[split].trajectories);
      expect(listed.reduce((n, t) => n + t.examples, 0)).toBe(manifest.counts[split].examples);
    }
  });

  it('writes OpenAI chat JSONL with data-URI images only in user turns, within the limits', async () => {
    const { dir } = await runExport(world, {
      iterationId: 1,
      format: 'openai',
      sources: ['fully_passed'],
      validationFraction: 0,
    });
    const train = readLines(path.join(dir, 'train.jsonl'));
    expect(train.length).toBeGreaterThan(0);
    expect(readLines(path.join(dir, 'validation.jsonl'))).toEqual([]);
    for (const record of train) {
      expect(validateExportRecord('openai', record, () => null)).toEqual([]);
      const messages = record.messages as { role: string; content: unknown }[];
      expect(typeof messages.at(-1)!.content).toBe('string');
    }
    expect(fs.existsSync(path.join(dir, 'images'))).toBe(false);
  });

  it('writes a manifest whose sha256 values match every file', async () => {
    const { exportId, dir, manifest } = await runExport(world, {
      iterationId: 1,
      format: 'ms-swift',
      sources: ['expert_demos', 'fully_passed'],
    });
    const onDisk = fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
      .filter((p) => p !== 'manifest.json')
      .sort();
    expect(manifest.files.map((f) => f.path).sort()).toEqual(onDisk);
    for (const file of manifest.files) {
      const bytes = fs.readFileSync(path.join(dir, file.path));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      expect(bytes.length).toBe(file.bytes);
    }
    expect(manifest.command).toBe(
      'npx core-curator export ms-swift --iteration 1 --sources expert_demos,fully_passed --seed 42 --validation-fraction 0.1',
    );
    expect(await verifyTrainingExport(world.db, world.dataDir, exportId)).toEqual({
      checked: manifest.files.length,
      mismatches: [],
    });
    fs.appendFileSync(path.join(dir, 'train.jsonl'), '\n');
    expect((await verifyTrainingExport(world.db, world.dataDir, exportId)).mismatches).toEqual([
      { path: 'train.jsonl', problem: 'sha256 differs' },
    ]);
  });

  it('splits by trajectory, the same way for the same seed and differently for another', async () => {
    const request = {
      iterationId: 1,
      format: 'ms-swift' as const,
      sources: ['expert_demos' as const, 'fully_passed' as const],
      validationFraction: 0.5,
    };
    // Ids are random per run: with 7 trajectories one seed can put all of them in train (≈ 1 %).
    let seed = 7;
    let a = await runExport(world, { ...request, seed });
    while (a.manifest.counts.validation.trajectories === 0 && seed < 13) {
      seed += 2;
      a = await runExport(world, { ...request, seed });
    }
    const b = await runExport(world, { ...request, seed });
    const file = (dir: string, split: string) => fs.readFileSync(path.join(dir, `${split}.jsonl`), 'utf8');
    expect(file(a.dir, 'train')).toBe(file(b.dir, 'train'));
    expect(file(a.dir, 'validation')).toBe(file(b.dir, 'validation'));
    expect(a.manifest.counts.validation.trajectories).toBeGreaterThan(0);
    // Trajectory ids are random per run, so one other seed may by chance pick the same half of the
    // few trajectories here: another seed must differ within a few tries.
    const others: string[] = [];
    for (const seed of [8, 9, 10])
      others.push(file((await runExport(world, { ...request, seed })).dir, 'validation'));
    expect(others.some((v) => v !== file(a.dir, 'validation'))).toBe(true);
  });

  it('fails without leaving anything when a screenshot is gone, and succeeds once re-run after repair', async () => {
    // A screenshot of an expert demo (the selection below holds every demo).
    const shot = world.db
      .select({ hash: media.hash, mime: media.mime })
      .from(step)
      .innerJoin(trajectory, eq(trajectory.id, step.trajectoryId))
      .innerJoin(media, eq(media.hash, step.screenshotHash))
      .where(eq(trajectory.kind, 'expert'))
      .get()!;
    const original = mediaPath(world.dataDir, shot.hash, shot.mime)!;
    fs.renameSync(original, `${original}.away`);
    const { exportId, jobId } = startTrainingExport(
      world.db,
      world.jobs,
      {
        iterationId: 1,
        format: 'llama-factory',
        sources: ['expert_demos', 'fully_passed', 'approved_paths'],
      },
      actor,
    );
    await world.jobs.idle();
    const failed = world.db.select().from(job).where(eq(job.id, jobId)).get()!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/missing from the media store/);
    const exportsDir = path.join(world.dataDir, 'exports');
    expect(fs.existsSync(path.join(exportsDir, exportId))).toBe(false);
    expect(fs.readdirSync(path.join(exportsDir, '.tmp'))).toEqual([]);

    fs.renameSync(`${original}.away`, original);
    const rerun = rerunTrainingExport(world.db, world.jobs, exportId, actor);
    await world.jobs.idle();
    expect(world.db.select().from(job).where(eq(job.id, rerun.jobId)).get()!.status).toBe('succeeded');
    expect(fs.existsSync(path.join(exportsDir, exportId, 'manifest.json'))).toBe(true);
  });

  it('is cancelled without leaving anything', async () => {
    const { exportId, jobId } = startTrainingExport(
      world.db,
      world.jobs,
      { iterationId: 1, format: 'openai', sources: ['expert_demos', 'fully_passed'] },
      actor,
    );
    world.jobs.cancel(jobId);
    await world.jobs.idle();
    expect(world.db.select().from(job).where(eq(job.id, jobId)).get()!.status).toBe('cancelled');
    expect(fs.existsSync(path.join(world.dataDir, 'exports', exportId))).toBe(false);
  });

  it('re-runs a stopped export into the same folder and refuses to re-run a finished one', async () => {
    const { exportId } = await runExport(world, {
      iterationId: 1,
      format: 'openai',
      sources: ['fully_passed'],
    });
    expect(() => rerunTrainingExport(world.db, world.jobs, exportId, actor)).toThrow(/succeeded/);
    const manifest: ExportManifest = getTrainingExport(world.db, world.dataDir, exportId).manifest!;
    expect(manifest.exportId).toBe(exportId);
  });
});
