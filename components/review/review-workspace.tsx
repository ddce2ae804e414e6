'use client';
/**
 * The review workspace (`/review/<queue>`, and `/review/item/<id>` for one item): claims an item,
 * shows it, renews the lease every minute while it is open and gives it back on leave. As soon as
 * an item is shown the next one is claimed in the background and its subject, steps and first
 * screenshot are prefetched, so "submit and advance" is instant: a decision is sent while the next
 * item is already on screen (a failure is reported with a way back to the item).
 *
 * Keyboard-first (`review-keys.ts`, `?` lists it): a accept, r reject (reason box, Enter submits),
 * e edit, s skip, n / p next / previous item (previous = the reviewer's own past decisions,
 * read-only), Ctrl/⌘+Enter submit and advance, ← / → steps. Leaving an item with unsaved edits
 * (skip, next, a link, closing the tab) asks first.
 *
 * Corrections wanted: the step shown is the step selected; "Correct from here" waits for its
 * decision (the harmful step marked) and then opens the correction session from that step instead of
 * the next item (`openCorrectionSession`).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  buildSubmitInput,
  checkDecision,
  excludedItemIds,
  HISTORY_LIMIT,
  initialDraft,
  isDraftDirty,
  LEASE_RENEW_INTERVAL_MS,
  takesCodeEdit,
  takesIntentEdit,
  type ReviewDraft,
} from '@/components/review/review-display';
import {
  draftContextOf,
  initialStepOf,
  ReviewItemView,
  trajectoryIdOf,
} from '@/components/review/review-item-view';
import { useStartCorrection } from '@/components/review/corrections-wanted-view';
import { focusCodeEditor } from '@/components/review/lf-flag-view';
import { isTypingTarget, resolveReviewKey, type ReviewAction } from '@/components/review/review-keys';
import { LeaseCountdown, LINK_CLASS, ShortcutHelp } from '@/components/review/review-parts';
import type { ClaimedItem, ReviewSubjectData } from '@/components/review/review-types';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { EmptyState, ErrorMessage, Kbd } from '@/components/ui/states';
import { decisionLabels, REVIEW_QUEUE_INFO, type ReviewQueueId } from '@/lib/core/review';
import type { Role } from '@/lib/core/roles';
import { mediaUrl } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';

/** An item the reviewer holds (or looks at read-only). */
interface Slot {
  item: ClaimedItem;
  leaseExpiresAt: Date | null;
  readOnly: boolean;
  readOnlyReason: string | null;
}

/** The background claim of the next item: none held (yet), or done (null: the queue had nothing). */
type NextState = { status: 'idle' } | { status: 'done'; slot: Slot | null };

/** A decision sent optimistically that the server refused. */
interface FailedDecision {
  itemId: string;
  summary: string;
  message: string;
}

const DISCARD_MESSAGE = 'You changed this item (reason, text or code). Leave it and discard your changes?';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isConflict(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'data' in error &&
    (error as { data?: { code?: string } | null }).data?.code === 'CONFLICT'
  );
}

/**
 * Best-effort release when the tab closes: a keep-alive POST of `review.release` in tRPC's batch
 * wire format (superjson input). Route changes inside the app release through the normal mutation.
 */
function releaseOnUnload(itemIds: string[]): void {
  for (const itemId of itemIds) {
    void fetch('/api/trpc/review.release?batch=1', {
      method: 'POST',
      keepalive: true,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 0: { json: { itemId } } }),
    }).catch(() => undefined);
  }
}

export function ReviewWorkspace({
  queue: routeQueue,
  initialItemId,
  role,
}: {
  /** The queue of `/review/<queue>`; null for a deep link (`initialItemId`), whose queue the item gives. */
  queue: ReviewQueueId | null;
  initialItemId?: string;
  role: Role;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();

  const [current, setCurrent] = useState<Slot | null>(null);
  const [next, setNext] = useState<NextState>({ status: 'idle' });
  const [phase, setPhase] = useState<'loading' | 'ready' | 'empty' | 'error'>('loading');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [skipped, setSkipped] = useState<string[]>([]);
  const [historyIndex, setHistoryIndex] = useState<number | null>(null);
  const [drafts, setDrafts] = useState<Record<string, ReviewDraft>>({});
  const [steps, setSteps] = useState<Record<string, number>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [failures, setFailures] = useState<FailedDecision[]>([]);
  const [leaseLost, setLeaseLost] = useState<string | null>(null);
  const [decidedCount, setDecidedCount] = useState(0);
  const [helpOpen, setHelpOpen] = useState(false);
  /** A decision the workspace waits for before moving on ("Correct from here"), in words. */
  const [busy, setBusy] = useState<string | null>(null);
  /** A "Correct from here" whose decision was recorded but whose session did not start. */
  const [correctionError, setCorrectionError] = useState<{
    trajectoryId: string;
    fromStep: number;
    summary: string;
    message: string;
  } | null>(null);
  const startCorrection = useStartCorrection();
  const editRef = useRef<HTMLTextAreaElement | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement | null>(null);

  const queue: ReviewQueueId | null = routeQueue ?? current?.item.queue ?? null;
  const queueLabel = queue ? REVIEW_QUEUE_INFO[queue].label : 'Review';

  const claimNext = useMutation(trpc.review.claimNext.mutationOptions());
  const claim = useMutation(trpc.review.claim.mutationOptions());
  const renew = useMutation(trpc.review.renew.mutationOptions());
  const release = useMutation(trpc.review.release.mutationOptions());
  const submit = useMutation(trpc.review.submit.mutationOptions());

  const history = useQuery({
    ...trpc.review.history.queryOptions({ limit: HISTORY_LIMIT, queue: queue ?? undefined }),
    enabled: queue !== null,
  });
  const historyRows = history.data ?? [];
  const historyRow = historyIndex !== null ? (historyRows[historyIndex] ?? null) : null;
  const shownItemId = historyRow ? historyRow.itemId : (current?.item.id ?? null);
  const subject = useQuery({
    ...trpc.review.subject.queryOptions({ itemId: shownItemId ?? '' }),
    enabled: shownItemId !== null,
  });
  const subjectData: ReviewSubjectData | undefined = subject.data;

  // Latest values for callbacks that outlive a render (timers, unmount, unload).
  const latest = useRef({ current, next, skipped, queue });
  useEffect(() => {
    latest.current = { current, next, skipped, queue };
  });

  const toSlot = (r: { item: ClaimedItem; leaseExpiresAt: Date | null }): Slot => ({
    item: r.item,
    leaseExpiresAt: r.leaseExpiresAt,
    readOnly: false,
    readOnlyReason: null,
  });

  /** Subject, steps, comments and the first screenshot of an item, into the cache. */
  const prefetchItem = useCallback(
    (itemId: string) => {
      void queryClient
        .fetchQuery(trpc.review.subject.queryOptions({ itemId }))
        .then(async (s) => {
          const trajectoryId = trajectoryIdOf(s);
          if (!trajectoryId) return;
          void queryClient.prefetchQuery(trpc.comments.list.queryOptions({ trajectoryId }));
          const t = await queryClient.fetchQuery(trpc.trajectories.get.queryOptions({ id: trajectoryId }));
          const hash = t.steps[initialStepOf(s)]?.screenshotHash;
          if (hash) new Image().src = mediaUrl(hash);
        })
        .catch(() => undefined);
    },
    [queryClient, trpc],
  );

  // ---- first item -----------------------------------------------------------------------------
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const load = async () => {
      if (initialItemId) {
        const r = await claim.mutateAsync({ itemId: initialItemId });
        setCurrent({ ...r });
        setPhase('ready');
        return;
      }
      if (!routeQueue) return;
      const r = await claimNext.mutateAsync({ queue: routeQueue, excludeItemIds: [] });
      if (r) {
        setCurrent(toSlot(r));
        setPhase('ready');
      } else setPhase('empty');
    };
    load().catch((e: unknown) => {
      setLoadError(messageOf(e));
      setPhase('error');
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- runs once per mount
  }, []);

  // ---- prefetch the next item as soon as one is shown ------------------------------------------
  // Not for a read-only item (a deep link from the audit log): no lease is taken just for looking.
  const currentId = current && !current.readOnly ? current.item.id : null;
  /** The item the in-flight (or finished) background claim was made for. */
  const prefetchedFor = useRef<string | null>(null);
  useEffect(() => {
    if (!queue || !currentId || next.status !== 'idle' || prefetchedFor.current === currentId) return;
    prefetchedFor.current = currentId;
    claimNext
      .mutateAsync({ queue, excludeItemIds: excludedItemIds([...skipped, currentId]) })
      .then((r) => {
        const slot = r ? toSlot(r) : null;
        // The reviewer may have moved on meanwhile and already hold this item: claim another.
        if (slot && slot.item.id === latest.current.current?.item.id) {
          prefetchedFor.current = null;
          setNext({ status: 'idle' });
          return;
        }
        setNext({ status: 'done', slot });
        if (slot) prefetchItem(slot.item.id);
      })
      .catch(() => setNext({ status: 'done', slot: null }));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the item shown and the next slot's state
  }, [queue, currentId, next.status]);

  // ---- renew leases every minute; release on leave --------------------------------------------
  useEffect(() => {
    const timer = window.setInterval(() => {
      const { current: cur, next: nxt } = latest.current;
      if (cur && !cur.readOnly && cur.leaseExpiresAt) {
        const id = cur.item.id;
        renew
          .mutateAsync({ itemId: id })
          .then((r) =>
            setCurrent((c) => (c && c.item.id === id ? { ...c, leaseExpiresAt: r.leaseExpiresAt } : c)),
          )
          .catch((e: unknown) => {
            if (isConflict(e)) setLeaseLost(id);
          });
      }
      if (nxt.status === 'done' && nxt.slot) {
        const id = nxt.slot.item.id;
        renew
          .mutateAsync({ itemId: id })
          .then((r) =>
            setNext((n) =>
              n.status === 'done' && n.slot?.item.id === id
                ? { status: 'done', slot: { ...n.slot, leaseExpiresAt: r.leaseExpiresAt } }
                : n,
            ),
          )
          .catch(() => {
            // Lost the prefetched item: claim another in the background.
            prefetchedFor.current = null;
            setNext((n) => (n.status === 'done' && n.slot?.item.id === id ? { status: 'idle' } : n));
          });
      }
    }, LEASE_RENEW_INTERVAL_MS);
    return () => window.clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reads the latest slots through a ref
  }, []);

  const heldItemIds = useCallback((): string[] => {
    const { current: cur, next: nxt } = latest.current;
    const ids: string[] = [];
    if (cur && !cur.readOnly) ids.push(cur.item.id);
    if (nxt.status === 'done' && nxt.slot) ids.push(nxt.slot.item.id);
    return ids;
  }, []);

  useEffect(() => {
    const onPageHide = () => releaseOnUnload(heldItemIds());
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      for (const itemId of heldItemIds()) release.mutate({ itemId });
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- on unmount only
  }, []);

  // ---- the draft of the item shown ------------------------------------------------------------
  const context = subjectData ? draftContextOf(subjectData) : null;
  const draft: ReviewDraft | null =
    subjectData && context ? (drafts[subjectData.item.id] ?? initialDraft(context)) : null;
  const setDraft = useCallback(
    (d: ReviewDraft) => {
      if (!shownItemId) return;
      setFormError(null);
      setDrafts((all) => ({ ...all, [shownItemId]: d }));
    },
    [shownItemId],
  );
  const currentDraftDirty = (() => {
    if (!current || !subjectData || subjectData.item.id !== current.item.id || !context) return false;
    const d = drafts[current.item.id];
    return d ? isDraftDirty(d, context) : false;
  })();

  // Ask before the tab closes or a link leaves the page with unsaved changes.
  useEffect(() => {
    if (!currentDraftDirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const anchor = (e.target as Element | null)?.closest?.('a[href]');
      if (!(anchor instanceof HTMLAnchorElement) || anchor.target === '_blank') return;
      const url = new URL(anchor.href, window.location.href);
      if (url.origin !== window.location.origin || url.pathname === window.location.pathname) return;
      if (!window.confirm(DISCARD_MESSAGE)) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    document.addEventListener('click', onClick, true);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      document.removeEventListener('click', onClick, true);
    };
  }, [currentDraftDirty]);

  // ---- moving on ------------------------------------------------------------------------------
  const dropDraft = (itemId: string) =>
    setDrafts((all) => {
      const { [itemId]: _dropped, ...rest } = all;
      return rest;
    });

  /** Shows the next item: the prefetched one when there is one, else a fresh claim. */
  const advance = (leaving: Slot, extraSkipped: string[] = []) => {
    // Out of the reason or edit box: the next item starts with the single-key shortcuts live.
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    setHistoryIndex(null);
    setFormError(null);
    setLeaseLost(null);
    if (!routeQueue && typeof window !== 'undefined' && queue) {
      // A deep-linked item leads into its queue.
      window.history.replaceState(null, '', `/review/${queue}`);
    }
    if (next.status === 'done' && next.slot) {
      setCurrent(next.slot);
      setNext({ status: 'idle' });
      return;
    }
    if (!queue) {
      setCurrent(null);
      setPhase('empty');
      return;
    }
    // Nothing prefetched (yet): claim now. An in-flight prefetch's item is ours and comes back first.
    setNext({ status: 'idle' });
    setCurrent(null);
    setPhase('loading');
    claimNext
      .mutateAsync({
        queue,
        excludeItemIds: excludedItemIds([...skipped, ...extraSkipped, leaving.item.id]),
      })
      .then((r) => {
        if (r) {
          setCurrent(toSlot(r));
          // An in-flight prefetch may have finished with this very item (own leases come back first).
          setNext((n) => (n.status === 'done' && n.slot?.item.id === r.item.id ? { status: 'idle' } : n));
          setPhase('ready');
        } else setPhase('empty');
      })
      .catch((e: unknown) => {
        setLoadError(messageOf(e));
        setPhase('error');
      });
  };

  const confirmLeave = (): boolean => !currentDraftDirty || window.confirm(DISCARD_MESSAGE);

  const skip = () => {
    if (!current) return;
    if (!confirmLeave()) return;
    const leaving = current;
    dropDraft(leaving.item.id);
    if (!leaving.readOnly) release.mutate({ itemId: leaving.item.id });
    setSkipped((s) => [...s, leaving.item.id]);
    advance(leaving, [leaving.item.id]);
  };

  /** After a decision is stored: count it, drop its draft, refresh what shows decisions. */
  const recordDecided = (leaving: Slot) => {
    setDecidedCount((n) => n + 1);
    dropDraft(leaving.item.id);
    void queryClient.invalidateQueries({ queryKey: trpc.review.history.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.review.home.queryKey() });
    void queryClient.invalidateQueries({
      queryKey: trpc.review.subject.queryKey({ itemId: leaving.item.id }),
    });
  };

  /**
   * "Correct from here" (`corrections_wanted` accept) is not sent optimistically: once the decision
   * is applied (the harmful step is marked) the reviewer goes to the correction session instead of
   * the next item. With more reviews still needed, the workspace moves on as usual.
   */
  const correctFromHere = (leaving: Slot, input: ReturnType<typeof buildSubmitInput>, step: number) => {
    setBusy('Marking the first harmful step…');
    submit.mutate(input, {
      onSuccess: (result) => {
        recordDecided(leaving);
        if (result.status === 'decided' && result.decision === 'accept') {
          setBusy('Opening the correction session…');
          openCorrectionSession(leaving, leaving.item.subjectId, step);
        } else {
          setBusy(null);
          advance(leaving);
        }
      },
      onError: (e) => {
        setBusy(null);
        setFormError(`Your decision was not recorded: ${messageOf(e)}`);
      },
    });
  };

  /**
   * Opens the correction session of the failed rollout `trajectoryId`, taking over at 0-based
   * `fromStep` (`recordings.startCorrection`, then `/record/<session id>`). When it cannot start, the
   * decision stands (the step is marked): the workspace moves on and says so, with a retry.
   */
  const openCorrectionSession = (leaving: Slot, trajectoryId: string, fromStep: number) => {
    startCorrection(trajectoryId, fromStep).catch((e: unknown) => {
      setBusy(null);
      setCorrectionError({ trajectoryId, fromStep, summary: leaving.item.summary, message: messageOf(e) });
      advance(leaving);
    });
  };

  const decide = (decision: 'accept' | 'reject') => {
    if (!current || !subjectData || !draft || !context || busy) return;
    if (historyIndex !== null || current.readOnly || subjectData.item.id !== current.item.id) return;
    const problem = checkDecision(decision, draft, context);
    if (problem) {
      setFormError(problem);
      if (decision === 'reject') {
        setDrafts((all) => ({ ...all, [current.item.id]: { ...draft, mode: 'reject' } }));
        reasonRef.current?.focus();
      } else if (takesCodeEdit(context.queue, context.flag)) {
        focusCodeEditor();
      } else if (takesIntentEdit(context.queue)) {
        editRef.current?.focus();
      }
      return;
    }
    const leaving = current;
    const selectedStep = Math.max(0, Math.min(shownStep, Math.max(stepCount - 1, 0)));
    const input = buildSubmitInput(leaving.item.id, decision, draft, context, selectedStep);
    if (context.queue === 'corrections_wanted' && decision === 'accept') {
      correctFromHere(leaving, input, selectedStep);
      return;
    }
    submit.mutate(input, {
      onSuccess: () => recordDecided(leaving),
      onError: (e) =>
        setFailures((f) => [
          ...f.filter((x) => x.itemId !== leaving.item.id),
          { itemId: leaving.item.id, summary: leaving.item.summary, message: messageOf(e) },
        ]),
    });
    advance(leaving);
  };

  /** Back to an item whose decision failed: claim it again (its draft is kept); the current one waits as next. */
  const reopen = (failure: FailedDecision) => {
    setFailures((f) => f.filter((x) => x.itemId !== failure.itemId));
    claim
      .mutateAsync({ itemId: failure.itemId })
      .then((r) => {
        const waiting = latest.current.current;
        setHistoryIndex(null);
        setCurrent({ ...r });
        setPhase('ready');
        if (waiting && !waiting.readOnly) {
          const previousNext = latest.current.next;
          if (previousNext.status === 'done' && previousNext.slot)
            release.mutate({ itemId: previousNext.slot.item.id });
          setNext({ status: 'done', slot: waiting });
        }
      })
      .catch((e: unknown) => setLoadError(messageOf(e)));
  };

  const goToStep = (index: number) => {
    if (!shownItemId) return;
    setSteps((s) => ({ ...s, [shownItemId]: Math.max(0, index) }));
  };
  const shownStep = shownItemId && subjectData ? (steps[shownItemId] ?? initialStepOf(subjectData)) : 0;
  const stepCount = (() => {
    const trajectoryId = subjectData ? trajectoryIdOf(subjectData) : null;
    if (!trajectoryId) return 0;
    return (
      queryClient.getQueryData(trpc.trajectories.get.queryKey({ id: trajectoryId }))?.steps.length ??
      subjectData?.trajectory?.stepCount ??
      0
    );
  })();

  // ---- keyboard -------------------------------------------------------------------------------
  const onAction = (action: ReviewAction, target: EventTarget | null): boolean => {
    if (helpOpen) {
      if (action === 'help' || action === 'escape') {
        setHelpOpen(false);
        return true;
      }
      return false;
    }
    const live = historyIndex === null && current !== null && !current.readOnly;
    switch (action) {
      case 'help':
        setHelpOpen(true);
        return true;
      case 'escape':
        if (isTypingTarget(target)) (target as HTMLElement).blur();
        return true;
      case 'accept':
        if (live) decide('accept');
        return true;
      case 'submit':
        if (live && draft) decide(draft.mode);
        return true;
      case 'reject':
        if (!live || !draft) return true;
        setDraft({ ...draft, mode: 'reject' });
        reasonRef.current?.focus();
        return true;
      case 'edit': {
        if (!live || !draft || !context) return true;
        if (takesCodeEdit(context.queue, context.flag)) {
          setDraft({ ...draft, mode: 'accept' });
          focusCodeEditor();
        } else if (takesIntentEdit(context.queue)) {
          setDraft({ ...draft, mode: 'accept' });
          const el = editRef.current;
          el?.focus();
          el?.setSelectionRange(el.value.length, el.value.length);
        } else if (subjectData?.queue === 'corrections_wanted') {
          document.querySelector<HTMLElement>('[data-testid="correction-steps"]')?.focus();
        } else if (subjectData?.queue === 'lf_flag' && (subjectData.node?.id ?? subjectData.item.nodeId)) {
          window.open(`/label-functions/${subjectData.node?.id ?? subjectData.item.nodeId}`, '_blank');
        } else {
          setFormError(
            'Proposed paths are approved as proposed; edit a label function in the label-function editor after the merge.',
          );
        }
        return true;
      }
      case 'skip':
        if (historyIndex !== null) setHistoryIndex(null);
        else skip();
        return true;
      case 'nextItem':
        if (historyIndex !== null) setHistoryIndex(historyIndex > 0 ? historyIndex - 1 : null);
        else skip();
        return true;
      case 'previousItem':
        if (historyRows.length > 0) {
          setHistoryIndex(Math.min(historyRows.length - 1, historyIndex === null ? 0 : historyIndex + 1));
        }
        return true;
      case 'previousStep':
        goToStep(shownStep - 1);
        return true;
      case 'nextStep':
        goToStep(stepCount > 0 ? Math.min(stepCount - 1, shownStep + 1) : shownStep + 1);
        return true;
      case 'firstStep':
        goToStep(0);
        return true;
      case 'lastStep':
        goToStep(Math.max(stepCount - 1, 0));
        return true;
      case 'comment': {
        const box = document.querySelector<HTMLTextAreaElement>('[data-review-comments] textarea');
        box?.focus();
        return true;
      }
    }
  };
  const onActionRef = useRef(onAction);
  useEffect(() => {
    onActionRef.current = onAction;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = resolveReviewKey(e, { typing: isTypingTarget(e.target) });
      if (!action) return;
      // The comment box submits its own comment with Ctrl/⌘+Enter (and says so by preventing default).
      if (e.defaultPrevented) return;
      if (onActionRef.current(action, e.target)) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // ---- render ---------------------------------------------------------------------------------
  const crumbs = (
    <Breadcrumbs
      items={[
        { label: 'Review', href: '/review' },
        ...(queue ? [{ label: queueLabel, href: `/review/${queue}` }] : []),
      ]}
    />
  );
  const correctionNotice = correctionError ? (
    <ErrorMessage>
      Your “Correct from here” on “{correctionError.summary}” was recorded (step{' '}
      {correctionError.fromStep + 1} is marked), but the correction session did not start:{' '}
      {correctionError.message}{' '}
      <button
        type="button"
        className="font-medium underline"
        onClick={() => {
          const { trajectoryId, fromStep } = correctionError;
          setCorrectionError(null);
          startCorrection(trajectoryId, fromStep).catch((e: unknown) =>
            setCorrectionError({ ...correctionError, message: messageOf(e) }),
          );
        }}
      >
        Try again
      </button>{' '}
      <button type="button" className="underline" onClick={() => setCorrectionError(null)}>
        Dismiss
      </button>
    </ErrorMessage>
  ) : null;
  const failureNotices =
    failures.length || correctionNotice ? (
      <div className="space-y-1" data-testid="failed-decisions">
        {correctionNotice}
        {failures.map((f) => (
          <ErrorMessage key={f.itemId}>
            Your decision on “{f.summary}” was not recorded: {f.message}{' '}
            <button type="button" className="font-medium underline" onClick={() => reopen(f)}>
              Reopen it
            </button>{' '}
            <button
              type="button"
              className="underline"
              onClick={() => setFailures((all) => all.filter((x) => x.itemId !== f.itemId))}
            >
              Dismiss
            </button>
          </ErrorMessage>
        ))}
      </div>
    ) : null;
  const help = <ShortcutHelp open={helpOpen} onClose={() => setHelpOpen(false)} />;
  const sessionNote = (
    <span className="text-xs text-slate-500" data-testid="session-count">
      {decidedCount} decided this session
    </span>
  );

  if (phase === 'error') {
    return (
      <div className="space-y-3">
        {crumbs}
        <ErrorMessage>Could not claim an item: {loadError}</ErrorMessage>
        <Link className={LINK_CLASS} href="/review">
          Back to the queues
        </Link>
      </div>
    );
  }
  if (phase === 'empty' && historyIndex === null) {
    return (
      <div className="space-y-3">
        {crumbs}
        {failureNotices}
        <EmptyState title={`Nothing left to review in ${queueLabel.toLowerCase()}`}>
          <p>
            Every open item is decided, already has your review, or is being reviewed by someone else.
            {decidedCount > 0 ? ` You decided ${decidedCount} in this session.` : ''}
          </p>
          <div className="mt-3 flex flex-wrap justify-center gap-2">
            <Button
              variant="secondary"
              onClick={() => {
                setSkipped([]);
                setPhase('loading');
                if (!queue) return;
                claimNext
                  .mutateAsync({ queue, excludeItemIds: [] })
                  .then((r) => {
                    if (r) {
                      setCurrent(toSlot(r));
                      setPhase('ready');
                    } else setPhase('empty');
                  })
                  .catch((e: unknown) => {
                    setLoadError(messageOf(e));
                    setPhase('error');
                  });
              }}
            >
              Check again (skipped items too)
            </Button>
            {historyRows.length > 0 ? (
              <Button variant="secondary" onClick={() => setHistoryIndex(0)}>
                Your last decision <Kbd>p</Kbd>
              </Button>
            ) : null}
            <Link className={LINK_CLASS + ' self-center'} href="/review">
              Back to the queues
            </Link>
          </div>
        </EmptyState>
        {help}
      </div>
    );
  }
  if (!shownItemId || phase === 'loading') {
    return (
      <div className="space-y-3">
        {crumbs}
        {failureNotices}
        <p className="text-sm text-slate-600">Claiming the next item…</p>
        {help}
      </div>
    );
  }

  const slot = current;
  const readOnly = historyIndex !== null || !slot || slot.readOnly;
  const labels = subjectData ? decisionLabels(subjectData.queue, subjectData.item.flag) : null;
  const readOnlyNote =
    historyRow && labels ? (
      <span>
        Your past decision:{' '}
        <Badge tone={historyRow.decision === 'accept' ? 'green' : 'red'}>{labels[historyRow.decision]}</Badge>
        {historyRow.reason ? <> — “{historyRow.reason}”</> : null} · item{' '}
        {historyRow.itemStatus.replace('_', ' ')} · <Kbd>n</Kbd> newer · <Kbd>p</Kbd> older · <Kbd>s</Kbd>{' '}
        back to the current item
      </span>
    ) : (
      <span>
        Read-only: {slot?.readOnlyReason ?? 'not claimable.'}{' '}
        {queue ? (
          <>
            <Kbd>n</Kbd> continues with the queue.
          </>
        ) : null}
      </span>
    );

  const headerActions = (
    <>
      {sessionNote}
      {historyRow ? (
        <Badge tone="slate">
          past decision {historyIndex! + 1} of {historyRows.length}
        </Badge>
      ) : slot && !slot.readOnly ? (
        <LeaseCountdown expiresAt={slot.leaseExpiresAt} />
      ) : null}
      {historyRow ? (
        <Button variant="secondary" onClick={() => setHistoryIndex(null)}>
          Back to current
        </Button>
      ) : (
        <Button variant="secondary" onClick={skip} disabled={!slot} aria-label="Skip this item">
          {slot?.readOnly ? 'Next' : 'Skip'} <Kbd>{slot?.readOnly ? 'n' : 's'}</Kbd>
        </Button>
      )}
      <Button
        variant="secondary"
        onClick={() =>
          historyRows.length &&
          setHistoryIndex(Math.min(historyRows.length - 1, historyIndex === null ? 0 : historyIndex + 1))
        }
        disabled={historyRows.length === 0 || historyIndex === historyRows.length - 1}
        aria-label="Previous item (your past decisions)"
      >
        ← Previous <Kbd>p</Kbd>
      </Button>
      <Button variant="ghost" onClick={() => setHelpOpen(true)} aria-label="Keyboard shortcuts">
        <Kbd>?</Kbd>
      </Button>
    </>
  );

  return (
    <div className="space-y-3 pb-24">
      {crumbs}
      {failureNotices}
      {leaseLost && leaseLost === slot?.item.id && historyIndex === null ? (
        <ErrorMessage>
          Your lease on this item expired and another reviewer took it: your decision would not be recorded.{' '}
          <button type="button" className="font-medium underline" onClick={skip}>
            Move on
          </button>
        </ErrorMessage>
      ) : null}
      {loadError && phase === 'ready' ? <ErrorMessage>{loadError}</ErrorMessage> : null}
      {subject.isPending ? (
        <div className="space-y-3" aria-busy="true">
          <div className="h-8 w-1/2 animate-pulse rounded bg-slate-100" />
          <div className="h-96 animate-pulse rounded-lg bg-slate-100" />
        </div>
      ) : subject.isError ? (
        <div className="space-y-2">
          <ErrorMessage>Could not load this item: {subject.error.message}</ErrorMessage>
          <div className="flex gap-2">{headerActions}</div>
        </div>
      ) : subjectData && draft ? (
        <ReviewItemView
          subject={subjectData}
          role={role}
          readOnly={readOnly}
          readOnlyNote={readOnlyNote}
          draft={draft}
          setDraft={setDraft}
          step={shownStep}
          onStep={goToStep}
          editRef={editRef}
          reasonRef={reasonRef}
          onDecide={decide}
          formError={formError}
          headerActions={headerActions}
          busy={busy}
        />
      ) : null}
      {help}
    </div>
  );
}
