/** Ingestion API: end a running trajectory (see `server/http/ingest-handlers.ts`). */
import { getAppServices } from '@/server/app-services';
import { handleFinishTrajectory } from '@/server/http/ingest-handlers';

export const dynamic = 'force-dynamic';

export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return handleFinishTrajectory(req, getAppServices(), id);
}
