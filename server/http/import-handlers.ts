/**
 * HTTP side of the Import page's upload (`POST /api/import`, researcher and PI; the route file only
 * passes the signed-in user and the app's services in).
 *
 * Multipart form fields: `format` (`webvoyager` | `webarena-tasks`), optional `kind` (`expert` |
 * `rollout`), and either `archive` (one .zip archive, or one .json file) or `files` (many files,
 * each with its folder-relative path in `paths` at the same position).
 *
 * The body is streamed to temporary files under `<data dir>/uploads/.tmp/` (never held in memory)
 * under `uploadLimitBytes` (`CORE_CURATOR_UPLOAD_LIMIT_MB`); only then are the fields read, the
 * files staged under `<data dir>/uploads/<id>/` (a zip is checked and extracted), and an import job
 * enqueued. Responses: 202 `{ jobId }` · 400 malformed form, bad path or archive entry (named) ·
 * 401 signed out · 403 not a researcher · 413 body, file count or unpacked size over its limit.
 * Error bodies are `{ "error": "…" }`; the temporary files are removed in every case.
 */
import path from 'node:path';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { hasScope } from '@/lib/core/roles';
import type { JobRunner } from '@/server/jobs/runner';
import {
  receiveMultipart,
  type MultipartLimits,
  type ReceivedMultipart,
} from '@/server/http/multipart-upload';
import { ZImportFormatSchema } from '@/server/services/import-sources';
import {
  importRootOf,
  MAX_UPLOAD_FILES,
  MAX_UPLOAD_PATH_BYTES,
  removeStagedUpload,
  stageFolderUpload,
  stageZipUpload,
  type StagedUpload,
} from '@/server/services/upload-service';
import type { SessionUser } from '@/server/trpc/init';

export interface ImportUploadDeps {
  dataDir: string;
  jobs: Pick<JobRunner, 'enqueue'>;
  /** Largest request body, in bytes (`readEnv().uploadLimitBytes`). */
  uploadLimitBytes: number;
}

const ZImportFormFieldsSchema = z.object({
  format: ZImportFormatSchema,
  kind: z.enum(['expert', 'rollout']).optional(),
});

/** Limits of the import form for a body cap of `maxBodyBytes`. */
export function importUploadLimits(maxBodyBytes: number): MultipartLimits {
  return {
    maxBodyBytes,
    maxFileBytes: maxBodyBytes,
    maxFiles: MAX_UPLOAD_FILES,
    // One `paths` value per file, plus format and kind.
    maxFields: MAX_UPLOAD_FILES + 8,
    maxFieldBytes: MAX_UPLOAD_PATH_BYTES * 4,
  };
}

function json(body: unknown, status: number): Response {
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

function single(upload: ReceivedMultipart, name: string): string | undefined {
  const values = upload.fieldValues(name);
  if (values.length > 1) throw new DomainError('BAD_INPUT', `Bad form field: ${name}: given more than once`);
  return values[0];
}

/** Stages what was received: a zip is extracted, a single file or a folder's files are moved. */
async function stageReceived(
  dataDir: string,
  upload: ReceivedMultipart,
): Promise<{ staged: StagedUpload; label: string }> {
  const archives = upload.files.filter((f) => f.field === 'archive');
  const files = upload.files.filter((f) => f.field === 'files');
  if (archives.length > 0 && files.length > 0)
    throw new DomainError('BAD_INPUT', 'Send either one archive or a folder’s files, not both');
  if (archives.length > 1) throw new DomainError('BAD_INPUT', 'Send one archive at a time');
  const archive = archives[0];
  if (archive) {
    const name = archive.filename || 'upload';
    if (name.toLowerCase().endsWith('.zip'))
      return { staged: await stageZipUpload(dataDir, archive.path), label: name };
    return {
      staged: stageFolderUpload(dataDir, [{ relativePath: path.basename(name), file: archive.path }]),
      label: name,
    };
  }
  if (files.length === 0)
    throw new DomainError('BAD_INPUT', 'Choose a folder, a .zip archive or a JSON file to import.');
  const paths = upload.fieldValues('paths');
  if (paths.length > 0 && paths.length !== files.length)
    throw new DomainError(
      'BAD_INPUT',
      `Bad form field: paths: ${paths.length} paths for ${files.length} files (one path per file, in order)`,
    );
  const relative = files.map((f, i) => paths[i] || f.filename);
  return {
    staged: stageFolderUpload(
      dataDir,
      files.map((f, i) => ({ relativePath: relative[i]!, file: f.path })),
    ),
    label: relative[0]?.split('/')[0] || 'upload',
  };
}

/**
 * `POST /api/import`: see the module comment.
 * @param user the signed-in user, or null.
 */
export async function handleImportUpload(
  req: Request,
  user: SessionUser | null,
  deps: ImportUploadDeps,
): Promise<Response> {
  if (!user) return json({ error: 'Sign in first.' }, 401);
  if (!hasScope(user.role, 'imports:write'))
    return json({ error: 'Importing needs the researcher role.' }, 403);

  let upload: ReceivedMultipart | null = null;
  let staged: StagedUpload | null = null;
  try {
    upload = await receiveMultipart(req, {
      dataDir: deps.dataDir,
      limits: importUploadLimits(deps.uploadLimitBytes),
      fileFields: ['archive', 'files'],
      what: 'Import upload',
    });
    const fields = ZImportFormFieldsSchema.safeParse({
      format: single(upload, 'format'),
      kind: single(upload, 'kind') || undefined,
    });
    if (!fields.success)
      throw new DomainError(
        'BAD_INPUT',
        `Bad form field: ${fields.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const stagedUpload = await stageReceived(deps.dataDir, upload);
    staged = stagedUpload.staged;
    const jobId = deps.jobs.enqueue(
      'import',
      {
        format: fields.data.format,
        kind: fields.data.kind,
        path: importRootOf(staged),
        stagingDir: staged.dir,
        actor: { userId: user.id, label: user.email },
        label: stagedUpload.label,
      },
      { createdBy: user.id },
    );
    staged = null; // the job owns it now
    return json({ jobId }, 202);
  } catch (error) {
    if (staged) removeStagedUpload(staged.dir);
    if (error instanceof DomainError && (error.code === 'BAD_INPUT' || error.code === 'TOO_LARGE'))
      return json({ error: error.message }, error.code === 'TOO_LARGE' ? 413 : 400);
    throw error;
  } finally {
    upload?.remove();
  }
}
