/**
 * `core-curator settings …` — the Rollout settings page (`/settings/rollouts`) from a terminal:
 * `show`, `rollouts set` (browsers, samples, max steps, step timeout, noise), `sites set|remove`
 * (WebArena placeholder → URL) and `allowed-hosts list|add|remove`. Same service
 * (`server/services/rollout-settings-service.ts`), same zod schemas, same audit entries
 * (`settings.update`, actor `cli`). Changes merge into what is stored; errors name the flag or the
 * argument at fault (exit 2).
 *
 * Allowed hosts are PI-only on the page; here, as for `env add`, whoever can run the CLI has a
 * shell on the server and can write the database anyway, so the CLI is not asked for a role.
 */
import type { Command } from 'commander';
import type { z } from 'zod';
import { withDb } from '@/server/cli/shared';
import { failUsage, parseNumberArg } from '@/server/cli/commands/models';
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
  type TRolloutSettings,
  type TSiteUrls,
} from '@/server/services/rollout-settings-service';
import type { Db } from '@/server/db/client';

/** Who the audit log names for changes made here. */
const CLI_ACTOR = { userId: null, label: 'cli' } as const;

const FLAG_OF_ROLLOUT_FIELD: Record<keyof TRolloutSettings, string> = {
  parallelBrowsers: '--parallel',
  samplesPerTask: '--samples',
  maxSteps: '--max-steps',
  stepTimeoutMs: '--step-timeout',
  noise: '--noise',
};

const MS_PER_SECOND = 1000;

/** A bad flag or argument (usage error, exit 2). */
class UsageError extends Error {}

function describeIssues(error: z.ZodError, name: (path: PropertyKey[]) => string): string {
  return error.issues
    .map((i) => {
      // A record key's own message (e.g. "placeholder names are upper-case") sits one level down.
      const nested = i.code === 'invalid_key' ? i.issues[0]?.message : undefined;
      return `${name(i.path)}: ${nested ?? i.message}`;
    })
    .join('; ');
}

interface RolloutsSetOptions {
  parallel?: number;
  samples?: number;
  maxSteps?: number;
  stepTimeout?: number;
  noise?: number;
  json?: boolean;
}

/** The stored rollout settings with the given flags on top; validated with the page's schema. */
export function buildRolloutSettings(current: TRolloutSettings, opts: RolloutsSetOptions): TRolloutSettings {
  const next = {
    parallelBrowsers: opts.parallel ?? current.parallelBrowsers,
    samplesPerTask: opts.samples ?? current.samplesPerTask,
    maxSteps: opts.maxSteps ?? current.maxSteps,
    // Seconds, as on the page.
    stepTimeoutMs:
      opts.stepTimeout === undefined ? current.stepTimeoutMs : Math.round(opts.stepTimeout * MS_PER_SECOND),
    noise: opts.noise ?? current.noise,
  };
  const parsed = ZRolloutSettingsSchema.safeParse(next);
  if (!parsed.success) {
    throw new UsageError(
      describeIssues(parsed.error, (p) => {
        const flag = FLAG_OF_ROLLOUT_FIELD[p[0] as keyof TRolloutSettings];
        return flag === '--step-timeout' ? `${flag} (seconds, stored as ms)` : (flag ?? p.join('.'));
      }),
    );
  }
  return parsed.data;
}

/** `__shopping__ ` → `SHOPPING`, as the page reads a placeholder; the schema has the last word. */
function normalizePlaceholder(text: string): string {
  return text
    .trim()
    .replace(/^__(.*)__$/, '$1')
    .toUpperCase();
}

/** `NAME=URL` arguments merged into `current`; validated with the page's schema. */
export function buildSiteUrls(current: TSiteUrls, assignments: readonly string[]): TSiteUrls {
  const next: Record<string, string> = { ...current };
  const given = new Map<string, string>();
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0)
      throw new UsageError(
        `${JSON.stringify(assignment)}: expected NAME=URL, e.g. SHOPPING=http://localhost:7770`,
      );
    const name = normalizePlaceholder(assignment.slice(0, eq));
    next[name] = assignment.slice(eq + 1).trim();
    given.set(name, assignment);
  }
  const parsed = ZSiteUrlsSchema.safeParse(next);
  if (!parsed.success) {
    throw new UsageError(
      describeIssues(parsed.error, (p) => {
        const name = String(p[0]);
        return given.has(name) ? JSON.stringify(given.get(name)) : `stored ${name}`;
      }),
    );
  }
  return parsed.data;
}

/** One origin as the allowed-hosts list stores it (canonical), or a UsageError naming it. */
function canonicalOrigin(text: string): string {
  const parsed = ZAllowedHostsSchema.safeParse([text]);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error, () => 'origin'));
  return parsed.data[0]!;
}

function formatRollouts(s: TRolloutSettings): string {
  return [
    'rollouts',
    `  parallel browsers:  ${s.parallelBrowsers}`,
    `  samples per task:   ${s.samplesPerTask}`,
    `  max steps:          ${s.maxSteps}`,
    `  step timeout:       ${s.stepTimeoutMs / MS_PER_SECOND} s`,
    `  noise:              ${s.noise}`,
  ].join('\n');
}

function formatSites(siteUrls: TSiteUrls): string {
  const entries = Object.entries(siteUrls).sort(([a], [b]) => a.localeCompare(b));
  return ['site URLs', ...(entries.length ? entries.map(([k, v]) => `  ${k}=${v}`) : ['  (none)'])].join(
    '\n',
  );
}

function formatHosts(hosts: readonly string[]): string {
  return ['allowed hosts', ...(hosts.length ? hosts.map((h) => `  ${h}`) : ['  (none)'])].join('\n');
}

function allSettings(db: Db) {
  return { rollouts: getRolloutSettings(db), siteUrls: getSiteUrls(db), allowedHosts: getAllowedHosts(db) };
}

/** Runs `fn`; a UsageError becomes a usage error (exit 2) with its message. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UsageError) failUsage(error.message);
    throw error;
  }
}

export function registerSettingsCommands(program: Command): void {
  const settings = program
    .command('settings')
    .description(
      'Rollout settings (the Rollout settings page): rollouts, WebArena site URLs, allowed hosts.',
    );
  const print = (json: boolean | undefined, value: unknown, text: string) =>
    process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);

  settings
    .command('show')
    .description('Show the rollout settings, site URLs and allowed hosts.')
    .option('--json', 'print JSON {rollouts, siteUrls, allowedHosts}')
    .action((opts: { json?: boolean }) =>
      withDb(program, (db) => {
        const all = allSettings(db);
        print(
          opts.json,
          all,
          [formatRollouts(all.rollouts), formatSites(all.siteUrls), formatHosts(all.allowedHosts)].join(
            '\n\n',
          ),
        );
        return Promise.resolve();
      }),
    );

  settings
    .command('rollouts')
    .description('What every rollouts job starts from.')
    .command('set')
    .description('Change rollout settings (only the given flags; audited).')
    .option('--parallel <n>', 'browsers at once (1–16)', parseNumberArg)
    .option('--samples <n>', 'rollouts per task (1–50)', parseNumberArg)
    .option('--max-steps <n>', 'steps per rollout (1–100)', parseNumberArg)
    .option('--step-timeout <seconds>', 'per step (1–600 s)', parseNumberArg)
    .option('--noise <p>', "the noisy expert's deviation probability (0–1)", parseNumberArg)
    .option('--json', 'print the stored settings as JSON')
    .action((opts: RolloutsSetOptions) =>
      withDb(program, (db) => {
        const next = asUsage(() => buildRolloutSettings(getRolloutSettings(db), opts));
        const stored = updateRolloutSettings(db, next, CLI_ACTOR);
        print(opts.json, stored, formatRollouts(stored));
        return Promise.resolve();
      }),
    );

  const sites = settings
    .command('sites')
    .description('WebArena / VisualWebArena placeholders (__SHOPPING__) → your sites’ URLs.');
  sites
    .command('set')
    .description('Set site URLs (merged into the stored ones; audited).')
    .argument('<NAME=URL...>', 'e.g. SHOPPING=http://localhost:7770 reddit=http://localhost:9999')
    .option('--replace', 'replace the stored list instead of merging')
    .option('--json', 'print the stored site URLs as JSON')
    .action((assignments: string[], opts: { replace?: boolean; json?: boolean }) =>
      withDb(program, (db) => {
        const next = asUsage(() => buildSiteUrls(opts.replace ? {} : getSiteUrls(db), assignments));
        const stored = updateSiteUrls(db, next, CLI_ACTOR);
        print(opts.json, stored, formatSites(stored));
        return Promise.resolve();
      }),
    );
  sites
    .command('remove')
    .description('Remove site URLs by placeholder (audited).')
    .argument('<NAME...>', 'e.g. SHOPPING')
    .option('--json', 'print the stored site URLs as JSON')
    .action((names: string[], opts: { json?: boolean }) =>
      withDb(program, (db) => {
        const next = { ...getSiteUrls(db) };
        for (const raw of names) {
          const name = normalizePlaceholder(raw);
          if (!(name in next)) failUsage(`${JSON.stringify(raw)}: no site URL is stored for ${name}`);
          delete next[name];
        }
        const stored = updateSiteUrls(db, next, CLI_ACTOR);
        print(opts.json, stored, formatSites(stored));
        return Promise.resolve();
      }),
    );

  const hosts = settings
    .command('allowed-hosts')
    .description(
      "Origins a rollout's browser may reach besides its app's server and the site URLs (PI-only on the page).",
    );
  hosts
    .command('list')
    .description('List the allowed hosts.')
    .option('--json', 'print a JSON array')
    .action((opts: { json?: boolean }) =>
      withDb(program, (db) => {
        const list = getAllowedHosts(db);
        print(opts.json, list, formatHosts(list));
        return Promise.resolve();
      }),
    );
  hosts
    .command('add')
    .description('Allow origins, e.g. https://www.allrecipes.com or https://*.example-cdn.com (audited).')
    .argument('<origin...>', 'http(s) origins, or https://*.domain for every subdomain')
    .option('--json', 'print the stored list as JSON')
    .action((origins: string[], opts: { json?: boolean }) =>
      withDb(program, (db) => {
        const added = asUsage(() => origins.map(canonicalOrigin));
        const stored = asUsage(() => {
          const all = [...getAllowedHosts(db), ...added];
          const parsed = ZAllowedHostsSchema.safeParse(all);
          if (!parsed.success) throw new UsageError(describeIssues(parsed.error, () => 'allowed hosts'));
          return parsed.data;
        });
        const saved = updateAllowedHosts(db, stored, CLI_ACTOR);
        print(opts.json, saved, formatHosts(saved));
        return Promise.resolve();
      }),
    );
  hosts
    .command('remove')
    .description('Stop allowing origins (audited).')
    .argument('<origin...>', 'as listed (any spelling of the same origin works)')
    .option('--json', 'print the stored list as JSON')
    .action((origins: string[], opts: { json?: boolean }) =>
      withDb(program, (db) => {
        const current = getAllowedHosts(db);
        const removed = asUsage(() =>
          origins.map((o) => {
            const canonical = canonicalOrigin(o);
            if (!current.includes(canonical))
              throw new UsageError(`${JSON.stringify(o)}: ${canonical} is not in the allowed hosts`);
            return canonical;
          }),
        );
        const saved = updateAllowedHosts(
          db,
          current.filter((h) => !removed.includes(h)),
          CLI_ACTOR,
        );
        print(opts.json, saved, formatHosts(saved));
        return Promise.resolve();
      }),
    );
}
