'use client';
import { useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/states';
import { EvalSpec } from '@/components/tasks/eval-spec';
import { DateTime } from '@/components/ui/date-time';
import { formatEnvVerdict } from '@/lib/format';
import type { ReactNode } from 'react';
import { useTRPC } from '@/lib/trpc/client';
import { TableHead } from '@/components/ui/table';
import { StrategyGraphPanel } from '@/components/strategy-graph/strategy-graph-panel';
import { hasScope, type Role } from '@/lib/core/roles';
import { trajectoryKindLabel } from '@/lib/core/provenance';
import { RecordDemoButton } from '@/components/recording/record-demo-button';

const CATEGORY_TONE: Record<string, BadgeTone> = {
  fully_passed: 'green',
  partially_passed: 'amber',
  failed: 'red',
};

export function TaskDetail({ id, role }: { id: string; role: Role }) {
  const trpc = useTRPC();
  const { data: task } = useSuspenseQuery(trpc.tasks.get.queryOptions({ id }));
  const facts: [string, ReactNode][] = [
    ['Id', task.externalId],
    ['Site / app', task.site],
    ['Environment', task.environment],
    ['Source', task.source],
    ['Origin', task.origin],
    ['Difficulty', task.difficulty],
    ['Seed check', <SeedCheck key="seed" task={task} />],
    ['Start URL', task.startUrl],
    ['Template', task.template],
    ['Parameters', task.params && Object.keys(task.params).length ? JSON.stringify(task.params) : null],
    ['Added', <DateTime key="added" value={task.createdAt} />],
  ];
  return (
    <div className="space-y-5">
      <Breadcrumbs
        items={[
          { label: 'Tasks', href: '/tasks' },
          { label: task.externalId, mono: true },
        ]}
      />
      <PageHeader
        title={<span data-testid="task-intent">{task.intent || '(no intent)'}</span>}
        actions={
          <div className="flex items-center gap-4">
            {hasScope(role, 'pipeline:run') ? (
              <Link
                href={`/pipeline?task=${encodeURIComponent(task.id)}`}
                className="text-sm text-indigo-700 hover:underline"
              >
                Run a pipeline stage on this task
              </Link>
            ) : null}
            {hasScope(role, 'demos:record') && task.environment === 'web' ? (
              <RecordDemoButton taskId={task.id} />
            ) : null}
          </div>
        }
      />
      <div className="grid gap-5 lg:grid-cols-2">
        <Card title="Task">
          <dl className="divide-y divide-slate-100">
            {facts.map(([label, value]) => (
              <div key={label} className="grid grid-cols-[8rem_1fr] gap-3 py-1.5 text-sm">
                <dt className="text-slate-500">{label}</dt>
                <dd className="min-w-0 break-words text-slate-800">
                  {value ?? <span className="text-slate-400">—</span>}
                </dd>
              </div>
            ))}
          </dl>
        </Card>
        <Card title="Evaluation">
          <EvalSpec spec={task.evalSpec} />
        </Card>
      </div>
      <StrategyGraphPanel
        taskId={task.id}
        role={role}
        trajectories={task.trajectories.map((t) => ({
          id: t.id,
          label: `${trajectoryKindLabel(t.kind)} · ${t.externalId ?? t.id.slice(0, 8)}`,
        }))}
      />
      <Card title={`Trajectories (${task.trajectories.length})`}>
        {task.trajectories.length === 0 ? (
          <EmptyState title="No trajectories yet">
            Import expert demos or rollouts for this task, or record a demo (above) on a web task.
          </EmptyState>
        ) : (
          <table className="min-w-full text-sm">
            <TableHead
              columns={[
                'Trajectory',
                'Kind',
                { label: 'Steps', align: 'right' },
                'Environment verdict',
                'Category',
                'Iteration',
                'Final answer',
              ]}
            />
            <tbody className="divide-y divide-slate-100">
              {task.trajectories.map((t) => (
                <tr key={t.id}>
                  <td className="py-1.5 pr-3">
                    <Link
                      href={`/trajectories/${t.id}`}
                      className="font-medium text-indigo-700 hover:underline"
                    >
                      {t.externalId ?? t.id.slice(0, 8)}
                    </Link>
                  </td>
                  <td className="py-1.5 pr-3">
                    <Badge
                      tone={t.kind === 'expert' ? 'indigo' : t.kind === 'correction' ? 'amber' : 'slate'}
                    >
                      {trajectoryKindLabel(t.kind)}
                    </Badge>
                  </td>
                  <td className="py-1.5 pr-3 text-right tabular-nums">{t.stepCount}</td>
                  <td className="py-1.5 pr-3">{formatEnvVerdict(t.envSuccess)}</td>
                  <td className="py-1.5 pr-3">
                    {t.category ? (
                      <Badge tone={CATEGORY_TONE[t.category]}>{t.category.replace('_', ' ')}</Badge>
                    ) : (
                      <span className="text-slate-400">not scored</span>
                    )}
                  </td>
                  <td className="py-1.5 pr-3">{t.iterationId ?? '—'}</td>
                  <td
                    className="max-w-md truncate py-1.5 pr-3 text-slate-600"
                    title={t.finalAnswer ?? undefined}
                  >
                    {t.finalAnswer ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

/** Whether the task's verifier already passes on the app's untouched seed (State-API tasks). */
function SeedCheck({
  task,
}: {
  task: {
    source: string;
    passesOnSeed: boolean | null;
    seedCheckMessage: string | null;
    seedCheckedAt: Date | null;
  };
}) {
  if (task.passesOnSeed === null) {
    return task.source === 'state-api' ? <span className="text-slate-400">not checked</span> : null;
  }
  return (
    <span className="space-y-1">
      {task.passesOnSeed ? (
        <Badge tone="amber">passes on the seed</Badge>
      ) : (
        <Badge tone="green">fails on the seed</Badge>
      )}
      {task.seedCheckMessage ? <span className="ml-2 text-slate-600">{task.seedCheckMessage}</span> : null}
      {task.seedCheckedAt ? (
        <span className="block text-xs text-slate-500">
          checked <DateTime value={task.seedCheckedAt} />
          {task.passesOnSeed ? ' · skipped by rollouts and exports unless included' : ''}
        </span>
      ) : null}
    </span>
  );
}
