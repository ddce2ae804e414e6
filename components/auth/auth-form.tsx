'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import { authClient } from '@/lib/auth-client';
import { formText } from '@/lib/format';
import { MIN_PASSWORD_LENGTH } from '@/lib/core/roles';
import { toSafeNextPath } from '@/lib/core/safe-redirect';

/** Submit handling shared by the auth forms: pending state, the auth client's error, then `onDone`. */
function useAuthSubmit(
  run: (data: FormData) => Promise<{ error: { message?: string } | null }>,
  onDone: () => void,
  fallbackError: string,
) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const { error: err } = await run(new FormData(e.currentTarget));
    setPending(false);
    if (err) setError(err.message ?? fallbackError);
    else onDone();
  }
  return { error, pending, onSubmit };
}

export function SignInForm({ next, hasUsers }: { next?: string; hasUsers: boolean }) {
  const router = useRouter();
  const { error, pending, onSubmit } = useAuthSubmit(
    (data) =>
      authClient.signIn.email({ email: formText(data, 'email'), password: formText(data, 'password') }),
    () => {
      // Checked again here: the form must be safe whatever the page handed it.
      router.push(toSafeNextPath(next));
      router.refresh();
    },
    'Sign-in failed.',
  );
  return (
    <form onSubmit={(e) => void onSubmit(e)} className="space-y-4">
      {!hasUsers ? (
        <div className="rounded-md bg-indigo-50 p-3 text-sm text-indigo-900 ring-1 ring-indigo-200">
          No account exists yet.{' '}
          <Link className="font-medium underline" href="/sign-up">
            Create the first account
          </Link>
          ; it becomes the PI.
        </div>
      ) : null}
      <Field label="Email">
        <Input name="email" type="email" autoComplete="email" required autoFocus />
      </Field>
      <Field label="Password">
        <Input name="password" type="password" autoComplete="current-password" required />
      </Field>
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}

export function SignUpForm({
  inviteToken,
  invitedEmail,
  isFirstAccount,
}: {
  inviteToken?: string;
  invitedEmail?: string;
  isFirstAccount: boolean;
}) {
  const router = useRouter();
  const { error, pending, onSubmit } = useAuthSubmit(
    (data) =>
      authClient.signUp.email({
        email: formText(data, 'email'),
        password: formText(data, 'password'),
        name: formText(data, 'name'),
        ...(inviteToken ? { inviteToken } : {}),
      }),
    () => {
      router.push('/');
      router.refresh();
    },
    'Sign-up failed.',
  );
  return (
    <form onSubmit={(e) => void onSubmit(e)} className="space-y-4">
      {isFirstAccount ? (
        <p className="rounded-md bg-indigo-50 p-3 text-sm text-indigo-900 ring-1 ring-indigo-200">
          This is the first account of this installation: it gets the <strong>PI</strong> role and can then
          add annotators and researchers.
        </p>
      ) : null}
      <Field label="Name">
        <Input name="name" autoComplete="name" required autoFocus />
      </Field>
      <Field label="Email">
        <Input
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={invitedEmail}
          readOnly={!!invitedEmail}
        />
      </Field>
      <Field
        label="Password"
        hint={`At least ${MIN_PASSWORD_LENGTH} characters and hard to guess: a few uncommon words work well.`}
      >
        <Input
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={MIN_PASSWORD_LENGTH}
          required
        />
      </Field>
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? 'Creating account…' : 'Create account'}
      </Button>
    </form>
  );
}
