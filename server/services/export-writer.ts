/**
 * The export job: writes one fine-tuning export to disk (DESIGN.md › Formats › Fine-tuning exports).
 *
 * - **Streaming, bounded memory**: trajectories are read in batches of {@link EXPORT_BATCH_SIZE}
 *   with their steps; each example is formatted and written at once (awaiting `drain`), and
 *   hashed as it is written. What stays in memory is the selection's heads (one small object per
 *   trajectory), the manifest's line per trajectory (its environment message is at most 4,000
 *   characters, `MAX_ENV_MESSAGE_CHARS`) and the set of image hashes already copied.
 * - **Atomic**: everything goes into `<data dir>/exports/.tmp/<export id>-<job id>/`, which is
 *   renamed to `<data dir>/exports/<export id>/` only once complete and validated. A killed process
 *   leaves at most a folder under `.tmp/` (removed when the export is re-run); the export folder
 *   itself is either absent or whole.
 * - **Validated**: before the rename, every written line is read back and checked against the
 *   format rules (`lib/core/export/validate.ts`); any problem fails the job, naming file, line and rule.
 * - **Images**: `openai` inlines each screenshot as a data URI; the others copy it once into
 *   `images/<sha256>.<ext>`. A screenshot over the 10 MB limit is re-encoded with sharp (JPEG,
 *   quality 80, at most 1920 px wide) and counted in the manifest.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { asc, eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import sharp from 'sharp';
import { DomainError } from '@/lib/core/errors';
import {
  buildLlamaFactoryDatasetInfo,
  EXPORT_LIMITS,
  EXPORT_SPLIT_FILES,
  exportImagePath,
  formatExampleRecord,
  usesImageFiles,
} from '@/lib/core/export/formats';
import {
  buildReproduceCommand,
  EXPORT_MANIFEST_FILE,
  EXPORT_MANIFEST_VERSION,
  type ExportCounts,
  type ExportManifest,
  type ExportManifestFile,
  type ExportManifestTrajectory,
} from '@/lib/core/export/manifest';
import { buildStepExamples, type ExportStep } from '@/lib/core/export/samples';
import { assignSplit } from '@/lib/core/export/split';
import { EXPORT_SPLITS, type ExampleImage, type ExportSplit } from '@/lib/core/export/types';
import { validateExportRecord } from '@/lib/core/export/validate';
import type { Db } from '@/server/db/client';
import { media, step, trainingExport, trajectory, user } from '@/server/db/schema';
import { loadPrompt } from '@/server/llm/prompts';
import { NEXT_ACTION_PROMPT_ID } from '@/server/rollouts/policies/openai-policy';
import { mediaPath } from '@/server/services/media-store';
import { collectExportReliance, selectExportTrajectories } from '@/server/services/export-selection';

/** Trajectories read (with their steps) per query. */
export const EXPORT_BATCH_SIZE = 50;

/** Problems quoted in the error of an export that fails validation. */
const MAX_REPORTED_PROBLEMS = 10;

/** Where exports live under the data directory, and where they are written before the rename. */
export const EXPORTS_DIR = 'exports';
const TMP_DIR = '.tmp';

export interface ExportJobContext {
  jobId: string;
  signal: AbortSignal;
  progress: (fraction: number, message?: string) => void;
}

/** What the job returns (and the export row keeps as `summary`). */
export interface ExportResult {
  exportId: string;
  dir: string;
  counts: ExportManifest['counts'];
  files: number;
  warnings: string[];
}

/** A write stream that hashes and counts what goes through it. */
class HashedFile {
  readonly hash = createHash('sha256');
  bytes = 0;
  private readonly stream: fs.WriteStream;
  /** The stream's error, kept so that one arriving with no write waiting is never unhandled. */
  private error: Error | null = null;
  constructor(readonly file: string) {
    this.stream = fs.createWriteStream(file, { flags: 'wx' });
    this.stream.on('error', (error) => {
      this.error = error;
    });
  }
  async write(text: string): Promise<void> {
    if (this.error) throw this.error;
    const chunk = Buffer.from(text, 'utf8');
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
  async close(): Promise<{ bytes: number; sha256: string }> {
    this.stream.end();
    await once(this.stream, 'finish');
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
  destroy(): void {
    this.stream.destroy();
  }
}

function emptyCounts(): ExportCounts {
  return { trajectories: 0, examples: 0 };
}

function bump(map: Record<string, ExportCounts>, key: string, examples: number) {
  const counts = (map[key] ??= emptyCounts());
  counts.trajectories += 1;
  counts.examples += examples;
}

/** sha256 (lower-case hex) of a file's bytes, read as a stream. */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/**
 * The steps of the trajectories, in order. A step's image is the one a model acting on it is sent:
 * the screenshot with the set-of-marks drawn when the runner stored one (`step.modelImageHash`),
 * else the screenshot as recorded (imported WebVoyager screenshots already carry their marks), so a
 * model trained on an export sees what the `openai` policy sends it.
 */
function loadSteps(db: Db, trajectoryIds: string[]): Map<string, ExportStep[]> {
  const modelMedia = alias(media, 'model_media');
  const rows = db
    .select({
      trajectoryId: step.trajectoryId,
      index: step.index,
      url: step.url,
      title: step.title,
      elementsText: step.elementsText,
      elements: step.elements,
      screenshotHash: step.screenshotHash,
      screenshotMime: media.mime,
      modelImageHash: step.modelImageHash,
      modelImageMime: modelMedia.mime,
      action: step.action,
      actionDescription: step.actionDescription,
      thought: step.thought,
    })
    .from(step)
    .leftJoin(media, eq(media.hash, step.screenshotHash))
    .leftJoin(modelMedia, eq(modelMedia.hash, step.modelImageHash))
    .where(inArray(step.trajectoryId, trajectoryIds))
    .orderBy(asc(step.trajectoryId), asc(step.index))
    .all();
  const byTrajectory = new Map<string, ExportStep[]>();
  for (const { trajectoryId, modelImageHash, modelImageMime, ...row } of rows) {
    const list = byTrajectory.get(trajectoryId) ?? [];
    list.push(
      modelImageHash && modelImageMime
        ? { ...row, screenshotHash: modelImageHash, screenshotMime: modelImageMime }
        : row,
    );
    byTrajectory.set(trajectoryId, list);
  }
  return byTrajectory;
}

/** The environment's verdict and message of each trajectory, for the manifest. */
function loadEnvVerdicts(
  db: Db,
  trajectoryIds: string[],
): Map<string, { envSuccess: boolean | null; envMessage: string | null }> {
  const rows = db
    .select({ id: trajectory.id, envSuccess: trajectory.envSuccess, envMessage: trajectory.envMessage })
    .from(trajectory)
    .where(inArray(trajectory.id, trajectoryIds))
    .all();
  return new Map(rows.map(({ id, ...verdict }) => [id, verdict]));
}

/** The screenshot as the export ships it: the original, or a re-encoded JPEG when over the limit. */
async function readShippableImage(
  dataDir: string,
  image: ExampleImage,
): Promise<{ bytes: Buffer; mime: string; reencoded: boolean }> {
  const file = mediaPath(dataDir, image.mediaHash, image.mime);
  if (!file || !fs.existsSync(file))
    throw new DomainError('NOT_FOUND', `Screenshot ${image.mediaHash} is missing from the media store`);
  const bytes = await fs.promises.readFile(file);
  if (bytes.length <= EXPORT_LIMITS.maxImageBytes) return { bytes, mime: image.mime, reencoded: false };
  const jpeg = await sharp(bytes)
    .resize({ width: 1920, withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer();
  return { bytes: jpeg, mime: 'image/jpeg', reencoded: true };
}

function removeStaleTemps(tmpRoot: string, exportId: string) {
  if (!fs.existsSync(tmpRoot)) return;
  for (const name of fs.readdirSync(tmpRoot))
    if (name.startsWith(`${exportId}-`))
      fs.rmSync(path.join(tmpRoot, name), { recursive: true, force: true });
}

async function validateWrittenFile(
  dir: string,
  fileName: string,
  format: ExportManifest['format'],
  problems: string[],
  signal: AbortSignal,
  onLine: () => void,
): Promise<void> {
  const sizes = new Map<string, number | null>();
  const imageBytes = (ref: string) => {
    if (!sizes.has(ref)) {
      const resolved = path.resolve(dir, ref);
      const inside = resolved.startsWith(dir + path.sep);
      sizes.set(ref, inside && fs.existsSync(resolved) ? fs.statSync(resolved).size : null);
    }
    return sizes.get(ref)!;
  };
  const lines = readline.createInterface({
    input: fs.createReadStream(path.join(dir, fileName)),
    crlfDelay: Infinity,
  });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    onLine();
    if (signal.aborted) throw new Error('Cancelled');
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      problems.push(`${fileName} line ${lineNumber}: not JSON`);
      continue;
    }
    for (const problem of validateExportRecord(format, record, imageBytes)) {
      problems.push(`${fileName} line ${lineNumber}: ${problem.rule}: ${problem.message}`);
      if (problems.length >= MAX_REPORTED_PROBLEMS) return;
    }
  }
}

/**
 * Writes export `exportId` (its row gives format, iteration and options) as job `ctx.jobId`.
 * @returns the summary also stored on the row.
 * @throws DomainError('NOT_FOUND') for an unknown export or a missing screenshot file;
 *   DomainError('BAD_INPUT') when written records break the format rules (the message lists the
 *   first problems by file and line); Error('Cancelled') when `ctx.signal` aborts. Nothing is left
 *   in the export folder on any failure.
 */
export async function executeTrainingExport(
  db: Db,
  dataDir: string,
  exportId: string,
  ctx: ExportJobContext,
): Promise<ExportResult> {
  const row = db
    .select({ export: trainingExport, createdByEmail: user.email })
    .from(trainingExport)
    .leftJoin(user, eq(user.id, trainingExport.createdBy))
    .where(eq(trainingExport.id, exportId))
    .get();
  if (!row) throw new DomainError('NOT_FOUND', `Export ${exportId} not found`);
  const { format, iterationId, options } = row.export;
  const finalDir = path.join(dataDir, row.export.dir);
  const tmpRoot = path.join(dataDir, EXPORTS_DIR, TMP_DIR);
  removeStaleTemps(tmpRoot, exportId);
  const tmpDir = path.join(tmpRoot, `${exportId}-${ctx.jobId}`);
  fs.mkdirSync(tmpDir, { recursive: true });
  const files: Record<ExportSplit, HashedFile> = {
    train: new HashedFile(path.join(tmpDir, EXPORT_SPLIT_FILES.train)),
    validation: new HashedFile(path.join(tmpDir, EXPORT_SPLIT_FILES.validation)),
  };
  let renamed = false;
  try {
    ctx.progress(0, 'Selecting trajectories');
    const template = loadPrompt(NEXT_ACTION_PROMPT_ID);
    const selection = selectExportTrajectories(db, { ...options, iterationId });
    const reliance = collectExportReliance(db, selection);
    const counts: ExportManifest['counts'] = {
      train: emptyCounts(),
      validation: emptyCounts(),
      bySource: {},
      byCategory: {},
      skippedSteps: {},
      skippedProposedTasks: selection.skippedProposedTasks,
      skippedSeedPassing: selection.skippedSeedPassing,
      images: { files: 0, bytes: 0, reencoded: 0 },
    };
    const imageFiles: ExportManifestFile[] = [];
    const manifestTrajectories: ExportManifestTrajectory[] = [];
    const copied = new Map<string, string>();
    if (usesImageFiles(format)) fs.mkdirSync(path.join(tmpDir, 'images'));

    const total = selection.trajectories.length;
    for (let start = 0; start < total; start += EXPORT_BATCH_SIZE) {
      const batch = selection.trajectories.slice(start, start + EXPORT_BATCH_SIZE);
      const batchIds = [...new Set(batch.map((t) => t.trajectoryId))];
      const steps = loadSteps(db, batchIds);
      const verdicts = loadEnvVerdicts(db, batchIds);
      for (const selected of batch) {
        if (ctx.signal.aborted) throw new Error('Cancelled');
        const { examples, skipped } = buildStepExamples(template, {
          ...selected,
          steps: steps.get(selected.trajectoryId) ?? [],
        });
        for (const s of skipped) counts.skippedSteps[s.reason] = (counts.skippedSteps[s.reason] ?? 0) + 1;
        const split = assignSplit(options.seed, selected.splitKey, options.validationFraction);
        for (const example of examples) {
          // Resolve the example's images first (async), then format synchronously.
          const refs = new Map<string, string>();
          for (const message of example.messages) {
            if (message.role !== 'user') continue;
            for (const part of message.content) {
              if (part.type !== 'image' || refs.has(part.image.mediaHash)) continue;
              refs.set(part.image.mediaHash, await resolveImageRef(part.image));
            }
          }
          const record = formatExampleRecord(format, example, (image) => refs.get(image.mediaHash)!);
          await files[split].write(`${JSON.stringify(record)}\n`);
        }
        counts[split].trajectories += 1;
        counts[split].examples += examples.length;
        const verdict = verdicts.get(selected.trajectoryId);
        manifestTrajectories.push({
          trajectoryId: selected.trajectoryId,
          taskId: selected.taskId,
          source: selected.source,
          kind: selected.kind,
          category: selected.category,
          split,
          examples: examples.length,
          envSuccess: verdict?.envSuccess ?? null,
          envMessage: verdict?.envMessage ?? null,
          ...(selected.kind === 'correction'
            ? {
                correctedTrajectoryId: selected.correctedTrajectoryId ?? null,
                takeoverStep: selected.firstTargetStep,
              }
            : {}),
        });
        bump(counts.bySource, selected.source, examples.length);
        bump(
          counts.byCategory,
          selected.kind === 'expert' || selected.kind === 'correction'
            ? selected.kind
            : (selected.category ?? 'unscored'),
          examples.length,
        );
      }
      ctx.progress(
        (0.9 * Math.min(start + batch.length, total)) / Math.max(total, 1),
        `Wrote ${Math.min(start + batch.length, total)} of ${total} trajectories`,
      );
    }
    const written: ExportManifestFile[] = [];
    for (const split of EXPORT_SPLITS) {
      const { bytes, sha256 } = await files[split].close();
      written.push({ path: EXPORT_SPLIT_FILES[split], bytes, sha256 });
    }
    if (format === 'llama-factory') {
      const splits = EXPORT_SPLITS.filter((split) => counts[split].examples > 0);
      const text = `${JSON.stringify(buildLlamaFactoryDatasetInfo(splits), null, 2)}\n`;
      fs.writeFileSync(path.join(tmpDir, 'dataset_info.json'), text);
      written.push({
        path: 'dataset_info.json',
        bytes: Buffer.byteLength(text),
        sha256: createHash('sha256').update(text).digest('hex'),
      });
    }

    // Reading back takes a good share of the time for data-URI exports: it reports progress too.
    const writtenExamples = counts.train.examples + counts.validation.examples;
    let checked = 0;
    const onLine = () => {
      checked += 1;
      ctx.progress(
        0.9 + (0.1 * checked) / Math.max(writtenExamples, 1),
        `Checked ${checked} of ${writtenExamples} examples against the format rules`,
      );
    };
    const problems: string[] = [];
    for (const split of EXPORT_SPLITS)
      await validateWrittenFile(tmpDir, EXPORT_SPLIT_FILES[split], format, problems, ctx.signal, onLine);
    if (problems.length > 0)
      throw new DomainError('BAD_INPUT', `The export breaks the format rules: ${problems.join('; ')}`);

    const warnings: string[] = [];
    if (reliance.staleVerdicts > 0)
      warnings.push(
        `${reliance.staleVerdicts} rollout verdicts were computed against an older strategy-graph version than their task's latest; score again to use the current graphs.`,
      );
    if (counts.train.examples + counts.validation.examples === 0)
      warnings.push('The selection holds no examples.');
    if (counts.images.reencoded > 0)
      warnings.push(`${counts.images.reencoded} screenshots were over 10 MB and were re-encoded as JPEG.`);
    const manifest: ExportManifest = {
      manifestVersion: EXPORT_MANIFEST_VERSION,
      exportId,
      createdAt: new Date().toISOString(),
      createdBy: row.createdByEmail ?? 'cli',
      iteration: iterationId,
      format,
      options: { ...options },
      sample: { shape: 'next_action', promptId: template.id, promptVersion: template.version },
      counts,
      trajectories: manifestTrajectories,
      files: [...written, ...imageFiles.sort((a, b) => a.path.localeCompare(b.path))],
      graphVersions: reliance.graphVersions,
      labelFunctionVersions: reliance.labelFunctionVersions,
      reviewDecisions: reliance.reviewDecisions,
      warnings,
      command: buildReproduceCommand({ format, iteration: iterationId, ...options }),
    };
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    fs.writeFileSync(path.join(tmpDir, EXPORT_MANIFEST_FILE), manifestText);
    if (ctx.signal.aborted) throw new Error('Cancelled');

    // A previous run that renamed its folder but died before recording success left a whole
    // export behind; this run replaces it.
    fs.rmSync(finalDir, { recursive: true, force: true });
    fs.renameSync(tmpDir, finalDir);
    renamed = true;
    const result: ExportResult = {
      exportId,
      dir: row.export.dir,
      counts,
      files: manifest.files.length + 1,
      warnings,
    };
    db.update(trainingExport)
      .set({
        summary: result as unknown as Record<string, unknown>,
        manifestSha256: createHash('sha256').update(manifestText).digest('hex'),
        finishedAt: new Date(),
      })
      .where(eq(trainingExport.id, exportId))
      .run();
    ctx.progress(1, 'Done');
    return result;

    async function resolveImageRef(image: ExampleImage): Promise<string> {
      if (!usesImageFiles(format)) {
        const shipped = await readShippableImage(dataDir, image);
        if (shipped.reencoded) counts.images.reencoded += 1;
        return `data:${shipped.mime};base64,${shipped.bytes.toString('base64')}`;
      }
      const known = copied.get(image.mediaHash);
      if (known) return known;
      const shipped = await readShippableImage(dataDir, image);
      const ref = exportImagePath({ mediaHash: image.mediaHash, mime: shipped.mime });
      await fs.promises.writeFile(path.join(tmpDir, ref), shipped.bytes, { flag: 'wx' });
      const sha256 = shipped.reencoded
        ? createHash('sha256').update(shipped.bytes).digest('hex')
        : image.mediaHash;
      imageFiles.push({ path: ref, bytes: shipped.bytes.length, sha256 });
      counts.images.files += 1;
      counts.images.bytes += shipped.bytes.length;
      if (shipped.reencoded) counts.images.reencoded += 1;
      copied.set(image.mediaHash, ref);
      return ref;
    }
  } finally {
    if (!renamed) {
      files.train.destroy();
      files.validation.destroy();
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
  }
}
