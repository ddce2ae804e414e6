'use client';
/**
 * The exports, newest first: iteration, format, sources, examples per split, status (polled while
 * one is queued or running) and who launched it; each opens its page.
 */
import { useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import {
  EXPORT_POLL_INTERVAL_MS,
  EXPORT_SOURCE_LABELS,
  EXPORTS_LIST_INPUT,
} from '@/components/exports/export-display';
import { isJobActive, JobStatusBadge } from '@/components/import/import-summary';
import { Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { TableHead } from '@/components/ui/table';
import { useTRPC } from '@/lib/trpc/client';

const COLUMNS = [
  'Export',
  'Iteration',
  'Format',
  'Sources',
  { label: 'Train', align: 'right' },
  { label: 'Validation', align: 'right' },
  'Status',
  'By',
  'Created',
] as const;

export function ExportsList() {
  const trpc = useTRPC();
  const { data: exports } = useSuspenseQuery(
    trpc.exports.list.queryOptions(EXPORTS_LIST_INPUT, {
      refetchInterval: (query) =>
        query.state.data?.some((e) => isJobActive(e.status)) ? EXPORT_POLL_INTERVAL_MS : false,
    }),
  );
  return (
    <Card title="Exports">
      {exports.length === 0 ? (
        <p className="text-sm text-slate-600">No export yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm" aria-label="Exports">
            <TableHead columns={COLUMNS} />
            <tbody className="divide-y divide-slate-100">
              {exports.map((e) => (
                <tr key={e.id}>
                  <td className="py-1.5 pr-4">
                    <Link href={`/exports/${e.id}`} className="font-mono text-indigo-700 underline">
                      {e.id.slice(0, 8)}
                    </Link>
                  </td>
                  <td className="py-1.5 pr-4">{e.iterationId}</td>
                  <td className="py-1.5 pr-4">{e.format}</td>
                  <td className="py-1.5 pr-4 text-slate-600">
                    {e.options.sources.map((s) => EXPORT_SOURCE_LABELS[s]).join(', ')}
                  </td>
                  <td className="py-1.5 pr-4 text-right tabular-nums">
                    {e.summary?.counts.train.examples ?? '—'}
                  </td>
                  <td className="py-1.5 pr-4 text-right tabular-nums">
                    {e.summary?.counts.validation.examples ?? '—'}
                  </td>
                  <td className="py-1.5 pr-4">
                    <JobStatusBadge status={e.status} />
                  </td>
                  <td className="py-1.5 pr-4 text-slate-600">{e.createdByEmail ?? 'cli'}</td>
                  <td className="py-1.5 pr-4 text-slate-600">
                    <DateTime value={e.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
