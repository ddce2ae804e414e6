'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { Card } from '@/components/ui/card';
import { Select } from '@/components/ui/field';
import { EmptyState, ErrorMessage } from '@/components/ui/states';
import { isRole } from '@/lib/core/roles';
import { DateTime } from '@/components/ui/date-time';
import { useTRPC } from '@/lib/trpc/client';
import { errorText } from '@/components/admin/shared';
import { TableHead } from '@/components/ui/table';
import { RoleOptions } from '@/components/admin/role-options';
import { QueryList } from '@/components/ui/query-list';

/** All accounts with a role picker per row (`users.setRole`; the server keeps at least one PI). */
export function UsersTable({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const users = useQuery(trpc.users.list.queryOptions());
  const setRole = useMutation(
    trpc.users.setRole.mutationOptions({
      // Returning the promise keeps the mutation pending until the list shows the new role.
      onSuccess: (_data, variables) => {
        // A PI who gave up their own PI role may no longer see this page: re-render it on the server.
        if (variables.userId === currentUserId) router.refresh();
        return queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      },
    }),
  );

  return (
    <Card title="Accounts">
      {setRole.isError ? (
        <div className="mb-3">
          <ErrorMessage>{errorText(setRole.error)}</ErrorMessage>
        </div>
      ) : null}
      <QueryList query={users} what="the accounts" empty={<EmptyState title="No accounts" />}>
        {(rows) => (
          <div className="overflow-x-auto">
            <table aria-label="Accounts" className="w-full text-left text-sm">
              <TableHead columns={['Name', 'Email', 'Role', 'Since']} />
              <tbody className="divide-y divide-slate-100">
                {rows.map((u) => {
                  const isSaving = setRole.isPending && setRole.variables.userId === u.id;
                  const shownRole = isSaving ? setRole.variables.role : u.role;
                  return (
                    <tr key={u.id}>
                      <td className="py-1.5 pr-4 font-medium text-slate-900">
                        {u.name}
                        {u.id === currentUserId ? (
                          <span className="ml-1.5 text-xs font-normal text-slate-500">(you)</span>
                        ) : null}
                      </td>
                      <td className="py-1.5 pr-4 text-slate-700">{u.email}</td>
                      <td className="py-1.5 pr-4">
                        <Select
                          aria-label={`Role of ${u.email}`}
                          className="w-36"
                          value={shownRole}
                          disabled={isSaving}
                          onChange={(e) => {
                            const role = e.currentTarget.value;
                            if (isRole(role) && role !== u.role) setRole.mutate({ userId: u.id, role });
                          }}
                        >
                          <RoleOptions />
                        </Select>
                      </td>
                      <td className="whitespace-nowrap py-1.5 text-slate-600">
                        <DateTime value={u.createdAt} />
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
