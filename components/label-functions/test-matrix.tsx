/**
 * The pass/fail matrix of a label-function test run: one row per trajectory with the current
 * version's and the draft's result (pass / fail / error badge), evidence steps linking into the
 * trajectory viewer, error text and prints (rendered as text), changed rows highlighted; totals
 * above. Links open in a new tab so the editor (and any unsaved draft) stays put.
 */
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { useState } from 'react';
import {
  formatEnvVerdict,
  formatStatusShift,
  testCellBadge,
  trajectoryStepHref,
} from '@/components/label-functions/lf-editor-display';
import { Badge } from '@/components/ui/badge';
import { TableHead } from '@/components/ui/table';
import type { AppRouter } from '@/server/trpc/root';

type TestRun = NonNullable<inferRouterOutputs<AppRouter>['labelFunctions']['testResult']['result']>;
type TestRow = TestRun['rows'][number];
type TestCell = TestRow['draft'];

const LINK = 'text-indigo-700 hover:underline';

function CellBadge({ cell }: { cell: TestCell | null }) {
  const badge = testCellBadge(cell);
  return <Badge tone={badge.tone}>{badge.label}</Badge>;
}

function EvidenceLink({ trajectoryId, cell }: { trajectoryId: string; cell: TestCell | null }) {
  if (!cell || cell.evidenceStep === null) return <span className="text-slate-400">—</span>;
  return (
    <Link
      className={LINK}
      href={trajectoryStepHref(trajectoryId, cell.evidenceStep)}
      target="_blank"
      rel="noopener"
    >
      step {cell.evidenceStep + 1}
    </Link>
  );
}

/** Error text and prints of one cell, as text, collapsed when long. */
function CellDetails({ who, cell }: { who: string; cell: TestCell | null }) {
  if (!cell || (!cell.error && !cell.output)) return null;
  return (
    <details className="text-xs">
      <summary className="cursor-pointer text-slate-600">
        {who}: {cell.error ? 'error' : 'prints'}
      </summary>
      {cell.error ? (
        <pre className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap break-words rounded bg-rose-50 p-1.5 font-mono text-rose-900">
          {cell.error}
        </pre>
      ) : null}
      {cell.output ? (
        <pre className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-50 p-1.5 font-mono text-slate-800">
          {cell.output}
        </pre>
      ) : null}
    </details>
  );
}

function Totals({ run }: { run: TestRun }) {
  const groups = [
    ['All', run.totals.all],
    ['Expert demos', run.totals.expert],
    ['Rollouts', run.totals.rollout],
  ] as const;
  return (
    <dl className="grid gap-3 sm:grid-cols-3" data-testid="lf-test-totals">
      {groups.map(([label, g]) => (
        <div key={label} className="rounded-md bg-slate-50 p-2 text-sm ring-1 ring-slate-200">
          <dt className="text-xs font-medium text-slate-500">
            {label} · {g.trajectories}
          </dt>
          <dd className="text-slate-800">
            <span className="font-medium">{g.changed} changed</span>
            {g.gained ? <span className="text-emerald-700"> · {g.gained} newly pass</span> : null}
            {g.lost ? <span className="text-rose-700"> · {g.lost} no longer pass</span> : null}
            <span className="block text-xs text-slate-600">
              {run.baseVersion === null ? 'draft: ' : 'current → draft: '}
              {run.baseVersion === null
                ? `pass ${g.draft.pass} · fail ${g.draft.fail} · error ${g.draft.error}`
                : formatStatusShift(g.current, g.draft)}
            </span>
          </dd>
        </div>
      ))}
    </dl>
  );
}

export function TestMatrix({ run }: { run: TestRun }) {
  const [onlyChanged, setOnlyChanged] = useState(false);
  const rows = onlyChanged ? run.rows.filter((r) => r.changed) : run.rows;
  const currentLabel = run.baseVersion === null ? 'Current' : `Current v${run.baseVersion}`;
  return (
    <div className="space-y-3">
      <Totals run={run} />
      <div className="flex items-center justify-between gap-3 text-xs text-slate-600">
        <span>
          {run.rows.length} trajectories in {run.seconds}s · changed rows are highlighted
        </span>
        <label className="flex items-center gap-1.5">
          <input type="checkbox" checked={onlyChanged} onChange={(e) => setOnlyChanged(e.target.checked)} />
          Only changed rows
        </label>
      </div>
      <div className="max-h-[32rem] overflow-auto">
        <table aria-label="Test-run results" className="w-full text-left text-sm">
          <TableHead
            columns={[
              'Trajectory',
              'Kind',
              'Env verdict',
              currentLabel,
              'Draft',
              'Evidence (current → draft)',
              'Errors and prints',
            ]}
          />
          <tbody className="divide-y divide-slate-100">
            {rows.map((row) => (
              <tr
                key={row.trajectoryId}
                className={row.changed ? 'bg-amber-50' : undefined}
                data-changed={row.changed ? 'true' : 'false'}
              >
                <td className="max-w-xs py-1.5 pr-4">
                  <Link
                    className={`${LINK} break-all font-mono text-xs`}
                    href={trajectoryStepHref(row.trajectoryId, null)}
                    target="_blank"
                    rel="noopener"
                  >
                    {row.externalId ?? row.trajectoryId.slice(0, 8)}
                  </Link>
                  <span className="block truncate text-xs text-slate-500">{row.taskExternalId}</span>
                  {row.changed ? <span className="sr-only">(changed)</span> : null}
                </td>
                <td className="py-1.5 pr-4 text-xs">{row.kind === 'expert' ? 'demo' : 'rollout'}</td>
                <td className="py-1.5 pr-4 text-xs">{formatEnvVerdict(row.envSuccess)}</td>
                <td className="py-1.5 pr-4">
                  <CellBadge cell={row.current} />
                </td>
                <td className="py-1.5 pr-4">
                  <CellBadge cell={row.draft} />
                </td>
                <td className="whitespace-nowrap py-1.5 pr-4 text-xs">
                  <EvidenceLink trajectoryId={row.trajectoryId} cell={row.current} /> →{' '}
                  <EvidenceLink trajectoryId={row.trajectoryId} cell={row.draft} />
                </td>
                <td className="max-w-md space-y-1 py-1.5 pr-4">
                  <CellDetails who="current" cell={row.current} />
                  <CellDetails who="draft" cell={row.draft} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
