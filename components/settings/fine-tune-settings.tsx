'use client';
/**
 * Fine-tuning settings (PIs): the OpenAI-compatible fine-tuning API "Launch fine-tuning" uses
 * (base URL, base model, API key — write-only, stored sealed —, epochs, model-name suffix, polling
 * interval), and, read-only, the launch commands configured on the server. Commands run on the
 * server machine, so they are added from a terminal there (`npx core-curator finetune command add`),
 * never from a browser.
 */
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorText } from '@/components/admin/shared';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

export function FineTuneSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: settings } = useSuspenseQuery(trpc.fineTune.settings.queryOptions());
  const current = settings.openai;
  const [baseUrl, setBaseUrl] = useState(current?.baseUrl ?? '');
  const [model, setModel] = useState(current?.model ?? '');
  const [apiKey, setApiKey] = useState('');
  const [clearKey, setClearKey] = useState(false);
  const [epochs, setEpochs] = useState(current ? String(current.nEpochs) : 'auto');
  const [suffix, setSuffix] = useState(current?.suffix ?? '');
  const [pollSeconds, setPollSeconds] = useState(String((current?.pollIntervalMs ?? 10_000) / 1000));
  const [formError, setFormError] = useState<string | null>(null);
  const save = useMutation(
    trpc.fineTune.updateOpenAiSettings.mutationOptions({
      onSuccess: () => {
        setApiKey('');
        setClearKey(false);
        return queryClient.invalidateQueries({ queryKey: trpc.fineTune.settings.queryKey() });
      },
    }),
  );

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const nEpochs = epochs.trim() === 'auto' ? 'auto' : Number(epochs);
    if (nEpochs !== 'auto' && (!Number.isInteger(nEpochs) || nEpochs < 1 || nEpochs > 50)) {
      setFormError('Epochs is "auto" or a whole number from 1 to 50.');
      return;
    }
    const poll = Number(pollSeconds);
    if (!Number.isFinite(poll) || poll < 0.5 || poll > 600) {
      setFormError('Poll every 0.5 to 600 seconds.');
      return;
    }
    setFormError(null);
    save.mutate({
      baseUrl: baseUrl.trim(),
      model: model.trim(),
      apiKey: clearKey ? '' : apiKey === '' ? undefined : apiKey,
      nEpochs,
      suffix: suffix.trim() === '' ? null : suffix.trim(),
      pollIntervalMs: Math.round(poll * 1000),
    });
  }

  return (
    <div className="space-y-5">
      <PageHeader
        title="Fine-tuning"
        subtitle="Where “Launch fine-tuning” sends an export: an OpenAI-compatible fine-tuning API, or a command on this server."
      />
      <Card title="OpenAI-compatible fine-tuning API">
        <form aria-label="Fine-tuning API" onSubmit={onSubmit} className="max-w-2xl space-y-4" noValidate>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Base URL" hint="e.g. https://api.openai.com/v1 or your gateway's /v1">
              <Input
                value={baseUrl}
                onChange={(e) => setBaseUrl(e.target.value)}
                placeholder="https://api.openai.com/v1"
              />
            </Field>
            <Field label="Base model" hint="The model the job fine-tunes.">
              <Input
                value={model}
                onChange={(e) => setModel(e.target.value)}
                placeholder="gpt-4o-2024-08-06"
              />
            </Field>
            <Field
              label="API key"
              hint={
                current?.hasApiKey
                  ? 'A key is stored (never shown). Leave empty to keep it.'
                  : 'Stored encrypted; never sent back to a browser.'
              }
            >
              <Input
                type="password"
                autoComplete="off"
                value={apiKey}
                onChange={(e) => setApiKey(e.target.value)}
                disabled={clearKey}
              />
            </Field>
            <Field label="Epochs" hint='"auto" lets the provider choose.'>
              <Input value={epochs} onChange={(e) => setEpochs(e.target.value)} />
            </Field>
            <Field label="Model name suffix" hint="Optional: a-z, 0-9 and -, up to 40 characters.">
              <Input value={suffix} onChange={(e) => setSuffix(e.target.value)} placeholder="core-it2" />
            </Field>
            <Field label="Poll every (seconds)">
              <Input
                inputMode="decimal"
                value={pollSeconds}
                onChange={(e) => setPollSeconds(e.target.value)}
              />
            </Field>
          </div>
          {current?.hasApiKey ? (
            <label className="flex items-center gap-2 text-sm text-slate-700">
              <input type="checkbox" checked={clearKey} onChange={(e) => setClearKey(e.target.checked)} />
              Remove the stored key
            </label>
          ) : null}
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save'}
          </Button>
          {save.isSuccess ? (
            <p role="status" className="text-sm text-emerald-800">
              Saved.
            </p>
          ) : null}
          {formError ? <ErrorMessage>{formError}</ErrorMessage> : null}
          {save.isError ? <ErrorMessage>{errorText(save.error)}</ErrorMessage> : null}
        </form>
      </Card>
      <Card title="Commands on this server">
        <p className="mb-3 text-sm text-slate-600">
          Added and removed in a terminal on the server, e.g.{' '}
          <code className="rounded bg-slate-100 px-1 text-xs">
            npx core-curator finetune command add llamafactory -- llamafactory-cli train --dataset_dir{' '}
            {'{export_dir}'} …
          </code>
          . They run in the export folder with its paths in the placeholders and a minimal environment.
        </p>
        {settings.commands.length === 0 ? (
          <p className="text-sm text-slate-600">No command configured.</p>
        ) : (
          <ul className="space-y-2 text-sm">
            {settings.commands.map((c) => (
              <li key={c.name}>
                <span className="font-medium text-slate-900">{c.name}</span>
                {c.description ? <span className="text-slate-600"> — {c.description}</span> : null}
                <code className="mt-0.5 block overflow-x-auto whitespace-pre rounded bg-slate-100 px-2 py-1 text-xs">
                  {c.argv.join(' ')}
                </code>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
