'use client';
/**
 * Saving an edited label function: the changes against the version the edit started from, a
 * reason, Save (or Ctrl/Cmd+S). A save based on a version someone else has replaced is refused by
 * the server; the refusal is shown as it is, with "Reload current version". After a save (or a
 * revert) the new version and the progress of the rescoring job are shown.
 */
import { skipToken, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { DiffView } from '@/components/label-functions/diff-view';
import { isJobActive, JOB_POLL_INTERVAL_MS } from '@/components/label-functions/lf-editor-display';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/field';
import { ErrorMessage, Kbd, ProgressBar } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

/** What the last save or revert produced. */
export interface SavedVersion {
  version: number;
  /** `save` or `revert to vN`. */
  how: string;
  affectedTaskIds: string[];
  scoreJobId: string | null;
}

/** The rescoring job a save started: progress while it runs, the outcome after. */
function RescoringStatus({ saved }: { saved: SavedVersion }) {
  const trpc = useTRPC();
  const job = useQuery(
    trpc.jobs.get.queryOptions(saved.scoreJobId ? { id: saved.scoreJobId } : skipToken, {
      refetchInterval: (q) => (isJobActive(q.state.data?.status) ? JOB_POLL_INTERVAL_MS : false),
    }),
  );
  const n = saved.affectedTaskIds.length;
  return (
    <div
      className="space-y-2 rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 ring-1 ring-emerald-200"
      role="status"
    >
      <p>
        Saved as <strong>v{saved.version}</strong> ({saved.how}).{' '}
        {n === 0
          ? 'No task’s current graph uses this node, so nothing needs rescoring.'
          : `Rescoring ${n} task${n === 1 ? '' : 's'} that use it:`}
      </p>
      {n > 0 ? (
        <ul className="flex flex-wrap gap-x-3 text-xs">
          {saved.affectedTaskIds.slice(0, 10).map((id, i) => (
            <li key={id}>
              <Link
                className="text-indigo-700 hover:underline"
                href={`/tasks/${id}`}
                target="_blank"
                rel="noopener"
              >
                task {i + 1}
              </Link>
            </li>
          ))}
          {n > 10 ? <li className="text-emerald-800">+{n - 10} more</li> : null}
        </ul>
      ) : null}
      {job.isError ? (
        <ErrorMessage>Could not read the rescoring job: {job.error.message}</ErrorMessage>
      ) : null}
      {job.data && isJobActive(job.data.status) ? (
        <ProgressBar value={job.data.progress} label={job.data.progressMessage ?? 'Rescoring'} />
      ) : null}
      {job.data?.status === 'succeeded' ? <p className="text-xs">Rescoring finished.</p> : null}
      {job.data && ['failed', 'cancelled', 'interrupted'].includes(job.data.status) ? (
        <ErrorMessage>
          Rescoring {job.data.status}
          {job.data.error ? `: ${job.data.error}` : ''}. Score the tasks again from their pages.
        </ErrorMessage>
      ) : null}
    </div>
  );
}

export function SavePanel({
  baseCode,
  baseVersion,
  code,
  isDirty,
  reason,
  onReasonChange,
  onSave,
  isSaving,
  error,
  isConflict,
  onReload,
  saved,
  reasonInputId,
}: {
  baseCode: string;
  baseVersion: number | null;
  code: string;
  isDirty: boolean;
  reason: string;
  onReasonChange: (reason: string) => void;
  onSave: () => void;
  isSaving: boolean;
  error: string | null;
  isConflict: boolean;
  onReload: () => void;
  saved: SavedVersion | null;
  /** The reason field's id (the editor focuses it when a save lacks a reason). */
  reasonInputId: string;
}) {
  return (
    <Card
      title="Save"
      actions={
        <span className="text-xs text-slate-500">
          <Kbd>Ctrl</Kbd>/<Kbd>⌘</Kbd>+<Kbd>S</Kbd>
        </span>
      }
    >
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          onSave();
        }}
      >
        {isDirty ? (
          <DiffView
            oldCode={baseCode}
            newCode={code}
            oldLabel={baseVersion === null ? 'no version' : `v${baseVersion}`}
            newLabel="your edit"
          />
        ) : (
          <p className="text-sm text-slate-600">No unsaved changes.</p>
        )}
        <Field label="Reason" hint="Stored with the new version and in the audit log.">
          <Input
            id={reasonInputId}
            value={reason}
            maxLength={500}
            placeholder="e.g. also accept the 'Most stars' sort button"
            onChange={(e) => onReasonChange(e.target.value)}
          />
        </Field>
        {error ? (
          <ErrorMessage>
            <span className="block">{error}</span>
            {isConflict ? (
              <Button type="button" variant="secondary" className="mt-2" onClick={onReload}>
                Reload current version
              </Button>
            ) : null}
          </ErrorMessage>
        ) : null}
        <Button type="submit" disabled={!isDirty || isSaving || !reason.trim()}>
          {isSaving ? 'Saving…' : 'Save new version'}
        </Button>
        {saved ? <RescoringStatus saved={saved} /> : null}
      </form>
    </Card>
  );
}
