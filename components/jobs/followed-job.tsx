'use client';
/**
 * Following one job from a panel (imports, rollouts): the job polled every `pollMs` while it is
 * queued or running, a Cancel mutation, and the progress bar + Cancel button shown meanwhile.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorText } from '@/components/admin/shared';
import { isJobActive } from '@/components/import/import-summary';
import { Button } from '@/components/ui/button';
import { ErrorMessage, ProgressBar } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

/** The job (`jobs.get`), polled until it ends, and its Cancel mutation (refreshes the job and job lists). */
export function useFollowedJob(jobId: string, pollMs: number) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery(
    trpc.jobs.get.queryOptions(
      { id: jobId },
      {
        refetchInterval: (query) => {
          if (query.state.status === 'error') return false;
          const status = query.state.data?.status;
          return !status || isJobActive(status) ? pollMs : false;
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
  return { job, cancel };
}

/** Progress bar with the job's message (else `fallbackLabel`), and the Cancel button with its error. */
export function ActiveJobControls({
  jobId,
  progress,
  label,
  cancel,
  cancelLabel = 'Cancel',
}: {
  jobId: string;
  progress: number;
  label: string;
  cancel: ReturnType<typeof useFollowedJob>['cancel'];
  cancelLabel?: string;
}) {
  return (
    <div className="space-y-2">
      <ProgressBar value={progress} label={label} />
      <Button
        type="button"
        variant="secondary"
        onClick={() => cancel.mutate({ id: jobId })}
        disabled={cancel.isPending}
      >
        {cancel.isPending ? 'Cancelling…' : cancelLabel}
      </Button>
      {cancel.isError ? <ErrorMessage>{errorText(cancel.error)}</ErrorMessage> : null}
    </div>
  );
}
