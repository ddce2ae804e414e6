'use client';
import { useQuery } from '@tanstack/react-query';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/states';
import { DateTime } from '@/components/ui/date-time';
import { useTRPC } from '@/lib/trpc/client';
import { RECENT_IMPORTS_INPUT } from '@/components/import/import-queries';
import {
  importLabelOf,
  isJobActive,
  JobStatusBadge,
  summaryLine,
  toImportSummary,
} from '@/components/import/import-summary';
import { TableHead } from '@/components/ui/table';
import { QueryList } from '@/components/ui/query-list';

/** How often the list refreshes while one of its imports is queued or running. */
const LIST_POLL_INTERVAL_MS = 1500;

interface JobRow {
  status: string;
  progress: number;
  progressMessage: string | null;
  result: unknown;
  error: string | null;
}

function describeJob(job: JobRow): string {
  if (job.status === 'succeeded') {
    const summary = toImportSummary(job.result);
    return summary ? summaryLine(summary) : '—';
  }
  if (isJobActive(job.status))
    return `${Math.round(job.progress * 100)}%${job.progressMessage ? ` · ${job.progressMessage}` : ''}`;
  return job.error ?? '—';
}

export function RecentImports() {
  const trpc = useTRPC();
  const jobs = useQuery(
    trpc.jobs.list.queryOptions(RECENT_IMPORTS_INPUT, {
      refetchInterval: (query) =>
        query.state.data?.some((j) => isJobActive(j.status)) ? LIST_POLL_INTERVAL_MS : false,
    }),
  );

  return (
    <Card title="Recent imports">
      <QueryList
        query={jobs}
        what="recent imports"
        empty={<EmptyState title="No imports yet">Imports you or others start appear here.</EmptyState>}
      >
        {(rows) => (
          <div className="overflow-x-auto">
            <table aria-label="Recent imports" className="w-full text-left text-sm">
              <TableHead columns={['When', 'Who', 'Label', 'Status', 'Summary']} />
              <tbody className="divide-y divide-slate-100">
                {rows.map((job) => (
                  <tr key={job.id}>
                    <td className="whitespace-nowrap py-1.5 pr-4 text-slate-600">
                      <DateTime value={job.createdAt} />
                    </td>
                    <td className="py-1.5 pr-4 text-slate-700">{job.createdByEmail ?? '—'}</td>
                    <td
                      className="max-w-xs truncate py-1.5 pr-4 font-medium text-slate-900"
                      title={importLabelOf(job.input)}
                    >
                      {importLabelOf(job.input)}
                    </td>
                    <td className="py-1.5 pr-4">
                      <JobStatusBadge status={job.status} />
                    </td>
                    <td className="py-1.5 text-slate-700">{describeJob(job)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryList>
    </Card>
  );
}
