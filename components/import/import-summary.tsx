import Link from 'next/link';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { formatCount } from '@/lib/format';
import type { ImportCounts, ImportSummary } from '@/server/services/import-service';

/** Job statuses (server/db/schema.ts `JOB_STATUSES`). */
export type ImportJobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export function isJobActive(status: string | undefined): boolean {
  return status === 'queued' || status === 'running';
}

const STATUS_TONES: Record<ImportJobStatus, BadgeTone> = {
  queued: 'slate',
  running: 'indigo',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'amber',
  interrupted: 'amber',
};

export function JobStatusBadge({ status }: { status: string }) {
  const tone = (STATUS_TONES as Record<string, BadgeTone | undefined>)[status] ?? 'slate';
  return <Badge tone={tone}>{status}</Badge>;
}

function isCounts(value: unknown): value is ImportCounts {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.created === 'number' && typeof v.updated === 'number' && typeof v.unchanged === 'number';
}

/** The job `result` of an import job, checked (it travels as `unknown`). */
export function toImportSummary(result: unknown): ImportSummary | null {
  if (!result || typeof result !== 'object') return null;
  const r = result as Record<string, unknown>;
  const shots = r.screenshots as Record<string, unknown> | null | undefined;
  if (!isCounts(r.tasks) || !isCounts(r.trajectories) || typeof r.steps !== 'number') return null;
  return {
    format: typeof r.format === 'string' ? r.format : '',
    tasks: r.tasks,
    trajectories: r.trajectories,
    steps: r.steps,
    screenshots: {
      stored: typeof shots?.stored === 'number' ? shots.stored : 0,
      reused: typeof shots?.reused === 'number' ? shots.reused : 0,
    },
    warnings: Array.isArray(r.warnings) ? r.warnings.map(String) : [],
    seconds: typeof r.seconds === 'number' ? r.seconds : 0,
  };
}

/** The display label of an import job (`input.label`: the folder or file name). */
export function importLabelOf(input: unknown): string {
  if (input && typeof input === 'object' && 'label' in input && typeof input.label === 'string')
    return input.label;
  return '—';
}

function countsText(c: ImportCounts): string {
  return `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`;
}

/** One line for the job list, e.g. "3 tasks, 5 trajectories, 40 steps". */
export function summaryLine(s: ImportSummary): string {
  const total = (c: ImportCounts) => c.created + c.updated + c.unchanged;
  const parts = [
    formatCount(total(s.tasks), 'task'),
    formatCount(total(s.trajectories), 'trajectory', 'trajectories'),
    formatCount(s.steps, 'step'),
  ];
  if (s.warnings.length > 0) parts.push(formatCount(s.warnings.length, 'warning'));
  return parts.join(', ');
}

export function ImportSummaryView({ summary }: { summary: ImportSummary }) {
  const rows: [string, string][] = [
    ['Tasks', countsText(summary.tasks)],
    ['Trajectories', countsText(summary.trajectories)],
    ['Steps', summary.steps.toLocaleString()],
    ['Screenshots', `${summary.screenshots.stored} stored, ${summary.screenshots.reused} reused`],
    ['Time', `${summary.seconds.toFixed(1)} s`],
  ];
  return (
    <section aria-labelledby="import-summary-heading" className="space-y-3">
      <h3 id="import-summary-heading" className="text-sm font-semibold text-emerald-800">
        Import finished
      </h3>
      <dl aria-label="Import summary" className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-1 text-sm">
        {rows.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="text-slate-500">{term}</dt>
            <dd className="text-slate-900">{value}</dd>
          </div>
        ))}
      </dl>
      {summary.warnings.length > 0 ? (
        <div>
          <h4 className="text-sm font-medium text-amber-800">Warnings ({summary.warnings.length})</h4>
          <ul
            aria-label="Import warnings"
            className="mt-1 max-h-60 list-disc space-y-0.5 overflow-auto pl-5 text-sm text-amber-900"
          >
            {summary.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <Link
        href="/tasks"
        className="inline-block text-sm font-medium text-indigo-700 underline hover:text-indigo-600"
      >
        View tasks
      </Link>
    </section>
  );
}
