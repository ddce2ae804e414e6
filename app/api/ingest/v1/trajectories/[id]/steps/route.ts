/**
 * Ingestion API: append one step, as multipart (`step` JSON + `screenshot` file) or JSON with
 * `screenshotBase64` (see `server/http/ingest-handlers.ts`).
 */
import { getAppServices } from '@/server/app-services';
import { handleAppendStep } from '@/server/http/ingest-handlers';

export const dynamic = 'force-dynamic';

export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return handleAppendStep(req, getAppServices(), id);
}
