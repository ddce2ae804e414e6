'use client';
/**
 * The Models page (PI only): per role (`coder` writes label functions, `agent` is the vision model)
 * the provider and its endpoint, model, API key (write-only), timeout, retries, concurrency and
 * sampling, saved through `llm.settings.update`; "Test connection" sends the `ping` prompt through
 * the saved settings (`llm.testConnection`) and links the recorded call.
 */
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useId, useState, type FormEvent } from 'react';
import { errorText } from '@/components/admin/shared';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { Field, Input, Select } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import { LLM_ROLES, type LlmProviderName, type LlmRole, type SamplingParams } from '@/lib/core/llm/types';
import { formText } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';
import type { LlmSettingsView } from '@/server/llm/settings-service';

const ROLE_INFO: Record<LlmRole, { title: string; description: string }> = {
  coder: {
    title: 'Coder model',
    description: 'Writes label functions for key steps (stage S).',
  },
  agent: {
    title: 'Agent model',
    description:
      'The vision model: picks key steps (stage K), infers and refines intents from failed rollouts, proposes task variants.',
  },
};

const PROVIDER_LABELS: Record<LlmProviderName, string> = {
  heuristic: 'Heuristic (offline, deterministic)',
  openai: 'OpenAI-compatible server',
};

const SAMPLING_FIELDS: { key: keyof SamplingParams; label: string; step: string; hint: string }[] = [
  { key: 'temperature', label: 'temperature', step: 'any', hint: '0–2' },
  { key: 'top_p', label: 'top_p', step: 'any', hint: '0–1' },
  {
    key: 'top_k',
    label: 'top_k',
    step: '1',
    hint: 'sent as an extra body field (vLLM, SGLang); empty for OpenAI itself',
  },
  { key: 'max_tokens', label: 'max_tokens', step: '1', hint: 'longest reply, in tokens' },
];

/** '' → null (the field is not sent), else the number (NaN lets the server reject it). */
function optionalNumber(data: FormData, name: string): number | null {
  const text = formText(data, name).trim();
  return text === '' ? null : Number(text);
}

export function ModelSettings() {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.llm.settings.get.queryOptions());
  const [savedRoles, setSavedRoles] = useState<LlmRole[]>([]);
  return (
    <div className="space-y-5">
      <PageHeader
        title="Models"
        subtitle="Which model answers each role of the abstraction and extrapolation pipelines. Settings apply to the next pipeline job. Every change is written to the audit log (never the key)."
      />
      <div className="grid gap-5 xl:grid-cols-2">
        {LLM_ROLES.map((role) => (
          // Re-mounted after each save so the fields show what was stored; `justSaved` survives that.
          <RoleSettingsForm
            key={`${role}-${data[role].updatedAt?.getTime() ?? 0}`}
            view={data[role]}
            justSaved={savedRoles.includes(role)}
            onSaved={() => setSavedRoles((roles) => (roles.includes(role) ? roles : [...roles, role]))}
          />
        ))}
      </div>
    </div>
  );
}

function RoleSettingsForm({
  view,
  justSaved,
  onSaved,
}: {
  view: LlmSettingsView;
  justSaved: boolean;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [provider, setProvider] = useState<LlmProviderName>(view.provider);
  const keyHintId = useId();
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.llm.settings.get.queryKey() });
  const update = useMutation(
    trpc.llm.settings.update.mutationOptions({
      onSuccess: async () => {
        onSaved();
        await invalidate();
      },
    }),
  );
  const clearKey = useMutation(trpc.llm.settings.update.mutationOptions({ onSuccess: invalidate }));
  const test = useMutation(trpc.llm.testConnection.mutationOptions());
  const info = ROLE_INFO[view.role];
  const isOpenAi = provider === 'openai';

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const apiKey = formText(data, 'apiKey');
    update.mutate({
      role: view.role,
      provider,
      baseUrl: isOpenAi ? formText(data, 'baseUrl').trim() || null : null,
      model: isOpenAi ? formText(data, 'model').trim() : undefined,
      // Empty = keep the stored key (the field is never pre-filled).
      apiKey: isOpenAi && apiKey !== '' ? apiKey : undefined,
      timeoutMs: Number(formText(data, 'timeoutMs')),
      maxRetries: Number(formText(data, 'maxRetries')),
      concurrency: Number(formText(data, 'concurrency')),
      sampling: {
        temperature: optionalNumber(data, 'temperature'),
        top_p: optionalNumber(data, 'top_p'),
        top_k: optionalNumber(data, 'top_k'),
        max_tokens: optionalNumber(data, 'max_tokens'),
      },
    });
  }

  function onClearKey() {
    // Clears only the key: the other fields are sent as they are stored.
    clearKey.mutate({
      role: view.role,
      provider: view.provider,
      baseUrl: view.baseUrl,
      model: view.model,
      apiKey: null,
      timeoutMs: view.timeoutMs,
      maxRetries: view.maxRetries,
      concurrency: view.concurrency,
      sampling: view.sampling,
    });
  }

  return (
    <Card
      title={info.title}
      actions={
        <Badge tone={view.provider === 'heuristic' ? 'slate' : 'indigo'}>
          saved: {view.provider} · {view.model}
        </Badge>
      }
    >
      <form aria-label={`${info.title} settings`} onSubmit={onSubmit} className="space-y-4">
        <p className="text-sm text-slate-600">{info.description}</p>
        <Field label="Provider">
          <Select
            name="provider"
            value={provider}
            onChange={(e) => setProvider(e.target.value === 'openai' ? 'openai' : 'heuristic')}
          >
            {(['heuristic', 'openai'] as const).map((p) => (
              <option key={p} value={p}>
                {PROVIDER_LABELS[p]}
              </option>
            ))}
          </Select>
        </Field>
        {isOpenAi ? null : (
          <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700 ring-1 ring-slate-200">
            <strong>Heuristic</strong> is offline and deterministic: no model server, no network; the same
            input always gives the same answer. It keeps the pipelines running for demos, tests and CI, but
            its label functions and intents are simple rules, not a model&apos;s work.
          </p>
        )}
        {/* Kept in the DOM while hidden so switching providers does not lose what was typed. */}
        <fieldset hidden={!isOpenAi} className="space-y-3">
          <Field
            label="Base URL"
            hint="The server's OpenAI-compatible API root, e.g. http://gpu-box:8000/v1 (vLLM) or https://api.openai.com/v1."
          >
            <Input
              name="baseUrl"
              type="url"
              defaultValue={view.baseUrl ?? ''}
              placeholder="http://localhost:8000/v1"
              required={isOpenAi}
              autoComplete="off"
            />
          </Field>
          <Field label="Model">
            <Input
              name="model"
              defaultValue={view.provider === 'openai' ? view.model : ''}
              placeholder="Qwen/Qwen2.5-VL-7B-Instruct"
              required={isOpenAi}
              autoComplete="off"
            />
          </Field>
          <div className="space-y-1">
            <Field label="API key">
              <Input
                name="apiKey"
                type="password"
                autoComplete="new-password"
                placeholder={
                  view.hasApiKey ? 'leave empty to keep the stored key' : 'none (local servers need none)'
                }
                aria-describedby={keyHintId}
              />
            </Field>
            <div id={keyHintId} className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
              {view.hasApiKey ? (
                <>
                  <span data-testid={`${view.role}-key-stored`}>
                    A key is stored (encrypted; it is never shown).
                  </span>
                  <Button
                    type="button"
                    variant="ghost"
                    className="px-1.5 py-0.5 text-xs"
                    disabled={clearKey.isPending}
                    onClick={onClearKey}
                  >
                    Clear key
                  </Button>
                </>
              ) : (
                <span>No key stored. Typing one here replaces the stored key on save.</span>
              )}
            </div>
            {clearKey.isError ? <ErrorMessage>{errorText(clearKey.error)}</ErrorMessage> : null}
          </div>
        </fieldset>
        <div className="grid grid-cols-3 gap-3">
          <Field label="Timeout (ms)" hint="per attempt">
            <Input
              name="timeoutMs"
              type="number"
              min={1000}
              max={600000}
              step={1}
              defaultValue={view.timeoutMs}
              required
            />
          </Field>
          <Field label="Retries" hint="after the first attempt">
            <Input
              name="maxRetries"
              type="number"
              min={0}
              max={10}
              step={1}
              defaultValue={view.maxRetries}
              required
            />
          </Field>
          <Field label="Concurrency" hint="calls in flight">
            <Input
              name="concurrency"
              type="number"
              min={1}
              max={64}
              step={1}
              defaultValue={view.concurrency}
              required
            />
          </Field>
        </div>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Sampling</legend>
          <p className="text-xs text-slate-500">
            Defaults from CORE: temperature 1.0, top_p 0.9, top_k 50. An empty field is not sent.
          </p>
          <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
            {SAMPLING_FIELDS.map((f) => (
              <Field key={f.key} label={f.label} hint={f.hint}>
                <Input
                  name={f.key}
                  type="number"
                  step={f.step}
                  min={0}
                  defaultValue={view.sampling[f.key] ?? ''}
                  inputMode="decimal"
                />
              </Field>
            ))}
          </div>
        </fieldset>
        {update.isError ? <ErrorMessage>{errorText(update.error)}</ErrorMessage> : null}
        {(justSaved || update.isSuccess) && !update.isPending ? (
          <p role="status" className="text-sm text-emerald-800">
            Saved.
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" disabled={update.isPending}>
            {update.isPending ? 'Saving…' : 'Save'}
          </Button>
          <Button
            type="button"
            variant="secondary"
            disabled={test.isPending}
            onClick={() => test.mutate({ role: view.role })}
          >
            {test.isPending ? 'Testing…' : 'Test connection'}
          </Button>
          <span className="text-xs text-slate-500">
            Tests the saved settings.{' '}
            {view.updatedAt ? (
              <>
                Last saved <DateTime value={view.updatedAt} />.
              </>
            ) : (
              'Nothing saved yet (heuristic by default).'
            )}
          </span>
        </div>
        {test.isError ? <ErrorMessage>{errorText(test.error)}</ErrorMessage> : null}
        {test.data ? <TestResult result={test.data} /> : null}
      </form>
    </Card>
  );
}

function TestResult({
  result,
}: {
  result: {
    ok: boolean;
    model: string | null;
    latencyMs: number;
    error: string | null;
    reply: string | null;
    callId: string | null;
  };
}) {
  const callLink = result.callId ? (
    <Link href={`/model-calls/${result.callId}`} className="underline">
      view the call
    </Link>
  ) : null;
  if (!result.ok) {
    return (
      <ErrorMessage>
        Connection failed: {result.error}
        {callLink ? <> ({callLink})</> : null}
      </ErrorMessage>
    );
  }
  return (
    <p
      role="status"
      data-testid="connection-ok"
      className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 ring-1 ring-emerald-200"
    >
      Connected: <strong>{result.model}</strong> answered in {result.latencyMs} ms
      {result.reply ? <> (“{result.reply.slice(0, 80)}”)</> : null}
      {callLink ? <> · {callLink}</> : null}
    </p>
  );
}
