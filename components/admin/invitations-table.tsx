'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { EmptyState, ErrorMessage } from '@/components/ui/states';
import { DateTime } from '@/components/ui/date-time';
import { useTRPC } from '@/lib/trpc/client';
import { errorText, ROLE_LABELS } from '@/components/admin/shared';
import { TableHead } from '@/components/ui/table';
import { QueryList } from '@/components/ui/query-list';

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

const STATUS_TONES: Record<InvitationStatus, BadgeTone> = {
  pending: 'indigo',
  accepted: 'green',
  revoked: 'slate',
  expired: 'amber',
};

export function invitationStatusOf(
  inv: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date },
  now: number,
): InvitationStatus {
  if (inv.acceptedAt) return 'accepted';
  if (inv.revokedAt) return 'revoked';
  if (inv.expiresAt.getTime() <= now) return 'expired';
  return 'pending';
}

/** Every invitation with its status; pending ones can be revoked (`users.revokeInvitation`). */
export function InvitationsTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Expiry is judged against the time the page was opened; a reload refreshes it.
  const [now] = useState(() => Date.now());
  const invitations = useQuery(trpc.users.invitations.queryOptions());
  const revoke = useMutation(
    trpc.users.revokeInvitation.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.users.invitations.queryKey() }),
    }),
  );

  return (
    <Card title="Invitations">
      {revoke.isError ? (
        <div className="mb-3">
          <ErrorMessage>{errorText(revoke.error)}</ErrorMessage>
        </div>
      ) : null}
      <QueryList query={invitations} what="the invitations" empty={<EmptyState title="No invitations yet" />}>
        {(rows) => (
          <div className="overflow-x-auto">
            <table aria-label="Invitations" className="w-full text-left text-sm">
              <TableHead
                columns={[
                  'Email',
                  'Role',
                  'Status',
                  'Invited',
                  'Expires',
                  { label: 'Actions', hidden: true },
                ]}
              />
              <tbody className="divide-y divide-slate-100">
                {rows.map((inv) => {
                  const status = invitationStatusOf(inv, now);
                  const isRevoking = revoke.isPending && revoke.variables.id === inv.id;
                  return (
                    <tr key={inv.id}>
                      <td className="py-1.5 pr-4 text-slate-900">{inv.email}</td>
                      <td className="py-1.5 pr-4 text-slate-700">{ROLE_LABELS[inv.role]}</td>
                      <td className="py-1.5 pr-4">
                        <Badge tone={STATUS_TONES[status]}>{status}</Badge>
                      </td>
                      <td className="whitespace-nowrap py-1.5 pr-4 text-slate-600">
                        <DateTime value={inv.createdAt} />
                      </td>
                      <td className="whitespace-nowrap py-1.5 pr-4 text-slate-600">
                        <DateTime value={inv.expiresAt} />
                      </td>
                      <td className="py-1.5 text-right">
                        {status === 'pending' ? (
                          <Button
                            type="button"
                            variant="secondary"
                            aria-label={`Revoke invitation for ${inv.email}`}
                            disabled={isRevoking}
                            onClick={() => revoke.mutate({ id: inv.id })}
                          >
                            {isRevoking ? 'Revoking…' : 'Revoke'}
                          </Button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </QueryList>
    </Card>
  );
}
