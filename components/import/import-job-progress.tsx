'use client';
import { ActiveJobControls, useFollowedJob } from '@/components/jobs/followed-job';
import { ErrorMessage } from '@/components/ui/states';
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
  const { job, cancel } = useFollowedJob(jobId, JOB_POLL_INTERVAL_MS);

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
        <ActiveJobControls
          jobId={jobId}
          progress={progress}
          label={progressMessage ?? (status === 'queued' ? 'Waiting to start' : 'Importing')}
          cancel={cancel}
          cancelLabel="Cancel import"
        />
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
