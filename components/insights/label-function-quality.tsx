'use client';
/**
 * PI view of label-function quality: the graph verdict against the environment verdict overall and
 * per task, and each label function's runs with its flags; sortable; every row links to evidence.
 */
import { useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { Input, Select } from '@/components/ui/field';
import { EmptyState } from '@/components/ui/states';
import { TableHead } from '@/components/ui/table';
import { DEFAULT_FLAG_MIN_RUNS } from '@/lib/core/metrics';
import { useTRPC } from '@/lib/trpc/client';

const pct = (x: number) => `${Math.round(x * 100)}%`;

const LF_SORTS = {
  flags: 'flagged first',
  passRate: 'pass rate',
  errorRate: 'error rate',
  runs: 'runs',
} as const;

function MetricCells({ metrics }: { metrics: Record<string, number> }) {
  return (
    <>
      {(['TP', 'TN', 'FP', 'FN'] as const).map((k) => (
        <td key={k} className="py-1.5 pr-4">
          {metrics[k] ?? '–'}
        </td>
      ))}
      {(['accuracy', 'f1'] as const).map((k) => (
        <td key={k} className="py-1.5 pr-4">
          {metrics[k] === undefined ? '–' : pct(metrics[k])}
        </td>
      ))}
    </>
  );
}

export function LabelFunctionQuality() {
  const trpc = useTRPC();
  const [minRuns, setMinRuns] = useState(DEFAULT_FLAG_MIN_RUNS);
  const { data } = useSuspenseQuery(trpc.insights.quality.queryOptions({ minRuns }));
  const [sort, setSort] = useState<keyof typeof LF_SORTS>('flags');
  const lfs = [...data.perLabelFunction].sort((a, b) =>
    sort === 'flags' ? b.flags.length - a.flags.length || a.passRate - b.passRate : b[sort] - a[sort],
  );
  const m = data.overall.metrics;
  return (
    <div className="space-y-5">
      <PageHeader
        title="Label-function quality"
        subtitle={`Graph verdict vs environment verdict over ${data.overall.withEnvVerdict} scored rollouts with a known environment verdict (${data.overall.scored} scored rollouts in all; expert demos are left out). Zero denominators count as 0.`}
      />
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-8" data-testid="quality-overall">
        {(['TP', 'TN', 'FP', 'FN'] as const).map((k) => (
          <div key={k} className="rounded-lg bg-white p-3 shadow-sm ring-1 ring-slate-200">
            <dt className="text-xs text-slate-500">{k}</dt>
            <dd className="text-xl font-semibold tabular-nums">{m[k]}</dd>
          </div>
        ))}
        {(['accuracy', 'precision', 'recall', 'f1'] as const).map((k) => (
          <div key={k} className="rounded-lg bg-white p-3 shadow-sm ring-1 ring-slate-200">
            <dt className="text-xs text-slate-500">{k}</dt>
            <dd className="text-xl font-semibold tabular-nums">{pct(m[k])}</dd>
          </div>
        ))}
      </dl>
      <Card
        title="Label functions"
        actions={
          <span className="flex items-center gap-4">
            <label className="flex items-center gap-2 text-xs text-slate-500">
              Flag from
              <Input
                aria-label="Flag label functions from this many runs"
                className="w-16"
                type="number"
                min={1}
                value={minRuns}
                onChange={(e) => {
                  const n = Number(e.target.value);
                  if (Number.isInteger(n) && n >= 1) setMinRuns(n);
                }}
              />
              runs
            </label>
            <label className="flex items-center gap-2 text-xs text-slate-500">
              Sort by
              <Select
                aria-label="Sort label functions by"
                className="w-40"
                value={sort}
                onChange={(e) => setSort(e.target.value as keyof typeof LF_SORTS)}
              >
                {Object.entries(LF_SORTS).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </Select>
            </label>
          </span>
        }
      >
        {lfs.length === 0 ? (
          <EmptyState title="No label-function runs yet">
            Score a task (its page has “Score now”) to see how its label functions behave.
          </EmptyState>
        ) : (
          <table aria-label="Label functions" className="w-full text-left text-sm">
            <TableHead
              columns={[
                'Node',
                'Description',
                'LF version',
                { label: 'Runs', align: 'right' },
                { label: 'Pass rate', align: 'right' },
                { label: 'Errors', align: 'right' },
                'Flags',
              ]}
            />
            <tbody className="divide-y divide-slate-100">
              {lfs.map((lf) => (
                <tr key={lf.nodeId}>
                  <td className="py-1.5 pr-4 font-mono text-xs">
                    <Link
                      className="text-indigo-700 hover:underline"
                      href={`/label-functions/${encodeURIComponent(lf.nodeId)}`}
                      title="Open the label-function editor"
                    >
                      {lf.nodeId}
                    </Link>
                  </td>
                  <td className="max-w-md py-1.5 pr-4">
                    {lf.description}
                    {lf.taskIds.length ? (
                      <span className="block text-xs">
                        {lf.taskIds.slice(0, 3).map((taskId, i) => (
                          <Link
                            key={taskId}
                            className="mr-2 text-indigo-700 hover:underline"
                            href={`/tasks/${taskId}`}
                          >
                            {lf.taskIds.length === 1 ? 'open its task' : `task ${i + 1}`}
                          </Link>
                        ))}
                        {lf.taskIds.length > 3 ? (
                          <span className="text-slate-500">+{lf.taskIds.length - 3} more</span>
                        ) : null}
                      </span>
                    ) : null}
                  </td>
                  <td className="py-1.5 pr-4">v{lf.version}</td>
                  <td className="py-1.5 pr-4 text-right tabular-nums">{lf.runs}</td>
                  <td className="py-1.5 pr-4 text-right tabular-nums">{pct(lf.passRate)}</td>
                  <td className="py-1.5 pr-4 text-right tabular-nums">{pct(lf.errorRate)}</td>
                  <td className="py-1.5 pr-4">
                    <span className="flex flex-wrap gap-1">
                      {lf.flags.map((f) => (
                        <Badge key={f} tone={f === 'errors' ? 'amber' : 'red'}>
                          {f.replace('_', ' ')}
                        </Badge>
                      ))}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Per task">
        {data.perTask.length === 0 ? (
          <EmptyState title="No scored tasks yet" />
        ) : (
          <table aria-label="Quality per task" className="w-full text-left text-sm">
            <TableHead
              columns={['Task', 'Scored', 'With env verdict', 'TP', 'TN', 'FP', 'FN', 'Accuracy', 'F1']}
            />
            <tbody className="divide-y divide-slate-100 tabular-nums">
              {data.perTask.map((t) => (
                <tr key={t.taskId}>
                  <td className="max-w-md py-1.5 pr-4">
                    <Link className="text-indigo-700 hover:underline" href={`/tasks/${t.taskId}`}>
                      {t.externalId}
                    </Link>
                  </td>
                  <td className="py-1.5 pr-4">{t.scored}</td>
                  <td className="py-1.5 pr-4">{t.withEnvVerdict}</td>
                  <td className="py-1.5 pr-4">{t.metrics.TP}</td>
                  <td className="py-1.5 pr-4">{t.metrics.TN}</td>
                  <td className="py-1.5 pr-4">{t.metrics.FP}</td>
                  <td className="py-1.5 pr-4">{t.metrics.FN}</td>
                  <td className="py-1.5 pr-4">{pct(t.metrics.accuracy)}</td>
                  <td className="py-1.5 pr-4">{pct(t.metrics.f1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Per iteration">
        {data.perIteration.length === 0 ? (
          <EmptyState title="No scored rollouts with a known environment verdict yet" />
        ) : (
          <table aria-label="Quality per iteration" className="w-full text-left text-sm">
            <TableHead columns={['Iteration', 'Rollouts', 'TP', 'TN', 'FP', 'FN', 'Accuracy', 'F1']} />
            <tbody className="divide-y divide-slate-100 tabular-nums">
              {data.perIteration.map((it) => (
                <tr key={it.iterationId ?? 'none'}>
                  <td className="py-1.5 pr-4">{it.iterationId ?? '—'}</td>
                  <td className="py-1.5 pr-4">{it.pairs}</td>
                  <MetricCells metrics={{ ...it.metrics }} />
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Before and after each merge">
        {data.snapshots.length === 0 ? (
          <EmptyState title="No merges yet">
            Approving a proposed path merges it into its task&apos;s graph; the metrics just before the merge
            and once the new version is scored appear here (imported CORE{' '}
            <code>label_function_results.json</code> records too).
          </EmptyState>
        ) : (
          <table aria-label="Metrics before and after merges" className="w-full text-left text-sm">
            <TableHead
              columns={['When', 'Scope', 'Graph version', 'Type', 'TP', 'TN', 'FP', 'FN', 'Accuracy', 'F1']}
            />
            <tbody className="divide-y divide-slate-100 tabular-nums">
              {data.snapshots.map((snap) => (
                <tr key={snap.id}>
                  <td className="py-1.5 pr-4 text-xs">{snap.time}</td>
                  <td className="py-1.5 pr-4">
                    {snap.taskId ? (
                      <Link className="text-indigo-700 hover:underline" href={`/tasks/${snap.taskId}`}>
                        {snap.externalId}
                      </Link>
                    ) : (
                      'all tasks'
                    )}
                  </td>
                  <td className="py-1.5 pr-4">{snap.graphVersion ? `v${snap.graphVersion}` : '—'}</td>
                  <td className="py-1.5 pr-4">{snap.type}</td>
                  <MetricCells metrics={snap.metrics} />
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
