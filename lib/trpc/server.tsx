/**
 * Server-component side of tRPC: pages prefetch through `trpc.x.queryOptions()` and wrap their
 * feature component in `<HydrateClient>` so the client starts with the data (STYLE.md §9).
 */
import 'server-only';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { headers } from 'next/headers';
import { cache, type ReactNode } from 'react';
import { makeQueryClient } from '@/lib/trpc/query-client';
import { createTrpcContext } from '@/server/trpc/context';
import { appRouter } from '@/server/trpc/root';

export const getQueryClient = cache(makeQueryClient);

export const trpc = createTRPCOptionsProxy({
  ctx: async () => createTrpcContext({ headers: await headers() }),
  router: appRouter,
  queryClient: getQueryClient,
});

export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}

/** Starts a prefetch without awaiting it; the pending query streams to the client. */
export function prefetch(queryOptions: { queryKey: readonly unknown[] }): void {
  void getQueryClient().prefetchQuery(queryOptions);
}
