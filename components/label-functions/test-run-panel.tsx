'use client';
/**
 * The test-run panel: choose the sample (expert demos and the default rollout pick checked at
 * first, any listed rollout can be added), run the draft against the current version as an
 * `lf_test` job (button or Ctrl/Cmd+Enter), follow its progress (Cancel while it runs), then read
 * the pass/fail matrix. `useLabelFunctionTest` holds the job; the editor owns the sample so its
 * shortcut can start a run too.
 */
import { skipToken, useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState } from 'react';
import {
  filterTrajectories,
  formatEnvVerdict,
  isJobActive,
  JOB_POLL_INTERVAL_MS,
  toggleId,
} from '@/components/label-functions/lf-editor-display';
import { TestMatrix } from '@/components/label-functions/test-matrix';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input } from '@/components/ui/field';
import { ErrorMessage, Kbd, ProgressBar } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';
import type { AppRouter } from '@/server/trpc/root';

type EditorData = inferRouterOutputs<AppRouter>['labelFunctions']['editor'];
type SampleTrajectory = EditorData['demos'][number];

/** A test run's job: start it, poll it while it runs, cancel it. */
export function useLabelFunctionTest(nodeId: string) {
  const trpc = useTRPC();
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useMutation(
    trpc.labelFunctions.startTest.mutationOptions({ onSuccess: (r) => setJobId(r.jobId) }),
  );
  const test = useQuery(
    trpc.labelFunctions.testResult.queryOptions(jobId ? { jobId } : skipToken, {
      refetchInterval: (query) => (isJobActive(query.state.data?.status) ? JOB_POLL_INTERVAL_MS : false),
    }),
  );
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSuccess: () => void test.refetch() }));
  const isRunning = start.isPending || isJobActive(test.data?.status);
  return {
    test,
    start,
    cancel,
    isRunning,
    run: (code: string, trajectoryIds: string[]) => {
      if (isRunning) return;
      start.mutate({ nodeId, code, trajectoryIds });
    },
    cancelRun: () => {
      if (jobId) cancel.mutate({ id: jobId });
    },
  };
}

function TrajectoryOption({
  t,
  checked,
  onChange,
}: {
  t: SampleTrajectory;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <li>
      <label className="flex items-center gap-2 px-2 py-1 text-sm hover:bg-slate-50">
        <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
        <span className="min-w-0 flex-1 truncate font-mono text-xs">{t.externalId ?? t.id.slice(0, 8)}</span>
        <span className="hidden truncate text-xs text-slate-500 sm:inline">{t.taskExternalId}</span>
        <Badge tone={t.envSuccess === null ? 'slate' : t.envSuccess ? 'green' : 'red'}>
          env {formatEnvVerdict(t.envSuccess)}
        </Badge>
      </label>
    </li>
  );
}

export function TestRunPanel({
  editor,
  selected,
  onSelectedChange,
  testRun,
  code,
  canEdit,
}: {
  editor: EditorData;
  selected: ReadonlySet<string>;
  onSelectedChange: (next: Set<string>) => void;
  testRun: ReturnType<typeof useLabelFunctionTest>;
  code: string;
  canEdit: boolean;
}) {
  const [filter, setFilter] = useState('');
  const { test, start, cancel, isRunning } = testRun;
  const job = test.data;
  const result = job?.result ?? null;
  const tooMany = selected.size > editor.maxTestTrajectories;
  const demoIds = editor.demos.map((d) => d.id);
  const rollouts = filterTrajectories(editor.rollouts, filter);
  const setMany = (ids: string[], checked: boolean) => {
    const next = new Set(selected);
    for (const id of ids) {
      if (checked) next.add(id);
      else next.delete(id);
    }
    onSelectedChange(next);
  };

  if (!canEdit) {
    return (
      <Card title="Test run">
        <p className="text-sm text-slate-600">Test runs are for researchers and PIs.</p>
      </Card>
    );
  }
  return (
    <Card
      title="Test run"
      actions={
        <span className="flex items-center gap-2">
          <span className="text-xs text-slate-500">
            <Kbd>Ctrl</Kbd>/<Kbd>⌘</Kbd>+<Kbd>Enter</Kbd>
          </span>
          {isRunning ? (
            <Button variant="secondary" onClick={testRun.cancelRun} disabled={cancel.isPending || !job}>
              Cancel
            </Button>
          ) : null}
          <Button
            onClick={() => testRun.run(code, [...selected])}
            disabled={isRunning || selected.size === 0 || tooMany || !code.trim()}
          >
            Test run
          </Button>
        </span>
      }
    >
      <div className="space-y-4">
        <p className="text-sm text-slate-600">
          Runs the code in the editor and the current version side by side in the sandbox on the chosen
          trajectories. Nothing is saved. {selected.size} of at most {editor.maxTestTrajectories} chosen
          {tooMany ? ' — too many: remove some' : ''}.
        </p>
        <div className="grid gap-4 lg:grid-cols-2">
          <fieldset className="min-w-0 space-y-1">
            <legend className="flex w-full items-center justify-between text-sm font-medium text-slate-700">
              <span>
                Expert demos ({editor.demos.length}
                {editor.demoTotal > editor.demos.length ? ` of ${editor.demoTotal}` : ''})
              </span>
              <span className="flex gap-1">
                <Button type="button" variant="ghost" onClick={() => setMany(demoIds, true)}>
                  All
                </Button>
                <Button type="button" variant="ghost" onClick={() => setMany(demoIds, false)}>
                  None
                </Button>
              </span>
            </legend>
            {editor.demos.length === 0 ? (
              <p className="text-sm text-slate-500">No task&apos;s current graph uses this node: no demos.</p>
            ) : (
              <ul
                aria-label="Expert demos to test on"
                className="max-h-64 divide-y divide-slate-100 overflow-y-auto rounded-md ring-1 ring-slate-200"
              >
                {editor.demos.map((t) => (
                  <TrajectoryOption
                    key={t.id}
                    t={t}
                    checked={selected.has(t.id)}
                    onChange={(checked) => onSelectedChange(toggleId(selected, t.id, checked))}
                  />
                ))}
              </ul>
            )}
          </fieldset>
          <fieldset className="min-w-0 space-y-1">
            <legend className="flex w-full items-center justify-between text-sm font-medium text-slate-700">
              <span>
                Rollouts ({editor.rollouts.length}
                {editor.rolloutTotal > editor.rollouts.length ? ` of ${editor.rolloutTotal}` : ''})
              </span>
              <span className="flex gap-1">
                <Button
                  type="button"
                  variant="ghost"
                  onClick={() =>
                    setMany(
                      rollouts.map((r) => r.id),
                      true,
                    )
                  }
                >
                  All shown
                </Button>
                <Button
                  type="button"
                  variant="ghost"
                  onClick={() =>
                    setMany(
                      editor.rollouts.map((r) => r.id),
                      false,
                    )
                  }
                >
                  None
                </Button>
                <Button
                  type="button"
                  variant="ghost"
                  onClick={() => onSelectedChange(new Set(editor.defaultSampleIds))}
                >
                  Default sample
                </Button>
              </span>
            </legend>
            <Input
              type="search"
              aria-label="Filter rollouts"
              placeholder="Filter by rollout or task id…"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
            {editor.rollouts.length === 0 ? (
              <p className="text-sm text-slate-500">No rollouts of the tasks using this node.</p>
            ) : (
              <ul
                aria-label="Rollouts to test on"
                className="max-h-56 divide-y divide-slate-100 overflow-y-auto rounded-md ring-1 ring-slate-200"
              >
                {rollouts.map((t) => (
                  <TrajectoryOption
                    key={t.id}
                    t={t}
                    checked={selected.has(t.id)}
                    onChange={(checked) => onSelectedChange(toggleId(selected, t.id, checked))}
                  />
                ))}
              </ul>
            )}
            <p className="text-xs text-slate-500">
              The default sample is every demo plus {editor.defaultRolloutSample} rollouts picked the same way
              each time (ordered by a hash of node and rollout id).
            </p>
          </fieldset>
        </div>

        {start.isError ? (
          <ErrorMessage>Could not start the test run: {start.error.message}</ErrorMessage>
        ) : null}
        {test.isError ? <ErrorMessage>Could not read the test run: {test.error.message}</ErrorMessage> : null}
        {cancel.isError ? <ErrorMessage>Could not cancel: {cancel.error.message}</ErrorMessage> : null}
        {job && isJobActive(job.status) ? (
          <ProgressBar value={job.progress} label={job.progressMessage ?? 'Waiting to start'} />
        ) : null}
        {job?.status === 'failed' || job?.status === 'interrupted' ? (
          <ErrorMessage>
            The test run {job.status}: {job.error ?? 'no reason given'}
          </ErrorMessage>
        ) : null}
        {job?.status === 'cancelled' ? (
          <p className="text-sm text-slate-600">The test run was cancelled.</p>
        ) : null}
        {result ? (
          <div className="space-y-2" data-testid="lf-test-result">
            {result.code !== code ? (
              <p className="rounded-md bg-amber-50 px-3 py-1.5 text-xs text-amber-900 ring-1 ring-amber-200">
                The code has changed since this run; run it again to test what is in the editor.
              </p>
            ) : null}
            <TestMatrix run={result} />
          </div>
        ) : null}
      </div>
    </Card>
  );
}
