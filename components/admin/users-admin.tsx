'use client';
/**
 * The Users page (PI only): accounts with their roles, direct account creation, invitations with
 * a one-time sign-up link, and the list of invitations. Every change goes through `users.*` and
 * lands in the audit log.
 */
import { CreateAccountForm } from '@/components/admin/create-account-form';
import { InvitationsTable } from '@/components/admin/invitations-table';
import { InviteForm } from '@/components/admin/invite-form';
import { UsersTable } from '@/components/admin/users-table';

export function UsersAdmin({ currentUserId }: { currentUserId: string }) {
  return (
    <div className="space-y-5">
      <UsersTable currentUserId={currentUserId} />
      <div className="grid gap-5 lg:grid-cols-2">
        <CreateAccountForm />
        <InviteForm />
      </div>
      <InvitationsTable />
    </div>
  );
}
