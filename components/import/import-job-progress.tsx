'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button } from '@/components/ui/button';
import { ErrorMessage, ProgressBar } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';
import {
  ImportSummaryView,
  isJobActive,
  JobStatusBadge,
  toImportSummary,
} from '@/components/import/import-summary';

/** How often the page asks for the state of a queued or running import. */
export const JOB_POLL_INTERVAL_MS = 500;

/** Follows one import job: progress and Cancel while it runs, then the summary or the error. */
export function ImportJobProgress({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery(
    trpc.jobs.get.queryOptions(
      { id: jobId },
      {
        refetchInterval: (query) => {
          if (query.state.status === 'error') return false;
          const status = query.state.data?.status;
          return !status || isJobActive(status) ? JOB_POLL_INTERVAL_MS : false;
        },
      },
    ),
  );
  const cancel = useMutation(
    trpc.jobs.cancel.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.jobs.get.queryKey({ id: jobId }) }),
          queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey() }),
        ]),
    }),
  );

  if (job.isPending) return <p className="text-sm text-slate-600">Loading the import job…</p>;
  if (job.isError) return <ErrorMessage>Could not load the import job: {job.error.message}</ErrorMessage>;

  const { status, progress, progressMessage, error, result } = job.data;
  const summary = status === 'succeeded' ? toImportSummary(result) : null;

  return (
    <div className="space-y-3" data-testid="import-job">
      <div className="flex items-center gap-2 text-sm text-slate-700">
        <span>Import job</span>
        <JobStatusBadge status={status} />
      </div>
      {isJobActive(status) ? (
        <div className="space-y-2">
          <ProgressBar
            value={progress}
            label={progressMessage ?? (status === 'queued' ? 'Waiting to start' : 'Importing')}
          />
          <Button
            type="button"
            variant="secondary"
            onClick={() => cancel.mutate({ id: jobId })}
            disabled={cancel.isPending}
          >
            {cancel.isPending ? 'Cancelling…' : 'Cancel import'}
          </Button>
          {cancel.isError ? <ErrorMessage>{cancel.error.message}</ErrorMessage> : null}
        </div>
      ) : null}
      {status === 'succeeded' ? (
        summary ? (
          <ImportSummaryView summary={summary} />
        ) : (
          <p className="text-sm text-emerald-800">Import finished.</p>
        )
      ) : null}
      {status === 'failed' || status === 'interrupted' ? (
        <div className="space-y-2">
          <h3 className="text-sm font-semibold text-rose-800">Import failed</h3>
          <ErrorMessage>{error ?? 'The import failed.'}</ErrorMessage>
        </div>
      ) : null}
      {status === 'cancelled' ? (
        <p role="status" className="text-sm text-amber-800">
          Import cancelled.
        </p>
      ) : null}
    </div>
  );
}
