import { Home } from '@/components/home/home';
import { Welcome } from '@/components/home/welcome';
import { hasScope } from '@/lib/core/roles';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { getAppServices } from '@/server/app-services';
import { getOptionalUser } from '@/server/auth/session';
import { countUsers } from '@/server/services/user-service';
import { redirect } from 'next/navigation';

export const dynamic = 'force-dynamic';

export default async function HomePage() {
  const user = await getOptionalUser();
  if (!user) {
    if (countUsers(getAppServices().db) === 0) return <Welcome />;
    redirect('/sign-in');
  }
  prefetch(trpc.system.overview.queryOptions());
  if (hasScope(user.role, 'reviews:work')) prefetch(trpc.review.home.queryOptions());
  return (
    <HydrateClient>
      <Home role={user.role} />
    </HydrateClient>
  );
}
