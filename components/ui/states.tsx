import type { ReactNode } from 'react';

export function Forbidden({ what }: { what: string }) {
  return (
    <div
      role="alert"
      className="mx-auto mt-16 max-w-md rounded-lg bg-white p-6 text-center shadow-sm ring-1 ring-slate-200"
    >
      <p className="text-4xl font-bold text-slate-300">403</p>
      <h1 className="mt-2 text-lg font-semibold">Not allowed</h1>
      <p className="mt-1 text-sm text-slate-600">{what}</p>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
      <h2 className="font-medium text-slate-800">{title}</h2>
      {children ? <div className="mt-2 text-sm text-slate-600">{children}</div> : null}
    </div>
  );
}

export function ErrorMessage({ children }: { children: ReactNode }) {
  return (
    <div role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-rose-200">
      {children}
    </div>
  );
}

export function ProgressBar({ value, label }: { value: number; label?: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div>
      <div
        className="h-2 w-full overflow-hidden rounded bg-slate-200"
        role="progressbar"
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-label={label ?? 'Progress'}
      >
        <div className="h-full bg-indigo-500 transition-[width]" style={{ width: `${pct}%` }} />
      </div>
      {label ? (
        <p className="mt-1 text-xs text-slate-600">
          {label} · {pct}%
        </p>
      ) : null}
    </div>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return (
    <kbd className="rounded border border-slate-300 bg-slate-50 px-1 font-mono text-[11px] text-slate-700">
      {children}
    </kbd>
  );
}
