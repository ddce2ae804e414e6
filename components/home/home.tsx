'use client';
/**
 * The home screen, per role (issue 5 › Queues and Accountability):
 * - annotators: their review queues first — a large "Start reviewing" for the queue with most items
 *   available to them, their decision count, the queue and iteration counts — then the data overview;
 * - researchers: what the pipeline produced (the data overview) and the review queues;
 * - PIs: the disagreements waiting for adjudication and the annotator stats first, then the same.
 */
import { useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { DemoStatus } from '@/components/home/demo-status';
import {
  AdjudicationCallout,
  ReviewQueuesCard,
  StartReviewing,
  WithReviewHome,
} from '@/components/home/review-queues';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/states';
import { hasScope, type Role } from '@/lib/core/roles';
import { useTRPC } from '@/lib/trpc/client';

/** The home screen of a signed-in user with `role`. */
export function Home({ role }: { role: Role }) {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.system.overview.queryOptions());
  const iterationText = data.openIteration
    ? `Iteration ${data.openIteration} is open.`
    : 'No iteration yet: the first import opens iteration 1.';
  const canReview = hasScope(role, 'reviews:work');

  if (role === 'annotator') {
    return (
      <div className="space-y-6">
        <DemoStatus canWatchLive={hasScope(role, 'rollouts:watch')} />
        <PageHeader title="Your review queues" subtitle={iterationText} />
        {canReview ? (
          <WithReviewHome>
            {(review) => (
              <div className="space-y-6">
                <StartReviewing data={review} size="large" />
                <ReviewQueuesCard data={review} />
              </div>
            )}
          </WithReviewHome>
        ) : null}
        <section aria-label="Data overview" className="space-y-3">
          <h2 className="text-sm font-semibold text-slate-800">The data</h2>
          <OverviewStats data={data} />
          <NextSteps role={role} tasks={data.tasks} />
        </section>
      </div>
    );
  }

  return (
    <div className="space-y-6">
      <DemoStatus canWatchLive={hasScope(role, 'rollouts:watch')} />
      <PageHeader title="Overview" subtitle={iterationText} />
      {canReview ? (
        <WithReviewHome>
          {(review) => (hasScope(role, 'reviews:adjudicate') ? <AdjudicationCallout data={review} /> : null)}
        </WithReviewHome>
      ) : null}
      <OverviewStats data={data} />
      <NextSteps role={role} tasks={data.tasks} />
      {canReview ? (
        <WithReviewHome>
          {(review) => (
            <div className="space-y-4">
              <StartReviewing data={review} size="small" />
              <ReviewQueuesCard data={review} />
            </div>
          )}
        </WithReviewHome>
      ) : null}
    </div>
  );
}

type Overview = {
  tasks: number;
  expertDemos: number;
  rollouts: number;
  steps: number;
  screenshots: number;
};

/** What has been imported and produced: tasks, demos, rollouts, steps, screenshots. */
function OverviewStats({ data }: { data: Overview }) {
  const stats = [
    { label: 'Tasks', value: data.tasks, href: '/tasks' },
    { label: 'Expert demos', value: data.expertDemos },
    { label: 'Rollouts', value: data.rollouts },
    { label: 'Steps', value: data.steps },
    { label: 'Screenshots', value: data.screenshots },
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5">
      {stats.map((s) => (
        <div key={s.label} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{s.label}</dt>
          <dd
            className="mt-1 text-2xl font-semibold tabular-nums"
            data-testid={`stat-${s.label.toLowerCase().replace(/\s+/g, '-')}`}
          >
            {s.href ? <Link href={s.href}>{s.value.toLocaleString()}</Link> : s.value.toLocaleString()}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Where to go next: import when nothing is there yet, else browse the tasks. */
function NextSteps({ role, tasks }: { role: Role; tasks: number }) {
  return tasks === 0 ? (
    <EmptyState title="Nothing imported yet">
      {hasScope(role, 'imports:write') ? (
        <p>
          Go to{' '}
          <Link className="font-medium text-indigo-700 underline" href="/import">
            Import
          </Link>{' '}
          to upload WebVoyager runs or WebArena task configs, or run{' '}
          <code className="rounded bg-slate-100 px-1">npx core-curator import webvoyager &lt;folder&gt;</code>
          .
        </p>
      ) : (
        <p>A researcher has to import data first.</p>
      )}
    </EmptyState>
  ) : (
    <Card title="Next">
      <p className="text-sm text-slate-600">
        Browse the{' '}
        <Link className="font-medium text-indigo-700 underline" href="/tasks">
          tasks
        </Link>
        , open one and step through its trajectories with ← and →.
        {hasScope(role, 'pipeline:read') ? (
          <>
            {' '}
            Run the abstraction and extrapolation stages from the{' '}
            <Link className="font-medium text-indigo-700 underline" href="/pipeline">
              Pipeline
            </Link>{' '}
            page; what they propose lands in the review queues.
          </>
        ) : null}
      </p>
    </Card>
  );
}
