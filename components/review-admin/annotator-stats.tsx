'use client';
/**
 * `/review/stats` (PI): per reviewer, from `review.annotatorStats`: decisions, accepts / rejects,
 * decisions per hour, median time per decision, agreement with other reviewers, with the graph
 * verdict and with the environment verdict (each with the number of compared items), last decision.
 * The table sorts by any column; a bar chart shows decisions per reviewer.
 */
import { useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ROLE_LABELS } from '@/components/admin/shared';
import { ADJUDICATION_HREF } from '@/components/home/review-home';
import {
  ANNOTATOR_METRIC_HELP,
  defaultSortDirection,
  formatDuration,
  formatPerHour,
  formatShare,
  reviewerName,
  sortAnnotatorStats,
  type AnnotatorSortKey,
  type SortDirection,
} from '@/components/review-admin/review-admin-display';
import { Badge } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { EmptyState } from '@/components/ui/states';
import { isRole } from '@/lib/core/roles';
import { useTRPC } from '@/lib/trpc/client';

const COLUMNS: { key: AnnotatorSortKey; label: string; align?: 'right'; help?: string }[] = [
  { key: 'name', label: 'Reviewer' },
  { key: 'decisions', label: 'Decisions', align: 'right', help: ANNOTATOR_METRIC_HELP.decisions },
  { key: 'accepts', label: 'Accepts', align: 'right' },
  { key: 'rejects', label: 'Rejects', align: 'right' },
  {
    key: 'decisionsPerHour',
    label: 'Decisions / hour',
    align: 'right',
    help: ANNOTATOR_METRIC_HELP.decisionsPerHour,
  },
  {
    key: 'medianSecondsPerDecision',
    label: 'Median time',
    align: 'right',
    help: ANNOTATOR_METRIC_HELP.medianSecondsPerDecision,
  },
  {
    key: 'agreementWithOthers',
    label: 'Agreement with others',
    align: 'right',
    help: ANNOTATOR_METRIC_HELP.agreementWithOthers,
  },
  {
    key: 'graphAgreement',
    label: 'Graph agreement',
    align: 'right',
    help: ANNOTATOR_METRIC_HELP.graphAgreement,
  },
  { key: 'envAgreement', label: 'Env agreement', align: 'right', help: ANNOTATOR_METRIC_HELP.envAgreement },
  { key: 'lastDecisionAt', label: 'Last decision' },
];

/** The annotator stats page. */
export function AnnotatorStats() {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.review.annotatorStats.queryOptions());
  const [sort, setSort] = useState<{ key: AnnotatorSortKey; direction: SortDirection }>({
    key: 'decisions',
    direction: 'desc',
  });
  const rows = sortAnnotatorStats(data, sort.key, sort.direction);
  const chart = sortAnnotatorStats(data, 'decisions', 'desc')
    .filter((r) => r.decisions > 0)
    .map((r) => ({ name: reviewerName(r), accepts: r.accepts, rejects: r.rejects }));

  function sortBy(key: AnnotatorSortKey) {
    setSort((s) =>
      s.key === key
        ? { key, direction: s.direction === 'asc' ? 'desc' : 'asc' }
        : { key, direction: defaultSortDirection(key) },
    );
  }

  return (
    <div className="space-y-5">
      <PageHeader
        title="Annotator stats"
        subtitle="Independent reviews per reviewer over all queues. PI rulings on disagreements are not counted as reviews."
        actions={
          <Link className="text-sm font-medium text-indigo-700 hover:underline" href={ADJUDICATION_HREF}>
            Adjudication →
          </Link>
        }
      />
      <Card title="Reviewers">
        {rows.length === 0 ? (
          <EmptyState title="No reviewers yet">
            Once people review items in the queues, their figures appear here.
          </EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table aria-label="Annotator stats" className="w-full text-left text-sm">
              <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
                <tr>
                  {COLUMNS.map((c) => {
                    const isSorted = sort.key === c.key;
                    return (
                      <th
                        key={c.key}
                        scope="col"
                        aria-sort={
                          isSorted ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined
                        }
                        className={`py-1.5 pr-4 font-medium ${c.align === 'right' ? 'text-right' : ''}`}
                      >
                        <button
                          type="button"
                          title={c.help}
                          onClick={() => sortBy(c.key)}
                          className={`inline-flex items-center gap-1 uppercase tracking-wide hover:text-slate-800 ${isSorted ? 'text-slate-800' : ''}`}
                        >
                          {c.label}
                          <span aria-hidden className="w-2 text-[10px]">
                            {isSorted ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
                          </span>
                        </button>
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 tabular-nums">
                {rows.map((r) => (
                  <tr key={r.userId} data-testid={`annotator-${r.userId}`}>
                    <td className="py-1.5 pr-4">
                      <span className="font-medium text-slate-900">{reviewerName(r)}</span>{' '}
                      {r.role && r.role !== 'annotator' ? (
                        <Badge>{isRole(r.role) ? ROLE_LABELS[r.role] : r.role}</Badge>
                      ) : null}
                      {r.email && r.name ? (
                        <span className="block text-xs text-slate-500">{r.email}</span>
                      ) : null}
                    </td>
                    <td className="py-1.5 pr-4 text-right font-medium">{r.decisions.toLocaleString()}</td>
                    <td className="py-1.5 pr-4 text-right">{r.accepts.toLocaleString()}</td>
                    <td className="py-1.5 pr-4 text-right">{r.rejects.toLocaleString()}</td>
                    <td className="py-1.5 pr-4 text-right">{formatPerHour(r.decisionsPerHour)}</td>
                    <td className="py-1.5 pr-4 text-right">{formatDuration(r.medianSecondsPerDecision)}</td>
                    <ShareCell share={r.agreementWithOthers} compared={r.comparedItems} what="shared items" />
                    <ShareCell share={r.graphAgreement} compared={r.graphCompared} what="rollout verdicts" />
                    <ShareCell
                      share={r.envAgreement}
                      compared={r.envCompared}
                      what="rollouts with an env verdict"
                    />
                    <td className="whitespace-nowrap py-1.5 pr-4 text-slate-600">
                      <DateTime value={r.lastDecisionAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {chart.length > 0 ? (
        <Card title="Decisions per reviewer">
          <div className="h-72" data-testid="decisions-chart">
            <ResponsiveContainer>
              <BarChart data={chart}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="name" interval={0} tick={{ fontSize: 12 }} />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="accepts" name="Accepts" stackId="d" fill="#10b981" />
                <Bar dataKey="rejects" name="Rejects" stackId="d" fill="#f43f5e" />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </Card>
      ) : null}
      <Card title="What the figures mean">
        <ul className="list-disc space-y-2 pl-5 text-sm text-slate-600">
          {Object.entries(ANNOTATOR_METRIC_HELP).map(([key, text]) => (
            <li key={key}>{text}</li>
          ))}
        </ul>
      </Card>
    </div>
  );
}

/** A share with the number of compared items; a dash when nothing could be compared. */
function ShareCell({ share, compared, what }: { share: number | null; compared: number; what: string }) {
  return (
    <td className="py-1.5 pr-4 text-right" title={`${compared} ${what}`}>
      {compared === 0 || share === null ? (
        <span className="text-slate-400">—</span>
      ) : (
        <>
          {formatShare(share)} <span className="text-xs text-slate-500">n={compared}</span>
        </>
      )}
    </td>
  );
}
