/** Small display helpers shared by UI components. */

export function formatDateTime(value: Date | string | number | null | undefined): string {
  if (value == null) return '—';
  const d = value instanceof Date ? value : new Date(value);
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function formatCount(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? singular : plural}`;
}

export function formatEnvVerdict(value: boolean | null | undefined): string {
  return value == null ? 'unknown' : value ? 'success' : 'failure';
}

export function mediaUrl(hash: string, thumb = false): string {
  return `/api/media/${hash}${thumb ? '?thumb=1' : ''}`;
}

/** A text field of a submitted form ('' when missing or a file). */
export function formText(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}
