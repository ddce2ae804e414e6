import { formatDateTime } from '@/lib/format';

/**
 * A timestamp in the reader's locale and time zone. The server renders it in its own zone, so the
 * text may differ on hydration; React is told that is expected.
 */
export function DateTime({ value }: { value: Date | string | number | null | undefined }) {
  if (value == null) return <span className="text-slate-400">—</span>;
  const d = value instanceof Date ? value : new Date(value);
  return (
    <time dateTime={d.toISOString()} suppressHydrationWarning>
      {formatDateTime(d)}
    </time>
  );
}
