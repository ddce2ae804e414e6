/**
 * Roles and scopes (DESIGN.md › Who uses it). Authorization is a ladder plus scopes the UI reuses
 * (STYLE.md §5): procedures check a minimum role, and components call `hasScope` to hide what a
 * user may not do.
 */
export const ROLES = ['annotator', 'researcher', 'pi'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { annotator: 0, researcher: 1, pi: 2 };

/** True when `role` is at least `minimum` on the ladder annotator < researcher < pi. */
export function isRoleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** Fine-grained permissions, each granted from a minimum role. */
export const SCOPES = {
  'trajectories:read': 'annotator',
  'tasks:read': 'annotator',
  'imports:write': 'researcher',
  'graphs:score': 'researcher',
  'graphs:growth': 'researcher',
  'quality:read': 'pi',
  'jobs:read': 'researcher',
  'jobs:cancel': 'researcher',
  'pipeline:run': 'researcher',
  'pipeline:read': 'researcher',
  // Annotators review intents and tasks a model wrote, so they read the calls that produced them.
  'model-calls:read': 'annotator',
  'llm-settings:manage': 'pi',
  'reviews:work': 'annotator',
  'comments:write': 'annotator',
  'label-functions:read': 'annotator',
  'label-functions:edit': 'researcher',
  'reviews:adjudicate': 'pi',
  'reviews:configure': 'pi',
  'reviews:stats': 'pi',
  // Live rollouts and environments (issue 6).
  'rollouts:watch': 'researcher',
  'rollouts:run': 'researcher',
  'environments:manage': 'researcher',
  'settings:rollouts': 'researcher',
  // What a rollout's browser may reach beyond its environment (issue 14): a PI decides.
  'settings:rollout-network': 'pi',
  // Ingestion API keys: researchers create and revoke their own; a PI revokes anyone's.
  'api-keys:manage': 'researcher',
  'api-keys:revoke-any': 'pi',
  // Fine-tuning exports and launches (issue 7). Annotators cannot export.
  'exports:read': 'researcher',
  'exports:run': 'researcher',
  'fine-tune:launch': 'researcher',
  // The fine-tuning API's key costs money: a PI sets it, like the model settings.
  'fine-tune:configure': 'pi',
  'iterations:close': 'researcher',
  // Demonstrations from people (issue 16): annotators and researchers record demos and correct
  // failed rollouts; making an existing run an expert demo changes what abstraction learns from.
  'demos:record': 'annotator',
  'corrections:record': 'annotator',
  'demos:promote': 'researcher',
  'users:manage': 'pi',
  'audit:read': 'pi',
} as const satisfies Record<string, Role>;
export type Scope = keyof typeof SCOPES;

/** Whether a user with `role` holds `scope`. Unknown roles hold nothing. */
export function hasScope(role: Role | null | undefined, scope: Scope): boolean {
  if (!role || !(ROLES as readonly string[]).includes(role)) return false;
  return isRoleAtLeast(role, SCOPES[scope]);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Minimum password length for accounts (Better Auth enforces it server-side; forms mirror it). */
export const MIN_PASSWORD_LENGTH = 8;
