import { ROLES, type Role } from '@/lib/core/roles';

/** Display names of the roles, in ladder order (DESIGN.md › Who uses it). */
export const ROLE_LABELS: Record<Role, string> = {
  annotator: 'Annotator',
  researcher: 'Researcher',
  pi: 'PI',
};

export const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] }));

/** The message to show for a failed tRPC call: zod issues when the input was rejected, else the message. */
export function errorText(error: { message: string; data?: { zodError?: string[] | null } | null }): string {
  const issues = error.data?.zodError;
  return issues && issues.length > 0 ? issues.join('; ') : error.message;
}
