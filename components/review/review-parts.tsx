'use client';
/**
 * Small pieces of the review workspace: model-call references, read-only code blocks, the other
 * reviewers' decisions, the lease countdown and the `?` cheatsheet dialog. Code and text written by
 * models or web pages are rendered as React text, never as HTML.
 */
import Link from 'next/link';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { formatCountdown, leaseState } from '@/components/review/review-display';
import { REVIEW_SHORTCUTS } from '@/components/review/review-keys';
import { Badge } from '@/components/ui/badge';
import { DateTime } from '@/components/ui/date-time';
import { Kbd } from '@/components/ui/states';
import { hasScope, type Role } from '@/lib/core/roles';

export const LINK_CLASS = 'text-indigo-700 hover:underline';

/**
 * A model call by id: a link to `/model-calls/<id>` for roles that may read model calls, else the
 * short id (the page would refuse them).
 */
export function ModelCallRef({
  id,
  role,
  label,
}: {
  id: string | null | undefined;
  role: Role;
  label: string;
}) {
  if (!id) return null;
  if (hasScope(role, 'model-calls:read')) {
    return (
      <Link href={`/model-calls/${id}`} className={LINK_CLASS} target="_blank">
        {label}
      </Link>
    );
  }
  return (
    <span className="text-slate-600" title={`Model call ${id} (researchers and PIs can open it)`}>
      {label} <span className="font-mono text-xs">{id.slice(0, 8)}</span>
    </span>
  );
}

/** Read-only code (a label function), as text. */
export function CodeBlock({ code, label }: { code: string; label?: string }) {
  return (
    <pre
      aria-label={label}
      className="max-h-72 overflow-auto whitespace-pre rounded-md bg-slate-900 p-2 font-mono text-xs leading-relaxed text-slate-100"
    >
      {code}
    </pre>
  );
}

/** A labelled section inside a review view. */
export function Section({
  title,
  actions,
  children,
  className = '',
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section className={`rounded-lg bg-white p-3 shadow-sm ring-1 ring-slate-200 ${className}`}>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-xs font-medium uppercase tracking-wide text-slate-500">{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export interface ReviewEntry {
  userId: string | null;
  userName: string | null;
  kind: 'review' | 'adjudication';
  decision: 'accept' | 'reject';
  reason: string | null;
  edit: Record<string, unknown> | null;
  createdAt: Date;
}

/** The other reviewers' decisions (hidden while the item is open, except for PIs) and the viewer's own. */
export function ReviewsPanel({
  reviews,
  hiddenReviews,
  myReview,
  labels,
}: {
  reviews: ReviewEntry[];
  hiddenReviews: number;
  myReview: ReviewEntry | null;
  labels: { accept: string; reject: string };
}) {
  if (reviews.length === 0 && hiddenReviews === 0 && !myReview) return null;
  const line = (r: ReviewEntry, who: string) => (
    <li key={`${r.userId ?? 'x'}-${r.kind}-${r.createdAt.getTime()}`} className="space-y-0.5">
      <p className="flex flex-wrap items-center gap-2">
        <span className="font-medium text-slate-800">{who}</span>
        {r.kind === 'adjudication' ? <Badge tone="indigo">adjudication</Badge> : null}
        <Badge tone={r.decision === 'accept' ? 'green' : 'red'}>{labels[r.decision]}</Badge>
        <span className="text-xs text-slate-500">
          <DateTime value={r.createdAt} />
        </span>
      </p>
      {r.reason ? <p className="whitespace-pre-wrap text-slate-700">{r.reason}</p> : null}
      {typeof r.edit?.intent === 'string' ? (
        <p className="text-slate-700">
          <span className="text-slate-500">Edited intent: </span>
          {r.edit.intent}
        </p>
      ) : null}
      {typeof r.edit?.code === 'string' ? <CodeBlock code={r.edit.code} label="Submitted code" /> : null}
    </li>
  );
  return (
    <Section title="Reviews">
      <ul className="space-y-2 text-sm" data-testid="item-reviews">
        {myReview ? line(myReview, 'You') : null}
        {reviews.map((r) => line(r, r.userName ?? 'a former user'))}
      </ul>
      {hiddenReviews > 0 ? (
        <p className="mt-1 text-xs text-slate-500" data-testid="hidden-reviews">
          {hiddenReviews} other review{hiddenReviews === 1 ? '' : 's'} hidden until the item is decided
          (reviews are independent).
        </p>
      ) : null}
    </Section>
  );
}

/** `m:ss` left on the lease, updated every second; amber in the last minute, red once expired. */
export function LeaseCountdown({ expiresAt }: { expiresAt: Date | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  if (!expiresAt) return null;
  const left = expiresAt.getTime() - now;
  const state = leaseState(left);
  const tone = state === 'ok' ? 'slate' : state === 'warning' ? 'amber' : 'red';
  return (
    <Badge tone={tone} title="Your hold on this item; renewed every minute while it is open">
      {/* Server and browser clocks differ by the render's delay: the text is expected to change. */}
      <span data-testid="lease-countdown" className="tabular-nums" suppressHydrationWarning>
        lease {formatCountdown(left)}
      </span>
    </Badge>
  );
}

/** The `?` cheatsheet: every shortcut of the workspace. Esc or the button closes it. */
export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const closeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) closeButton.current?.focus();
  }, [open]);
  if (!open) return null;
  return (
    <div
      className="fixed inset-0 z-50 grid place-items-center bg-slate-900/40 p-4"
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="review-shortcuts-title"
        className="w-full max-w-lg rounded-lg bg-white p-5 shadow-xl ring-1 ring-slate-200"
      >
        <div className="mb-3 flex items-center justify-between">
          <h2 id="review-shortcuts-title" className="text-base font-semibold text-slate-900">
            Keyboard shortcuts
          </h2>
          <button
            ref={closeButton}
            type="button"
            onClick={onClose}
            aria-label="Close"
            className="rounded-md px-2 py-1 text-sm text-slate-700 hover:bg-slate-100"
          >
            Esc
          </button>
        </div>
        <table className="w-full text-sm">
          <tbody className="divide-y divide-slate-100">
            {REVIEW_SHORTCUTS.map((s) => (
              <tr key={s.action}>
                <td className="whitespace-nowrap py-1.5 pr-4 align-top">
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 ? ' + ' : null}
                      <Kbd>{k}</Kbd>
                    </span>
                  ))}
                </td>
                <td className="py-1.5 text-slate-700">
                  {s.description}
                  {s.whileTyping ? (
                    <span className="text-xs text-slate-500"> (also while typing)</span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-3 text-xs text-slate-500">
          Single keys are ignored while you type in a field; Esc leaves the field.
        </p>
      </div>
    </div>
  );
}
