import type { ReactNode } from 'react';
import { ErrorMessage } from '@/components/ui/states';

/**
 * The four states of a list query, rendered the same way everywhere: loading, the error naming
 * `what` failed to load, `empty` when the list has no rows, else `children(rows)`.
 */
export function QueryList<T>({
  query,
  what,
  empty,
  children,
}: {
  query: { isPending: boolean; isError: boolean; error: { message: string } | null; data: T[] | undefined };
  what: string;
  empty: ReactNode;
  children: (rows: T[]) => ReactNode;
}) {
  if (query.isPending) return <p className="text-sm text-slate-600">Loading…</p>;
  if (query.isError || !query.data) {
    return (
      <ErrorMessage>
        Could not load {what}: {query.error?.message ?? 'unknown error'}
      </ErrorMessage>
    );
  }
  return query.data.length === 0 ? empty : children(query.data);
}
