import type { Metadata } from 'next';
import { TaskDetail } from '@/components/tasks/task-detail';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Task' };
export const dynamic = 'force-dynamic';

export default async function TaskPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { user, allowed } = await requireScope(`/tasks/${id}`, 'tasks:read');
  if (!allowed) return <Forbidden what="Tasks need a signed-in role." />;
  prefetch(trpc.tasks.get.queryOptions({ id }));
  prefetch(trpc.graphs.view.queryOptions({ taskId: id, trajectoryId: null }));
  return (
    <HydrateClient>
      <TaskDetail id={id} role={user.role} />
    </HydrateClient>
  );
}
