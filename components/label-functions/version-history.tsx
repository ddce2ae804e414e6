'use client';
/**
 * A label function's version history, newest first (version, author, time, reason, current), the
 * unified diff of a chosen version against its predecessor or the current version, and — for
 * researchers — Revert on every version that is not current (it saves that code as a new version).
 */
import type { inferRouterOutputs } from '@trpc/server';
import { useState } from 'react';
import { DiffView } from '@/components/label-functions/diff-view';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { ErrorMessage } from '@/components/ui/states';
import type { AppRouter } from '@/server/trpc/root';

type Version = inferRouterOutputs<AppRouter>['labelFunctions']['versions'][number];

export function VersionHistory({
  versions,
  canEdit,
  onRevert,
  revertingId,
  revertError,
}: {
  versions: Version[];
  canEdit: boolean;
  onRevert: (version: Version) => void;
  revertingId: string | null;
  revertError: string | null;
}) {
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [against, setAgainst] = useState<'previous' | 'current'>('previous');
  const selected = versions.find((v) => v.id === selectedId) ?? versions[0] ?? null;
  const current = versions.find((v) => v.isCurrent) ?? null;
  const index = selected ? versions.indexOf(selected) : -1;
  const previous = index >= 0 ? (versions[index + 1] ?? null) : null;
  const other = against === 'current' ? current : previous;

  return (
    <Card title={`History (${versions.length})`}>
      <div className="space-y-3">
        {revertError ? <ErrorMessage>{revertError}</ErrorMessage> : null}
        <ol
          aria-label="Label-function versions"
          className="max-h-72 divide-y divide-slate-100 overflow-y-auto"
        >
          {versions.map((v) => (
            <li key={v.id} className={`py-1.5 text-sm ${v.id === selected?.id ? 'bg-indigo-50' : ''}`}>
              <div className="flex items-center gap-2 px-1">
                <button
                  type="button"
                  className="min-w-0 flex-1 text-left"
                  aria-pressed={v.id === selected?.id}
                  onClick={() => setSelectedId(v.id)}
                >
                  <span className="font-mono font-medium">v{v.version}</span>{' '}
                  {v.isCurrent ? <Badge tone="indigo">current</Badge> : null}{' '}
                  <span className="text-xs text-slate-600">
                    {v.author} · <DateTime value={v.createdAt} />
                  </span>
                  <span className="block truncate text-xs text-slate-700">
                    {v.reason ?? '(no reason given)'}
                  </span>
                </button>
                {canEdit && !v.isCurrent ? (
                  <Button
                    variant="secondary"
                    className="shrink-0"
                    disabled={revertingId !== null}
                    onClick={() => onRevert(v)}
                    aria-label={`Revert to v${v.version}`}
                  >
                    {revertingId === v.id ? 'Reverting…' : 'Revert'}
                  </Button>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
        {selected ? (
          <div className="space-y-2 border-t border-slate-100 pt-2">
            <div className="flex flex-wrap items-center gap-3 text-xs text-slate-600">
              <span>Diff of v{selected.version} against</span>
              <label className="flex items-center gap-1">
                <input
                  type="radio"
                  name="lf-diff-against"
                  checked={against === 'previous'}
                  onChange={() => setAgainst('previous')}
                />
                its predecessor
              </label>
              <label className="flex items-center gap-1">
                <input
                  type="radio"
                  name="lf-diff-against"
                  checked={against === 'current'}
                  onChange={() => setAgainst('current')}
                />
                the current version
              </label>
            </div>
            {other && other.id !== selected.id ? (
              <DiffView
                oldCode={other.code}
                newCode={selected.code}
                oldLabel={`v${other.version}`}
                newLabel={`v${selected.version}`}
              />
            ) : (
              <p className="text-xs text-slate-500">
                {against === 'current'
                  ? `v${selected.version} is the current version.`
                  : 'The first version.'}
              </p>
            )}
            <details className="text-xs">
              <summary className="cursor-pointer text-slate-600">Code of v{selected.version}</summary>
              <pre className="mt-1 max-h-64 overflow-auto whitespace-pre rounded bg-slate-900 p-2 font-mono text-slate-100">
                {selected.code}
              </pre>
            </details>
          </div>
        ) : null}
      </div>
    </Card>
  );
}
