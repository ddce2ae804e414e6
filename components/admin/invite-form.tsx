'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { useCopyField } from '@/components/ui/use-copy-field';
import { Card } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import { isRole, type Role } from '@/lib/core/roles';
import { formatDateTime, formText } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';
import { errorText, ROLE_LABELS } from '@/components/admin/shared';
import { RoleOptions } from '@/components/admin/role-options';

export function invitationLink(origin: string, token: string): string {
  return `${origin}/sign-up?invite=${encodeURIComponent(token)}`;
}

/** Creates an invitation (`users.invite`) and shows its sign-up link once. */
export function InviteForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invite = useMutation(
    trpc.users.invite.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.users.invitations.queryKey() });
      },
    }),
  );

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const role = formText(data, 'role');
    if (!isRole(role)) return;
    invite.mutate({ email: formText(data, 'email'), role }, { onSuccess: () => form.reset() });
  }

  return (
    <Card title="Invite">
      <form aria-label="Invite" onSubmit={onSubmit} className="space-y-3">
        <p className="text-sm text-slate-600">
          The invitee opens the link and chooses their own name and password.
        </p>
        <Field label="Invitee email">
          <Input name="email" type="email" autoComplete="off" required />
        </Field>
        <Field label="Invitee role">
          <Select name="role" defaultValue="annotator">
            <RoleOptions />
          </Select>
        </Field>
        {invite.isError ? <ErrorMessage>{errorText(invite.error)}</ErrorMessage> : null}
        <Button type="submit" disabled={invite.isPending}>
          {invite.isPending ? 'Creating invitation…' : 'Create invitation'}
        </Button>
      </form>
      {invite.isSuccess ? (
        <InvitationLink
          key={invite.data.id}
          link={invitationLink(window.location.origin, invite.data.token)}
          email={invite.variables.email}
          role={invite.variables.role}
          expiresAt={invite.data.expiresAt}
          onDismiss={() => invite.reset()}
        />
      ) : null}
    </Card>
  );
}

function InvitationLink({
  link,
  email,
  role,
  expiresAt,
  onDismiss,
}: {
  link: string;
  email: string;
  role: Role;
  expiresAt: Date;
  onDismiss: () => void;
}) {
  const { inputId, copyState, copy } = useCopyField();
  const hintId = useId();

  return (
    <section
      aria-label="New invitation link"
      className="mt-4 space-y-2 rounded-md bg-indigo-50 p-3 ring-1 ring-indigo-200"
    >
      <p className="text-sm text-indigo-950">
        Invitation for <strong>{email}</strong> as {ROLE_LABELS[role]}, valid until{' '}
        {formatDateTime(expiresAt)}.
      </p>
      <div className="flex items-end gap-2">
        <div className="min-w-0 flex-1">
          <Field label="Invitation link">
            <Input
              id={inputId}
              value={link}
              readOnly
              aria-describedby={hintId}
              onFocus={(e) => e.currentTarget.select()}
              className="font-mono text-xs"
            />
          </Field>
        </div>
        <Button type="button" variant="secondary" onClick={() => copy(link)}>
          {copyState === 'copied' ? 'Copied' : 'Copy link'}
        </Button>
      </div>
      <p id={hintId} className="text-xs font-medium text-indigo-950">
        This link is shown only once: copy it now and send it to the invitee.
      </p>
      {copyState === 'failed' ? (
        <p className="text-xs text-rose-800">
          Copying was refused by the browser; the link is selected, copy it with Ctrl+C.
        </p>
      ) : null}
      <Button type="button" variant="ghost" onClick={onDismiss}>
        Done
      </Button>
    </section>
  );
}
