'use client';
/**
 * "Check tasks" (users with `environments:manage`): starts a `seed-check` job over apps
 * (`rollouts.checkApps`) — which tasks' verifiers already pass on the app's untouched seed — and
 * follows it (`jobs.get`, polled while it runs) with its progress and a Cancel button; then lists
 * the tasks that pass on the seed (rollouts and exports skip them unless asked). The request only
 * enqueues: the check runs as a job, never inside it. On load the newest seed-check job is
 * followed if it still runs.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { errorText } from '@/components/admin/shared';
import { isJobActive, JobStatusBadge } from '@/components/import/import-summary';
import { ActiveJobControls, useFollowedJob } from '@/components/jobs/followed-job';
import {
  describeSeedCheck,
  SEED_CHECK_JOB_KIND,
  SEED_CHECK_POLL_INTERVAL_MS,
  seedPassingTasksHref,
  toSeedCheckSummary,
} from '@/components/rollouts/seed-check-display';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

const RECENT_JOB_INPUT = { kind: SEED_CHECK_JOB_KIND, limit: 1 } as const;

/** Starting a check and the job to follow (the one started here, else one still running). */
export function useSeedCheck() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const recent = useQuery(trpc.jobs.list.queryOptions(RECENT_JOB_INPUT));
  const [startedJobId, setStartedJobId] = useState<string | null>(null);
  const check = useMutation(
    trpc.rollouts.checkApps.mutationOptions({
      onSuccess: ({ jobId }) => {
        setStartedJobId(jobId);
        void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey() });
      },
    }),
  );
  const recentJob = recent.data?.[0];
  const followedJobId = startedJobId ?? (recentJob && isJobActive(recentJob.status) ? recentJob.id : null);
  return { check, followedJobId };
}

/** A "Check tasks" button for `appIds` with the followed job's progress and result under it. */
export function SeedCheckControl({
  appIds,
  label = 'Check tasks',
}: {
  appIds: readonly string[];
  label?: string;
}) {
  const { check, followedJobId } = useSeedCheck();
  return (
    <div className="space-y-2" data-testid="seed-check">
      <div className="flex flex-wrap items-center gap-3">
        <Button
          type="button"
          variant="secondary"
          disabled={check.isPending || appIds.length === 0}
          onClick={() => check.mutate({ appIds: [...appIds] })}
        >
          {check.isPending ? 'Starting…' : label}
        </Button>
        <span className="text-xs text-slate-500">
          Opens each app in Chromium and runs every verifier on the untouched seed: a task that already passes
          there is skipped by rollouts and exports unless included.
        </span>
      </div>
      {check.isError ? <ErrorMessage>{errorText(check.error)}</ErrorMessage> : null}
      {followedJobId ? <SeedCheckProgress key={followedJobId} jobId={followedJobId} /> : null}
    </div>
  );
}

/** Follows one seed-check job: progress and Cancel while it runs, then what it found. */
export function SeedCheckProgress({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { job, cancel } = useFollowedJob(jobId, SEED_CHECK_POLL_INTERVAL_MS);
  const succeeded = job.data?.status === 'succeeded';
  useEffect(() => {
    // Once the check has stored its flags, the Tasks list and task pages show them.
    if (!succeeded) return;
    void queryClient.invalidateQueries({ queryKey: trpc.tasks.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.tasks.facets.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.tasks.get.queryKey() });
  }, [succeeded, queryClient, trpc]);

  if (job.isPending) return <p className="text-sm text-slate-600">Loading the seed check…</p>;
  if (job.isError) return <ErrorMessage>Could not load the seed check: {job.error.message}</ErrorMessage>;
  const { status, progress, progressMessage, error, result } = job.data;
  const summary = status === 'succeeded' ? toSeedCheckSummary(result) : null;

  return (
    <section aria-label="Seed check" className="space-y-2 text-sm" data-testid="seed-check-job">
      <div className="flex items-center gap-2 text-slate-700">
        <span>Seed check</span>
        <JobStatusBadge status={status} />
      </div>
      {isJobActive(status) ? (
        <ActiveJobControls
          jobId={jobId}
          progress={progress}
          label={progressMessage ?? (status === 'queued' ? 'Waiting to start' : 'Starting Chromium')}
          cancel={cancel}
        />
      ) : null}
      {summary ? (
        <div role="status" className="space-y-2">
          <p className="text-emerald-900">{describeSeedCheck(summary)}</p>
          {summary.apps.map((app) => (
            <div key={app.appId} className="space-y-1">
              {app.loadError ? <ErrorMessage>{app.loadError}</ErrorMessage> : null}
              {app.passing.length > 0 ? (
                <>
                  <p className="text-slate-700">
                    <strong>{app.name}</strong>: {app.passing.length} of {app.tasks}{' '}
                    {app.passing.length === 1 ? 'task passes' : 'tasks pass'} on the seed (
                    <Link href={seedPassingTasksHref(app.name)} className="text-indigo-700 underline">
                      show in Tasks
                    </Link>
                    ):
                  </p>
                  <ul
                    className="list-disc pl-5 text-xs text-slate-700"
                    aria-label={`${app.name}: passes on the seed`}
                  >
                    {app.passing.map((t) => (
                      <li key={t.externalId}>
                        <span className="font-mono">{t.externalId}</span> {t.intent}
                        {t.message ? <span className="text-slate-500"> — {t.message}</span> : null}
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                <p className="text-slate-700">
                  <strong>{app.name}</strong>: no task passes on the seed.
                </p>
              )}
              {app.undetermined.length > 0 ? (
                <details className="text-xs text-slate-700">
                  <summary className="cursor-pointer">
                    {app.undetermined.length} {app.undetermined.length === 1 ? 'task' : 'tasks'} could not be
                    checked
                  </summary>
                  <ul className="mt-1 list-disc pl-5">
                    {app.undetermined.map((t) => (
                      <li key={t.externalId}>
                        <span className="font-mono">{t.externalId}</span>: {t.message}
                      </li>
                    ))}
                  </ul>
                </details>
              ) : null}
            </div>
          ))}
        </div>
      ) : null}
      {status === 'failed' || status === 'interrupted' ? (
        <ErrorMessage>
          <span className="whitespace-pre-wrap">
            {error ??
              (status === 'interrupted' ? 'The server stopped while the check ran.' : 'The check failed.')}
          </span>
        </ErrorMessage>
      ) : null}
      {status === 'cancelled' ? (
        <p role="status" className="text-amber-800">
          Seed check cancelled; nothing was stored.
        </p>
      ) : null}
    </section>
  );
}
