'use client';
/**
 * "New export" (users with `exports:run`): the iteration, the sources (each with how many
 * trajectories and steps it holds now, from `exports.preview`), the format, the validation share and
 * the split's seed. Submitting enqueues an export job; its progress is followed here with a Cancel
 * button, and the finished export opens from the link it shows.
 */
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState, type FormEvent } from 'react';
import { errorText } from '@/components/admin/shared';
import {
  EXPORT_FORMAT_HINTS,
  EXPORT_FORMAT_LABELS,
  EXPORT_POLL_INTERVAL_MS,
  EXPORT_SOURCE_HINTS,
  EXPORT_SOURCE_LABELS,
  parseExportForm,
} from '@/components/exports/export-display';
import { isJobActive, JobStatusBadge } from '@/components/import/import-summary';
import { ActiveJobControls, useFollowedJob } from '@/components/jobs/followed-job';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import {
  EXPORT_FORMATS,
  EXPORT_SOURCES,
  type ExportFormat,
  type ExportSource,
} from '@/lib/core/export/types';
import { formatCount } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';

function FollowedExport({ exportId, jobId }: { exportId: string; jobId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { job, cancel } = useFollowedJob(jobId, EXPORT_POLL_INTERVAL_MS);
  const status = job.data?.status;
  const finished = status !== undefined && !isJobActive(status);
  useEffect(() => {
    // The list below and the iteration counts change when the export ends.
    void queryClient.invalidateQueries({ queryKey: trpc.exports.list.queryKey() });
    if (finished) void queryClient.invalidateQueries({ queryKey: trpc.iterations.list.queryKey() });
  }, [finished, queryClient, trpc]);
  if (!job.data) return <p className="text-sm text-slate-600">Starting the export…</p>;
  if (isJobActive(job.data.status))
    return (
      <ActiveJobControls
        jobId={jobId}
        progress={job.data.progress}
        label={job.data.progressMessage ?? 'Queued'}
        cancel={cancel}
      />
    );
  return (
    <div role="status" className="space-y-1 text-sm">
      <p className="flex items-center gap-2">
        Export <JobStatusBadge status={job.data.status} />
        {job.data.status === 'succeeded' ? (
          <Link href={`/exports/${exportId}`} className="font-medium text-indigo-700 underline">
            Open the export
          </Link>
        ) : null}
      </p>
      {job.data.error ? <ErrorMessage>{job.data.error}</ErrorMessage> : null}
    </div>
  );
}

export function ExportForm() {
  const trpc = useTRPC();
  const { data: iterations } = useSuspenseQuery(trpc.iterations.list.queryOptions());
  const openIteration = iterations.find((i) => i.status === 'open') ?? iterations[0] ?? null;
  const [iterationId, setIterationId] = useState(openIteration ? String(openIteration.id) : '');
  const [sources, setSources] = useState<ExportSource[]>(() => [...EXPORT_SOURCES]);
  const [format, setFormat] = useState<ExportFormat>('llama-factory');
  const [seed, setSeed] = useState('42');
  const [validationPercent, setValidationPercent] = useState('10');
  const [includeEarlier, setIncludeEarlier] = useState(false);
  const [includeSeedPassing, setIncludeSeedPassing] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [started, setStarted] = useState<{ exportId: string; jobId: string } | null>(null);

  const preview = useQuery(
    trpc.exports.preview.queryOptions(
      {
        iterationId: Number(iterationId),
        sources: [...EXPORT_SOURCES],
        includeEarlierIterations: includeEarlier,
        includeSeedPassing,
      },
      { enabled: iterationId !== '' },
    ),
  );
  const start = useMutation(
    trpc.exports.start.mutationOptions({ onSuccess: (result) => setStarted(result) }),
  );

  const chosen = sources.map((s) => preview.data?.bySource[s]).filter((c) => c !== undefined);
  const chosenSteps = chosen.reduce((n, c) => n + c.steps, 0);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = parseExportForm({
      iterationId,
      format,
      sources,
      seed,
      validationPercent,
      includeEarlierIterations: includeEarlier,
      includeSeedPassing,
    });
    if (!parsed.ok) {
      setFormError(parsed.error);
      return;
    }
    setFormError(null);
    start.mutate(parsed.value);
  }

  if (!openIteration)
    return (
      <Card title="New export">
        <p className="text-sm text-slate-600">Nothing to export yet: import demos or run rollouts first.</p>
      </Card>
    );

  return (
    <Card title="New export">
      <form aria-label="New export" onSubmit={onSubmit} className="space-y-4" noValidate>
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Iteration">
            <Select value={iterationId} onChange={(e) => setIterationId(e.target.value)}>
              {iterations.map((it) => (
                <option key={it.id} value={it.id}>
                  Iteration {it.id} ({it.status})
                </option>
              ))}
            </Select>
          </Field>
          <Field
            label="Validation share (%)"
            hint="Of trajectories; all steps of one trajectory stay in one split."
          >
            <Input
              inputMode="decimal"
              value={validationPercent}
              onChange={(e) => setValidationPercent(e.target.value)}
            />
          </Field>
          <Field label="Split seed" hint="The same seed puts every trajectory in the same split.">
            <Input inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value)} />
          </Field>
        </div>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">What goes in</legend>
          {EXPORT_SOURCES.map((source) => {
            const counts = preview.data?.bySource[source];
            return (
              <label key={source} className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  className="mt-1"
                  checked={sources.includes(source)}
                  onChange={(e) =>
                    setSources((list) =>
                      e.target.checked ? [...list, source] : list.filter((s) => s !== source),
                    )
                  }
                />
                <span>
                  <span className="font-medium text-slate-900">{EXPORT_SOURCE_LABELS[source]}</span>{' '}
                  <span className="text-slate-600" data-testid={`source-count-${source}`}>
                    {counts
                      ? `${formatCount(counts.trajectories, 'trajectory', 'trajectories')}, ${formatCount(counts.steps, 'step')}`
                      : '…'}
                  </span>
                  <span className="block text-xs text-slate-500">{EXPORT_SOURCE_HINTS[source]}</span>
                </span>
              </label>
            );
          })}
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              checked={includeEarlier}
              onChange={(e) => setIncludeEarlier(e.target.checked)}
            />
            Include rollouts and reviews of earlier iterations too
          </label>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              checked={includeSeedPassing}
              onChange={(e) => setIncludeSeedPassing(e.target.checked)}
            />
            Include tasks that pass on the seed (their verifier says True before any action)
          </label>
          {preview.data && preview.data.skippedSeedPassing > 0 ? (
            <p className="text-xs text-slate-500" data-testid="skipped-seed-passing">
              {formatCount(preview.data.skippedSeedPassing, 'trajectory', 'trajectories')} of tasks that pass
              on the seed left out.
            </p>
          ) : null}
          {preview.data && preview.data.skippedProposedTasks > 0 && sources.includes('proposed_tasks') ? (
            <p className="text-xs text-slate-500">
              {formatCount(preview.data.skippedProposedTasks, 'accepted template variant')} without a
              demonstration yet will be skipped (roll them out first).
            </p>
          ) : null}
        </fieldset>
        <fieldset className="space-y-1.5">
          <legend className="text-sm font-medium text-slate-700">Format</legend>
          {EXPORT_FORMATS.map((value) => (
            <label key={value} className="flex items-start gap-2 text-sm">
              <input
                type="radio"
                name="format"
                className="mt-1"
                checked={format === value}
                onChange={() => setFormat(value)}
              />
              <span>
                <span className="font-medium text-slate-900">{EXPORT_FORMAT_LABELS[value]}</span>
                <span className="block text-xs text-slate-500">{EXPORT_FORMAT_HINTS[value]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <p className="text-sm text-slate-600">
          One example per step: the next action given the task, the history and the screenshot, in the prompt
          the rollout policy uses.{' '}
          {preview.data ? <>Up to {formatCount(chosenSteps, 'example')} from the chosen sources.</> : null}
        </p>
        <div className="flex items-center gap-3">
          <Button type="submit" disabled={start.isPending}>
            {start.isPending ? 'Starting…' : 'Export'}
          </Button>
        </div>
        {formError ? <ErrorMessage>{formError}</ErrorMessage> : null}
        {start.isError ? <ErrorMessage>{errorText(start.error)}</ErrorMessage> : null}
      </form>
      {started ? (
        <div className="mt-4 border-t border-slate-100 pt-4">
          <FollowedExport key={started.jobId} exportId={started.exportId} jobId={started.jobId} />
        </div>
      ) : null}
    </Card>
  );
}
