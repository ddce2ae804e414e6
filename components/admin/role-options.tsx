import { ROLE_OPTIONS } from '@/components/admin/shared';

/** The `<option>`s of a role `<select>`, in ladder order. */
export function RoleOptions() {
  return ROLE_OPTIONS.map((r) => (
    <option key={r.value} value={r.value}>
      {r.label}
    </option>
  ));
}
