/**
 * Downloads a top-level file of a finished fine-tuning export (`train.jsonl`, `validation.jsonl`,
 * `dataset_info.json`, `manifest.json`) for users with `exports:read` (401 signed out, 403 below
 * researcher). Only those names are served, from the export's own folder inside the data
 * directory; the file is streamed (exports with inlined screenshots run to gigabytes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { hasScope } from '@/lib/core/roles';
import { DomainError } from '@/lib/core/errors';
import { getAppServices } from '@/server/app-services';
import { getTrainingExport } from '@/server/services/export-service';
import { getSessionUser } from '@/server/trpc/context';

export const dynamic = 'force-dynamic';

const DOWNLOADABLE: Record<string, string> = {
  'train.jsonl': 'application/jsonl; charset=utf-8',
  'validation.jsonl': 'application/jsonl; charset=utf-8',
  'dataset_info.json': 'application/json; charset=utf-8',
  'manifest.json': 'application/json; charset=utf-8',
};

export async function GET(req: Request, { params }: { params: Promise<{ id: string; file: string }> }) {
  const user = await getSessionUser(req.headers);
  if (!user) return new Response('Sign in first.', { status: 401 });
  if (!hasScope(user.role, 'exports:read')) return new Response('Forbidden', { status: 403 });
  const { id, file } = await params;
  const mime = DOWNLOADABLE[file];
  if (!mime) return new Response('Not found', { status: 404 });
  const { db, dataDir } = getAppServices();
  let exported;
  try {
    exported = getTrainingExport(db, dataDir, id);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'NOT_FOUND')
      return new Response('Not found', { status: 404 });
    throw error;
  }
  if (exported.status !== 'succeeded') return new Response('Not found', { status: 404 });
  const root = path.resolve(dataDir, exported.dir);
  const target = path.resolve(root, file);
  if (
    !root.startsWith(path.resolve(dataDir) + path.sep) ||
    path.dirname(target) !== root ||
    !fs.existsSync(target)
  )
    return new Response('Not found', { status: 404 });
  const stat = fs.statSync(target);
  const stream = Readable.toWeb(fs.createReadStream(target)) as ReadableStream<Uint8Array>;
  return new Response(stream, {
    headers: {
      'content-type': mime,
      'content-length': String(stat.size),
      'content-disposition': `attachment; filename="${exported.format}-${id.slice(0, 8)}-${file}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
