import type { Metadata } from 'next';
import { RecordingWorkspace } from '@/components/recording/recording-workspace';
import { Forbidden } from '@/components/ui/states';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Recording' };
export const dynamic = 'force-dynamic';

export default async function RecordingPage({ params }: { params: Promise<{ sessionId: string }> }) {
  const { sessionId } = await params;
  const { allowed } = await requireScope(`/record/${sessionId}`, 'demos:record');
  if (!allowed) return <Forbidden what="Recording demos needs a signed-in role." />;
  // Not prefetched: the session lives in server memory and changes with every action.
  return <RecordingWorkspace sessionId={sessionId} />;
}
