'use client';
/**
 * The API keys page (researcher and PI): keys for the ingestion API (`/api/ingest/v1`) that
 * external harnesses send as `Authorization: Bearer cck_…`. Creating a key shows its plaintext once;
 * only a hash is stored. A researcher sees and revokes their own keys; a PI sees everyone's, with
 * the owner, and may revoke any (`apiKeys.*`; both are audited).
 */
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useId, type FormEvent } from 'react';
import { errorText } from '@/components/admin/shared';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { useCopyField } from '@/components/ui/use-copy-field';
import { Card, PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { Field, Input } from '@/components/ui/field';
import { TableHead } from '@/components/ui/table';
import { EmptyState, ErrorMessage } from '@/components/ui/states';
import { formText } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';

const NAME_MAX_CHARS = 100;

export function ApiKeys({ showOwners }: { showOwners: boolean }) {
  return (
    <div className="space-y-5">
      <PageHeader
        title="API keys"
        subtitle="Keys let an external harness (BrowserGym, VisualWebArena, AndroidWorld scripts) stream trajectories into the dashboard while its agent runs. A key acts as you, and only while you hold the researcher or PI role."
      />
      <div className="grid gap-5 lg:grid-cols-2">
        <CreateKeyForm />
        <UsageHelp />
      </div>
      <KeysTable showOwners={showOwners} />
    </div>
  );
}

function CreateKeyForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() }),
    }),
  );

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    create.mutate({ name: formText(new FormData(form), 'name') }, { onSuccess: () => form.reset() });
  }

  return (
    <Card title="Create key">
      <form aria-label="Create API key" onSubmit={onSubmit} className="space-y-3">
        <Field label="Key name" hint="Where it will be used, e.g. “BrowserGym on gpu-box”.">
          <Input name="name" required maxLength={NAME_MAX_CHARS} autoComplete="off" />
        </Field>
        {create.isError ? <ErrorMessage>{errorText(create.error)}</ErrorMessage> : null}
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating key…' : 'Create key'}
        </Button>
      </form>
      {create.isSuccess ? (
        <NewKey
          key={create.data.id}
          name={create.data.name}
          plaintext={create.data.key}
          onDismiss={() => create.reset()}
        />
      ) : null}
    </Card>
  );
}

/** The plaintext of a key just created, shown this once with a copy button. */
function NewKey({ name, plaintext, onDismiss }: { name: string; plaintext: string; onDismiss: () => void }) {
  const { inputId, copyState, copy } = useCopyField();
  const hintId = useId();

  return (
    <section
      aria-label="New API key"
      className="mt-4 space-y-2 rounded-md bg-amber-50 p-3 ring-1 ring-amber-200"
    >
      <p className="text-sm text-amber-950">
        Key <strong>{name}</strong> created.
      </p>
      <div className="flex items-end gap-2">
        <div className="min-w-0 flex-1">
          <Field label="API key">
            <Input
              id={inputId}
              value={plaintext}
              readOnly
              aria-describedby={hintId}
              onFocus={(e) => e.currentTarget.select()}
              className="font-mono text-xs"
            />
          </Field>
        </div>
        <Button type="button" variant="secondary" onClick={() => copy(plaintext)}>
          {copyState === 'copied' ? 'Copied' : 'Copy key'}
        </Button>
      </div>
      <p id={hintId} className="text-xs font-medium text-amber-950">
        This key will not be shown again: copy it now and keep it like a password. Only its hash is stored; if
        it is lost, revoke it and create a new one.
      </p>
      {copyState === 'failed' ? (
        <p className="text-xs text-rose-800">
          Copying was refused by the browser; the key is selected, copy it with Ctrl+C.
        </p>
      ) : null}
      <Button type="button" variant="ghost" onClick={onDismiss}>
        Done
      </Button>
    </section>
  );
}

function UsageHelp() {
  return (
    <Card title="Using a key">
      <div className="space-y-2 text-sm text-slate-700">
        <p>
          Send it as <code className="font-mono text-xs">Authorization: Bearer cck_…</code> to:
        </p>
        <ul className="list-inside list-disc font-mono text-xs text-slate-800">
          <li>POST /api/ingest/v1/trajectories</li>
          <li>POST /api/ingest/v1/trajectories/&#123;id&#125;/steps</li>
          <li>POST /api/ingest/v1/trajectories/&#123;id&#125;/finish</li>
          <li>GET /api/ingest/v1/trajectories/&#123;id&#125;</li>
        </ul>
        <p>
          Steps appear live, like built-in rollouts. The README’s “Ingestion API” section has curl examples
          and a 20-line Python client (<code className="font-mono text-xs">examples/ingest_client.py</code>).
        </p>
      </div>
    </Card>
  );
}

function KeysTable({ showOwners }: { showOwners: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: keys } = useSuspenseQuery(trpc.apiKeys.list.queryOptions());
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() }),
    }),
  );

  function onRevoke(key: { id: string; name: string; prefix: string }) {
    const message = `Revoke the key “${key.name}” (${key.prefix}…)? Harnesses using it are refused from now on. This cannot be undone.`;
    if (window.confirm(message)) revoke.mutate({ id: key.id });
  }

  return (
    <Card title={showOwners ? 'All keys' : 'Your keys'}>
      {revoke.isError ? (
        <div className="mb-3">
          <ErrorMessage>{errorText(revoke.error)}</ErrorMessage>
        </div>
      ) : null}
      {keys.length === 0 ? (
        <EmptyState title="No API keys yet">Create one above for your harness.</EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table aria-label="API keys" className="w-full text-left text-sm">
            <TableHead
              columns={[
                'Name',
                'Key',
                ...(showOwners ? ['Owner'] : []),
                'Created',
                'Last used',
                'Status',
                { label: 'Actions', hidden: true },
              ]}
            />
            <tbody className="divide-y divide-slate-100">
              {keys.map((k) => {
                const isRevoking = revoke.isPending && revoke.variables.id === k.id;
                return (
                  <tr key={k.id}>
                    <td className="py-1.5 pr-4 text-slate-900">{k.name}</td>
                    <td className="whitespace-nowrap py-1.5 pr-4 font-mono text-xs text-slate-700">
                      {k.prefix}…
                    </td>
                    {showOwners ? (
                      <td className="py-1.5 pr-4 text-slate-700" title={k.owner.name}>
                        {k.owner.email}
                      </td>
                    ) : null}
                    <td className="whitespace-nowrap py-1.5 pr-4 text-slate-600">
                      <DateTime value={k.createdAt} />
                    </td>
                    <td className="whitespace-nowrap py-1.5 pr-4 text-slate-600">
                      {k.lastUsedAt ? <DateTime value={k.lastUsedAt} /> : 'never'}
                    </td>
                    <td className="whitespace-nowrap py-1.5 pr-4">
                      {k.revokedAt ? (
                        <span className="inline-flex items-center gap-1.5 text-xs text-slate-600">
                          <Badge tone="slate">revoked</Badge>
                          <DateTime value={k.revokedAt} />
                          {k.revokedBy && k.revokedBy !== k.owner.email ? (
                            <span>by {k.revokedBy}</span>
                          ) : null}
                        </span>
                      ) : (
                        <Badge tone="green">active</Badge>
                      )}
                    </td>
                    <td className="py-1.5 text-right">
                      {k.revokedAt ? null : (
                        <Button
                          type="button"
                          variant="secondary"
                          aria-label={`Revoke key ${k.name}`}
                          disabled={isRevoking}
                          onClick={() => onRevoke(k)}
                        >
                          {isRevoking ? 'Revoking…' : 'Revoke'}
                        </Button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
