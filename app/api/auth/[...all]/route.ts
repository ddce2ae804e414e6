import { toNextJsHandler } from 'better-auth/next-js';
import { getAppServices } from '@/server/app-services';
import { MAX_AUTH_BODY_BYTES, requestWithinLimit } from '@/server/http/body-limit';

export const dynamic = 'force-dynamic';

// Resolved per request so that building the app never opens the database.
export function GET(req: Request) {
  return toNextJsHandler(getAppServices().auth).GET(req);
}

export async function POST(incoming: Request) {
  // Better Auth reads the whole body: read it here under a cap first (413 over it).
  const req = await requestWithinLimit(incoming, MAX_AUTH_BODY_BYTES);
  if (req instanceof Response) return req;
  return toNextJsHandler(getAppServices().auth).POST(req);
}
