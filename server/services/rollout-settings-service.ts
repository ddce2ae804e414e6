/**
 * Rollout settings (`app_setting` rows, validated with zod; defaults when unset):
 *
 * - `rollouts`: `parallelBrowsers` (browsers at once; 2 by default = this machine's cores),
 *   `samplesPerTask` (5, DESIGN.md › Sampling defaults), `maxSteps` (15), `stepTimeoutMs` (30 s),
 *   `noise` (the noisy-expert deviation probability, 0.2);
 * - `siteUrls`: WebArena / VisualWebArena placeholder → base URL of the user's site, e.g.
 *   `{ "SHOPPING": "http://localhost:7770" }` for `__SHOPPING__`;
 * - `allowedHosts` (set by a PI): origins a rollout's browser may reach besides its app's own
 *   server and the site URLs (`lib/core/rollouts/url-policy.ts`), e.g.
 *   `["https://www.allrecipes.com", "https://*.example.com"]`, stored canonical and sorted.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { DEFAULT_NOISE } from '@/lib/core/rollouts/noisy-expert';
import { formatAllowedOrigin, parseAllowedOrigin } from '@/lib/core/rollouts/url-policy';
import type { Db } from '@/server/db/client';
import { inTransaction } from '@/server/db/client';
import { appSetting } from '@/server/db/schema';
import { recordAudit } from '@/server/services/audit-service';

export const ZRolloutSettingsSchema = z.object({
  parallelBrowsers: z.number().int().min(1).max(16),
  samplesPerTask: z.number().int().min(1).max(50),
  maxSteps: z.number().int().min(1).max(100),
  stepTimeoutMs: z.number().int().min(1_000).max(600_000),
  noise: z.number().min(0).max(1),
});
export type TRolloutSettings = z.infer<typeof ZRolloutSettingsSchema>;

export const DEFAULT_ROLLOUT_SETTINGS: TRolloutSettings = {
  parallelBrowsers: 2,
  samplesPerTask: 5,
  maxSteps: 15,
  stepTimeoutMs: 30_000,
  noise: DEFAULT_NOISE,
};

/** Placeholder names as in `__SHOPPING__` (without the underscores) → http(s) base URL. */
export const ZSiteUrlsSchema = z.record(
  z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'placeholder names are upper-case, e.g. SHOPPING'),
  z.url({ protocol: /^https?$/ }),
);
export type TSiteUrls = z.infer<typeof ZSiteUrlsSchema>;

/** Most entries in the allowed-hosts list. */
export const MAX_ALLOWED_HOSTS = 100;

/**
 * The PI's allowed hosts: each an http(s) origin (`https://host[:port]`) or `https://*.domain`;
 * written back canonical (`HTTPS://Shop.Example:443/` → `https://shop.example`), without
 * duplicates, sorted.
 */
export const ZAllowedHostsSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1)
      .max(300)
      .transform((text, ctx) => {
        const parsed = parseAllowedOrigin(text);
        if ('error' in parsed) {
          ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)}: ${parsed.error}` });
          return z.NEVER;
        }
        return formatAllowedOrigin(parsed);
      }),
  )
  .max(MAX_ALLOWED_HOSTS)
  .transform((hosts) => [...new Set(hosts)].sort());
export type TAllowedHosts = z.output<typeof ZAllowedHostsSchema>;

const ROLLOUTS_KEY = 'rollouts';
const SITE_URLS_KEY = 'siteUrls';
const ALLOWED_HOSTS_KEY = 'allowedHosts';

function readSetting<S extends z.ZodType>(
  db: Db,
  key: string,
  schema: S,
  fallback: z.output<S>,
): z.output<S> {
  const row = db.select({ value: appSetting.value }).from(appSetting).where(eq(appSetting.key, key)).get();
  if (!row) return fallback;
  const parsed = schema.safeParse(row.value);
  return parsed.success ? parsed.data : fallback;
}

export function getRolloutSettings(db: Db): TRolloutSettings {
  const stored = readSetting(db, ROLLOUTS_KEY, ZRolloutSettingsSchema.partial(), {});
  return { ...DEFAULT_ROLLOUT_SETTINGS, ...stored };
}

export function getSiteUrls(db: Db): TSiteUrls {
  return readSetting(db, SITE_URLS_KEY, ZSiteUrlsSchema, {});
}

export function getAllowedHosts(db: Db): TAllowedHosts {
  return readSetting(db, ALLOWED_HOSTS_KEY, ZAllowedHostsSchema, []);
}

function writeSetting(
  db: Db,
  key: string,
  value: unknown,
  actor: { userId: string | null; label: string },
): void {
  inTransaction(db, (tx) => {
    const before = tx
      .select({ value: appSetting.value })
      .from(appSetting)
      .where(eq(appSetting.key, key))
      .get();
    const now = new Date();
    tx.insert(appSetting)
      .values({ key, value, updatedBy: actor.userId, updatedAt: now })
      .onConflictDoUpdate({ target: appSetting.key, set: { value, updatedBy: actor.userId, updatedAt: now } })
      .run();
    recordAudit(tx, {
      userId: actor.userId,
      actor: actor.label,
      action: 'settings.update',
      objectType: 'app_setting',
      objectId: key,
      before: before?.value ?? null,
      after: value,
    });
  });
}

/** @throws DomainError('BAD_INPUT') naming the field. */
export function updateRolloutSettings(
  db: Db,
  value: unknown,
  actor: { userId: string | null; label: string },
): TRolloutSettings {
  const parsed = ZRolloutSettingsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError('BAD_INPUT', `rollouts.${issue?.path.join('.')}: ${issue?.message}`);
  }
  writeSetting(db, ROLLOUTS_KEY, parsed.data, actor);
  return parsed.data;
}

/** @throws DomainError('BAD_INPUT') naming the placeholder. */
export function updateSiteUrls(
  db: Db,
  value: unknown,
  actor: { userId: string | null; label: string },
): TSiteUrls {
  const parsed = ZSiteUrlsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError('BAD_INPUT', `siteUrls.${issue?.path.join('.')}: ${issue?.message}`);
  }
  writeSetting(db, SITE_URLS_KEY, parsed.data, actor);
  return parsed.data;
}

/**
 * Replaces the allowed hosts (PI only: the router checks the role). Audited like every setting.
 * @returns the stored list (canonical, sorted). @throws DomainError('BAD_INPUT') naming the entry.
 */
export function updateAllowedHosts(
  db: Db,
  value: unknown,
  actor: { userId: string | null; label: string },
): TAllowedHosts {
  const parsed = ZAllowedHostsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError('BAD_INPUT', `allowedHosts.${issue?.path.join('.')}: ${issue?.message}`);
  }
  writeSetting(db, ALLOWED_HOSTS_KEY, parsed.data, actor);
  return parsed.data;
}
