'use client';
/**
 * The home screen's "Review queues" section (`review.home`): a "Start reviewing" call to action for
 * the queue with most items available to the viewer, the viewer's items in progress, counts per queue
 * and per iteration, and for PIs the disagreements waiting for adjudication. Every queue links to its
 * workspace `/review/<queue>`.
 */
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import type { ReactNode } from 'react';
import {
  ADJUDICATION_HREF,
  ANNOTATOR_STATS_HREF,
  buildIterationRows,
  iterationLabel,
  pickStartQueue,
  reviewItemHref,
  reviewQueueHref,
  sumQueueCounts,
} from '@/components/home/review-home';
import { errorText } from '@/components/admin/shared';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { EmptyState, ErrorMessage } from '@/components/ui/states';
import { TableHead } from '@/components/ui/table';
import { formatCount } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';
import type { AppRouter } from '@/server/trpc/root';

type ReviewHome = inferRouterOutputs<AppRouter>['review']['home'];
type QueueRow = ReviewHome['queues'][number];

/** How often the counts refresh while the home screen is open (others review at the same time). */
const HOME_POLL_INTERVAL_MS = 30_000;

const PRIMARY_LINK =
  'inline-flex items-center justify-center rounded-md bg-indigo-600 font-medium text-white shadow-sm hover:bg-indigo-500';
const SECONDARY_LINK =
  'inline-flex items-center justify-center rounded-md bg-white px-3 py-1.5 text-sm font-medium text-slate-800 shadow-sm ring-1 ring-slate-300 hover:bg-slate-50';

/** `review.home`, refreshed every 30 s while the home screen is open. */
export function useReviewHome() {
  const trpc = useTRPC();
  return useQuery(trpc.review.home.queryOptions(undefined, { refetchInterval: HOME_POLL_INTERVAL_MS }));
}

/** Loading and error states of `review.home`, or `children(data)`. */
export function WithReviewHome({ children }: { children: (data: ReviewHome) => ReactNode }) {
  const query = useReviewHome();
  if (query.isPending) return <p className="text-sm text-slate-600">Loading the review queues…</p>;
  if (query.isError)
    return <ErrorMessage>Could not load the review queues: {errorText(query.error)}</ErrorMessage>;
  return <>{children(query.data)}</>;
}

/**
 * The call to action: "Start reviewing <queue>" for the queue with most items available to the
 * viewer, the viewer's decision count, and links back into items they hold a lease on. `size="large"`
 * is the annotator's version, the first thing on their home screen.
 */
export function StartReviewing({ data, size }: { data: ReviewHome; size: 'large' | 'small' }) {
  const start = pickStartQueue(data.queues);
  const total = sumQueueCounts(data.queues);
  const isLarge = size === 'large';
  return (
    <section
      aria-label="Start reviewing"
      className={`rounded-lg bg-white shadow-sm ring-1 ${isLarge ? 'p-6 ring-indigo-200' : 'p-4 ring-slate-200'}`}
    >
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div className="min-w-0">
          {start ? (
            <>
              <p className={`${isLarge ? 'text-lg' : 'text-base'} font-semibold text-slate-900`}>
                {formatCount(total.availableToMe, 'item')} waiting for you
              </p>
              <p className="mt-1 text-sm text-slate-600">
                Most in <span className="font-medium text-slate-800">{start.label}</span> (
                {start.availableToMe.toLocaleString()}).
              </p>
            </>
          ) : (
            <>
              <p className={`${isLarge ? 'text-lg' : 'text-base'} font-semibold text-slate-900`}>
                Nothing waiting for you
              </p>
              <p className="mt-1 text-sm text-slate-600">
                {total.open > 0
                  ? 'The open items are in progress with other reviewers or already have your review.'
                  : 'No open items: new ones arrive after pipeline runs and scoring.'}
              </p>
            </>
          )}
          <p className="mt-2 text-sm text-slate-600" data-testid="my-decisions">
            You have made{' '}
            <span className="font-semibold tabular-nums">{total.myDecisions.toLocaleString()}</span>{' '}
            {total.myDecisions === 1 ? 'decision' : 'decisions'}.
          </p>
        </div>
        {start ? (
          <Link
            href={reviewQueueHref(start.queue)}
            className={`${PRIMARY_LINK} ${isLarge ? 'px-6 py-3 text-base' : 'px-3 py-1.5 text-sm'}`}
          >
            Start reviewing {start.label.toLowerCase()}
          </Link>
        ) : null}
      </div>
      {data.myLeases.length > 0 ? (
        <div className="mt-4 border-t border-slate-100 pt-3">
          <h3 className="text-xs font-medium uppercase tracking-wide text-slate-500">In progress with you</h3>
          <ul className="mt-1 divide-y divide-slate-100 text-sm">
            {data.myLeases.map((lease) => (
              <li key={lease.itemId} className="flex flex-wrap items-baseline gap-x-3 py-1.5">
                <Link
                  className="min-w-0 flex-1 text-indigo-700 hover:underline"
                  href={reviewItemHref(lease.itemId)}
                >
                  {lease.summary}
                </Link>
                <span className="text-xs text-slate-500">
                  {data.queues.find((q) => q.queue === lease.queue)?.label ?? lease.queue} · held until{' '}
                  <DateTime value={lease.expiresAt} />
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}

/** PIs: disagreements waiting for a ruling, linking to `/review/adjudication`, and the annotator stats. */
export function AdjudicationCallout({ data }: { data: ReviewHome }) {
  const waiting = data.queues.filter((q) => q.needsAdjudication > 0);
  const total = sumQueueCounts(data.queues).needsAdjudication;
  return (
    <section
      aria-label="Needs adjudication"
      className={`rounded-lg p-4 shadow-sm ring-1 ${total > 0 ? 'bg-amber-50 ring-amber-200' : 'bg-white ring-slate-200'}`}
    >
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <p className="text-lg font-semibold text-slate-900">
            <span className="tabular-nums" data-testid="needs-adjudication-total">
              {total.toLocaleString()}
            </span>{' '}
            {total === 1 ? 'item needs' : 'items need'} adjudication
          </p>
          <p className="mt-1 text-sm text-slate-700">
            {total > 0
              ? waiting.map((q) => `${q.label}: ${q.needsAdjudication}`).join(' · ')
              : 'No disagreements between reviewers right now.'}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Link
            href={ADJUDICATION_HREF}
            className={total > 0 ? `${PRIMARY_LINK} px-4 py-2 text-sm` : SECONDARY_LINK}
          >
            {total > 0 ? 'Adjudicate' : 'Agreement and queue settings'}
          </Link>
          <Link href={ANNOTATOR_STATS_HREF} className={SECONDARY_LINK}>
            Annotator stats
          </Link>
        </div>
      </div>
    </section>
  );
}

const COUNT_COLUMNS: { key: keyof QueueRow; label: string; title: string }[] = [
  { key: 'open', label: 'Open', title: 'Waiting for reviews (including items in progress).' },
  {
    key: 'availableToMe',
    label: 'For you',
    title: 'Open items you can claim now: not reviewed by you, with a free review slot.',
  },
  { key: 'leased', label: 'In progress', title: 'Items someone holds a lease on right now.' },
  {
    key: 'needsAdjudication',
    label: 'Needs adjudication',
    title: 'The required reviews disagree; a PI decides.',
  },
  { key: 'decided', label: 'Decided', title: 'Decided by consensus or adjudication, and applied.' },
  { key: 'myDecisions', label: 'Your decisions', title: 'Reviews you submitted in this queue.' },
];

/** Counts per queue, each queue linking to its workspace. */
export function ReviewQueuesTable({ queues }: { queues: readonly QueueRow[] }) {
  return (
    <div className="overflow-x-auto">
      <table aria-label="Review queues" className="w-full text-left text-sm">
        <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="py-1.5 pr-4 font-medium">
              Queue
            </th>
            {COUNT_COLUMNS.map((c) => (
              <th key={c.key} scope="col" title={c.title} className="py-1.5 pr-4 text-right font-medium">
                {c.label}
              </th>
            ))}
            <th
              scope="col"
              className="py-1.5 pr-4 text-right font-medium"
              title="Independent reviews per item"
            >
              Reviews / item
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 tabular-nums">
          {queues.map((q) => (
            <tr key={q.queue} data-testid={`queue-row-${q.queue}`}>
              <td className="py-1.5 pr-4">
                <Link className="font-medium text-indigo-700 hover:underline" href={reviewQueueHref(q.queue)}>
                  {q.label}
                </Link>
              </td>
              {COUNT_COLUMNS.map((c) => {
                const value = q[c.key] as number;
                return (
                  <td key={c.key} className="py-1.5 pr-4 text-right">
                    {c.key === 'needsAdjudication' && value > 0 ? (
                      <Badge tone="amber">{value.toLocaleString()}</Badge>
                    ) : c.key === 'availableToMe' && value > 0 ? (
                      <span className="font-semibold text-slate-900">{value.toLocaleString()}</span>
                    ) : (
                      <span className={value === 0 ? 'text-slate-400' : ''}>{value.toLocaleString()}</span>
                    )}
                  </td>
                );
              })}
              <td className="py-1.5 pr-4 text-right">{q.requiredReviews}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Open / decided items per iteration and queue (rows: iterations, newest first). */
export function IterationBreakdown({ queues }: { queues: readonly QueueRow[] }) {
  const rows = buildIterationRows(queues);
  if (rows.length === 0) return <p className="text-sm text-slate-600">No review items yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table aria-label="Review items per iteration" className="w-full text-left text-sm">
        <TableHead
          columns={[
            'Iteration',
            ...queues.map((q) => ({ label: q.label, align: 'right' as const })),
            { label: 'All queues', align: 'right' },
          ]}
        />
        <tbody className="divide-y divide-slate-100 tabular-nums">
          {rows.map((row) => (
            <tr key={row.iterationId ?? 'none'}>
              <th scope="row" className="py-1.5 pr-4 text-left font-normal">
                {iterationLabel(row.iterationId)}
              </th>
              {queues.map((q) => {
                const cell = row.cells[q.queue];
                return (
                  <td key={q.queue} className="py-1.5 pr-4 text-right">
                    {cell ? (
                      <IterationCell open={cell.open} decided={cell.decided} />
                    ) : (
                      <span className="text-slate-400">–</span>
                    )}
                  </td>
                );
              })}
              <td className="py-1.5 pr-4 text-right">
                <IterationCell open={row.open} decided={row.decided} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-2 text-xs text-slate-500">
        Each cell: open / decided items created in that iteration.
      </p>
    </div>
  );
}

function IterationCell({ open, decided }: { open: number; decided: number }) {
  return (
    <span title={`${open} open, ${decided} decided`}>
      <span className={open > 0 ? 'font-medium text-slate-900' : 'text-slate-400'}>{open}</span>
      <span className="text-slate-400"> / </span>
      <span className="text-slate-600">{decided}</span>
    </span>
  );
}

/** The queue and iteration tables in one card ("Review queues"). */
export function ReviewQueuesCard({ data }: { data: ReviewHome }) {
  return (
    <Card title="Review queues">
      {data.queues.length === 0 ? (
        <EmptyState title="No review queues" />
      ) : (
        <div className="space-y-5">
          <ReviewQueuesTable queues={data.queues} />
          <div>
            <h3 className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">Per iteration</h3>
            <IterationBreakdown queues={data.queues} />
          </div>
        </div>
      )}
    </Card>
  );
}
