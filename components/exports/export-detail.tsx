'use client';
/**
 * One export: its state (progress and Cancel while it runs; the error and "Re-run" when it
 * stopped), then, once written, what its manifest says — examples by split, source and category,
 * images, warnings, the graph / label-function versions and review decisions it relied on, the
 * command that reproduces it, every file with its sha256 (the top-level files download), a "Verify
 * files" check — and the fine-tuning launcher.
 */
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { errorText } from '@/components/admin/shared';
import {
  EXPORT_FORMAT_LABELS,
  EXPORT_POLL_INTERVAL_MS,
  EXPORT_SOURCE_LABELS,
  formatBytes,
} from '@/components/exports/export-display';
import { FineTunePanel } from '@/components/exports/fine-tune-panel';
import { isJobActive, JobStatusBadge } from '@/components/import/import-summary';
import { ActiveJobControls, useFollowedJob } from '@/components/jobs/followed-job';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { TableHead } from '@/components/ui/table';
import { ErrorMessage } from '@/components/ui/states';
import type { ExportCounts } from '@/lib/core/export/manifest';
import type { ExportSource } from '@/lib/core/export/types';
import { useTRPC } from '@/lib/trpc/client';

const DOWNLOADABLE = new Set(['train.jsonl', 'validation.jsonl', 'dataset_info.json']);

function CountsTable({ label, rows }: { label: string; rows: [string, ExportCounts][] }) {
  return (
    <table className="w-full text-sm" aria-label={label}>
      <TableHead
        columns={[label, { label: 'Trajectories', align: 'right' }, { label: 'Examples', align: 'right' }]}
      />
      <tbody className="divide-y divide-slate-100">
        {rows.map(([name, counts]) => (
          <tr key={name}>
            <td className="py-1 pr-4">{name}</td>
            <td className="py-1 pr-4 text-right tabular-nums">{counts.trajectories}</td>
            <td className="py-1 pr-4 text-right tabular-nums">{counts.examples}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunningExport({ jobId }: { jobId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { job, cancel } = useFollowedJob(jobId, EXPORT_POLL_INTERVAL_MS);
  const finished = job.data !== undefined && !isJobActive(job.data.status);
  useEffect(() => {
    // The export's manifest (or error) appears once its job ends.
    if (finished) void queryClient.invalidateQueries({ queryKey: trpc.exports.get.queryKey() });
  }, [finished, queryClient, trpc]);
  return (
    <ActiveJobControls
      jobId={jobId}
      progress={job.data?.progress ?? 0}
      label={job.data?.progressMessage ?? 'Queued'}
      cancel={cancel}
    />
  );
}

export function ExportDetail({
  exportId,
  canRun,
  canLaunch,
}: {
  exportId: string;
  canRun: boolean;
  canLaunch: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: exported } = useSuspenseQuery(trpc.exports.get.queryOptions({ id: exportId }));
  const rerun = useMutation(
    trpc.exports.rerun.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({ queryKey: trpc.exports.get.queryKey({ id: exportId }) }),
    }),
  );
  const verify = useMutation(trpc.exports.verify.mutationOptions());
  const manifest = exported.manifest;
  const stopped = ['failed', 'cancelled', 'interrupted'].includes(exported.status);

  return (
    <div className="space-y-5">
      <Breadcrumbs
        items={[
          { label: 'Exports', href: '/exports' },
          { label: exportId.slice(0, 8), mono: true },
        ]}
      />
      <PageHeader
        title={
          <span className="flex items-center gap-2">
            Export <span className="font-mono">{exportId.slice(0, 8)}</span>{' '}
            <JobStatusBadge status={exported.status} />
          </span>
        }
        subtitle={`Iteration ${exported.iterationId} · ${EXPORT_FORMAT_LABELS[exported.format]} · ${exported.options.sources
          .map((s) => EXPORT_SOURCE_LABELS[s])
          .join(
            ', ',
          )} · seed ${exported.options.seed}, ${Math.round(exported.options.validationFraction * 1000) / 10} % validation${
          exported.options.includeEarlierIterations ? ' · with earlier iterations' : ''
        }${exported.options.includeSeedPassing ? ' · with tasks that pass on the seed' : ''}`}
      />
      <p className="text-sm text-slate-600">
        Launched by {exported.createdByEmail ?? 'cli'} <DateTime value={exported.createdAt} />
        {exported.finishedAt ? (
          <>
            {' '}
            · written <DateTime value={exported.finishedAt} />
          </>
        ) : null}
      </p>

      {isJobActive(exported.status) && exported.jobId ? (
        <Card title="Writing">
          <RunningExport jobId={exported.jobId} />
        </Card>
      ) : null}
      {stopped ? (
        <Card title="Not written">
          <div className="space-y-2">
            {exported.error ? <ErrorMessage>{exported.error}</ErrorMessage> : null}
            <p className="text-sm text-slate-600">
              Nothing was left in the export folder. Re-running writes it from the start.
            </p>
            {canRun ? (
              <Button type="button" onClick={() => rerun.mutate({ id: exportId })} disabled={rerun.isPending}>
                {rerun.isPending ? 'Starting…' : 'Re-run export'}
              </Button>
            ) : null}
            {rerun.isError ? <ErrorMessage>{errorText(rerun.error)}</ErrorMessage> : null}
          </div>
        </Card>
      ) : null}

      {manifest ? (
        <>
          <div className="grid gap-5 lg:grid-cols-3">
            <Card title="Splits">
              <CountsTable
                label="Split"
                rows={[
                  ['train', manifest.counts.train],
                  ['validation', manifest.counts.validation],
                ]}
              />
              <p className="mt-2 text-xs text-slate-500">
                {manifest.counts.images.files > 0
                  ? `${manifest.counts.images.files} image files, ${formatBytes(manifest.counts.images.bytes)}. `
                  : ''}
                Skipped steps:{' '}
                {Object.entries(manifest.counts.skippedSteps)
                  .map(([reason, n]) => `${n} ${reason.replaceAll('_', ' ')}`)
                  .join(', ') || 'none'}
                .
              </p>
            </Card>
            <Card title="By source">
              <CountsTable
                label="Source"
                rows={Object.entries(manifest.counts.bySource).map(([s, c]) => [
                  EXPORT_SOURCE_LABELS[s as ExportSource],
                  c,
                ])}
              />
            </Card>
            <Card title="By category">
              <CountsTable
                label="Category"
                rows={Object.entries(manifest.counts.byCategory).map(([c, n]) => [c.replaceAll('_', ' '), n])}
              />
            </Card>
          </div>
          {manifest.warnings.length > 0 ? (
            <Card title="Warnings">
              <ul className="list-disc space-y-1 pl-5 text-sm text-amber-900">
                {manifest.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </Card>
          ) : null}
          <Card title="Reproduce">
            <p className="mb-2 text-sm text-slate-600">
              Relied on {manifest.graphVersions.length} strategy-graph versions,{' '}
              {manifest.labelFunctionVersions.length} label-function versions and{' '}
              {manifest.reviewDecisions.length} review decisions (all listed in manifest.json). Sample shape:
              next action, prompt {manifest.sample.promptId} v{manifest.sample.promptVersion}.
            </p>
            <code
              aria-label="Reproduce command"
              className="block overflow-x-auto whitespace-pre rounded bg-slate-100 px-2 py-1.5 text-xs text-slate-800"
            >
              {manifest.command}
            </code>
          </Card>
          <Card
            title="Files"
            actions={
              <Button
                type="button"
                variant="secondary"
                onClick={() => verify.mutate({ id: exportId })}
                disabled={verify.isPending}
              >
                {verify.isPending ? 'Verifying…' : 'Verify files'}
              </Button>
            }
          >
            {verify.data ? (
              <p
                role="status"
                className={`mb-2 text-sm ${verify.data.mismatches.length === 0 ? 'text-emerald-800' : 'text-rose-700'}`}
              >
                {verify.data.mismatches.length === 0
                  ? `All ${verify.data.checked} files match their sha256 in the manifest.`
                  : `${verify.data.mismatches.length} of ${verify.data.checked} files differ from the manifest: ${verify.data.mismatches
                      .slice(0, 5)
                      .map((m) => `${m.path} (${m.problem})`)
                      .join(', ')}`}
              </p>
            ) : null}
            {verify.isError ? <ErrorMessage>{errorText(verify.error)}</ErrorMessage> : null}
            <p className="mb-2 text-sm">
              <a
                className="font-medium text-indigo-700 underline"
                href={`/api/exports/${exportId}/manifest.json`}
              >
                manifest.json
              </a>{' '}
              <span className="text-slate-500">· on the server: {exported.dir}</span>
            </p>
            <div className="max-h-72 overflow-auto">
              <table className="w-full text-sm" aria-label="Files">
                <TableHead columns={['File', { label: 'Size', align: 'right' }, 'sha256']} />
                <tbody className="divide-y divide-slate-100">
                  {manifest.files.map((f) => (
                    <tr key={f.path}>
                      <td className="py-1 pr-4 font-mono text-xs">
                        {DOWNLOADABLE.has(f.path) ? (
                          <a
                            className="text-indigo-700 underline"
                            href={`/api/exports/${exportId}/${f.path}`}
                          >
                            {f.path}
                          </a>
                        ) : (
                          f.path
                        )}
                      </td>
                      <td className="py-1 pr-4 text-right tabular-nums">{formatBytes(f.bytes)}</td>
                      <td className="py-1 pr-4 font-mono text-xs text-slate-500" title={f.sha256}>
                        {f.sha256.slice(0, 16)}…
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
          <FineTunePanel
            exportId={exportId}
            format={exported.format}
            canLaunch={canLaunch}
            canCancel={canLaunch}
          />
        </>
      ) : null}
    </div>
  );
}
