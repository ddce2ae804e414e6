'use client';
/**
 * The iterations of the CORE loop with what each holds, and "Close iteration N" (users with
 * `iterations:close`): closing asks for an optional note and a confirmation, then opens N+1; new
 * rollouts, proposals and reviews belong to the next iteration from then on.
 */
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { errorText } from '@/components/admin/shared';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { Field, Input } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import { TableHead } from '@/components/ui/table';
import { useTRPC } from '@/lib/trpc/client';

const COLUMNS = [
  'Iteration',
  'Status',
  { label: 'Rollouts', align: 'right' },
  { label: 'Fully Passed', align: 'right' },
  { label: 'Exports', align: 'right' },
  { label: 'Fine-tuning runs', align: 'right' },
  'Opened',
  'Closed',
  'Note',
] as const;

export function IterationPanel({ canClose }: { canClose: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: iterations } = useSuspenseQuery(trpc.iterations.list.queryOptions());
  const open = iterations.find((i) => i.status === 'open') ?? null;
  const [confirming, setConfirming] = useState(false);
  const [note, setNote] = useState('');
  const close = useMutation(
    trpc.iterations.close.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        setNote('');
        return queryClient.invalidateQueries({ queryKey: trpc.iterations.list.queryKey() });
      },
    }),
  );

  return (
    <Card
      title="Iterations"
      actions={
        canClose && open && !confirming ? (
          <Button type="button" variant="secondary" onClick={() => setConfirming(true)}>
            Close iteration {open.id}…
          </Button>
        ) : null
      }
    >
      {confirming && open ? (
        <form
          aria-label={`Close iteration ${open.id}`}
          className="mb-4 space-y-3 rounded-md bg-amber-50 p-3 ring-1 ring-amber-200"
          onSubmit={(e) => {
            e.preventDefault();
            close.mutate({ iterationId: open.id, note: note.trim() === '' ? null : note.trim() });
          }}
        >
          <p className="text-sm text-amber-950">
            Closing iteration {open.id} opens iteration {open.id + 1}: rollouts, proposals and reviews from
            now on belong to it. Exports of iteration {open.id} stay available. Running jobs (other than
            fine-tuning runs) must finish first.
          </p>
          <Field label="Note (optional)">
            <Input
              value={note}
              onChange={(e) => setNote(e.target.value)}
              maxLength={2000}
              placeholder="e.g. trained run ft-3 on export 4c1e…"
            />
          </Field>
          <div className="flex gap-2">
            <Button type="submit" disabled={close.isPending}>
              {close.isPending ? 'Closing…' : `Close iteration ${open.id} and open ${open.id + 1}`}
            </Button>
            <Button type="button" variant="ghost" onClick={() => setConfirming(false)}>
              Keep it open
            </Button>
          </div>
          {close.isError ? <ErrorMessage>{errorText(close.error)}</ErrorMessage> : null}
        </form>
      ) : null}
      {close.isSuccess ? (
        <p role="status" className="mb-3 text-sm text-emerald-800">
          Iteration {close.data.closed} closed; iteration {close.data.opened} is open.
        </p>
      ) : null}
      {iterations.length === 0 ? (
        <p className="text-sm text-slate-600">
          No iteration yet: the first import or rollout opens iteration 1.
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <TableHead columns={COLUMNS} />
            <tbody className="divide-y divide-slate-100">
              {iterations.map((it) => (
                <tr key={it.id}>
                  <td className="py-1.5 pr-4 font-medium text-slate-900">{it.id}</td>
                  <td className="py-1.5 pr-4">
                    <Badge tone={it.status === 'open' ? 'green' : 'slate'}>{it.status}</Badge>
                  </td>
                  <td className="py-1.5 pr-4 text-right tabular-nums">{it.rollouts}</td>
                  <td className="py-1.5 pr-4 text-right tabular-nums">{it.fullyPassed}</td>
                  <td className="py-1.5 pr-4 text-right tabular-nums">{it.exports}</td>
                  <td className="py-1.5 pr-4 text-right tabular-nums">{it.fineTuneRuns}</td>
                  <td className="py-1.5 pr-4 text-slate-600">
                    <DateTime value={it.createdAt} />
                  </td>
                  <td className="py-1.5 pr-4 text-slate-600">
                    {it.closedAt ? <DateTime value={it.closedAt} /> : '—'}
                  </td>
                  <td className="max-w-xs truncate py-1.5 pr-4 text-slate-600" title={it.note ?? undefined}>
                    {it.note ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
