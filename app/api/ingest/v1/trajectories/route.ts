/**
 * Ingestion API: create a `running` trajectory (API key auth; see `server/http/ingest-handlers.ts`).
 */
import { getAppServices } from '@/server/app-services';
import { handleCreateTrajectory } from '@/server/http/ingest-handlers';

export const dynamic = 'force-dynamic';

export function POST(req: Request) {
  return handleCreateTrajectory(req, getAppServices());
}
