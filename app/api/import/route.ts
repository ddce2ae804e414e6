/**
 * Upload endpoint of the Import page (researcher and PI). Multipart form fields:
 * `format` (`webvoyager` | `webarena-tasks`), optional `kind` (`expert` | `rollout`), and either
 * `archive` (one .zip archive, or one .json file) or `files` (many files, each with its folder-relative path in
 * `paths` at the same position). The upload is staged under the data directory and imported by
 * a job; the response is `{ jobId }` (202) and the page follows the job's progress.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { hasScope } from '@/lib/core/roles';
import { getAppServices } from '@/server/app-services';
import { ZImportFormatSchema } from '@/server/services/import-sources';
import {
  importRootOf,
  stageFolderUpload,
  stageZipUpload,
  type StagedUpload,
} from '@/server/services/upload-service';
import { getSessionUser } from '@/server/trpc/context';

export const dynamic = 'force-dynamic';

const ZImportFormFieldsSchema = z.object({
  format: ZImportFormatSchema,
  kind: z.enum(['expert', 'rollout']).optional(),
});

function json(body: unknown, status: number) {
  return Response.json(body, { status });
}

export async function POST(req: Request) {
  const user = await getSessionUser(req.headers);
  if (!user) return json({ error: 'Sign in first.' }, 401);
  if (!hasScope(user.role, 'imports:write'))
    return json({ error: 'Importing needs the researcher role.' }, 403);

  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    return json({ error: 'Expected a multipart form upload.' }, 400);
  }
  const fields = ZImportFormFieldsSchema.safeParse({
    format: form.get('format'),
    kind: form.get('kind') || undefined,
  });
  if (!fields.success)
    return json(
      {
        error: `Bad form field: ${fields.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      },
      400,
    );

  const { dataDir, jobs } = getAppServices();
  let staged: StagedUpload;
  let label: string;
  try {
    const archive = form.get('archive');
    if (archive instanceof File) {
      label = archive.name;
      if (archive.name.toLowerCase().endsWith('.zip')) {
        const tmp = path.join(os.tmpdir(), `core-curator-${crypto.randomUUID()}.zip`);
        fs.writeFileSync(tmp, Buffer.from(await archive.arrayBuffer()));
        try {
          staged = await stageZipUpload(dataDir, tmp);
        } finally {
          fs.rmSync(tmp, { force: true });
        }
      } else {
        staged = await stageFolderUpload(dataDir, [
          { relativePath: path.basename(archive.name), data: archive },
        ]);
      }
    } else {
      const files = form.getAll('files').filter((f): f is File => f instanceof File);
      const paths = form.getAll('paths').map(String);
      if (files.length === 0)
        return json({ error: 'Choose a folder, a .zip archive or a JSON file to import.' }, 400);
      label = paths[0]?.split('/')[0] ?? files[0]?.name ?? 'upload';
      staged = await stageFolderUpload(
        dataDir,
        files.map((f, i) => ({ relativePath: paths[i] || f.name, data: f })),
      );
    }
  } catch (error) {
    if (error instanceof DomainError)
      return json({ error: error.message }, error.code === 'TOO_LARGE' ? 413 : 400);
    throw error;
  }

  const jobId = jobs.enqueue(
    'import',
    {
      format: fields.data.format,
      kind: fields.data.kind,
      path: importRootOf(staged),
      stagingDir: staged.dir,
      actor: { userId: user.id, label: user.email },
      label,
    },
    { createdBy: user.id },
  );
  return json({ jobId }, 202);
}
