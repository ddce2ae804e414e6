import type { Metadata } from 'next';
import { UsersAdmin } from '@/components/admin/users-admin';
import { PageHeader } from '@/components/ui/card';
import { Forbidden } from '@/components/ui/states';
import { getQueryClient, HydrateClient, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Users' };
export const dynamic = 'force-dynamic';

/** Accounts, roles and invitations (PI only). */
export default async function UsersPage() {
  const { user, allowed } = await requireScope('/admin/users', 'users:manage');
  if (!allowed) return <Forbidden what="Managing users and roles needs the PI role." />;
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.users.list.queryOptions()),
    queryClient.prefetchQuery(trpc.users.invitations.queryOptions()),
  ]);
  return (
    <HydrateClient>
      <PageHeader
        title="Users"
        subtitle="Accounts, roles and invitations. Every change is written to the audit log."
      />
      <UsersAdmin currentUserId={user.id} />
    </HydrateClient>
  );
}
