'use client';
/**
 * The Pipeline page: start a stage over selected tasks (and/or an iteration) as a job, follow the
 * runs (polled while any is queued or running), and compare synthesis rates per coder model.
 */
import {
  keepPreviousData,
  skipToken,
  useMutation,
  useQuery,
  useQueryClient,
  useSuspenseQuery,
} from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { JobStatusBadge } from '@/components/import/import-summary';
import {
  describeScope,
  formatModelKey,
  isRunActive,
  parseIterationInput,
  PIPELINE_RUNS_INPUT,
  RUN_POLL_INTERVAL_MS,
  stageLabel,
  taskSearchInput,
} from '@/components/pipeline/pipeline-display';
import {
  LINK_CLASS,
  ProvidersList,
  SynthesisRatesHelp,
  SynthesisRatesTable,
} from '@/components/pipeline/pipeline-parts';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { Field, Input, Select } from '@/components/ui/field';
import { EmptyState, ErrorMessage, ProgressBar } from '@/components/ui/states';
import { TableHead } from '@/components/ui/table';
import { hasScope, type Role } from '@/lib/core/roles';
import { formatCount } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';

export function PipelinePanel({ role, initialTaskId }: { role: Role; initialTaskId: string | null }) {
  const canRun = hasScope(role, 'pipeline:run');
  return (
    <div className="space-y-5">
      <PageHeader
        title="Pipeline"
        subtitle="Run a stage of the CORE loop (abstraction, path proposals, intent inference, augmentation) over tasks as a resumable job. What a run proposes waits for human review."
      />
      <div className="grid gap-5 xl:grid-cols-[minmax(0,1fr)_28rem]">
        {canRun ? <StartStageCard initialTaskId={initialTaskId} /> : null}
        <RatesByModelCard />
      </div>
      <RunsCard />
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Start a stage
// ---------------------------------------------------------------------------------------------

interface TaskRef {
  externalId: string;
  intent: string | null;
}

/** The value after `delayMs` without changes (the search box → the query). */
function useDebouncedValue<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

function StartStageCard({ initialTaskId }: { initialTaskId: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const idPrefix = useId();
  const { data: stages } = useSuspenseQuery(trpc.pipeline.stages.queryOptions());
  const [stage, setStage] = useState<string>(stages[0]?.stage ?? 'abstract');
  const [searchText, setSearchText] = useState('');
  const search = useDebouncedValue(searchText, 250);
  const [iterationText, setIterationText] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  /** Selected task id → its names (null until known, for the task given in `?task=`). */
  const [selected, setSelected] = useState<Map<string, TaskRef | null>>(
    () => new Map(initialTaskId ? [[initialTaskId, null]] : []),
  );

  const list = useQuery({
    ...trpc.tasks.list.queryOptions(taskSearchInput(search)),
    placeholderData: keepPreviousData,
  });
  const linkedTask = useQuery(trpc.tasks.get.queryOptions(initialTaskId ? { id: initialTaskId } : skipToken));
  const start = useMutation(
    trpc.pipeline.start.mutationOptions({
      onSuccess: async ({ runId }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.pipeline.runs.queryKey() });
        router.push(`/pipeline/runs/${runId}`);
      },
    }),
  );

  const shown = list.data?.items ?? [];
  const shownIds = new Set(shown.map((t) => t.id));
  const refOf = (id: string): TaskRef | null => {
    const known = selected.get(id);
    if (known) return known;
    if (id === initialTaskId && linkedTask.data)
      return { externalId: linkedTask.data.externalId, intent: linkedTask.data.intent };
    return null;
  };
  // Selected tasks the current search does not show stay listed (checked) above the results.
  const selectedElsewhere = [...selected.keys()].filter((id) => !shownIds.has(id));

  function setChecked(id: string, ref: TaskRef | null, checked: boolean) {
    setSelected((prev) => {
      const next = new Map(prev);
      if (checked) next.set(id, ref ?? prev.get(id) ?? null);
      else next.delete(id);
      return next;
    });
  }

  function selectAllShown() {
    setSelected((prev) => {
      const next = new Map(prev);
      for (const t of shown) next.set(t.id, { externalId: t.externalId, intent: t.intent });
      return next;
    });
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const iteration = parseIterationInput(iterationText);
    if (!iteration.ok) {
      setFormError(iteration.error);
      return;
    }
    setFormError(null);
    const chosen = stages.find((s) => s.stage === stage);
    if (!chosen) return;
    start.mutate({ stage: chosen.stage, taskIds: [...selected.keys()], iterationId: iteration.value });
  }

  const total = list.data?.total ?? 0;
  return (
    <Card title="Start a stage">
      <form onSubmit={onSubmit} className="space-y-4">
        <Field label="Stage">
          <Select name="stage" value={stage} onChange={(e) => setStage(e.currentTarget.value)}>
            {stages.map((s) => (
              <option key={s.stage} value={s.stage}>
                {stageLabel(s.stage)} — {s.description}
              </option>
            ))}
          </Select>
        </Field>

        <fieldset className="min-w-0 space-y-2 rounded-md border border-slate-200 p-3">
          <legend className="px-1 text-sm font-medium text-slate-700">Tasks</legend>
          <div className="flex flex-wrap items-end gap-2">
            <div className="min-w-0 flex-1">
              <Field label="Search tasks">
                <Input
                  type="search"
                  placeholder="Intent or task id…"
                  value={searchText}
                  onChange={(e) => setSearchText(e.currentTarget.value)}
                />
              </Field>
            </div>
            <Button type="button" variant="secondary" onClick={selectAllShown} disabled={shown.length === 0}>
              Select all shown
            </Button>
            <Button
              type="button"
              variant="ghost"
              onClick={() => setSelected(new Map())}
              disabled={selected.size === 0}
            >
              Clear selection
            </Button>
          </div>
          {list.isError ? <ErrorMessage>Could not search tasks: {list.error.message}</ErrorMessage> : null}
          {linkedTask.isError ? (
            <ErrorMessage>The linked task could not be loaded: {linkedTask.error.message}</ErrorMessage>
          ) : null}
          <ul
            aria-label="Matching tasks"
            className={`max-h-72 divide-y divide-slate-100 overflow-y-auto rounded-md ring-1 ring-slate-200 ${list.isPlaceholderData ? 'opacity-60' : ''}`}
          >
            {selectedElsewhere.map((id) => (
              <TaskOption
                key={id}
                id={id}
                task={refOf(id)}
                checked
                note="selected"
                onChange={(checked) => setChecked(id, refOf(id), checked)}
              />
            ))}
            {shown.map((t) => {
              const ref = { externalId: t.externalId, intent: t.intent };
              return (
                <TaskOption
                  key={t.id}
                  id={t.id}
                  task={ref}
                  checked={selected.has(t.id)}
                  onChange={(checked) => setChecked(t.id, ref, checked)}
                />
              );
            })}
            {list.data && shown.length === 0 ? (
              <li className="px-3 py-2 text-sm text-slate-500">No task matches this search.</li>
            ) : null}
            {list.isPending ? <li className="px-3 py-2 text-sm text-slate-500">Loading tasks…</li> : null}
          </ul>
          <p className="flex flex-wrap justify-between gap-2 text-xs text-slate-500">
            <span aria-live="polite" data-testid="selected-count" className="font-medium text-slate-700">
              {formatCount(selected.size, 'task')} selected
            </span>
            {list.data ? (
              <span>
                Showing {shown.length.toLocaleString()} of {formatCount(total, 'matching task')}
                {total > shown.length ? ' — refine the search to see others' : ''}
              </span>
            ) : null}
          </p>
        </fieldset>

        <div className="max-w-xs">
          <Field label="Iteration">
            <Input
              type="number"
              min={1}
              step={1}
              inputMode="numeric"
              placeholder="optional"
              aria-describedby={`${idPrefix}-iteration-hint`}
              value={iterationText}
              onChange={(e) => setIterationText(e.currentTarget.value)}
            />
          </Field>
          <p id={`${idPrefix}-iteration-hint`} className="mt-1 text-xs text-slate-500">
            Optional: also every task with trajectories in that iteration.
          </p>
        </div>

        {formError ? <ErrorMessage>{formError}</ErrorMessage> : null}
        {start.isError ? <ErrorMessage>{start.error.message}</ErrorMessage> : null}

        <div className="flex items-center gap-3">
          <Button type="submit" disabled={start.isPending}>
            Start
          </Button>
          {start.isPending ? (
            <span role="status" className="text-sm text-slate-600">
              Starting…
            </span>
          ) : null}
        </div>
      </form>
    </Card>
  );
}

function TaskOption({
  id,
  task,
  checked,
  note,
  onChange,
}: {
  id: string;
  task: TaskRef | null;
  checked: boolean;
  note?: string;
  onChange: (checked: boolean) => void;
}) {
  const name = task?.externalId ?? id;
  const checkboxId = useId();
  // The checkbox is named by the task's external id alone (the intent stays outside the label).
  return (
    <li className="flex items-start gap-2 px-3 py-1.5 text-sm hover:bg-slate-50">
      <input
        id={checkboxId}
        type="checkbox"
        className="mt-1"
        checked={checked}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
      <div className="min-w-0">
        <label htmlFor={checkboxId} className="cursor-pointer font-mono text-xs text-slate-600">
          {name}
        </label>
        {note ? <span className="ml-2 text-xs text-indigo-700">{note}</span> : null}
        <span className="block truncate text-slate-800">
          {task ? task.intent || '(no intent)' : 'Loading…'}
        </span>
      </div>
    </li>
  );
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

function RunsCard() {
  const trpc = useTRPC();
  const { data: runs } = useSuspenseQuery(
    trpc.pipeline.runs.queryOptions(PIPELINE_RUNS_INPUT, {
      refetchInterval: (query) =>
        query.state.data?.some((r) => isRunActive(r.status)) ? RUN_POLL_INTERVAL_MS : false,
    }),
  );
  return (
    <Card title="Runs">
      {runs.length === 0 ? (
        <EmptyState title="No pipeline runs yet">Start a stage above to create one.</EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table aria-label="Pipeline runs" className="w-full text-left text-sm">
            <TableHead columns={['Stage', 'Scope', 'Providers', 'Status', 'Started by', 'Started', 'Run']} />
            <tbody className="divide-y divide-slate-100 align-top">
              {runs.map((r) => (
                <tr key={r.id} data-testid="pipeline-run-row">
                  <td className="py-2 pr-4 font-medium text-slate-900">{stageLabel(r.stage)}</td>
                  <td className="whitespace-nowrap py-2 pr-4 tabular-nums">{describeScope(r.scope)}</td>
                  <td className="py-2 pr-4 text-xs">
                    <ProvidersList providers={r.providers} />
                  </td>
                  <td className="min-w-48 py-2 pr-4">
                    {r.status ? (
                      <JobStatusBadge status={r.status} />
                    ) : (
                      <span className="text-slate-400">—</span>
                    )}
                    {isRunActive(r.status) ? (
                      <div className="mt-1">
                        <ProgressBar
                          value={r.progress ?? 0}
                          label={
                            r.progressMessage ?? (r.status === 'queued' ? 'Waiting to start' : 'Running')
                          }
                        />
                      </div>
                    ) : null}
                    {r.status === 'failed' && r.error ? (
                      <p className="mt-1 line-clamp-2 max-w-xs text-xs text-rose-700" title={r.error}>
                        {r.error}
                      </p>
                    ) : null}
                  </td>
                  <td className="py-2 pr-4 text-slate-700">{r.createdBy}</td>
                  <td className="whitespace-nowrap py-2 pr-4 text-slate-600">
                    <DateTime value={r.createdAt} />
                  </td>
                  <td className="whitespace-nowrap py-2 pr-4">
                    <Link href={`/pipeline/runs/${r.id}`} className={LINK_CLASS}>
                      Open run
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Synthesis rates per model
// ---------------------------------------------------------------------------------------------

function RatesByModelCard() {
  const trpc = useTRPC();
  const { data: rates } = useSuspenseQuery(trpc.pipeline.ratesByModel.queryOptions());
  return (
    <Card title="Synthesis rates per model">
      <div className="space-y-3">
        {rates.length === 0 ? (
          <p className="text-sm text-slate-600">No label functions have been synthesised yet.</p>
        ) : (
          <SynthesisRatesTable
            label="Synthesis rates per model"
            groupHeader="Coder model"
            rows={rates.map((r) => ({
              ...r,
              key: r.model,
              group: (
                <span className="font-mono text-xs" title={r.model}>
                  {formatModelKey(r.model)}
                </span>
              ),
            }))}
          />
        )}
        <SynthesisRatesHelp />
      </div>
    </Card>
  );
}
