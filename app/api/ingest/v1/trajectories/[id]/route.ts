/** Ingestion API: a trajectory's status and step count (see `server/http/ingest-handlers.ts`). */
import { getAppServices } from '@/server/app-services';
import { handleGetTrajectory } from '@/server/http/ingest-handlers';

export const dynamic = 'force-dynamic';

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return handleGetTrajectory(req, getAppServices(), id);
}
