import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignUpForm } from '@/components/auth/auth-form';
import { getAppServices } from '@/server/app-services';
import { findUsableInvitation } from '@/server/auth/auth';
import { getOptionalUser } from '@/server/auth/session';
import { countUsers } from '@/server/services/user-service';

export const metadata: Metadata = { title: 'Create account' };
export const dynamic = 'force-dynamic';

/** Sign-up: open only for the very first account, or with a PI's invitation link (`?invite=`). */
export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ invite?: string }> }) {
  if (await getOptionalUser()) redirect('/');
  const { invite } = await searchParams;
  const { db } = getAppServices();
  const isFirstAccount = countUsers(db) === 0;
  const pending = invite ? findUsableInvitation(db, invite) : undefined;
  return (
    <div className="mx-auto mt-12 max-w-sm rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <h1 className="mb-4 text-lg font-semibold">Create your account</h1>
      {isFirstAccount || pending ? (
        <>
          {pending ? (
            <p className="mb-3 text-sm text-slate-600">
              You were invited as <strong>{pending.role}</strong>.
            </p>
          ) : null}
          <SignUpForm
            isFirstAccount={isFirstAccount}
            inviteToken={pending ? invite : undefined}
            invitedEmail={pending?.email}
          />
        </>
      ) : (
        <p className="text-sm text-slate-600" role="alert">
          Accounts are created by a PI. Ask one for an invitation link
          {invite ? ' — this link is invalid, used or expired' : ''}.
        </p>
      )}
    </div>
  );
}
