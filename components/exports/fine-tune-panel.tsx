'use client';
/**
 * "Launch fine-tuning" for a finished export and its runs. The launcher is either the configured
 * OpenAI-compatible fine-tuning API (only for `openai`-format exports) or one of the commands
 * configured on the server with `npx core-curator finetune command add` (the browser only picks
 * one). Each run is a job: its status and the provider's status are polled, its log streams below,
 * and a running one can be cancelled (the provider's job is cancelled / the command killed).
 */
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { errorText } from '@/components/admin/shared';
import {
  describeRunTarget,
  EXPORT_POLL_INTERVAL_MS,
  fineTuneRunsInput,
  openAiLaunchProblem,
} from '@/components/exports/export-display';
import { RunLog } from '@/components/exports/run-log';
import { isJobActive, JobStatusBadge } from '@/components/import/import-summary';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { Field, Select } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import type { ExportFormat } from '@/lib/core/export/types';
import { useTRPC } from '@/lib/trpc/client';

export function FineTunePanel({
  exportId,
  format,
  canLaunch,
  canCancel,
}: {
  exportId: string;
  format: ExportFormat;
  canLaunch: boolean;
  canCancel: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: settings } = useSuspenseQuery(trpc.fineTune.settings.queryOptions());
  const { data: runs } = useSuspenseQuery(
    trpc.fineTune.runs.queryOptions(fineTuneRunsInput(exportId), {
      refetchInterval: (query) =>
        query.state.data?.some((r) => isJobActive(r.status)) ? EXPORT_POLL_INTERVAL_MS : false,
    }),
  );
  const apiProblem = openAiLaunchProblem(format, settings.openai);
  const [launcher, setLauncher] = useState<'openai' | 'command'>(apiProblem === null ? 'openai' : 'command');
  const [command, setCommand] = useState(settings.commands[0]?.name ?? '');
  const [shownRunId, setShownRunId] = useState<string | null>(null);
  const refreshRuns = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.fineTune.runs.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.iterations.list.queryKey() }),
    ]);
  const launch = useMutation(
    trpc.fineTune.launch.mutationOptions({
      onSuccess: ({ runId }) => {
        setShownRunId(runId);
        return refreshRuns();
      },
    }),
  );
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({ onSuccess: refreshRuns }));
  const shown = runs.find((r) => r.id === shownRunId) ?? runs[0] ?? null;
  const chosenCommand = settings.commands.find((c) => c.name === command) ?? null;
  const canSubmit = launcher === 'openai' ? apiProblem === null : chosenCommand !== null;

  return (
    <Card title="Launch fine-tuning">
      {canLaunch ? (
        <form
          aria-label="Launch fine-tuning"
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            launch.mutate(
              launcher === 'openai'
                ? { exportId, launcher: 'openai' }
                : { exportId, launcher: 'command', command },
            );
          }}
        >
          <fieldset className="space-y-2 text-sm">
            <legend className="sr-only">Launcher</legend>
            <label className="flex items-start gap-2">
              <input
                type="radio"
                name="launcher"
                className="mt-1"
                checked={launcher === 'openai'}
                disabled={apiProblem !== null}
                onChange={() => setLauncher('openai')}
              />
              <span>
                <span className="font-medium text-slate-900">OpenAI-compatible fine-tuning API</span>
                <span className="block text-xs text-slate-500">
                  {apiProblem ??
                    `Uploads train.jsonl and validation.jsonl, creates a job for ${settings.openai?.model} at ${settings.openai?.baseUrl} and follows it.`}
                </span>
              </span>
            </label>
            <label className="flex items-start gap-2">
              <input
                type="radio"
                name="launcher"
                className="mt-1"
                checked={launcher === 'command'}
                disabled={settings.commands.length === 0}
                onChange={() => setLauncher('command')}
              />
              <span>
                <span className="font-medium text-slate-900">A command on the server</span>
                <span className="block text-xs text-slate-500">
                  {settings.commands.length === 0
                    ? 'No command is configured. Add one on the server: npx core-curator finetune command add <name> -- <command…>'
                    : 'Runs in the export folder with its paths in the placeholders; its output streams below.'}
                </span>
              </span>
            </label>
          </fieldset>
          {launcher === 'command' && settings.commands.length > 0 ? (
            <div className="max-w-xl space-y-1">
              <Field label="Command">
                <Select value={command} onChange={(e) => setCommand(e.target.value)}>
                  {settings.commands.map((c) => (
                    <option key={c.name} value={c.name}>
                      {c.name}
                      {c.description ? ` — ${c.description}` : ''}
                    </option>
                  ))}
                </Select>
              </Field>
              {chosenCommand ? (
                <code className="block overflow-x-auto whitespace-pre rounded bg-slate-100 px-2 py-1 text-xs text-slate-700">
                  {chosenCommand.argv.join(' ')}
                </code>
              ) : null}
            </div>
          ) : null}
          <Button type="submit" disabled={!canSubmit || launch.isPending}>
            {launch.isPending ? 'Launching…' : 'Launch fine-tuning'}
          </Button>
          {launch.isError ? <ErrorMessage>{errorText(launch.error)}</ErrorMessage> : null}
        </form>
      ) : (
        <p className="text-sm text-slate-600">Researchers and PIs launch fine-tuning runs.</p>
      )}

      <h3 className="mt-5 text-sm font-semibold text-slate-800">Runs</h3>
      {runs.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600">No fine-tuning run of this export yet.</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-100 text-sm" aria-label="Fine-tuning runs">
          {runs.map((run) => (
            <li key={run.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5">
              <button
                type="button"
                className={`font-mono text-xs ${shown?.id === run.id ? 'font-semibold text-slate-900' : 'text-indigo-700 underline'}`}
                aria-pressed={shown?.id === run.id}
                onClick={() => setShownRunId(run.id)}
              >
                {run.id.slice(0, 8)}
              </button>
              <span>{describeRunTarget(run)}</span>
              <JobStatusBadge status={run.status} />
              {run.externalJobId ? (
                <span className="text-slate-600">
                  {run.externalJobId} · {run.externalStatus ?? '…'}
                </span>
              ) : null}
              {run.resultModel ? (
                <span className="font-mono text-xs text-emerald-800">{run.resultModel}</span>
              ) : null}
              {run.exitCode !== null ? <span className="text-slate-600">exit {run.exitCode}</span> : null}
              <span className="text-slate-500">
                <DateTime value={run.createdAt} /> · {run.createdByEmail ?? 'cli'}
              </span>
              {canCancel && isJobActive(run.status) && run.jobId ? (
                <Button
                  type="button"
                  variant="secondary"
                  disabled={cancel.isPending}
                  onClick={() => cancel.mutate({ id: run.jobId! })}
                >
                  Cancel run
                </Button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {cancel.isError ? <ErrorMessage>{errorText(cancel.error)}</ErrorMessage> : null}
      {shown ? (
        <div className="mt-3 space-y-1">
          <p className="text-sm text-slate-700">
            Log of run <span className="font-mono">{shown.id.slice(0, 8)}</span>
            {shown.error ? <span className="text-rose-700"> — {shown.error}</span> : null}
          </p>
          <RunLog key={shown.id} runId={shown.id} active={isJobActive(shown.status)} />
        </div>
      ) : null}
    </Card>
  );
}
