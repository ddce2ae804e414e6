import { z } from 'zod';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import {
  AUDIT_PAGE_SIZE_DEFAULT,
  AUDIT_PAGE_SIZE_MAX,
  getAuditFacets,
  listAuditLog,
} from '@/server/services/audit-service';

const filterText = z.string().trim().min(1).max(200).optional();

export const ZListAuditLogRequestSchema = z.object({
  actor: filterText,
  action: filterText,
  objectType: filterText,
  objectId: filterText,
  /** Inclusive. */
  from: z.date().optional(),
  /** Exclusive. */
  to: z.date().optional(),
  cursor: z.string().max(64).nullish(),
  limit: z.number().int().min(1).max(AUDIT_PAGE_SIZE_MAX).default(AUDIT_PAGE_SIZE_DEFAULT),
});
export type TListAuditLogRequest = z.infer<typeof ZListAuditLogRequestSchema>;

export const auditRouter = createTRPCRouter({
  list: scopedProcedure('audit:read')
    .input(ZListAuditLogRequestSchema)
    .query(({ ctx, input }) => listAuditLog(ctx.db, input)),
  facets: scopedProcedure('audit:read').query(({ ctx }) => getAuditFacets(ctx.db)),
});
