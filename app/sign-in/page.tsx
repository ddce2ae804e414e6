import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/auth/auth-form';
import { toSafeNextPath } from '@/lib/core/safe-redirect';
import { getAppServices } from '@/server/app-services';
import { getOptionalUser } from '@/server/auth/session';
import { countUsers } from '@/server/services/user-service';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string | string[] }>;
}) {
  // A repeated `next` is refused as a whole (toSafeNextPath takes strings only).
  const next = toSafeNextPath((await searchParams).next);
  if (await getOptionalUser()) redirect(next);
  const hasUsers = countUsers(getAppServices().db) > 0;
  return (
    <div className="mx-auto mt-12 max-w-sm rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <h1 className="mb-4 text-lg font-semibold">Sign in to core-curator</h1>
      <SignInForm next={next} hasUsers={hasUsers} />
    </div>
  );
}
