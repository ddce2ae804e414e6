'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import { isRole } from '@/lib/core/roles';
import { useTRPC } from '@/lib/trpc/client';
import { errorText, ROLE_LABELS } from '@/components/admin/shared';
import { MIN_PASSWORD_LENGTH } from '@/lib/core/roles';
import { formText } from '@/lib/format';
import { RoleOptions } from '@/components/admin/role-options';

/** Creates an account directly with a password the PI hands over (`users.create`). */
export function CreateAccountForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const passwordHintId = useId();
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.users.invitations.queryKey() }),
        ]),
    }),
  );

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const role = formText(data, 'role');
    if (!isRole(role)) return;
    create.mutate(
      {
        email: formText(data, 'email'),
        name: formText(data, 'name'),
        password: formText(data, 'password'),
        role,
      },
      { onSuccess: () => form.reset() },
    );
  }

  return (
    <Card title="Create account">
      <form aria-label="Create account" onSubmit={onSubmit} className="space-y-3">
        <Field label="Email">
          <Input name="email" type="email" autoComplete="off" required />
        </Field>
        <Field label="Name">
          <Input name="name" autoComplete="off" required maxLength={200} />
        </Field>
        <div className="space-y-1">
          <Field label="Initial password">
            <Input
              name="password"
              type="password"
              autoComplete="new-password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              maxLength={200}
              aria-describedby={passwordHintId}
            />
          </Field>
          <p id={passwordHintId} className="text-xs text-slate-500">
            At least {MIN_PASSWORD_LENGTH} characters and hard to guess (a few uncommon words work well). Pass
            it on privately.
          </p>
        </div>
        <Field label="Role">
          <Select name="role" defaultValue="annotator">
            <RoleOptions />
          </Select>
        </Field>
        {create.isError ? <ErrorMessage>{errorText(create.error)}</ErrorMessage> : null}
        {create.isSuccess ? (
          <p role="status" className="text-sm text-emerald-800">
            Account created for {create.data.email} ({ROLE_LABELS[create.data.role]}).
          </p>
        ) : null}
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create account'}
        </Button>
      </form>
    </Card>
  );
}
