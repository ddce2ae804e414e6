import { z } from 'zod';
import { ROLES } from '@/lib/core/roles';
import { MIN_PASSWORD_LENGTH } from '@/server/auth/auth';
import { createTRPCRouter, piProcedure, protectedProcedure } from '@/server/trpc/init';
import {
  createInvitation,
  createUserAccount,
  listInvitations,
  listUsers,
  revokeInvitation,
  setUserRole,
} from '@/server/services/user-service';

export const ZSetRoleRequestSchema = z.object({ userId: z.string().min(1), role: z.enum(ROLES) });
export const ZInviteRequestSchema = z.object({ email: z.email(), role: z.enum(ROLES) });
export const ZCreateUserRequestSchema = z.object({
  email: z.email(),
  name: z.string().trim().min(1).max(200),
  password: z.string().min(MIN_PASSWORD_LENGTH).max(200),
  role: z.enum(ROLES),
});
export type TCreateUserRequest = z.infer<typeof ZCreateUserRequestSchema>;
export const ZRevokeInvitationRequestSchema = z.object({ id: z.string().min(1) });

export const usersRouter = createTRPCRouter({
  me: protectedProcedure.query(({ ctx }) => ctx.user),
  list: piProcedure.query(({ ctx }) => listUsers(ctx.db)),
  setRole: piProcedure
    .input(ZSetRoleRequestSchema)
    .mutation(({ ctx, input }) => setUserRole(ctx.db, ctx.user, input.userId, input.role)),
  invite: piProcedure
    .input(ZInviteRequestSchema)
    .mutation(({ ctx, input }) => createInvitation(ctx.db, ctx.user, input.email, input.role)),
  invitations: piProcedure.query(({ ctx }) => listInvitations(ctx.db)),
  revokeInvitation: piProcedure
    .input(ZRevokeInvitationRequestSchema)
    .mutation(({ ctx, input }) => revokeInvitation(ctx.db, ctx.user, input.id)),
  create: piProcedure
    .input(ZCreateUserRequestSchema)
    .mutation(({ ctx, input }) => createUserAccount(ctx.db, ctx.auth, ctx.user, input)),
});
