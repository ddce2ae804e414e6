import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { MAX_TRPC_BODY_BYTES, requestWithinLimit } from '@/server/http/body-limit';
import { appRouter } from '@/server/trpc/root';
import { createTrpcContext } from '@/server/trpc/context';

export const dynamic = 'force-dynamic';

async function handler(incoming: Request) {
  // tRPC reads the whole body: read it here under a cap first (413 over it).
  const req = await requestWithinLimit(incoming, MAX_TRPC_BODY_BYTES);
  if (req instanceof Response) return req;
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => createTrpcContext({ headers: req.headers, viaHttp: true }),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        console.error(`tRPC ${path ?? '?'} failed:`, error.cause ?? error);
    },
  });
}

export { handler as GET, handler as POST };
