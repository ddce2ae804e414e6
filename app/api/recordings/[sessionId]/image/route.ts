/**
 * The screenshots of a recording session, served from the session's memory to its owner only
 * (401 signed out, 404 for a session that is not theirs or is gone): `?marks=1` the set-of-marks
 * drawing, else the clean screenshot; `?step=<n>` a recorded step's (0-based), else the current
 * page's. Never cached: the current image changes with every action.
 */
import { DomainError } from '@/lib/core/errors';
import { getRecordingImage } from '@/server/services/recording-service';
import { getSessionUser } from '@/server/trpc/context';

export const dynamic = 'force-dynamic';

export async function GET(req: Request, { params }: { params: Promise<{ sessionId: string }> }) {
  const user = await getSessionUser(req.headers);
  if (!user) return new Response('Sign in first.', { status: 401 });
  const { sessionId } = await params;
  const search = new URL(req.url).searchParams;
  const stepParam = search.get('step');
  const step = stepParam === null ? undefined : Number(stepParam);
  if (step !== undefined && (!Number.isInteger(step) || step < 0))
    return new Response('Not found', { status: 404 });
  let png: Buffer;
  try {
    png = getRecordingImage(
      sessionId,
      { id: user.id, label: user.email },
      { step, marks: search.get('marks') === '1' },
    );
  } catch (error) {
    if (error instanceof DomainError && error.code === 'NOT_FOUND')
      return new Response('Not found', { status: 404 });
    throw error;
  }
  return new Response(new Uint8Array(png), {
    headers: {
      'content-type': 'image/png',
      'content-length': String(png.byteLength),
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
