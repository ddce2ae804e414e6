/**
 * Serves a screenshot (or its thumbnail with `?thumb=1`) by content hash. Requires a signed-in
 * user (401 otherwise). The file path is built from a validated hash and checked to stay inside
 * the data directory. Content-addressed, so cached for a year (`private`: it is behind auth).
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { hasScope } from '@/lib/core/roles';
import { getAppServices } from '@/server/app-services';
import { media } from '@/server/db/schema';
import { isMediaHash, mediaPath, thumbPath } from '@/server/services/media-store';
import { getSessionUser } from '@/server/trpc/context';

export const dynamic = 'force-dynamic';

function isInside(root: string, file: string): boolean {
  const resolved = path.resolve(file);
  return resolved.startsWith(path.resolve(root) + path.sep);
}

export async function GET(req: Request, { params }: { params: Promise<{ hash: string }> }) {
  const user = await getSessionUser(req.headers);
  if (!user) return new Response('Sign in first.', { status: 401 });
  if (!hasScope(user.role, 'trajectories:read')) return new Response('Forbidden', { status: 403 });
  const { hash } = await params;
  if (!isMediaHash(hash)) return new Response('Not found', { status: 404 });
  const { db, dataDir } = getAppServices();
  const row = db.select({ mime: media.mime }).from(media).where(eq(media.hash, hash)).get();
  if (!row) return new Response('Not found', { status: 404 });
  const wantsThumb = new URL(req.url).searchParams.get('thumb') === '1';
  const file = wantsThumb ? thumbPath(dataDir, hash) : mediaPath(dataDir, hash, row.mime);
  if (!file || !isInside(dataDir, file) || !fs.existsSync(file))
    return new Response('Not found', { status: 404 });
  const data = await fs.promises.readFile(file);
  return new Response(new Uint8Array(data), {
    headers: {
      'content-type': wantsThumb ? 'image/webp' : row.mime,
      'content-length': String(data.byteLength),
      'cache-control': 'private, max-age=31536000, immutable',
      etag: `"${hash}${wantsThumb ? '-t' : ''}"`,
      'x-content-type-options': 'nosniff',
    },
  });
}
