import { toNextJsHandler } from 'better-auth/next-js';
import { getAppServices } from '@/server/app-services';

export const dynamic = 'force-dynamic';

// Resolved per request so that building the app never opens the database.
export function GET(req: Request) {
  return toNextJsHandler(getAppServices().auth).GET(req);
}

export function POST(req: Request) {
  return toNextJsHandler(getAppServices().auth).POST(req);
}
