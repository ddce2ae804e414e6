'use client';
/**
 * `/review`: the queue picker. One card per queue with its counts (`review.home`: open, available to
 * you, in progress, awaiting adjudication, decided, your decisions) and "Start reviewing", plus the
 * items you hold a lease on, to resume. Counts refresh every 30 s (others review at the same time).
 */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { acceptEffect } from '@/components/review/review-display';
import { LeaseCountdown } from '@/components/review/review-parts';
import type { ReviewHomeData } from '@/components/review/review-types';
import { Badge } from '@/components/ui/badge';
import { PageHeader } from '@/components/ui/card';
import { ErrorMessage, Kbd } from '@/components/ui/states';
import { REVIEW_QUEUE_INFO } from '@/lib/core/review';
import { hasScope, type Role } from '@/lib/core/roles';
import { useTRPC } from '@/lib/trpc/client';

const POLL_INTERVAL_MS = 30_000;
const PRIMARY_LINK =
  'inline-flex items-center justify-center rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm hover:bg-indigo-500';
const DISABLED_LINK =
  'inline-flex items-center justify-center rounded-md bg-slate-100 px-3 py-1.5 text-sm font-medium text-slate-500';

type QueueRow = ReviewHomeData['queues'][number];

function QueueCard({ q }: { q: QueueRow }) {
  const info = REVIEW_QUEUE_INFO[q.queue];
  const figures: [string, number, string][] = [
    ['for you', q.availableToMe, 'Open items you can claim now'],
    ['open', q.open, 'Items waiting for reviews'],
    ['in progress', q.leased, 'Items someone holds a lease on'],
    ['to adjudicate', q.needsAdjudication, 'Reviews disagree; a PI decides'],
    ['decided', q.decided, 'Decisions applied'],
    ['yours', q.myDecisions, 'Your decisions in this queue'],
  ];
  return (
    <section
      className="flex flex-col rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
      aria-labelledby={`queue-${q.queue}`}
      data-testid={`queue-card-${q.queue}`}
    >
      <div className="flex items-start justify-between gap-2">
        <h2 id={`queue-${q.queue}`} className="font-semibold text-slate-900">
          {info.label}
        </h2>
        {q.requiredReviews > 1 ? <Badge tone="indigo">{q.requiredReviews} reviews each</Badge> : null}
      </div>
      <p className="mt-1 text-sm text-slate-600">{info.description}</p>
      <dl className="mt-3 grid grid-cols-3 gap-2 text-center">
        {figures.map(([label, value, title]) => (
          <div key={label} className="rounded-md bg-slate-50 px-2 py-1.5 ring-1 ring-slate-200" title={title}>
            <dd className="text-lg font-semibold tabular-nums text-slate-900">{value.toLocaleString()}</dd>
            <dt className="text-xs text-slate-500">{label}</dt>
          </div>
        ))}
      </dl>
      <p className="mt-3 text-xs text-slate-500">
        {info.acceptLabel} / {info.rejectLabel}: {acceptEffect(q.queue, null)}
      </p>
      <div className="mt-auto pt-3">
        {q.availableToMe > 0 ? (
          <Link
            href={`/review/${q.queue}`}
            className={PRIMARY_LINK}
            data-testid={`start-${q.queue}`}
            aria-label={`Start reviewing ${info.label}`}
          >
            Start reviewing
          </Link>
        ) : (
          <span className={DISABLED_LINK}>Nothing for you right now</span>
        )}
      </div>
    </section>
  );
}

export function ReviewQueuePicker({ role }: { role: Role }) {
  const trpc = useTRPC();
  const home = useQuery(trpc.review.home.queryOptions(undefined, { refetchInterval: POLL_INTERVAL_MS }));
  return (
    <div>
      <PageHeader
        title="Review"
        subtitle={
          <>
            Pick a queue. In the workspace, <Kbd>a</Kbd> accepts, <Kbd>r</Kbd> rejects with a reason,{' '}
            <Kbd>s</Kbd> skips and <Kbd>?</Kbd> lists every shortcut; the next item is loaded while you
            review.
          </>
        }
        actions={
          <div className="flex gap-3 text-sm">
            {hasScope(role, 'reviews:adjudicate') ? (
              <Link className="text-indigo-700 hover:underline" href="/review/adjudication">
                Adjudication
              </Link>
            ) : null}
            {hasScope(role, 'reviews:stats') ? (
              <Link className="text-indigo-700 hover:underline" href="/review/stats">
                Annotator stats
              </Link>
            ) : null}
          </div>
        }
      />
      {home.isPending ? (
        <p className="text-sm text-slate-600">Loading the queues…</p>
      ) : home.isError ? (
        <ErrorMessage>Could not load the review queues: {home.error.message}</ErrorMessage>
      ) : (
        <div className="space-y-5">
          {home.data.myLeases.length > 0 ? (
            <section
              className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-indigo-200"
              aria-label="Resume"
              data-testid="my-leases"
            >
              <h2 className="text-sm font-semibold text-slate-800">In progress with you</h2>
              <ul className="mt-2 divide-y divide-slate-100 text-sm">
                {home.data.myLeases.map((lease) => (
                  <li key={lease.itemId} className="flex flex-wrap items-baseline gap-x-3 py-1.5">
                    <Link
                      className="min-w-0 flex-1 text-indigo-700 hover:underline"
                      href={`/review/item/${lease.itemId}`}
                    >
                      {lease.summary}
                    </Link>
                    <span className="text-xs text-slate-500">{REVIEW_QUEUE_INFO[lease.queue].label}</span>
                    <LeaseCountdown expiresAt={lease.expiresAt} />
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
            {home.data.queues.map((q) => (
              <QueueCard key={q.queue} q={q} />
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
