'use client';
import { useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/states';
import { hasScope, type Role } from '@/lib/core/roles';
import { useTRPC } from '@/lib/trpc/client';

export function Home({ role }: { role: Role }) {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.system.overview.queryOptions());
  const stats = [
    { label: 'Tasks', value: data.tasks, href: '/tasks' },
    { label: 'Expert demos', value: data.expertDemos },
    { label: 'Rollouts', value: data.rollouts },
    { label: 'Steps', value: data.steps },
    { label: 'Screenshots', value: data.screenshots },
  ];
  return (
    <div>
      <PageHeader
        title="Overview"
        subtitle={
          data.openIteration
            ? `Iteration ${data.openIteration} is open.`
            : 'No iteration yet: the first import opens iteration 1.'
        }
      />
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
      <div className="mt-6">
        {data.tasks === 0 ? (
          <EmptyState title="Nothing imported yet">
            {hasScope(role, 'imports:write') ? (
              <p>
                Go to{' '}
                <Link className="font-medium text-indigo-700 underline" href="/import">
                  Import
                </Link>{' '}
                to upload WebVoyager runs or WebArena task configs, or run{' '}
                <code className="rounded bg-slate-100 px-1">
                  npx core-curator import webvoyager &lt;folder&gt;
                </code>
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
            </p>
          </Card>
        )}
      </div>
    </div>
  );
}
