'use client';
/**
 * The Rollout settings page (`settings:rollouts`):
 * - the rollout settings every rollouts job starts from (browsers at once, samples per task, max
 *   steps, step timeout, the noisy expert's noise) — `rollouts.updateSettings`;
 * - WebArena site URLs: placeholder → base URL of the user's own site (`__SHOPPING__` in a task's
 *   start URL becomes the SHOPPING URL) — `rollouts.updateSiteUrls`;
 * - Allowed hosts: origins a rollout's browser may reach besides its app's server and the site
 *   URLs (README › Security › Rollout network); PIs edit them (`rollouts.updateAllowedHosts`),
 *   researchers read them;
 * - Environments: the registered State-API apps, "Check tasks" per app (a seed-check job,
 *   `rollouts.checkApps`: which tasks pass on the untouched seed), and "Add app folder"
 *   (`rollouts.addApp`) for a folder on the server machine.
 * Every save is audited server-side; server errors are shown as they come.
 */
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorText } from '@/components/admin/shared';
import {
  EXAMPLE_SITE_URL,
  siteUrlRowsFrom,
  validateSiteUrlRows,
  type SiteUrlRow,
  type SiteUrlRowError,
} from '@/components/settings/site-url-rows';
import { SeedCheckProgress, useSeedCheck } from '@/components/rollouts/seed-check';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { Field, Input } from '@/components/ui/field';
import { EmptyState, ErrorMessage } from '@/components/ui/states';
import { TableHead } from '@/components/ui/table';
import { formText } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';

const MS_PER_SECOND = 1000;

const CODE_CLASS = 'rounded bg-slate-100 px-1 font-mono text-xs';

export function RolloutSettings({
  canSeeApps,
  canManageApps,
  canEditNetwork,
}: {
  /** May list the registered apps (`rollouts:watch`). */
  canSeeApps: boolean;
  /** May add an app folder (`environments:manage`). */
  canManageApps: boolean;
  /** May edit the allowed hosts (`settings:rollout-network`, PIs). */
  canEditNetwork: boolean;
}) {
  return (
    <div className="space-y-5">
      <PageHeader
        title="Rollout settings"
        subtitle="What every rollouts job starts from, where your WebArena sites live, and which State-API apps rollouts can run on. A job started from the Live page or the CLI may override browsers, samples and noise."
      />
      <div className="grid gap-5 xl:grid-cols-2">
        <SettingsForm />
        <SiteUrlsForm />
        <AllowedHostsForm canEdit={canEditNetwork} />
      </div>
      {canSeeApps ? <Environments canManageApps={canManageApps} /> : null}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Rollout settings
// ---------------------------------------------------------------------------------------------

function SettingsForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data } = useSuspenseQuery(trpc.rollouts.settings.queryOptions());
  const update = useMutation(
    trpc.rollouts.updateSettings.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.rollouts.settings.queryKey() }),
    }),
  );
  const settings = data.rollouts;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    // Non-numbers become NaN and the server names the field.
    update.mutate({
      parallelBrowsers: Number(formText(form, 'parallelBrowsers')),
      samplesPerTask: Number(formText(form, 'samplesPerTask')),
      maxSteps: Number(formText(form, 'maxSteps')),
      stepTimeoutMs: Math.round(Number(formText(form, 'stepTimeoutSeconds')) * MS_PER_SECOND),
      noise: Number(formText(form, 'noise')),
    });
  }

  return (
    <Card title="Rollouts">
      <form aria-label="Rollout settings" onSubmit={onSubmit} className="space-y-4">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Parallel browsers" hint="browsers at once; each uses ~300 MB (1–16)">
            <Input
              name="parallelBrowsers"
              type="number"
              min={1}
              max={16}
              step={1}
              defaultValue={settings.parallelBrowsers}
              required
            />
          </Field>
          <Field label="Samples per task" hint="CORE samples 5 per task (1–50)">
            <Input
              name="samplesPerTask"
              type="number"
              min={1}
              max={50}
              step={1}
              defaultValue={settings.samplesPerTask}
              required
            />
          </Field>
          <Field label="Max steps" hint="steps per rollout before it ends unfinished (1–100)">
            <Input
              name="maxSteps"
              type="number"
              min={1}
              max={100}
              step={1}
              defaultValue={settings.maxSteps}
              required
            />
          </Field>
          <Field
            label="Step timeout (seconds)"
            hint="one step (policy + action) may take this long; a slower step ends the rollout errored (1–600 s)"
          >
            <Input
              name="stepTimeoutSeconds"
              type="number"
              min={1}
              max={600}
              step="any"
              defaultValue={settings.stepTimeoutMs / MS_PER_SECOND}
              required
            />
          </Field>
          <Field label="Noise" hint="probability the noisy expert deviates at a step (0–1)">
            <Input
              name="noise"
              type="number"
              min={0}
              max={1}
              step="any"
              defaultValue={settings.noise}
              required
            />
          </Field>
        </div>
        {update.isError ? <ErrorMessage>{errorText(update.error)}</ErrorMessage> : null}
        {update.isSuccess && !update.isPending ? (
          <p role="status" className="text-sm text-emerald-800">
            Saved. New rollouts jobs use these settings.
          </p>
        ) : null}
        <Button type="submit" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save'}
        </Button>
      </form>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// WebArena site URLs
// ---------------------------------------------------------------------------------------------

function SiteUrlsForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data } = useSuspenseQuery(trpc.rollouts.settings.queryOptions());
  // The editor's rows start from the stored URLs; after that they are what the user typed.
  const [rows, setRows] = useState<SiteUrlRow[]>(() => {
    const saved = siteUrlRowsFrom(data.siteUrls);
    return saved.length > 0 ? saved : [{ id: 'new-0', placeholder: '', url: '' }];
  });
  const [nextRowNumber, setNextRowNumber] = useState(1);
  const [rowErrors, setRowErrors] = useState<SiteUrlRowError[]>([]);
  const update = useMutation(
    trpc.rollouts.updateSiteUrls.mutationOptions({
      onSuccess: (saved) => {
        // The rows show what was stored (`__shopping__` → SHOPPING), sorted.
        setRows(siteUrlRowsFrom(saved));
        return queryClient.invalidateQueries({ queryKey: trpc.rollouts.settings.queryKey() });
      },
    }),
  );

  function setRow(id: string, patch: Partial<SiteUrlRow>) {
    setRows((prev) => prev.map((r) => (r.id === id ? { ...r, ...patch } : r)));
    update.reset();
  }

  function addRow() {
    setRows((prev) => [...prev, { id: `new-${nextRowNumber}`, placeholder: '', url: '' }]);
    setNextRowNumber((n) => n + 1);
  }

  function removeRow(id: string) {
    setRows((prev) => prev.filter((r) => r.id !== id));
    setRowErrors((prev) => prev.filter((e) => e.rowId !== id));
    update.reset();
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const checked = validateSiteUrlRows(rows);
    if (!checked.ok) {
      setRowErrors(checked.errors);
      return;
    }
    setRowErrors([]);
    update.mutate({ siteUrls: checked.siteUrls });
  }

  return (
    <Card title="WebArena site URLs">
      <form aria-label="WebArena site URLs" onSubmit={onSubmit} className="space-y-3" noValidate>
        <p className="text-sm text-slate-600">
          WebArena and VisualWebArena tasks name their sites by placeholder:{' '}
          <code className={CODE_CLASS}>__SHOPPING__</code> in a task&apos;s start URL (and in its evaluator)
          is replaced with the URL of <code className={CODE_CLASS}>SHOPPING</code> below, e.g.{' '}
          <code className={CODE_CLASS}>{EXAMPLE_SITE_URL.url}</code>. Point each placeholder at your own
          instance of the site. A task whose placeholder has no URL fails to start, naming it.
        </p>
        <table aria-label="Site URLs" className="w-full text-left text-sm">
          <TableHead columns={['Placeholder', 'URL', { label: 'Remove', hidden: true }]} />
          <tbody>
            {rows.map((row, i) => {
              const error = rowErrors.find((e) => e.rowId === row.id);
              return (
                <tr key={row.id} className="align-top">
                  <td className="py-1 pr-2">
                    <Input
                      aria-label={`Placeholder ${i + 1}`}
                      aria-invalid={error ? true : undefined}
                      value={row.placeholder}
                      placeholder={EXAMPLE_SITE_URL.placeholder}
                      autoComplete="off"
                      spellCheck={false}
                      className="font-mono"
                      onChange={(e) => setRow(row.id, { placeholder: e.currentTarget.value })}
                    />
                    {error ? (
                      <p role="alert" className="mt-1 text-xs text-rose-700">
                        {error.message}
                      </p>
                    ) : null}
                  </td>
                  <td className="py-1 pr-2">
                    <Input
                      aria-label={`URL ${i + 1}`}
                      aria-invalid={error ? true : undefined}
                      type="url"
                      value={row.url}
                      placeholder={EXAMPLE_SITE_URL.url}
                      autoComplete="off"
                      spellCheck={false}
                      onChange={(e) => setRow(row.id, { url: e.currentTarget.value })}
                    />
                  </td>
                  <td className="py-1 text-right">
                    <Button
                      type="button"
                      variant="ghost"
                      aria-label={`Remove row ${i + 1}`}
                      onClick={() => removeRow(row.id)}
                    >
                      Remove
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.length === 0 ? <p className="text-sm text-slate-500">No site URLs.</p> : null}
        {update.isError ? <ErrorMessage>{errorText(update.error)}</ErrorMessage> : null}
        {update.isSuccess && !update.isPending ? (
          <p role="status" className="text-sm text-emerald-800">
            Saved {Object.keys(update.data).length} site{' '}
            {Object.keys(update.data).length === 1 ? 'URL' : 'URLs'}.
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button type="button" variant="secondary" onClick={addRow}>
            Add row
          </Button>
          <Button type="submit" disabled={update.isPending}>
            {update.isPending ? 'Saving…' : 'Save'}
          </Button>
        </div>
      </form>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Allowed hosts (rollout network)
// ---------------------------------------------------------------------------------------------

function AllowedHostsForm({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data } = useSuspenseQuery(trpc.rollouts.settings.queryOptions());
  const [text, setText] = useState(() => data.allowedHosts.join('\n'));
  const update = useMutation(
    trpc.rollouts.updateAllowedHosts.mutationOptions({
      onSuccess: (saved) => {
        // Shows what was stored: canonical, deduplicated, sorted.
        setText(saved.join('\n'));
        return queryClient.invalidateQueries({ queryKey: trpc.rollouts.settings.queryKey() });
      },
    }),
  );

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const allowedHosts = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    update.mutate({ allowedHosts });
  }

  return (
    <Card title="Allowed hosts">
      <form aria-label="Allowed hosts" onSubmit={onSubmit} className="space-y-3" noValidate>
        <p className="text-sm text-slate-600">
          A rollout&apos;s browser reaches only its app&apos;s own server, the site URLs above and these
          origins. Every other request is blocked and listed on the step. One origin per line:{' '}
          <code className={CODE_CLASS}>https://www.allrecipes.com</code>,{' '}
          <code className={CODE_CLASS}>http://10.0.0.5:8080</code>, or{' '}
          <code className={CODE_CLASS}>https://*.example.com</code> for every subdomain. A port is part of the
          origin.
        </p>
        <Field
          label="Origins"
          hint={
            canEdit ? 'scheme, host and optional port; nothing after the host' : 'only a PI can change these'
          }
        >
          <textarea
            name="allowedHosts"
            aria-label="Allowed origins"
            rows={5}
            value={text}
            readOnly={!canEdit}
            spellCheck={false}
            autoComplete="off"
            placeholder="https://www.allrecipes.com"
            className="w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-sm read-only:bg-slate-50"
            onChange={(e) => {
              setText(e.currentTarget.value);
              update.reset();
            }}
          />
        </Field>
        {update.isError ? <ErrorMessage>{errorText(update.error)}</ErrorMessage> : null}
        {update.isSuccess && !update.isPending ? (
          <p role="status" className="text-sm text-emerald-800">
            Saved {update.data.length} {update.data.length === 1 ? 'origin' : 'origins'}. New rollouts use
            them.
          </p>
        ) : null}
        {canEdit ? (
          <Button type="submit" disabled={update.isPending}>
            {update.isPending ? 'Saving…' : 'Save'}
          </Button>
        ) : null}
      </form>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------
// Environments (State-API apps)
// ---------------------------------------------------------------------------------------------

function Environments({ canManageApps }: { canManageApps: boolean }) {
  const trpc = useTRPC();
  const { data: apps } = useSuspenseQuery(trpc.rollouts.apps.queryOptions());
  const seedCheck = useSeedCheck();
  const checking = seedCheck.check.isPending;
  return (
    <Card title="Environments">
      <div className="space-y-5">
        <p className="text-sm text-slate-600">
          State-API apps are self-contained web apps in a folder (
          <code className={CODE_CLASS}>index.html</code>, <code className={CODE_CLASS}>real-tasks.json</code>,
          verifiers, optional <code className={CODE_CLASS}>expert-demos.json</code>) that rollouts run in
          Chromium without a server. Adding a folder again refreshes its tasks.
        </p>
        {apps.length === 0 ? (
          <EmptyState title="No apps registered">
            <p>
              Add an app folder below, or run{' '}
              <code className={CODE_CLASS}>npx core-curator env add environments/shop</code>.
            </p>
          </EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table aria-label="Registered apps" className="w-full text-left text-sm">
              <TableHead
                columns={[
                  'Id',
                  'Name',
                  'Folder',
                  { label: 'Tasks', align: 'right' },
                  'Updated',
                  ...(canManageApps ? [{ label: 'Seed check', align: 'right' as const }] : []),
                ]}
              />
              <tbody className="divide-y divide-slate-100">
                {apps.map((app) => (
                  <tr key={app.id}>
                    <td className="py-1.5 pr-4 font-mono text-xs text-slate-800">{app.id}</td>
                    <td className="py-1.5 pr-4 text-slate-900">{app.name}</td>
                    <td className="break-all py-1.5 pr-4 font-mono text-xs text-slate-600">{app.folder}</td>
                    <td className="py-1.5 pr-4 text-right tabular-nums">{app.taskCount}</td>
                    <td className="whitespace-nowrap py-1.5 pr-4 text-slate-600">
                      <DateTime value={app.updatedAt} />
                    </td>
                    {canManageApps ? (
                      <td className="py-1.5 text-right">
                        <Button
                          type="button"
                          variant="secondary"
                          disabled={checking}
                          aria-label={`Check tasks of ${app.name}`}
                          onClick={() => seedCheck.check.mutate({ appIds: [app.id] })}
                        >
                          Check tasks
                        </Button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canManageApps && apps.length > 0 ? (
          <div className="space-y-2">
            <p className="text-xs text-slate-500">
              <strong>Check tasks</strong> opens the app in Chromium and runs every verifier on the untouched
              seed; tasks that already pass there are flagged &ldquo;passes on the seed&rdquo; and skipped by
              rollouts and exports unless included.
            </p>
            {seedCheck.check.isError ? <ErrorMessage>{errorText(seedCheck.check.error)}</ErrorMessage> : null}
            {seedCheck.followedJobId ? (
              <SeedCheckProgress key={seedCheck.followedJobId} jobId={seedCheck.followedJobId} />
            ) : null}
          </div>
        ) : null}
        {canManageApps ? <AddAppForm /> : null}
      </div>
    </Card>
  );
}

function AddAppForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const add = useMutation(
    trpc.rollouts.addApp.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.rollouts.apps.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.tasks.list.queryKey() }),
        ]),
    }),
  );

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const id = formText(form, 'id').trim();
    add.mutate({ folder: formText(form, 'folder').trim(), ...(id ? { id } : {}) });
  }

  const summary = add.data;
  return (
    <form
      aria-label="Add app folder"
      onSubmit={onSubmit}
      className="space-y-3 rounded-md border border-slate-200 p-3"
    >
      <h3 className="text-sm font-semibold text-slate-800">Add app folder</h3>
      <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_12rem]">
        <Field
          label="Folder on the server"
          hint="A path on the machine that runs core-curator: absolute, or relative to the folder it was started in (e.g. environments/shop)."
        >
          <Input
            name="folder"
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="environments/shop"
          />
        </Field>
        <Field label="App id (optional)" hint="lower-case letters, digits, dashes; default: the folder name">
          <Input name="id" autoComplete="off" spellCheck={false} maxLength={40} placeholder="shop" />
        </Field>
      </div>
      {add.isError ? (
        <ErrorMessage>
          <span className="whitespace-pre-wrap">{errorText(add.error)}</span>
        </ErrorMessage>
      ) : null}
      {summary && !add.isPending ? (
        <p
          role="status"
          data-testid="add-app-summary"
          className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 ring-1 ring-emerald-200"
        >
          Added <strong>{summary.name}</strong> as <code className="font-mono text-xs">{summary.appId}</code>{' '}
          from <code className="break-all font-mono text-xs">{summary.folder}</code>: tasks{' '}
          {summary.tasks.created} created, {summary.tasks.updated} updated, {summary.tasks.unchanged}{' '}
          unchanged; {summary.expertDemos} expert {summary.expertDemos === 1 ? 'demo' : 'demos'} in the
          folder.
        </p>
      ) : null}
      <Button type="submit" disabled={add.isPending}>
        {add.isPending ? 'Adding…' : 'Add app'}
      </Button>
    </form>
  );
}
