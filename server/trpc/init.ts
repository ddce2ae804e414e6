/**
 * tRPC initialisation: context, the procedure ladder (public → protected → role procedures) and
 * the single place where domain errors become tRPC errors (STYLE.md §4, §5).
 *
 * `UNAUTHORIZED` (HTTP 401) = no session; `FORBIDDEN` (HTTP 403) = wrong role. Internal error
 * messages never reach the client.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { DomainError, type DomainErrorCode } from '@/lib/core/errors';
import { hasScope, isRoleAtLeast, type Role, type Scope } from '@/lib/core/roles';
import type { Auth } from '@/server/auth/auth';
import type { Db } from '@/server/db/client';
import type { JobRunner } from '@/server/jobs/runner';
import { checkRequestOrigin, CROSS_ORIGIN_MESSAGE } from '@/server/http/origin';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface TrpcContext {
  db: Db;
  dataDir: string;
  auth: Auth;
  jobs: JobRunner;
  user: SessionUser | null;
  /**
   * Set only for calls that arrived over HTTP (`/api/trpc`): the request's headers and the origins
   * a dashboard page can have. Mutations check them (`server/http/origin.ts`); server-side callers
   * (`createCaller`, server components, the CLI) leave it out.
   */
  http?: { headers: Headers; allowedOrigins: readonly string[] };
}

const CODE_MAP: Record<DomainErrorCode, TRPCError['code']> = {
  BAD_INPUT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
};

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const isInternal = error.code === 'INTERNAL_SERVER_ERROR';
    return {
      ...shape,
      message: isInternal ? 'Internal error' : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        zodError:
          error.cause instanceof ZodError
            ? error.cause.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
            : null,
      },
    };
  },
});

/** Maps DomainError → TRPCError; anything else becomes INTERNAL_SERVER_ERROR (message hidden). */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: CODE_MAP[cause.code], message: cause.message, cause });
  }
  return result;
});

/** A mutation over HTTP must come from a dashboard page (CSRF; `server/http/origin.ts`): else FORBIDDEN. */
const sameOriginMutations = t.middleware(({ ctx, type, next }) => {
  if (type === 'mutation' && ctx.http) {
    const verdict = checkRequestOrigin(ctx.http.headers, ctx.http.allowedOrigins);
    if (!verdict.allowed)
      throw new TRPCError({ code: 'FORBIDDEN', message: `${CROSS_ORIGIN_MESSAGE} (${verdict.reason}).` });
  }
  return next();
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(sameOriginMutations).use(domainErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first.' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

function roleProcedure(minimum: Role) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!isRoleAtLeast(ctx.user.role, minimum)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `This needs the ${minimum} role.` });
    }
    return next({ ctx });
  });
}

/** Any signed-in user (annotator and up). */
export const annotatorProcedure = roleProcedure('annotator');
export const researcherProcedure = roleProcedure('researcher');
export const piProcedure = roleProcedure('pi');

/** A procedure that requires one scope (see `lib/core/roles.ts`). */
export function scopedProcedure(scope: Scope) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!hasScope(ctx.user.role, scope))
      throw new TRPCError({ code: 'FORBIDDEN', message: `Missing permission ${scope}.` });
    return next({ ctx });
  });
}
