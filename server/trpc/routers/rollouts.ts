/**
 * Rollouts and their environments (issue 6): start rollout or demo-recording jobs, register
 * State-API apps, rollout settings and WebArena site URLs. Long work is a job; these procedures
 * only validate, authorize and enqueue.
 */
import { z } from 'zod';
import { MAX_DIFFICULTY_LENGTH } from '@/lib/core/difficulty';
import { POLICY_NAMES } from '@/lib/core/rollouts/types';
import { createTRPCRouter, publicProcedure, scopedProcedure } from '@/server/trpc/init';
import {
  addStateApiApp,
  assertAppFolderAllowed,
  listAllowedAppRoots,
  listEnvironmentApps,
} from '@/server/services/environment-service';
import {
  getAllowedHosts,
  getRolloutSettings,
  getSiteUrls,
  updateAllowedHosts,
  updateRolloutSettings,
  updateSiteUrls,
  ZAllowedHostsSchema,
  ZRolloutSettingsSchema,
  ZSiteUrlsSchema,
} from '@/server/services/rollout-settings-service';
import {
  getDemoStatus,
  resolveRolloutTaskIds,
  startRolloutJob,
} from '@/server/services/rollout-launch-service';
import { startSeedCheckJob } from '@/server/services/seed-check-service';

export const ZStartRolloutsRequestSchema = z
  .object({
    /** Every task of these apps … */
    appIds: z.array(z.string().min(1)).max(50).default([]),
    /** … and these tasks. */
    taskIds: z.array(z.string().min(1)).max(5_000).default([]),
    kind: z.enum(['rollout', 'expert']).default('rollout'),
    policy: z.enum(POLICY_NAMES).default('noisy-expert'),
    samplesPerTask: z.number().int().min(1).max(50).optional(),
    parallelBrowsers: z.number().int().min(1).max(16).optional(),
    noise: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
    /** Only the chosen tasks of this difficulty (`easy`, `medium`, `hard`, …). */
    difficulty: z.string().min(1).max(MAX_DIFFICULTY_LENGTH).optional(),
    /** Also play tasks that pass on their app's untouched seed (skipped by default). */
    includeSeedPassing: z.boolean().default(false),
  })
  .refine((v) => v.appIds.length + v.taskIds.length > 0, {
    message: 'Choose an app or tasks',
    path: ['taskIds'],
  });

export const ZAddEnvironmentRequestSchema = z.object({
  /** A folder on the server machine. */
  folder: z.string().min(1).max(1_000),
  id: z.string().min(1).max(40).optional(),
});

export const ZCheckAppsRequestSchema = z.object({
  /** Apps whose tasks are checked against their untouched seed. */
  appIds: z.array(z.string().min(1).max(40)).min(1).max(50),
});

export const ZUpdateAllowedHostsRequestSchema = z.object({ allowedHosts: ZAllowedHostsSchema });
export type TUpdateAllowedHostsRequest = z.input<typeof ZUpdateAllowedHostsRequestSchema>;

export const rolloutsRouter = createTRPCRouter({
  start: scopedProcedure('rollouts:run')
    .input(ZStartRolloutsRequestSchema)
    .mutation(({ ctx, input }) => {
      const { appIds, difficulty, ...rest } = input;
      return startRolloutJob(ctx.db, ctx.jobs, {
        ...rest,
        taskIds: resolveRolloutTaskIds(ctx.db, appIds, input.taskIds, { difficulty }),
        actor: { userId: ctx.user.id, label: ctx.user.email },
      });
    }),
  apps: scopedProcedure('rollouts:watch').query(({ ctx }) => listEnvironmentApps(ctx.db)),
  addApp: scopedProcedure('environments:manage')
    .input(ZAddEnvironmentRequestSchema)
    .mutation(({ ctx, input }) =>
      addStateApiApp(ctx.db, assertAppFolderAllowed(input.folder, listAllowedAppRoots(ctx.dataDir)), {
        id: input.id,
        actor: { userId: ctx.user.id, label: ctx.user.email },
      }),
    ),
  /** "Check tasks": a seed-check job over the apps (which tasks pass on the untouched seed). */
  checkApps: scopedProcedure('environments:manage')
    .input(ZCheckAppsRequestSchema)
    .mutation(({ ctx, input }) =>
      startSeedCheckJob(ctx.db, ctx.jobs, {
        appIds: input.appIds,
        actor: { userId: ctx.user.id, label: ctx.user.email },
      }),
    ),
  settings: scopedProcedure('settings:rollouts').query(({ ctx }) => ({
    rollouts: getRolloutSettings(ctx.db),
    siteUrls: getSiteUrls(ctx.db),
    allowedHosts: getAllowedHosts(ctx.db),
  })),
  updateSettings: scopedProcedure('settings:rollouts')
    .input(ZRolloutSettingsSchema)
    .mutation(({ ctx, input }) =>
      updateRolloutSettings(ctx.db, input, { userId: ctx.user.id, label: ctx.user.email }),
    ),
  updateSiteUrls: scopedProcedure('settings:rollouts')
    .input(z.object({ siteUrls: ZSiteUrlsSchema }))
    .mutation(({ ctx, input }) =>
      updateSiteUrls(ctx.db, input.siteUrls, { userId: ctx.user.id, label: ctx.user.email }),
    ),
  /** PI only: what a rollout's browser may reach is a security boundary (README › Rollout network). */
  updateAllowedHosts: scopedProcedure('settings:rollout-network')
    .input(ZUpdateAllowedHostsRequestSchema)
    .mutation(({ ctx, input }) =>
      updateAllowedHosts(ctx.db, input.allowedHosts, { userId: ctx.user.id, label: ctx.user.email }),
    ),
  /** Public: the first screen shows the embedded demo's progress before anyone has an account. */
  demoStatus: publicProcedure.query(({ ctx }) => getDemoStatus(ctx.db)),
});
