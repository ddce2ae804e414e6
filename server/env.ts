/**
 * Process configuration, validated once with zod. The server and the CLI both read it.
 *
 * - `CORE_CURATOR_DATA_DIR` (default `./data`): database file, screenshots, thumbnails, uploads,
 *   later exports. Relative paths resolve against the working directory.
 * - `BETTER_AUTH_SECRET`: session signing secret; when unset, one is generated once and kept in
 *   `<data dir>/auth-secret` (mode 0600) so sessions survive restarts.
 * - `BETTER_AUTH_URL` / `CORE_CURATOR_BASE_URL`: public base URL (default http://localhost:3000).
 * - `CORE_CURATOR_SIGN_IN_LIMIT` (default 10): sign-in attempts per IP per minute.
 * - `CORE_CURATOR_UPLOAD_LIMIT_MB` (default 2048): largest request body of an Import-page upload,
 *   in MiB (the body is streamed to disk and refused with 413 once over it).
 * - `CORE_CURATOR_TRUSTED_PROXIES` (default none): comma-separated IPs, CIDR ranges or the names
 *   `loopback`, `linklocal`, `uniquelocal` (proxy-addr syntax) of reverse proxies in front of the
 *   server. Only a request whose socket peer is one of them has its `X-Forwarded-For` read
 *   (`server/http/client-address.ts`).
 * - `CORE_CURATOR_MAX_RECORDINGS` (default 8): recording sessions open at once on this server (each
 *   holds one Chromium; `server/services/recording-service.ts`).
 */
import path from 'node:path';
import proxyAddr from 'proxy-addr';
import { z } from 'zod';

const ZTrustedProxiesSchema = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .superRefine((entries, ctx) => {
    try {
      proxyAddr.compile(entries);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `${(error as Error).message} (expected IPs, CIDRs or loopback/linklocal/uniquelocal)`,
      });
    }
  });

const ZEnvSchema = z.object({
  CORE_CURATOR_DATA_DIR: z.string().min(1).default('./data'),
  BETTER_AUTH_SECRET: z.string().min(32).optional(),
  BETTER_AUTH_URL: z.url().optional(),
  CORE_CURATOR_BASE_URL: z.url().optional(),
  PORT: z.coerce.number().int().positive().optional(),
  CORE_CURATOR_SIGN_IN_LIMIT: z.coerce.number().int().positive().default(10),
  CORE_CURATOR_MAX_RECORDINGS: z.coerce.number().int().positive().default(8),
  CORE_CURATOR_UPLOAD_LIMIT_MB: z.coerce
    .number()
    .int()
    .positive()
    .max(1024 * 1024)
    .default(2048),
  CORE_CURATOR_TRUSTED_PROXIES: ZTrustedProxiesSchema,
});

export interface ServerEnv {
  dataDir: string;
  authSecret: string | undefined;
  baseUrl: string;
  /** Sign-in attempts allowed per client IP per minute (Better Auth rate limiter). */
  signInLimitPerMinute: number;
  /** Largest Import-page upload body, in bytes (`CORE_CURATOR_UPLOAD_LIMIT_MB` × 2^20). */
  uploadLimitBytes: number;
  /** Reverse proxies whose `X-Forwarded-For` is believed (proxy-addr trust list; empty = none). */
  trustedProxies: string[];
  /** Recording sessions open at once (`CORE_CURATOR_MAX_RECORDINGS`). */
  maxRecordingSessions: number;
}

/** Reads and validates the environment. Throws a readable error naming the bad variable. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): ServerEnv {
  const parsed = ZEnvSchema.safeParse(source);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid environment: ${issues}`);
  }
  const e = parsed.data;
  return {
    dataDir: path.resolve(/*turbopackIgnore: true*/ process.cwd(), e.CORE_CURATOR_DATA_DIR),
    authSecret: e.BETTER_AUTH_SECRET,
    baseUrl: e.BETTER_AUTH_URL ?? e.CORE_CURATOR_BASE_URL ?? `http://localhost:${e.PORT ?? 3000}`,
    signInLimitPerMinute: e.CORE_CURATOR_SIGN_IN_LIMIT,
    uploadLimitBytes: e.CORE_CURATOR_UPLOAD_LIMIT_MB * 1024 * 1024,
    trustedProxies: e.CORE_CURATOR_TRUSTED_PROXIES,
    maxRecordingSessions: e.CORE_CURATOR_MAX_RECORDINGS,
  };
}
