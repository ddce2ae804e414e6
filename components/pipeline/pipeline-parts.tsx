/** Small presentational pieces shared by the Pipeline page and the run page. */
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { TableHead } from '@/components/ui/table';
import {
  describeProviders,
  formatRate,
  SYNTHESIS_RATES_HELP,
  type ProviderInfo,
} from '@/components/pipeline/pipeline-display';

const LINK = 'text-indigo-700 hover:underline';

/** "role provider:model" per role; the heuristic provider is labelled "heuristic (offline)". */
export function ProvidersList({ providers }: { providers: Record<string, ProviderInfo> | null | undefined }) {
  const rows = describeProviders(providers);
  if (rows.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <ul className="space-y-0.5">
      {rows.map((r) => (
        <li key={r.role} className="whitespace-nowrap">
          <span className="text-slate-500">{r.role}</span>{' '}
          {r.isHeuristic ? (
            <Badge tone="amber" title="Deterministic offline provider: no model was called">
              {r.label}
            </Badge>
          ) : (
            <span className="font-mono text-xs">{r.label}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** One figure: a label above a large value. */
export function Figure({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="rounded-md bg-slate-50 px-3 py-2 ring-1 ring-slate-200">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-lg font-semibold tabular-nums text-slate-900">{value}</dd>
      {hint ? <dd className="text-xs text-slate-500">{hint}</dd> : null}
    </div>
  );
}

/** The help text of OSR / FTSR / ESP (our definitions). */
export function SynthesisRatesHelp() {
  return (
    <p className="text-xs text-slate-500" data-testid="synthesis-rates-help">
      {SYNTHESIS_RATES_HELP}
    </p>
  );
}

interface SynthesisRates {
  keySteps: number;
  attempts: number;
  osr: number | null;
  ftsr: number | null;
  esp: number | null;
}

/**
 * A table of synthesis rates, one row per group (a model, a task): the group's cell first, then key
 * steps, attempts, OSR, FTSR and ESP.
 */
export function SynthesisRatesTable({
  label,
  groupHeader,
  rows,
}: {
  label: string;
  groupHeader: string;
  rows: (SynthesisRates & { key: string; group: ReactNode })[];
}) {
  return (
    <div className="overflow-x-auto">
      <table aria-label={label} className="w-full text-left text-sm">
        <TableHead
          columns={[
            groupHeader,
            { label: 'Key steps', align: 'right' },
            { label: 'Attempts', align: 'right' },
            { label: 'OSR', align: 'right' },
            { label: 'FTSR', align: 'right' },
            { label: 'ESP', align: 'right' },
          ]}
        />
        <tbody className="divide-y divide-slate-100 tabular-nums">
          {rows.map((r) => (
            <tr key={r.key}>
              <td className="py-1.5 pr-4">{r.group}</td>
              <td className="py-1.5 pr-4 text-right">{r.keySteps.toLocaleString()}</td>
              <td className="py-1.5 pr-4 text-right">{r.attempts.toLocaleString()}</td>
              <td className="py-1.5 pr-4 text-right">{formatRate(r.osr)}</td>
              <td className="py-1.5 pr-4 text-right">{formatRate(r.ftsr)}</td>
              <td className="py-1.5 pr-4 text-right">{formatRate(r.esp)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** OSR / FTSR / ESP as figures. */
export function SynthesisRateFigures({ rates }: { rates: SynthesisRates }) {
  return (
    <dl className="grid grid-cols-2 gap-2 sm:grid-cols-5">
      <Figure label="OSR" value={formatRate(rates.osr)} />
      <Figure label="FTSR" value={formatRate(rates.ftsr)} />
      <Figure label="ESP" value={formatRate(rates.esp)} />
      <Figure label="Key steps" value={rates.keySteps.toLocaleString()} />
      <Figure label="Attempts" value={rates.attempts.toLocaleString()} />
    </dl>
  );
}

/** A link to a recorded model call, or nothing. */
export function ModelCallLink({ id, children }: { id: string | null | undefined; children?: ReactNode }) {
  if (!id) return null;
  return (
    <Link href={`/model-calls/${id}`} className={LINK}>
      {children ?? 'model call'}
    </Link>
  );
}

const REVIEW_TONES: Record<string, BadgeTone> = {
  pending: 'indigo',
  approved: 'green',
  rejected: 'slate',
  invalid: 'red',
  dropped: 'amber',
};

export function ReviewStatusBadge({ status }: { status: string }) {
  return <Badge tone={REVIEW_TONES[status] ?? 'slate'}>{status}</Badge>;
}

const UNIT_TONES: Record<string, BadgeTone> = { done: 'green', failed: 'red', skipped: 'slate' };

export function UnitStatusBadge({ status }: { status: string }) {
  return <Badge tone={UNIT_TONES[status] ?? 'slate'}>{status}</Badge>;
}

export const LINK_CLASS = LINK;
