'use client';
/**
 * The trajectory viewer: the large screenshot with the action drawn on it, a virtualized
 * filmstrip, and the step's thought, action (raw, structured, description) and element list.
 *
 * Keyboard: ← / → previous / next step, Home / End first / last (ignored while typing in a
 * field). `?step=N` (1-based, as shown on screen) deep-links a step and is kept in the URL.
 * The next two and the previous screenshot are prefetched so moving on is instant.
 * Each step has its comments panel (`#comment-<id>` deep-links one); commented steps are badged
 * on the filmstrip.
 *
 * Live: while the trajectory is `running`, new steps are pushed in (`use-live-trajectory.ts`) and
 * the view follows the newest one unless the reader picked an older step ("Follow latest").
 * The header shows every trajectory's status, and why an errored one failed, and where it came from
 * (promoted from, correction of, promoted to) with "Promote to expert demo" (`trajectory-origin.tsx`).
 */
import { useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Kbd } from '@/components/ui/states';
import { StepScreenshot } from '@/components/trajectory/step-screenshot';
import { findTargetElement } from '@/lib/core/action-geometry';
import { Filmstrip } from '@/components/trajectory/filmstrip';
import { StepComments } from '@/components/trajectory/step-comments';
import { useLiveTrajectory } from '@/components/trajectory/use-live-trajectory';
import { TrajectoryOrigin } from '@/components/trajectory/trajectory-origin';
import { ConnectionIndicator, TrajectoryStatusBadge } from '@/components/live/live-status';
import type { BlockedRequest, BlockReason } from '@/lib/core/rollouts/url-policy';
import type { StepAction } from '@/lib/core/types';
import { trajectoryKindLabel } from '@/lib/core/provenance';
import { formatEnvVerdict, mediaUrl } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';

const PREFETCH_AHEAD = 2;
/** Vertical space taken by the header, step bar and filmstrip, so the screenshot fits beside them. */
const CHROME_HEIGHT_PX = 330;

/**
 * Whether the header shows the environment's explanation of its verdict (`envMessage`: a verifier's
 * message, evaluator details, or why there is none). It is third-party text and is rendered as text.
 * An errored trajectory whose error already quotes it (a verifier that raised) shows it once.
 */
function showEnvMessage(t: { envMessage: string | null; status: string; error: string | null }): boolean {
  if (!t.envMessage) return false;
  return !(t.status === 'errored' && t.error?.includes(t.envMessage));
}

function clampStep(value: number, count: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.max(0, Math.min(count - 1, value));
}

/** Scrolls the element list (only it, never the page) so that `node` sits in its middle. */
function scrollIntoList(node: HTMLElement | null): void {
  const list = node?.parentElement;
  if (!node || !list) return;
  list.scrollTop = node.offsetTop - list.offsetTop - list.clientHeight / 2 + node.clientHeight / 2;
}

function isTypingTarget(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

const ACTION_FIELDS: (keyof StepAction)[] = [
  'type',
  'elementId',
  'elementRole',
  'elementName',
  'text',
  'key',
  'direction',
  'answer',
  'url',
  'app',
  'status',
];

export function TrajectoryViewer({
  id,
  canWatchLive = false,
  canPromote = false,
}: {
  id: string;
  /** The reader holds `rollouts:watch`: a running trajectory gets its steps pushed. */
  canWatchLive?: boolean;
  /** The reader holds `demos:promote`: rollouts and corrections offer "Promote to expert demo". */
  canPromote?: boolean;
}) {
  const trpc = useTRPC();
  const { data: trajectory } = useSuspenseQuery(trpc.trajectories.get.queryOptions({ id }));
  const searchParams = useSearchParams();
  const count = trajectory.steps.length;
  // Shared (same query key) with the comments panel; marks commented steps on the filmstrip.
  const comments = useQuery(trpc.comments.list.queryOptions({ trajectoryId: id }));
  const commentedSteps = useMemo(
    () => new Set((comments.data ?? []).map((c) => c.stepIndex)),
    [comments.data],
  );
  const [chosen, setChosen] = useState(() =>
    clampStep(Number.parseInt(searchParams.get('step') ?? '1', 10) - 1, count),
  );
  const live = useLiveTrajectory({
    id,
    status: trajectory.status,
    canWatch: canWatchLive,
    initialFollow: trajectory.status === 'running' && !searchParams.has('step'),
  });
  const { isLive, isFollowing, setFollowing } = live;
  // Following: the newest step, as it arrives (it stays there when the rollout ends).
  const current = isFollowing ? Math.max(0, count - 1) : chosen;

  const goTo = useCallback(
    (i: number) => {
      const next = clampStep(i, count);
      setChosen(next);
      setFollowing(isLive && next === count - 1);
      const url = new URL(window.location.href);
      url.searchParams.set('step', String(next + 1));
      window.history.replaceState(null, '', url);
    },
    [count, isLive, setFollowing],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || isTypingTarget(e.target)) return;
      if (e.key === 'ArrowRight') goTo(current + 1);
      else if (e.key === 'ArrowLeft') goTo(current - 1);
      else if (e.key === 'Home') goTo(0);
      else if (e.key === 'End') goTo(count - 1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [current, count, goTo]);

  // Prefetch the screenshots around the current step.
  useEffect(() => {
    for (let i = current - 1; i <= current + PREFETCH_AHEAD; i++) {
      const hash = trajectory.steps[i]?.screenshotHash;
      if (hash && i !== current) new Image().src = mediaUrl(hash);
    }
  }, [current, trajectory.steps]);

  const step = trajectory.steps[current];
  const target = step ? findTargetElement(step.action, step.elements) : null;

  return (
    <div className="space-y-4">
      <Breadcrumbs
        items={[
          { label: 'Tasks', href: '/tasks' },
          ...(trajectory.task
            ? [{ label: trajectory.task.externalId, href: `/tasks/${trajectory.task.id}`, mono: true }]
            : []),
          { label: trajectory.externalId ?? trajectory.id.slice(0, 8), mono: true },
        ]}
      />
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-lg font-semibold text-slate-900">{trajectory.task?.intent ?? 'Trajectory'}</h1>
          <div className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <Badge tone={trajectory.kind === 'expert' ? 'indigo' : 'slate'}>
              {trajectoryKindLabel(trajectory.kind)}
            </Badge>
            <TrajectoryStatusBadge
              status={trajectory.status}
              envSuccess={trajectory.envSuccess}
              runningLabel="Live"
            />
            {isLive ? (
              canWatchLive ? (
                <ConnectionIndicator state={live.connection} detail={live.connectionError} />
              ) : (
                <span className="text-xs text-slate-500">still running; reload for new steps</span>
              )
            ) : null}
            <span>{count} steps</span>
            <span>· environment verdict: {formatEnvVerdict(trajectory.envSuccess)}</span>
            {trajectory.policy ? <span>· policy: {trajectory.policy}</span> : null}
            {trajectory.iterationId ? <span>· iteration {trajectory.iterationId}</span> : null}
          </div>
          {trajectory.status === 'errored' ? (
            <p className="mt-1 text-sm text-rose-700" role="alert" data-testid="trajectory-error">
              <span className="font-medium">Errored:</span> {trajectory.error ?? 'no reason was recorded.'}
            </p>
          ) : null}
          {showEnvMessage(trajectory) ? (
            <p
              className="mt-1 max-h-32 overflow-y-auto whitespace-pre-wrap break-words text-sm text-slate-700"
              data-testid="env-message"
            >
              <span className="text-slate-500">Environment says:</span> {trajectory.envMessage}
            </p>
          ) : null}
          {trajectory.finalAnswer ? (
            <p className="mt-1 text-sm text-slate-700">
              <span className="text-slate-500">Final answer:</span> {trajectory.finalAnswer}
            </p>
          ) : null}
          <TrajectoryOrigin trajectory={trajectory} canPromote={canPromote} />
        </div>
        <div className="flex items-center gap-2 text-sm">
          {isLive ? (
            <label className="mr-2 inline-flex items-center gap-1.5 text-slate-700">
              <input
                type="checkbox"
                checked={isFollowing}
                onChange={(e) => {
                  setChosen(Math.max(0, count - 1));
                  setFollowing(e.target.checked);
                }}
                data-testid="follow-latest"
              />
              Follow latest
            </label>
          ) : null}
          <Button
            variant="secondary"
            onClick={() => goTo(current - 1)}
            disabled={current === 0}
            aria-label="Previous step"
          >
            ← Prev
          </Button>
          <span className="tabular-nums text-slate-700" data-testid="step-counter">
            Step {count ? current + 1 : 0} of {count}
          </span>
          <Button
            variant="secondary"
            onClick={() => goTo(current + 1)}
            disabled={current >= count - 1}
            aria-label="Next step"
          >
            Next →
          </Button>
        </div>
      </header>

      {!step ? (
        <p className="text-sm text-slate-500">
          {isLive ? 'Waiting for the first step…' : 'This trajectory has no steps.'}
        </p>
      ) : (
        <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_440px]">
          <div className="min-w-0 space-y-3">
            <StepScreenshot
              step={step}
              stepNumber={current + 1}
              maxHeightCss={`100vh - ${CHROME_HEIGHT_PX}px`}
            />
            <Filmstrip
              steps={trajectory.steps}
              current={current}
              onSelect={goTo}
              commentedSteps={commentedSteps}
            />
            <p className="text-xs text-slate-500">
              <Kbd>←</Kbd> <Kbd>→</Kbd> previous / next step · <Kbd>Home</Kbd> <Kbd>End</Kbd> first / last
              {step.modelImageHash ? (
                <>
                  {' · '}
                  <a
                    href={mediaUrl(step.modelImageHash)}
                    target="_blank"
                    rel="noreferrer"
                    className="text-indigo-700 underline"
                    data-testid="model-image-link"
                  >
                    Image a model is sent (numbered marks)
                  </a>
                </>
              ) : null}
            </p>
          </div>

          <aside className="min-w-0 space-y-3" aria-label="Step details">
            <section className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
              <h2 className="text-xs font-medium uppercase tracking-wide text-slate-500">Action</h2>
              <p className="mt-1 font-medium text-slate-900" data-testid="action-description">
                {step.actionDescription}
              </p>
              <pre
                className="mt-2 overflow-x-auto whitespace-pre-wrap rounded bg-slate-100 px-2 py-1 font-mono text-xs"
                data-testid="raw-action"
              >
                {step.action.raw}
              </pre>
              <dl className="mt-2 grid grid-cols-[7rem_1fr] gap-x-3 gap-y-1 text-sm">
                {ACTION_FIELDS.filter((k) => step.action[k] !== undefined && step.action[k] !== '').map(
                  (k) => (
                    <div key={k} className="contents">
                      <dt className="font-mono text-xs text-slate-500">{k}</dt>
                      <dd className="min-w-0 break-words text-slate-800">
                        {typeof step.action[k] === 'object'
                          ? JSON.stringify(step.action[k])
                          : String(step.action[k])}
                      </dd>
                    </div>
                  ),
                )}
              </dl>
            </section>
            {step.thought ? (
              <section className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
                <h2 className="text-xs font-medium uppercase tracking-wide text-slate-500">Thought</h2>
                <p className="mt-1 whitespace-pre-wrap text-sm text-slate-800" data-testid="thought">
                  {step.thought}
                </p>
              </section>
            ) : null}
            {step.url || step.title ? (
              <section className="rounded-lg bg-white p-4 text-sm shadow-sm ring-1 ring-slate-200">
                <h2 className="text-xs font-medium uppercase tracking-wide text-slate-500">Page</h2>
                {step.title ? <p className="mt-1 text-slate-800">{step.title}</p> : null}
                {step.url ? <p className="break-all font-mono text-xs text-slate-600">{step.url}</p> : null}
              </section>
            ) : null}
            {step.blockedRequestCount > 0 ? (
              <BlockedRequests
                requests={step.blockedRequests}
                count={step.blockedRequestCount}
                trajectoryCount={trajectory.steps.reduce((sum, s) => sum + s.blockedRequestCount, 0)}
              />
            ) : null}
            <StepComments trajectoryId={id} stepIndex={current} onSelectStep={goTo} />
            <section className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
              <h2 className="text-xs font-medium uppercase tracking-wide text-slate-500">
                Elements ({step.elements.length})
              </h2>
              {step.elements.length === 0 ? (
                <p className="mt-1 text-sm text-slate-500">
                  {step.elementsText
                    ? 'Element list not parsed; raw text below.'
                    : 'The harness did not record an element list for this step.'}
                </p>
              ) : (
                <ol className="mt-1 max-h-72 overflow-y-auto text-sm" data-testid="element-list">
                  {step.elements.map((e) => (
                    <li
                      key={e.id}
                      ref={target?.id === e.id ? scrollIntoList : undefined}
                      aria-current={target?.id === e.id ? 'true' : undefined}
                      className={`flex gap-2 rounded px-1 py-0.5 ${target?.id === e.id ? 'bg-rose-50 font-medium ring-1 ring-rose-300' : ''}`}
                    >
                      <span className="w-10 shrink-0 text-right font-mono text-xs text-slate-500">
                        [{e.id}]
                      </span>
                      {e.role ? (
                        <span className="font-mono text-xs text-indigo-700">&lt;{e.role}&gt;</span>
                      ) : null}
                      <span className="min-w-0 break-words">
                        {e.name}
                        {e.states?.length ? (
                          <span className="ml-1 text-xs text-emerald-700">({e.states.join(', ')})</span>
                        ) : null}
                        {e.context ? (
                          <span className="block text-xs text-slate-500" data-testid="element-context">
                            in “{e.context}”
                          </span>
                        ) : null}
                      </span>
                    </li>
                  ))}
                </ol>
              )}
              {step.elements.length === 0 && step.elementsText ? (
                <pre className="mt-2 max-h-72 overflow-auto whitespace-pre-wrap rounded bg-slate-100 p-2 font-mono text-xs">
                  {step.elementsText}
                </pre>
              ) : null}
            </section>
            {step.rawOutput ? (
              <details className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
                <summary className="cursor-pointer text-xs font-medium uppercase tracking-wide text-slate-500">
                  Raw model output
                </summary>
                <pre className="mt-2 max-h-72 overflow-auto whitespace-pre-wrap font-mono text-xs text-slate-700">
                  {step.rawOutput}
                </pre>
              </details>
            ) : null}
          </aside>
        </div>
      )}
    </div>
  );
}

const BLOCK_REASON_TEXT: Record<BlockReason, string> = {
  scheme: 'scheme not allowed',
  origin: 'origin not allowed',
  unparsable: 'not a URL',
  download: 'download',
  'local-file': 'local file (refused by Chromium)',
};

/**
 * Requests the rollout network policy refused while the agent was on this step. Page-made text
 * (URLs) is rendered as text only, never as HTML or links.
 */
function BlockedRequests({
  requests,
  count,
  trajectoryCount,
}: {
  requests: BlockedRequest[];
  count: number;
  trajectoryCount: number;
}) {
  return (
    <section
      className="rounded-lg bg-white p-4 text-sm shadow-sm ring-1 ring-amber-300"
      data-testid="blocked-requests"
    >
      <h2 className="text-xs font-medium uppercase tracking-wide text-amber-800">
        Blocked requests ({count} on this step, {trajectoryCount} in this trajectory)
      </h2>
      <ol className="mt-1 max-h-72 space-y-1 overflow-y-auto">
        {requests.map((r, i) => (
          <li key={i} className="rounded bg-amber-50 px-2 py-1">
            <p className="break-all font-mono text-xs text-slate-800">
              {r.method} {r.url}
            </p>
            <p className="text-xs text-slate-600">
              {r.resourceType} · {BLOCK_REASON_TEXT[r.reason] ?? r.reason} · by {r.layer}
            </p>
          </li>
        ))}
      </ol>
      {count > requests.length ? (
        <p className="mt-1 text-xs text-slate-500">
          …and {count - requests.length} more (the first {requests.length} are kept).
        </p>
      ) : null}
    </section>
  );
}
