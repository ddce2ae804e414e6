/**
 * Upload endpoint of the Import page (researcher and PI): streams the multipart body to disk under
 * `CORE_CURATOR_UPLOAD_LIMIT_MB`, stages it and enqueues an import job; 202 `{ jobId }`.
 * See `server/http/import-handlers.ts` for the form fields, limits and status codes. A request from
 * another origin is refused first with 403 (`server/http/origin.ts`).
 */
import { getAppServices } from '@/server/app-services';
import { readEnv } from '@/server/env';
import { handleImportUpload } from '@/server/http/import-handlers';
import { refuseCrossOrigin } from '@/server/http/origin';
import { getSessionUser } from '@/server/trpc/context';

export const dynamic = 'force-dynamic';

export async function POST(req: Request) {
  const crossOrigin = refuseCrossOrigin(req);
  if (crossOrigin) return crossOrigin;
  const { dataDir, jobs } = getAppServices();
  const user = await getSessionUser(req.headers);
  return handleImportUpload(req, user, { dataDir, jobs, uploadLimitBytes: readEnv().uploadLimitBytes });
}
