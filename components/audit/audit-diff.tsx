'use client';
/**
 * The before / after of one audit entry: a line diff of the two JSON values (jsdiff over
 * {@link formatReadableJson}, where multi-line strings such as label-function code are written out
 * verbatim), with long unchanged runs folded, plus the full "before" and "after" on their own tabs.
 * Everything is rendered as text.
 */
import { useMemo, useState } from 'react';
import {
  diffAuditValues,
  foldUnchanged,
  formatReadableJson,
  type DiffLine,
} from '@/components/audit/audit-display';

type Tab = 'changes' | 'before' | 'after';

const LINE_STYLE: Record<DiffLine['kind'], string> = {
  added: 'bg-emerald-50 text-emerald-900',
  removed: 'bg-rose-50 text-rose-900',
  unchanged: 'text-slate-700',
};
const LINE_MARK: Record<DiffLine['kind'], string> = { added: '+', removed: '−', unchanged: ' ' };

export function AuditDiff({ before, after }: { before: unknown; after: unknown }) {
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;
  const [tab, setTab] = useState<Tab>('changes');
  const [unfolded, setUnfolded] = useState<ReadonlySet<number>>(new Set());
  const hunks = useMemo(() => foldUnchanged(diffAuditValues(before, after)), [before, after]);
  const stats = useMemo(() => {
    let added = 0;
    let removed = 0;
    for (const h of hunks)
      for (const l of h.lines) {
        if (l.kind === 'added') added++;
        else if (l.kind === 'removed') removed++;
      }
    return { added, removed };
  }, [hunks]);

  if (!hasBefore && !hasAfter) {
    return <p className="text-sm text-slate-500">No before or after was recorded for this entry.</p>;
  }

  const tabs: { id: Tab; label: string; disabled: boolean }[] = [
    { id: 'changes', label: `Changes (+${stats.added} −${stats.removed})`, disabled: false },
    { id: 'before', label: 'Before', disabled: !hasBefore },
    { id: 'after', label: 'After', disabled: !hasAfter },
  ];

  return (
    <div className="space-y-2">
      <div role="tablist" aria-label="Before and after" className="flex gap-1 text-xs">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            disabled={t.disabled}
            onClick={() => setTab(t.id)}
            className={`rounded px-2 py-1 font-medium ${tab === t.id ? 'bg-slate-800 text-white' : 'text-slate-600 ring-1 ring-slate-300 hover:bg-slate-100'} disabled:cursor-not-allowed disabled:opacity-40`}
          >
            {t.label}
          </button>
        ))}
        {!hasBefore ? (
          <span className="self-center pl-2 text-slate-500">nothing before (created)</span>
        ) : null}
        {!hasAfter ? <span className="self-center pl-2 text-slate-500">nothing after (removed)</span> : null}
      </div>
      {tab === 'changes' ? (
        <div
          className="max-h-[32rem] overflow-auto rounded bg-white font-mono text-xs ring-1 ring-slate-200"
          data-testid="audit-diff"
        >
          {hunks.map((hunk, i) =>
            hunk.kind === 'folded' && !unfolded.has(i) ? (
              <button
                key={i}
                type="button"
                className="block w-full bg-slate-50 px-2 py-0.5 text-left text-slate-500 hover:bg-slate-100"
                onClick={() => setUnfolded((prev) => new Set(prev).add(i))}
              >
                ⋯ {hunk.lines.length} unchanged lines (show)
              </button>
            ) : (
              hunk.lines.map((line, j) => (
                <div key={`${i}-${j}`} className={`flex ${LINE_STYLE[line.kind]}`}>
                  <span className="w-8 shrink-0 select-none pr-1 text-right text-slate-400">
                    {line.oldLine ?? ''}
                  </span>
                  <span className="w-8 shrink-0 select-none pr-1 text-right text-slate-400">
                    {line.newLine ?? ''}
                  </span>
                  <span className="w-4 shrink-0 select-none text-center" aria-hidden>
                    {LINE_MARK[line.kind]}
                  </span>
                  <span className="sr-only">
                    {line.kind === 'added' ? 'added: ' : line.kind === 'removed' ? 'removed: ' : ''}
                  </span>
                  <span className="min-w-0 flex-1 whitespace-pre-wrap break-words pr-2">
                    {line.text || ' '}
                  </span>
                </div>
              ))
            ),
          )}
        </div>
      ) : (
        <pre className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-words rounded bg-white p-2 font-mono text-xs text-slate-800 ring-1 ring-slate-200">
          {formatReadableJson(tab === 'before' ? before : after)}
        </pre>
      )}
    </div>
  );
}
