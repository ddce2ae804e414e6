'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import { authClient } from '@/lib/auth-client';
import { MIN_PASSWORD_LENGTH } from '@/lib/core/roles';

/** A text field of a submitted form ('' when absent). */
function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}

function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInForm({ next, hasUsers }: { next?: string; hasUsers: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    const { error: err } = await authClient.signIn.email({ email: field(data, 'email'), password: field(data, 'password') });
    setPending(false);
    if (err) {
      setError(err.message ?? 'Sign-in failed.');
      return;
    }
    router.push(safeNext(next));
    router.refresh();
  }
  return (
    <form onSubmit={(e) => void onSubmit(e)} className="space-y-4">
      {!hasUsers ? (
        <div className="rounded-md bg-indigo-50 p-3 text-sm text-indigo-900 ring-1 ring-indigo-200">
          No account exists yet. <Link className="font-medium underline" href="/sign-up">Create the first account</Link>; it becomes the PI.
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

export function SignUpForm({ inviteToken, invitedEmail, isFirstAccount }: { inviteToken?: string; invitedEmail?: string; isFirstAccount: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    const { error: err } = await authClient.signUp.email({
      email: field(data, 'email'),
      password: field(data, 'password'),
      name: field(data, 'name'),
      ...(inviteToken ? { inviteToken } : {}),
    });
    setPending(false);
    if (err) {
      setError(err.message ?? 'Sign-up failed.');
      return;
    }
    router.push('/');
    router.refresh();
  }
  return (
    <form onSubmit={(e) => void onSubmit(e)} className="space-y-4">
      {isFirstAccount ? (
        <p className="rounded-md bg-indigo-50 p-3 text-sm text-indigo-900 ring-1 ring-indigo-200">
          This is the first account of this installation: it gets the <strong>PI</strong> role and can then add annotators and researchers.
        </p>
      ) : null}
      <Field label="Name">
        <Input name="name" autoComplete="name" required autoFocus />
      </Field>
      <Field label="Email">
        <Input name="email" type="email" autoComplete="email" required defaultValue={invitedEmail} readOnly={!!invitedEmail} />
      </Field>
      <Field label="Password" hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}>
        <Input name="password" type="password" autoComplete="new-password" minLength={MIN_PASSWORD_LENGTH} required />
      </Field>
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? 'Creating account…' : 'Create account'}
      </Button>
    </form>
  );
}
