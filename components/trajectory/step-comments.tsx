'use client';
/**
 * Comments anchored to one step of a trajectory, for the next reviewer: the step's comments (text,
 * author, time, resolved state), a box to add one (Ctrl/⌘+Enter submits), "Copy link" per comment
 * (`/trajectories/<id>?step=<n+1>#comment-<commentId>`) and "Resolve" where the viewer may (the
 * author, a researcher or a PI — the server decides and says so per comment).
 *
 * A `#comment-<id>` hash scrolls that comment into view and highlights it; when the comment sits on
 * another step, `onSelectStep` (if given) moves there first. Embeddable anywhere a trajectory step
 * is shown: `<StepComments trajectoryId={…} stepIndex={…} />` (stepIndex 0-based).
 *
 * Comment text is user input and is rendered as text only.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import { stepCommentPath } from '@/components/audit/audit-display';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { DateTime } from '@/components/ui/date-time';
import { ErrorMessage, Kbd } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

/** Same bound as the server (`COMMENT_BODY_MAX_CHARS`); the server checks again. */
const MAX_BODY_CHARS = 5000;
const COMMENT_HASH_PREFIX = '#comment-';
const COPIED_NOTICE_MS = 2000;

function subscribeToHash(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The comment id named by the URL hash (`#comment-<id>`), or null. */
function useCommentHash(): string | null {
  const hash = useSyncExternalStore(
    subscribeToHash,
    () => window.location.hash,
    () => '',
  );
  if (!hash.startsWith(COMMENT_HASH_PREFIX)) return null;
  try {
    return decodeURIComponent(hash.slice(COMMENT_HASH_PREFIX.length)) || null;
  } catch {
    return null;
  }
}

export interface StepCommentsProps {
  trajectoryId: string;
  /** 0-based step index (shown as `stepIndex + 1`). */
  stepIndex: number;
  /** Moves the surrounding viewer to another step (used when the URL names a comment elsewhere). */
  onSelectStep?: (stepIndex: number) => void;
}

export function StepComments({ trajectoryId, stepIndex, onSelectStep }: StepCommentsProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.comments.list.queryOptions({ trajectoryId }));
  const [draft, setDraft] = useState('');
  const [copied, setCopied] = useState<{ id: string; ok: boolean; url: string } | null>(null);
  const hashCommentId = useCommentHash();
  const handledHash = useRef<string | null>(null);
  const headingId = useId();

  const refresh = () => queryClient.invalidateQueries(trpc.comments.list.queryFilter({ trajectoryId }));
  const add = useMutation(
    trpc.comments.add.mutationOptions({
      onSuccess: () => {
        setDraft('');
        return refresh();
      },
    }),
  );
  const resolve = useMutation(trpc.comments.resolve.mutationOptions({ onSuccess: () => refresh() }));

  const all = list.data ?? [];
  const comments = all.filter((c) => c.stepIndex === stepIndex);
  const otherSteps = [...new Set(all.filter((c) => c.stepIndex !== stepIndex).map((c) => c.stepIndex))];
  const target = hashCommentId ? all.find((c) => c.id === hashCommentId) : undefined;

  // A linked comment: go to its step once, then scroll it into view once it is rendered.
  useEffect(() => {
    if (!target || handledHash.current === target.id) return;
    if (target.stepIndex !== stepIndex) {
      if (onSelectStep) onSelectStep(target.stepIndex);
      else handledHash.current = target.id;
      return;
    }
    handledHash.current = target.id;
    document.getElementById(`comment-${target.id}`)?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }, [target, stepIndex, onSelectStep]);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(null), COPIED_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [copied]);

  const body = draft.trim();
  const canSubmit = body.length > 0 && body.length <= MAX_BODY_CHARS && !add.isPending;
  const submit = () => {
    if (canSubmit) add.mutate({ trajectoryId, stepIndex, body });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  };

  const copyLink = (commentId: string, commentStep: number) => {
    const url = `${window.location.origin}${stepCommentPath(trajectoryId, commentStep, commentId)}`;
    // The Clipboard API exists only in secure contexts; elsewhere the link is shown to copy by hand.
    if (!(navigator.clipboard as Clipboard | undefined)) {
      setCopied({ id: commentId, ok: false, url });
      return;
    }
    navigator.clipboard
      .writeText(url)
      .then(() => setCopied({ id: commentId, ok: true, url }))
      .catch(() => setCopied({ id: commentId, ok: false, url }));
  };

  return (
    <section
      className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
      aria-labelledby={headingId}
      data-testid="step-comments"
    >
      <h2 id={headingId} className="text-xs font-medium uppercase tracking-wide text-slate-500">
        Comments on step {stepIndex + 1}
        {comments.length ? ` (${comments.length})` : ''}
      </h2>

      {list.isPending ? <p className="mt-1 text-sm text-slate-500">Loading comments…</p> : null}
      {list.error ? <ErrorMessage>Could not load comments: {list.error.message}</ErrorMessage> : null}
      {list.data && comments.length === 0 ? (
        <p className="mt-1 text-sm text-slate-500">No comments on this step.</p>
      ) : null}

      {comments.length ? (
        <ol className="mt-2 space-y-2">
          {comments.map((c) => {
            const isTarget = c.id === hashCommentId;
            const isResolved = c.resolvedAt !== null;
            return (
              <li
                key={c.id}
                id={`comment-${c.id}`}
                data-testid="step-comment"
                aria-current={isTarget ? 'true' : undefined}
                className={`scroll-mt-20 rounded-md p-2 text-sm ring-1 transition-colors ${
                  isTarget
                    ? 'bg-amber-50 ring-2 ring-amber-400'
                    : isResolved
                      ? 'bg-slate-50 ring-slate-200'
                      : 'bg-white ring-slate-200'
                }`}
              >
                <div className="flex flex-wrap items-baseline gap-x-2 text-xs text-slate-500">
                  <span className="font-medium text-slate-800">
                    {c.author ? c.author.name || c.author.email : 'deleted user'}
                  </span>
                  {c.author?.name ? <span>{c.author.email}</span> : null}
                  <span>
                    · <DateTime value={c.createdAt} />
                  </span>
                  {isResolved ? <Badge tone="green">resolved</Badge> : null}
                </div>
                <p
                  className={`mt-1 whitespace-pre-wrap break-words ${isResolved ? 'text-slate-500' : 'text-slate-900'}`}
                >
                  {c.body}
                </p>
                {isResolved ? (
                  <p className="mt-1 text-xs text-slate-500">
                    Resolved{c.resolvedBy ? ` by ${c.resolvedBy.name || c.resolvedBy.email}` : ''} ·{' '}
                    <DateTime value={c.resolvedAt} />
                  </p>
                ) : null}
                <div className="mt-1 flex flex-wrap items-center gap-1">
                  <Button
                    variant="ghost"
                    className="px-1.5 py-0.5 text-xs"
                    onClick={() => copyLink(c.id, c.stepIndex)}
                  >
                    Copy link
                  </Button>
                  {!isResolved && c.canResolve ? (
                    <Button
                      variant="ghost"
                      className="px-1.5 py-0.5 text-xs"
                      disabled={resolve.isPending}
                      onClick={() => resolve.mutate({ commentId: c.id })}
                    >
                      Resolve
                    </Button>
                  ) : null}
                  {copied?.id === c.id ? (
                    copied.ok ? (
                      <span role="status" className="text-xs text-emerald-700">
                        Link copied
                      </span>
                    ) : (
                      <span role="status" className="break-all text-xs text-slate-600">
                        Copy this link: <span className="select-all font-mono">{copied.url}</span>
                      </span>
                    )
                  ) : null}
                </div>
              </li>
            );
          })}
        </ol>
      ) : null}

      {resolve.error ? <ErrorMessage>{resolve.error.message}</ErrorMessage> : null}

      {otherSteps.length && onSelectStep ? (
        <p className="mt-2 text-xs text-slate-500">
          Other steps with comments:{' '}
          {otherSteps.map((s, i) => (
            <span key={s}>
              {i > 0 ? ', ' : ''}
              <button
                type="button"
                className="tabular-nums text-indigo-700 hover:underline"
                onClick={() => onSelectStep(s)}
              >
                {s + 1}
              </button>
            </span>
          ))}
        </p>
      ) : null}

      <form
        className="mt-3 space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label htmlFor={`${headingId}-body`} className="sr-only">
          Comment on step {stepIndex + 1}
        </label>
        <textarea
          id={`${headingId}-body`}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          maxLength={MAX_BODY_CHARS}
          rows={3}
          placeholder={`What should the next reviewer know about step ${stepIndex + 1}?`}
          className="block w-full rounded-md border-0 bg-white px-2.5 py-1.5 text-sm text-slate-900 shadow-sm ring-1 ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500"
        />
        {add.error ? <ErrorMessage>{add.error.message}</ErrorMessage> : null}
        <div className="flex items-center justify-between gap-2">
          <span className="text-xs text-slate-500">
            <Kbd>Ctrl</Kbd>/<Kbd>⌘</Kbd>+<Kbd>Enter</Kbd> to send
            {draft.length > MAX_BODY_CHARS - 500 ? ` · ${draft.length}/${MAX_BODY_CHARS}` : ''}
          </span>
          <Button type="submit" disabled={!canSubmit}>
            {add.isPending ? 'Saving…' : 'Comment'}
          </Button>
        </div>
      </form>
    </section>
  );
}
