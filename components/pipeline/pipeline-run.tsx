'use client';
/**
 * One pipeline run: its job (progress, Cancel while active, Resume afterwards), figures (units,
 * OSR/FTSR/ESP and flagged key steps, or the INVALID rate), the units it skipped with the reason and
 * what to do (e.g. a task with no expert demo: record or promote one), units with their errors and failed
 * model calls, key steps with every synthesis attempt in order, and what the run proposed.
 * Everything a model or a web page wrote is rendered as React text, never as HTML.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { JobStatusBadge } from '@/components/import/import-summary';
import { formatSkippedHeading, needsPromoteHowTo, PROMOTE_HOW_TO } from '@/lib/core/abstraction/skip-reasons';
import {
  canResumeRun,
  describeScope,
  formatRate,
  formatUnitSummary,
  groupByTrajectory,
  INVALID_RATE_WARNING_TEXT,
  isRunActive,
  PIPELINE_RUNS_INPUT,
  RUN_POLL_INTERVAL_MS,
  shortId,
  sortAttempts,
  stageLabel,
} from '@/components/pipeline/pipeline-display';
import {
  Figure,
  LINK_CLASS,
  ModelCallLink,
  ProvidersList,
  ReviewStatusBadge,
  SynthesisRateFigures,
  SynthesisRatesHelp,
  SynthesisRatesTable,
  UnitStatusBadge,
} from '@/components/pipeline/pipeline-parts';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { EmptyState, ErrorMessage, ProgressBar } from '@/components/ui/states';
import { TableHead } from '@/components/ui/table';
import { hasScope, type Role } from '@/lib/core/roles';
import { useTRPC } from '@/lib/trpc/client';
import type { AppRouter } from '@/server/trpc/root';

type PipelineOutputs = inferRouterOutputs<AppRouter>['pipeline'];
type RunData = PipelineOutputs['run'];
type KeyStepRow = PipelineOutputs['keySteps'][number];
type Proposals = PipelineOutputs['proposals'];

/** Key steps and proposals are refreshed this often while the run is active (the run every second). */
const DETAIL_POLL_INTERVAL_MS = 5000;

const PRE =
  'max-h-96 overflow-auto whitespace-pre-wrap break-words rounded-md bg-slate-50 p-2 font-mono text-xs text-slate-800 ring-1 ring-slate-200';

export function PipelineRun({ id, role }: { id: string; role: Role }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runInput = { runId: id };
  const run = useQuery(
    trpc.pipeline.run.queryOptions(runInput, {
      refetchInterval: (query) => {
        if (query.state.status === 'error') return false;
        return isRunActive(query.state.data?.job?.status) ? RUN_POLL_INTERVAL_MS : false;
      },
    }),
  );
  const isActive = isRunActive(run.data?.job?.status);
  const keySteps = useQuery(
    trpc.pipeline.keySteps.queryOptions(runInput, {
      refetchInterval: isActive ? DETAIL_POLL_INTERVAL_MS : false,
    }),
  );
  const proposals = useQuery(
    trpc.pipeline.proposals.queryOptions(runInput, {
      refetchInterval: isActive ? DETAIL_POLL_INTERVAL_MS : false,
    }),
  );
  const stages = useQuery(trpc.pipeline.stages.queryOptions());

  // When the job ends, what it produced last (key steps, proposals, rates, the runs list) is refetched.
  const wasActive = useRef(isActive);
  useEffect(() => {
    if (wasActive.current && !isActive) {
      void Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.pipeline.keySteps.queryKey({ runId: id }) }),
        queryClient.invalidateQueries({ queryKey: trpc.pipeline.proposals.queryKey({ runId: id }) }),
        queryClient.invalidateQueries({ queryKey: trpc.pipeline.runs.queryKey() }),
        queryClient.invalidateQueries({ queryKey: trpc.pipeline.ratesByModel.queryKey() }),
      ]);
    }
    wasActive.current = isActive;
  }, [isActive, id, queryClient, trpc]);

  if (run.isPending) return <p className="text-sm text-slate-600">Loading the pipeline run…</p>;
  if (run.isError) {
    return (
      <div className="space-y-3">
        <Breadcrumbs
          items={[
            { label: 'Pipeline', href: '/pipeline' },
            { label: shortId(id), mono: true },
          ]}
        />
        <ErrorMessage>Could not load the pipeline run: {run.error.message}</ErrorMessage>
      </div>
    );
  }
  const data = run.data;
  const description = stages.data?.find((s) => s.stage === data.stage)?.description;

  return (
    <div className="space-y-5">
      <Breadcrumbs
        items={[
          { label: 'Pipeline', href: '/pipeline' },
          { label: shortId(data.id), mono: true },
        ]}
      />
      <PageHeader
        title={`Pipeline run · ${stageLabel(data.stage)}`}
        subtitle={
          <>
            {description ? <>{description} · </> : null}
            Started by {data.createdBy} · <DateTime value={data.createdAt} />
          </>
        }
        actions={data.job ? <JobStatusBadge status={data.job.status} /> : null}
      />
      <div className="grid gap-5 lg:grid-cols-2">
        <RunFacts run={data} />
        <JobCard run={data} role={role} />
      </div>
      <FiguresCard run={data} />
      {data.stats.skipped.length > 0 ? <SkippedCard skipped={data.stats.skipped} /> : null}
      <UnitsCard run={data} />
      {keySteps.isError ? (
        <ErrorMessage>Could not load the key steps: {keySteps.error.message}</ErrorMessage>
      ) : keySteps.data && keySteps.data.length > 0 ? (
        <KeyStepsCard keySteps={keySteps.data} />
      ) : null}
      {proposals.isError ? (
        <ErrorMessage>Could not load the proposals: {proposals.error.message}</ErrorMessage>
      ) : proposals.data ? (
        <ProposalsCard stage={data.stage} proposals={proposals.data} />
      ) : null}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Header cards
// ---------------------------------------------------------------------------------------------

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[9rem_1fr] gap-3 py-1.5 text-sm">
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 break-words text-slate-800">{children}</dd>
    </div>
  );
}

function RunFacts({ run }: { run: RunData }) {
  const prompts = Object.entries(run.promptVersions).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Card title="Run">
      <dl className="divide-y divide-slate-100">
        <Fact label="Stage">{stageLabel(run.stage)}</Fact>
        <Fact label="Scope">
          {describeScope(run.scope)}
          {run.tasks.length > 0 ? (
            <span className="mt-1 flex flex-wrap gap-x-2 gap-y-0.5">
              {run.tasks.map((t) => (
                <Link key={t.id} href={`/tasks/${t.id}`} className={`font-mono text-xs ${LINK_CLASS}`}>
                  {t.externalId}
                </Link>
              ))}
            </span>
          ) : null}
        </Fact>
        <Fact label="Providers">
          <ProvidersList providers={run.providers} />
        </Fact>
        <Fact label="Prompt versions">
          {prompts.length === 0 ? (
            <span className="text-slate-400">—</span>
          ) : (
            <ul className="space-y-0.5">
              {prompts.map(([prompt, version]) => (
                <li key={prompt} className="font-mono text-xs">
                  {prompt} v{version}
                </li>
              ))}
            </ul>
          )}
        </Fact>
        <Fact label="Started by">{run.createdBy}</Fact>
        <Fact label="Started">
          <DateTime value={run.createdAt} />
        </Fact>
        <Fact label="Finished">
          <DateTime value={run.finishedAt} />
        </Fact>
        <Fact label="Run id">
          <span className="font-mono text-xs">{run.id}</span>
        </Fact>
      </dl>
    </Card>
  );
}

function JobCard({ run, role }: { run: RunData; role: Role }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.pipeline.run.queryKey({ runId: run.id }) }),
      queryClient.invalidateQueries({ queryKey: trpc.pipeline.runs.queryKey(PIPELINE_RUNS_INPUT) }),
    ]);
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSuccess: refresh }));
  const resume = useMutation(trpc.pipeline.resume.mutationOptions({ onSuccess: refresh }));
  const job = run.job;
  const isActive = isRunActive(job?.status);
  const canRun = hasScope(role, 'pipeline:run');
  const canCancel = hasScope(role, 'jobs:cancel');
  const offerResume = canRun && canResumeRun({ jobStatus: job?.status, failedUnits: run.stats.units.failed });
  const resumeHintId = useId();

  return (
    <Card title="Job">
      <div className="space-y-3" data-testid="pipeline-job">
        <div className="flex items-center gap-2 text-sm text-slate-700">
          <span>Status</span>
          {job ? <JobStatusBadge status={job.status} /> : <span className="text-slate-400">no job</span>}
        </div>
        {job && isActive ? (
          <ProgressBar
            value={job.progress}
            label={job.progressMessage ?? (job.status === 'queued' ? 'Waiting to start' : 'Running')}
          />
        ) : null}
        {job && !isActive && job.progressMessage ? (
          <p className="text-xs text-slate-600">Last progress: {job.progressMessage}</p>
        ) : null}
        {job?.status === 'failed' || job?.status === 'interrupted' ? (
          <ErrorMessage>{job.error ?? `The job was ${job.status}.`}</ErrorMessage>
        ) : null}
        {job?.status === 'cancelled' ? (
          <p role="status" className="text-sm text-amber-800">
            The run was cancelled.
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-2">
          {job && isActive && canCancel ? (
            <Button
              type="button"
              variant="secondary"
              onClick={() => cancel.mutate({ id: job.id })}
              disabled={cancel.isPending}
            >
              Cancel run
            </Button>
          ) : null}
          {offerResume ? (
            <Button
              type="button"
              onClick={() => resume.mutate({ runId: run.id })}
              disabled={resume.isPending}
              aria-describedby={resumeHintId}
            >
              Resume run
            </Button>
          ) : null}
        </div>
        {offerResume ? (
          <p id={resumeHintId} className="text-xs text-slate-500">
            Resuming runs the stage again: done units are skipped, failed ones retried.
          </p>
        ) : null}
        {cancel.isError ? <ErrorMessage>{cancel.error.message}</ErrorMessage> : null}
        {resume.isError ? <ErrorMessage>{resume.error.message}</ErrorMessage> : null}
      </div>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

function FiguresCard({ run }: { run: RunData }) {
  const { stats } = run;
  const taskNames = new Map<string, string>(run.tasks.map((t) => [t.id, t.externalId]));
  for (const item of run.items) taskNames.set(item.taskId, item.taskExternalId);
  return (
    <Card title="Figures">
      <div className="space-y-4">
        <dl className="grid grid-cols-2 gap-2 sm:grid-cols-5" aria-label="Unit counts">
          <Figure label="Units done" value={stats.units.done.toLocaleString()} />
          <Figure label="Units failed" value={stats.units.failed.toLocaleString()} />
          <Figure label="Units skipped" value={stats.units.skipped.toLocaleString()} />
          <Figure label="Proposed paths" value={stats.proposedPaths.toLocaleString()} />
          <Figure label="Proposed tasks" value={stats.proposedTasks.toLocaleString()} />
        </dl>

        {stats.synthesis ? (
          <section className="space-y-2">
            <h3 className="text-sm font-semibold text-slate-800">Label-function synthesis</h3>
            <SynthesisRateFigures rates={stats.synthesis} />
            <p className="text-sm text-slate-700">
              Flagged key steps (no passing function in 5 attempts, kept for a human):{' '}
              <span className="font-semibold tabular-nums" data-testid="flagged-key-steps">
                {stats.flaggedKeySteps.toLocaleString()}
              </span>
            </p>
            <SynthesisRatesHelp />
            {stats.perTask.length > 0 ? (
              <SynthesisRatesTable
                label="Synthesis rates per task"
                groupHeader="Task"
                rows={stats.perTask.map((t) => ({
                  ...t,
                  key: t.taskId,
                  group: (
                    <Link href={`/tasks/${t.taskId}`} className={`font-mono text-xs ${LINK_CLASS}`}>
                      {taskNames.get(t.taskId) ?? shortId(t.taskId)}
                    </Link>
                  ),
                }))}
              />
            ) : null}
          </section>
        ) : null}

        {stats.intents ? (
          <section className="space-y-2">
            <h3 className="text-sm font-semibold text-slate-800">Intent inference</h3>
            <dl className="grid grid-cols-2 gap-2 sm:grid-cols-5">
              <Figure label="INVALID rate" value={formatRate(stats.intents.invalidRate)} />
              <Figure label="Candidates" value={stats.intents.total.toLocaleString()} />
              <Figure label="Pending review" value={stats.intents.pending.toLocaleString()} />
              <Figure label="Invalid" value={stats.intents.invalid.toLocaleString()} />
              <Figure label="Dropped" value={stats.intents.dropped.toLocaleString()} />
            </dl>
            {stats.intents.warning ? (
              <div
                role="alert"
                className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-300"
              >
                {INVALID_RATE_WARNING_TEXT}
              </div>
            ) : null}
            <p className="text-xs text-slate-500">
              INVALID rate = candidates over 1,000 characters (INVALID) / candidates. Above 30% the mechanism
              adds noise (DESIGN.md).
            </p>
          </section>
        ) : null}
      </div>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Skipped units
// ---------------------------------------------------------------------------------------------

/** "Skipped 3 tasks:" with each task's reason and what to do about it (issue 16). */
function SkippedCard({ skipped }: { skipped: RunData['stats']['skipped'] }) {
  return (
    <Card title={`Skipped (${skipped.length})`}>
      <div className="space-y-2 text-sm" data-testid="skipped-units">
        <p className="font-medium text-slate-800">{formatSkippedHeading(skipped)}</p>
        <ul className="space-y-1">
          {skipped.map((u) => (
            <li key={u.trajectoryId ?? u.taskId} className="break-words text-slate-700">
              {u.trajectoryId ? 'trajectory ' : 'task '}
              {u.trajectoryId ? (
                <>
                  <Link
                    href={`/trajectories/${u.trajectoryId}`}
                    className={`font-mono text-xs ${LINK_CLASS}`}
                  >
                    {u.trajectoryExternalId ?? shortId(u.trajectoryId)}
                  </Link>{' '}
                  of task{' '}
                </>
              ) : null}
              <Link href={`/tasks/${u.taskId}`} className={`font-mono text-xs ${LINK_CLASS}`}>
                {u.taskExternalId}
              </Link>{' '}
              — {u.reason}
              {u.hint ? <span className="text-slate-500"> ({u.hint})</span> : null}
            </li>
          ))}
        </ul>
        {needsPromoteHowTo(skipped) ? <p className="text-xs text-slate-500">{PROMOTE_HOW_TO}</p> : null}
      </div>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------------------------

function UnitsCard({ run }: { run: RunData }) {
  return (
    <Card title={`Units (${run.items.length})`}>
      {run.items.length === 0 ? (
        <p className="text-sm text-slate-600">
          {isRunActive(run.job?.status) ? 'No unit has finished yet.' : 'This run has no units.'}
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table aria-label="Units" className="w-full text-left text-sm">
            <TableHead columns={['Task', 'Trajectory', 'Status', 'Summary', 'Error']} />
            <tbody className="divide-y divide-slate-100 align-top">
              {run.items.map((item) => (
                <tr key={item.subjectId}>
                  <td className="py-1.5 pr-4">
                    <Link href={`/tasks/${item.taskId}`} className={`font-mono text-xs ${LINK_CLASS}`}>
                      {item.taskExternalId}
                    </Link>
                  </td>
                  <td className="py-1.5 pr-4">
                    {item.subjectId === item.taskId ? (
                      <span className="text-slate-400">—</span>
                    ) : (
                      <Link
                        href={`/trajectories/${item.subjectId}`}
                        className={`font-mono text-xs ${LINK_CLASS}`}
                      >
                        {item.trajectoryExternalId ?? shortId(item.subjectId)}
                      </Link>
                    )}
                  </td>
                  <td className="py-1.5 pr-4">
                    <UnitStatusBadge status={item.status} />
                  </td>
                  <td className="py-1.5 pr-4 text-xs text-slate-600">{formatUnitSummary(item.summary)}</td>
                  <td className="max-w-xl py-1.5 pr-4">
                    {item.error ? (
                      <p className="whitespace-pre-wrap break-words text-xs text-rose-800">{item.error}</p>
                    ) : null}
                    {item.failedModelCallId ? (
                      <ModelCallLink id={item.failedModelCallId}>the model call that failed</ModelCallLink>
                    ) : null}
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
// Key steps and attempts
// ---------------------------------------------------------------------------------------------

function KeyStepStatusBadge({ status }: { status: string }) {
  return status === 'flagged' ? (
    <Badge tone="amber">flagged for a human</Badge>
  ) : (
    <Badge tone="green">{status}</Badge>
  );
}

function outcomeTone(outcome: string, result: boolean | null): BadgeTone {
  if (outcome === 'ok') return result === true ? 'green' : 'amber';
  return 'red';
}

function formatResult(result: boolean | null): string {
  return result === null ? '—' : result ? 'True' : 'False';
}

function KeyStepsCard({ keySteps }: { keySteps: KeyStepRow[] }) {
  const groups = groupByTrajectory(keySteps);
  const flagged = keySteps.filter((k) => k.status === 'flagged').length;
  return (
    <Card title={`Key steps (${keySteps.length}${flagged ? `, ${flagged} flagged` : ''})`}>
      <div className="overflow-x-auto">
        <table aria-label="Key steps" className="w-full text-left text-sm">
          <TableHead columns={['Position', 'Step', 'Description and attempts', 'Status', 'Node']} />
          {groups.map(({ trajectoryId, rows }) => {
            const first = rows[0]!;
            const kCalls = [...new Set(rows.map((r) => r.keyStepsCallId).filter((c) => c !== null))];
            return (
              <tbody key={trajectoryId} className="divide-y divide-slate-100 align-top">
                <tr className="bg-slate-50">
                  <th
                    scope="rowgroup"
                    colSpan={5}
                    className="px-2 py-1.5 text-left text-xs font-medium text-slate-700"
                  >
                    <span className="mr-1">
                      {first.trajectoryKind === 'expert' ? 'Expert demo' : 'Rollout'}
                    </span>
                    <Link href={`/trajectories/${trajectoryId}`} className={`font-mono ${LINK_CLASS}`}>
                      {first.trajectoryExternalId ?? shortId(trajectoryId)}
                    </Link>
                    <span className="mx-1 text-slate-400">of task</span>
                    <Link href={`/tasks/${first.taskId}`} className={`font-mono ${LINK_CLASS}`}>
                      {first.taskExternalId}
                    </Link>
                    {kCalls.map((callId) => (
                      <span key={callId} className="ml-2">
                        · <ModelCallLink id={callId}>key-steps call (K)</ModelCallLink>
                      </span>
                    ))}
                  </th>
                </tr>
                {rows.map((k) => (
                  <KeyStepRowView key={k.id} keyStep={k} />
                ))}
              </tbody>
            );
          })}
        </table>
      </div>
      <p className="mt-2 text-xs text-slate-500">
        A key step with no passing function after 5 attempts is kept and flagged for a human (the reference
        code drops it).
      </p>
    </Card>
  );
}

function KeyStepRowView({ keyStep }: { keyStep: KeyStepRow }) {
  const attempts = sortAttempts(keyStep.attempts);
  return (
    <tr data-testid="key-step-row">
      <td className="py-1.5 pr-4 tabular-nums">{keyStep.position}</td>
      <td className="py-1.5 pr-4 tabular-nums">{keyStep.stepIndex ?? '—'}</td>
      <td className="min-w-[24rem] py-1.5 pr-4">
        <p className="break-words text-slate-900">{keyStep.description}</p>
        <details className="mt-1">
          <summary className="cursor-pointer text-xs text-indigo-700">Attempts ({attempts.length})</summary>
          {attempts.length === 0 ? (
            <p className="mt-1 text-xs text-slate-500">No synthesis attempt was recorded.</p>
          ) : (
            <ol className="mt-2 space-y-3">
              {attempts.map((a) => (
                <li
                  key={a.attempt}
                  className="space-y-1 border-l-2 border-slate-200 pl-3"
                  data-testid="lf-attempt"
                >
                  <div className="flex flex-wrap items-center gap-2 text-xs text-slate-700">
                    <span className="font-semibold">Attempt {a.attempt}</span>
                    <Badge tone={outcomeTone(a.outcome, a.result)}>{a.outcome}</Badge>
                    <span>result: {formatResult(a.result)}</span>
                    <span>evidence step: {a.evidenceStep ?? '—'}</span>
                    <ModelCallLink id={a.modelCallId} />
                  </div>
                  {a.error ? (
                    <pre className={`${PRE} bg-rose-50 text-rose-900 ring-rose-200`}>{a.error}</pre>
                  ) : null}
                  {a.code !== null ? (
                    <pre className={PRE}>
                      <code>{a.code}</code>
                    </pre>
                  ) : (
                    <p className="text-xs text-slate-500">No code block in the reply.</p>
                  )}
                </li>
              ))}
            </ol>
          )}
        </details>
      </td>
      <td className="py-1.5 pr-4">
        <KeyStepStatusBadge status={keyStep.status} />
      </td>
      <td className="py-1.5 pr-4 font-mono text-xs">{keyStep.nodeId ?? '—'}</td>
    </tr>
  );
}

// ---------------------------------------------------------------------------------------------
// Proposals
// ---------------------------------------------------------------------------------------------

function ProposalsCard({ stage, proposals }: { stage: string; proposals: Proposals }) {
  const { paths, intents, tasks } = proposals;
  const isEmpty = paths.length === 0 && intents.length === 0 && tasks.length === 0;
  if (isEmpty && stage === 'abstract') return null;
  return (
    <Card title="Proposals">
      <div className="space-y-5">
        <p className="text-sm text-slate-600">
          Nothing here changes a graph or the task list yet: these proposals await human review (the review
          queues come later).
        </p>
        {isEmpty ? <EmptyState title="This run has proposed nothing (yet)" /> : null}
        {paths.length > 0 ? <ProposedPaths paths={paths} /> : null}
        {intents.length > 0 ? <ProposedIntents intents={intents} /> : null}
        {tasks.length > 0 ? <ProposedTasks tasks={tasks} /> : null}
      </div>
    </Card>
  );
}

function ProposedPaths({ paths }: { paths: Proposals['paths'] }) {
  return (
    <section className="space-y-2">
      <h3 className="text-sm font-semibold text-slate-800">Proposed paths ({paths.length})</h3>
      <ul className="space-y-3">
        {paths.map((p) => (
          <li key={p.id} className="rounded-md p-3 ring-1 ring-slate-200" data-testid="proposed-path">
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <span className="text-slate-500">Task</span>
              <Link href={`/tasks/${p.taskId}`} className={`font-mono text-xs ${LINK_CLASS}`}>
                {p.taskExternalId}
              </Link>
              <span className="text-slate-500">from</span>
              <Link href={`/trajectories/${p.trajectoryId}`} className={LINK_CLASS}>
                rollout {shortId(p.trajectoryId)}
              </Link>
              <ReviewStatusBadge status={p.status} />
              <span className="text-xs text-slate-500">by {p.producedBy}</span>
            </div>
            <ol className="mt-2 space-y-1 text-sm">
              {p.nodes.map((n, i) => (
                <li key={i} className="flex flex-wrap items-start gap-2">
                  <span className="w-6 shrink-0 text-right tabular-nums text-slate-400">{i + 1}.</span>
                  {n.nodeId !== null ? (
                    <Badge tone="slate">reused node {n.nodeId}</Badge>
                  ) : (
                    <Badge tone="indigo">new</Badge>
                  )}
                  <span className="min-w-0 flex-1 break-words">{n.description}</span>
                  {n.nodeId === null && n.code ? (
                    <details className="w-full pl-8">
                      <summary className="cursor-pointer text-xs text-indigo-700">Label function</summary>
                      <pre className={`${PRE} mt-1`}>
                        <code>{n.code}</code>
                      </pre>
                    </details>
                  ) : null}
                </li>
              ))}
            </ol>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ProposedIntents({ intents }: { intents: Proposals['intents'] }) {
  return (
    <section className="space-y-2">
      <h3 className="text-sm font-semibold text-slate-800">Extrapolated intents ({intents.length})</h3>
      <div className="overflow-x-auto">
        <table aria-label="Extrapolated intents" className="w-full text-left text-sm">
          <TableHead columns={['Task', 'Rollout', 'Status', 'Candidate', 'Intent', 'Model calls']} />
          <tbody className="divide-y divide-slate-100 align-top">
            {intents.map((i) => (
              <tr key={i.id}>
                <td className="py-1.5 pr-4">
                  <Link href={`/tasks/${i.taskId}`} className={`font-mono text-xs ${LINK_CLASS}`}>
                    {i.taskExternalId}
                  </Link>
                </td>
                <td className="py-1.5 pr-4">
                  <Link
                    href={`/trajectories/${i.trajectoryId}`}
                    className={`font-mono text-xs ${LINK_CLASS}`}
                  >
                    {shortId(i.trajectoryId)}
                  </Link>
                </td>
                <td className="py-1.5 pr-4">
                  <ReviewStatusBadge status={i.status} />
                  {i.dropReason ? <p className="mt-0.5 text-xs text-slate-600">{i.dropReason}</p> : null}
                </td>
                <td className="max-w-md py-1.5 pr-4">
                  {i.candidate !== null ? (
                    <p
                      className="line-clamp-4 whitespace-pre-wrap break-words text-xs text-slate-700"
                      title={i.candidate}
                    >
                      {i.candidate}
                    </p>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td className="max-w-md py-1.5 pr-4">
                  {i.intent !== null ? (
                    <p className="whitespace-pre-wrap break-words text-slate-900">{i.intent}</p>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td className="whitespace-nowrap py-1.5 pr-4 text-xs">
                  <span className="flex flex-col gap-0.5">
                    <ModelCallLink id={i.candidateCallId}>candidate call</ModelCallLink>
                    <ModelCallLink id={i.refineCallId}>refine call</ModelCallLink>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ProposedTasks({ tasks }: { tasks: Proposals['tasks'] }) {
  return (
    <section className="space-y-2">
      <h3 className="text-sm font-semibold text-slate-800">Proposed tasks ({tasks.length})</h3>
      <div className="overflow-x-auto">
        <table aria-label="Proposed tasks" className="w-full text-left text-sm">
          <TableHead columns={['From task', 'Intent', 'Variant', 'Parameters', 'Status', 'Model call']} />
          <tbody className="divide-y divide-slate-100 align-top">
            {tasks.map((t) => (
              <tr key={t.id}>
                <td className="py-1.5 pr-4">
                  <Link href={`/tasks/${t.parentTaskId}`} className={`font-mono text-xs ${LINK_CLASS}`}>
                    {t.taskExternalId}
                  </Link>
                  {t.sourceTrajectoryId ? (
                    <Link
                      href={`/trajectories/${t.sourceTrajectoryId}`}
                      className={`block text-xs ${LINK_CLASS}`}
                    >
                      rollout {shortId(t.sourceTrajectoryId)}
                    </Link>
                  ) : null}
                </td>
                <td className="max-w-md py-1.5 pr-4">
                  <p className="whitespace-pre-wrap break-words text-slate-900">{t.intent}</p>
                </td>
                <td className="py-1.5 pr-4">
                  <Badge tone="slate">{t.variant}</Badge>
                </td>
                <td className="max-w-xs py-1.5 pr-4">
                  {t.params ? (
                    <code className="break-all font-mono text-xs text-slate-700">
                      {JSON.stringify(t.params)}
                    </code>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td className="py-1.5 pr-4">
                  <ReviewStatusBadge status={t.status} />
                </td>
                <td className="whitespace-nowrap py-1.5 pr-4 text-xs">
                  <ModelCallLink id={t.modelCallId} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
