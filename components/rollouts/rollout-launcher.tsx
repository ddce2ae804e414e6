'use client';
/**
 * "Start rollouts" on the Live page (users with `rollouts:run`): choose State-API apps (and, if
 * wanted, only some of their tasks), a policy, samples per task, parallel browsers and the noisy
 * expert's noise, or switch to recording expert demos. Submitting enqueues a `rollouts` job
 * (`rollouts.start`); its progress is polled (`jobs.get`, every second while it runs) with a
 * Cancel button, while the tiles below are pushed. Errors from the server are shown as they come.
 *
 * On load the newest rollouts job is followed if it is still running (after a reload, or one
 * started from the CLI).
 *
 * Tasks can be narrowed to one difficulty; tasks that pass on their app's untouched seed (the seed
 * check) are skipped unless "Include tasks that pass on the seed" is ticked. Users who manage
 * environments can run the seed check of the ticked apps from here ("Check tasks").
 */
import { useMutation, useQueries, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { errorText } from '@/components/admin/shared';
import { isJobActive, JobStatusBadge } from '@/components/import/import-summary';
import {
  buildStartRolloutsInput,
  describeRolloutSummary,
  PARALLEL_BROWSERS_RANGE,
  POLICY_HINTS,
  POLICY_LABELS,
  ROLLOUT_JOB_KIND,
  ROLLOUT_JOB_POLL_INTERVAL_MS,
  rolloutJobMode,
  SAMPLES_PER_TASK_RANGE,
  toRolloutJobSummary,
  type LauncherMode,
} from '@/components/rollouts/rollout-display';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import { ActiveJobControls, useFollowedJob } from '@/components/jobs/followed-job';
import { SeedCheckControl } from '@/components/rollouts/seed-check';
import { POLICY_NAMES, type PolicyName } from '@/lib/core/rollouts/types';
import { useTRPC } from '@/lib/trpc/client';

/** Most tasks listed per app under "Only these tasks" (`tasks.list` page size limit). */
const TASKS_PER_APP = 200;
/** The `jobs.list` input that finds a rollouts job still running on load. */
const RECENT_JOB_INPUT = { kind: ROLLOUT_JOB_KIND, limit: 1 } as const;

const LINK_CLASS = 'font-medium text-indigo-700 underline';

function isPolicyName(value: string): value is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(value);
}

/** The Start-rollouts panel. `canManageApps`: link to the Rollout settings page to add an app. */
export function RolloutLauncher({ canManageApps }: { canManageApps: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: apps } = useSuspenseQuery(trpc.rollouts.apps.queryOptions());
  const { data: settings } = useSuspenseQuery(trpc.rollouts.settings.queryOptions());
  const recent = useQuery(trpc.jobs.list.queryOptions(RECENT_JOB_INPUT));
  const facets = useQuery(trpc.tasks.facets.queryOptions());

  const [mode, setMode] = useState<LauncherMode>('rollout');
  const [policy, setPolicy] = useState<PolicyName>('noisy-expert');
  const [appIds, setAppIds] = useState<string[]>(() => (apps.length === 1 && apps[0] ? [apps[0].id] : []));
  const [checkedTaskIds, setCheckedTaskIds] = useState<string[]>([]);
  // The form's initial values come from the stored settings; after that they are the user's.
  const [samplesPerTask, setSamplesPerTask] = useState(String(settings.rollouts.samplesPerTask));
  const [parallelBrowsers, setParallelBrowsers] = useState(String(settings.rollouts.parallelBrowsers));
  const [noise, setNoise] = useState(String(settings.rollouts.noise));
  const [difficulty, setDifficulty] = useState('');
  const [includeSeedPassing, setIncludeSeedPassing] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [startedJobId, setStartedJobId] = useState<string | null>(null);

  const appTasks = useQueries({
    queries: appIds.map((appId) =>
      trpc.tasks.list.queryOptions({
        source: 'state-api',
        search: `app:${appId}:`,
        pageSize: TASKS_PER_APP,
        sort: 'oldest',
      }),
    ),
  });
  // Only the checked apps' tasks count (unchecking an app drops its checked tasks).
  const tasksOfChosenApps = appTasks.flatMap((q, i) => {
    const appId = appIds[i];
    return (q.data?.items ?? [])
      .filter((t) => appId && t.externalId.startsWith(`app:${appId}:`))
      .filter((t) => !difficulty || t.difficulty === difficulty)
      .sort((a, b) => a.externalId.localeCompare(b.externalId, undefined, { numeric: true }));
  });
  const chosenTaskIds = checkedTaskIds.filter((id) => tasksOfChosenApps.some((t) => t.id === id));

  const start = useMutation(
    trpc.rollouts.start.mutationOptions({
      onSuccess: ({ jobId }) => {
        setStartedJobId(jobId);
        void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey() });
      },
    }),
  );

  const recentJob = recent.data?.[0];
  const followedJobId = startedJobId ?? (recentJob && isJobActive(recentJob.status) ? recentJob.id : null);

  function toggle(list: string[], id: string, checked: boolean): string[] {
    return checked ? (list.includes(id) ? list : [...list, id]) : list.filter((x) => x !== id);
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const built = buildStartRolloutsInput({
      mode,
      policy,
      appIds,
      taskIds: chosenTaskIds,
      samplesPerTask,
      parallelBrowsers,
      noise,
      difficulty,
      includeSeedPassing,
    });
    if (!built.ok) {
      setFormError(built.error);
      return;
    }
    setFormError(null);
    start.mutate(built.value);
  }

  const isExpert = mode === 'expert';
  const submitLabel = isExpert ? 'Record demos' : 'Start rollouts';

  return (
    <Card title="Start rollouts">
      <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_minmax(0,24rem)]">
        <form aria-label="Start rollouts" onSubmit={onSubmit} className="min-w-0 space-y-4" noValidate>
          <fieldset className="flex flex-wrap gap-4 text-sm">
            <legend className="mb-1 text-sm font-medium text-slate-700">Mode</legend>
            {(
              [
                ['rollout', 'Sample rollouts'],
                ['expert', 'Record expert demos'],
              ] as const
            ).map(([value, label]) => (
              <label key={value} className="flex items-center gap-1.5 text-slate-800">
                <input
                  type="radio"
                  name="mode"
                  value={value}
                  checked={mode === value}
                  onChange={() => setMode(value)}
                />
                {label}
              </label>
            ))}
          </fieldset>
          {isExpert ? (
            <p className="text-xs text-slate-500">
              Replays each task&apos;s scripted expert demo once in Chromium and stores it as the task&apos;s
              expert trajectory (State-API apps).
            </p>
          ) : null}

          <fieldset className="min-w-0 space-y-2 rounded-md border border-slate-200 p-3">
            <legend className="px-1 text-sm font-medium text-slate-700">Apps</legend>
            {apps.length === 0 ? (
              <p className="text-sm text-slate-600">
                No apps are registered.{' '}
                {canManageApps ? (
                  <>
                    Add an app folder on{' '}
                    <Link href="/settings/rollouts" className={LINK_CLASS}>
                      Rollout settings
                    </Link>{' '}
                    or run{' '}
                  </>
                ) : (
                  'Run '
                )}
                <code className="rounded bg-slate-100 px-1 font-mono text-xs">
                  npx core-curator env add &lt;folder&gt;
                </code>
                .
              </p>
            ) : (
              <ul className="flex flex-wrap gap-x-5 gap-y-1">
                {apps.map((app) => (
                  <li key={app.id}>
                    <label className="flex items-center gap-1.5 text-sm text-slate-800">
                      <input
                        type="checkbox"
                        checked={appIds.includes(app.id)}
                        onChange={(e) => {
                          const { checked } = e.currentTarget;
                          setAppIds((prev) => toggle(prev, app.id, checked));
                        }}
                      />
                      {app.name}
                      <span className="font-mono text-xs text-slate-500">{app.id}</span>
                      <span className="text-xs text-slate-500">
                        · {app.taskCount} {app.taskCount === 1 ? 'task' : 'tasks'}
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            )}
            {appIds.length > 0 ? (
              <details className="text-sm">
                <summary className="cursor-pointer text-slate-700">
                  Only these tasks (optional)
                  {chosenTaskIds.length > 0 ? ` · ${chosenTaskIds.length} checked` : ''}
                </summary>
                <p className="mt-1 text-xs text-slate-500">
                  Leave all unchecked to run every task of the checked apps.
                </p>
                {appTasks.some((q) => q.isError) ? (
                  <ErrorMessage>
                    Could not load the tasks: {appTasks.find((q) => q.error)?.error?.message}
                  </ErrorMessage>
                ) : null}
                {appTasks.some((q) => q.isPending) ? (
                  <p className="mt-1 text-xs text-slate-500">Loading tasks…</p>
                ) : null}
                <ul
                  aria-label="Only these tasks"
                  className="mt-2 max-h-56 divide-y divide-slate-100 overflow-y-auto rounded-md ring-1 ring-slate-200"
                >
                  {tasksOfChosenApps.map((t) => (
                    <li key={t.id} className="px-2 py-1">
                      <label className="flex items-start gap-2">
                        <input
                          type="checkbox"
                          className="mt-1"
                          checked={chosenTaskIds.includes(t.id)}
                          onChange={(e) => {
                            const { checked } = e.currentTarget;
                            setCheckedTaskIds((prev) => toggle(prev, t.id, checked));
                          }}
                        />
                        <span className="min-w-0">
                          <span className="font-mono text-xs text-slate-500">{t.externalId}</span>{' '}
                          <span className="text-slate-800">{t.intent}</span>
                          {t.difficulty ? (
                            <span className="ml-1 text-xs text-slate-500">· {t.difficulty}</span>
                          ) : null}
                          {t.passesOnSeed ? (
                            <span className="ml-1 text-xs text-amber-800">· passes on the seed</span>
                          ) : null}
                        </span>
                      </label>
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
            <div className="flex flex-wrap items-end gap-4 pt-1">
              <Field label="Difficulty" hint="only the tasks of this difficulty">
                <Select
                  name="difficulty"
                  value={difficulty}
                  onChange={(e) => setDifficulty(e.currentTarget.value)}
                >
                  <option value="">any</option>
                  {(facets.data?.difficulties ?? []).map((d) => (
                    <option key={d.value} value={d.value}>
                      {d.value}
                    </option>
                  ))}
                </Select>
              </Field>
              <label className="flex items-center gap-1.5 pb-1 text-sm text-slate-800">
                <input
                  type="checkbox"
                  checked={includeSeedPassing}
                  onChange={(e) => setIncludeSeedPassing(e.currentTarget.checked)}
                />
                Include tasks that pass on the seed
              </label>
            </div>
            {canManageApps && apps.length > 0 ? <SeedCheckControl appIds={appIds} /> : null}
          </fieldset>

          <div className="grid gap-3 sm:grid-cols-2">
            {isExpert ? null : (
              <Field label="Policy" hint={POLICY_HINTS[policy]}>
                <Select
                  name="policy"
                  value={policy}
                  onChange={(e) => {
                    const value = e.currentTarget.value;
                    if (isPolicyName(value)) setPolicy(value);
                  }}
                >
                  {POLICY_NAMES.map((p) => (
                    <option key={p} value={p}>
                      {POLICY_LABELS[p]}
                    </option>
                  ))}
                </Select>
              </Field>
            )}
            {isExpert ? null : (
              <Field label="Samples per task" hint="CORE samples 5 per task">
                <Input
                  type="number"
                  inputMode="numeric"
                  min={SAMPLES_PER_TASK_RANGE.min}
                  max={SAMPLES_PER_TASK_RANGE.max}
                  step={1}
                  value={samplesPerTask}
                  onChange={(e) => setSamplesPerTask(e.currentTarget.value)}
                />
              </Field>
            )}
            <Field label="Parallel browsers" hint="browsers at once; each uses ~300 MB">
              <Input
                type="number"
                inputMode="numeric"
                min={PARALLEL_BROWSERS_RANGE.min}
                max={PARALLEL_BROWSERS_RANGE.max}
                step={1}
                value={parallelBrowsers}
                onChange={(e) => setParallelBrowsers(e.currentTarget.value)}
              />
            </Field>
            {!isExpert && policy === 'noisy-expert' ? (
              <Field label="Noise" hint="probability the noisy expert deviates at a step (0–1)">
                <Input
                  type="number"
                  inputMode="decimal"
                  min={0}
                  max={1}
                  step={0.05}
                  value={noise}
                  onChange={(e) => setNoise(e.currentTarget.value)}
                />
              </Field>
            ) : null}
          </div>

          {formError ? <ErrorMessage>{formError}</ErrorMessage> : null}
          {start.isError ? <ErrorMessage>{errorText(start.error)}</ErrorMessage> : null}
          <div className="flex flex-wrap items-center gap-3">
            <Button type="submit" disabled={start.isPending || apps.length === 0}>
              {start.isPending ? 'Starting…' : submitLabel}
            </Button>
            <span className="text-xs text-slate-500">
              Max steps and step timeout come from{' '}
              <Link href="/settings/rollouts" className="underline">
                Rollout settings
              </Link>{' '}
              ({settings.rollouts.maxSteps} steps, {Math.round(settings.rollouts.stepTimeoutMs / 1000)} s).
            </span>
          </div>
        </form>

        <div className="min-w-0">
          {followedJobId ? (
            <RolloutJobProgress key={followedJobId} jobId={followedJobId} />
          ) : (
            <p className="text-sm text-slate-500">
              The job&apos;s progress shows here once it starts; each rollout appears below as a tile.
            </p>
          )}
        </div>
      </div>
    </Card>
  );
}

/** Follows one rollouts job: progress, message and Cancel while it runs, then its summary or error. */
function RolloutJobProgress({ jobId }: { jobId: string }) {
  const { job, cancel } = useFollowedJob(jobId, ROLLOUT_JOB_POLL_INTERVAL_MS);

  if (job.isPending) return <p className="text-sm text-slate-600">Loading the rollouts job…</p>;
  if (job.isError) return <ErrorMessage>Could not load the rollouts job: {job.error.message}</ErrorMessage>;

  const { status, progress, progressMessage, error, result, input } = job.data;
  const mode = rolloutJobMode(input);
  const what = mode === 'expert' ? 'Expert demos' : 'Rollouts';
  const summary = status === 'succeeded' ? toRolloutJobSummary(result) : null;

  return (
    <section aria-label="Rollouts job" className="space-y-3" data-testid="rollout-job">
      <div className="flex items-center gap-2 text-sm text-slate-700">
        <span>{what} job</span>
        <JobStatusBadge status={status} />
      </div>
      {isJobActive(status) ? (
        <ActiveJobControls
          jobId={jobId}
          progress={progress}
          label={progressMessage ?? (status === 'queued' ? 'Waiting to start' : 'Starting browsers')}
          cancel={cancel}
        />
      ) : null}
      {status === 'succeeded' ? (
        <div role="status" className="space-y-1 text-sm text-emerald-900">
          <p>{summary ? describeRolloutSummary(summary, mode) : `${what} finished.`}</p>
          {summary && summary.skipped.length > 0 ? (
            <details className="text-slate-700">
              <summary className="cursor-pointer">
                {summary.skipped.length} {summary.skipped.length === 1 ? 'task' : 'tasks'} skipped
              </summary>
              <ul className="mt-1 list-disc pl-5 text-xs">
                {summary.skipped.map((s) => (
                  <li key={s.externalId}>
                    <span className="font-mono">{s.externalId}</span>: {s.reason}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </div>
      ) : null}
      {status === 'failed' || status === 'interrupted' ? (
        <ErrorMessage>
          <span className="whitespace-pre-wrap">
            {error ??
              (status === 'interrupted' ? 'The server stopped while the job ran.' : 'The job failed.')}
          </span>
        </ErrorMessage>
      ) : null}
      {status === 'cancelled' ? (
        <p role="status" className="text-sm text-amber-800">
          {what} cancelled; the rollouts that finished are kept.
        </p>
      ) : null}
    </section>
  );
}
