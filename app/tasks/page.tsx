import type { Metadata } from 'next';
import { parseTasksQuery } from '@/components/tasks/tasks-query';
import { TasksTable } from '@/components/tasks/tasks-table';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Tasks' };
export const dynamic = 'force-dynamic';

export default async function TasksPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { allowed } = await requireScope('/tasks', 'tasks:read');
  if (!allowed) return <Forbidden what="Tasks need a signed-in role." />;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(await searchParams)) if (typeof v === 'string') params.set(k, v);
  prefetch(trpc.tasks.list.queryOptions(parseTasksQuery(params)));
  prefetch(trpc.tasks.facets.queryOptions());
  return (
    <HydrateClient>
      <TasksTable />
    </HydrateClient>
  );
}
