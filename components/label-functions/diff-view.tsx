/**
 * A unified diff of two versions of label-function code (jsdiff, shaped by `buildUnifiedDiff`):
 * hunks with old / new line numbers, removed lines red, added lines green. Code is rendered as text.
 */
import { useMemo } from 'react';
import { buildUnifiedDiff, type DiffLine } from '@/components/label-functions/lf-editor-display';

const LINE_CLASS: Record<DiffLine['kind'], string> = {
  add: 'bg-emerald-50 text-emerald-900',
  del: 'bg-rose-50 text-rose-900',
  context: 'text-slate-700',
  note: 'italic text-slate-500',
};
const SIGN: Record<DiffLine['kind'], string> = { add: '+', del: '-', context: ' ', note: '\\' };

export function DiffView({
  oldCode,
  newCode,
  oldLabel,
  newLabel,
}: {
  oldCode: string;
  newCode: string;
  oldLabel: string;
  newLabel: string;
}) {
  const diff = useMemo(() => buildUnifiedDiff(oldCode, newCode), [oldCode, newCode]);
  return (
    <figure className="space-y-1" data-testid="lf-diff">
      <figcaption className="text-xs text-slate-600">
        <span className="font-mono text-rose-700">--- {oldLabel}</span>{' '}
        <span className="font-mono text-emerald-700">+++ {newLabel}</span>{' '}
        {diff.hunks.length === 0 ? (
          <span>· no differences</span>
        ) : (
          <span>
            · <span className="text-emerald-700">+{diff.added}</span>{' '}
            <span className="text-rose-700">−{diff.removed}</span> lines
          </span>
        )}
      </figcaption>
      {diff.hunks.length > 0 ? (
        <div className="max-h-80 overflow-auto rounded-md ring-1 ring-slate-200">
          <table className="w-full border-collapse font-mono text-xs">
            {diff.hunks.map((hunk, h) => (
              <tbody key={h}>
                <tr className="bg-slate-100 text-slate-500">
                  <td colSpan={4} className="px-2 py-0.5">
                    {hunk.header}
                  </td>
                </tr>
                {hunk.lines.map((line, i) => (
                  <tr key={i} className={LINE_CLASS[line.kind]}>
                    <td className="w-8 select-none px-1 text-right text-slate-400">{line.oldNumber ?? ''}</td>
                    <td className="w-8 select-none px-1 text-right text-slate-400">{line.newNumber ?? ''}</td>
                    <td className="w-3 select-none px-1" aria-hidden="true">
                      {SIGN[line.kind]}
                    </td>
                    <td className="whitespace-pre-wrap break-all pr-2">
                      <span className="sr-only">
                        {line.kind === 'add' ? 'added: ' : line.kind === 'del' ? 'removed: ' : ''}
                      </span>
                      {line.text}
                    </td>
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
        </div>
      ) : null}
    </figure>
  );
}
