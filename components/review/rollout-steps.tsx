'use client';
/**
 * The rollout under review, step by step, for the review workspace: the screenshot with the action
 * drawn on it, the filmstrip (steps with comments are badged), the step's action and thought, and
 * the step's comments for the next reviewer. The step shown is controlled by the workspace (its
 * keyboard, evidence-step buttons), so this component owns no key handling.
 *
 * Loads steps through `trajectories.get` (the workspace prefetches the next item's), and marks
 * `markedSteps` (e.g. evidence or key steps) under the filmstrip.
 */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useMemo } from 'react';
import { StepScreenshot } from '@/components/trajectory/step-screenshot';
import { Filmstrip } from '@/components/trajectory/filmstrip';
import { StepComments } from '@/components/trajectory/step-comments';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/states';
import { mediaUrl } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';

/** A step worth pointing at (evidence step of a label function, the key step under review). */
export interface MarkedStep {
  index: number;
  label: string;
}

const PREFETCH_AHEAD = 2;

export function RolloutSteps({
  trajectoryId,
  step,
  onStep,
  markedSteps = [],
  title = 'Rollout',
}: {
  trajectoryId: string;
  /** 0-based step shown; clamped to the trajectory. */
  step: number;
  onStep: (index: number) => void;
  markedSteps?: readonly MarkedStep[];
  title?: string;
}) {
  const trpc = useTRPC();
  const query = useQuery(trpc.trajectories.get.queryOptions({ id: trajectoryId }));
  const comments = useQuery(trpc.comments.list.queryOptions({ trajectoryId }));
  const steps = query.data?.steps;
  const count = steps?.length ?? 0;
  const current = Math.max(0, Math.min(count - 1, step));

  const commentedSteps = useMemo(
    () => new Set((comments.data ?? []).filter((c) => !c.resolvedAt).map((c) => c.stepIndex)),
    [comments.data],
  );
  const openComments = (comments.data ?? []).filter((c) => !c.resolvedAt).length;

  // Prefetch the screenshots around the step shown so moving on is instant.
  useEffect(() => {
    if (!steps) return;
    for (let i = current - 1; i <= current + PREFETCH_AHEAD; i++) {
      const hash = steps[i]?.screenshotHash;
      if (hash && i !== current) new Image().src = mediaUrl(hash);
    }
  }, [current, steps]);

  if (query.isPending) {
    return <div className="h-80 animate-pulse rounded-lg bg-slate-100" aria-label="Loading the rollout" />;
  }
  if (query.isError) return <ErrorMessage>Could not load the rollout: {query.error.message}</ErrorMessage>;
  const trajectory = query.data;
  const s = steps?.[current];

  return (
    <section className="min-w-0 space-y-2" aria-label={title}>
      <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
        <div className="flex min-w-0 flex-wrap items-center gap-2">
          <h2 className="font-semibold text-slate-800">{title}</h2>
          <Link
            href={`/trajectories/${trajectory.id}?step=${current + 1}`}
            className="truncate font-mono text-xs text-indigo-700 hover:underline"
            target="_blank"
          >
            {trajectory.externalId ?? trajectory.id.slice(0, 8)}
          </Link>
          {openComments > 0 ? (
            <Badge tone="amber" title="Open comments on this rollout's steps">
              {openComments} comment{openComments === 1 ? '' : 's'} on {commentedSteps.size} step
              {commentedSteps.size === 1 ? '' : 's'}
            </Badge>
          ) : null}
        </div>
        <div className="flex items-center gap-2">
          <Button
            variant="secondary"
            onClick={() => onStep(current - 1)}
            disabled={current <= 0}
            aria-label="Previous step"
          >
            ←
          </Button>
          <span className="tabular-nums text-slate-700" data-testid="review-step-counter">
            Step {count ? current + 1 : 0} of {count}
          </span>
          <Button
            variant="secondary"
            onClick={() => onStep(current + 1)}
            disabled={current >= count - 1}
            aria-label="Next step"
          >
            →
          </Button>
        </div>
      </div>
      {!s ? (
        <p className="text-sm text-slate-500">This trajectory has no steps.</p>
      ) : (
        <>
          <StepScreenshot step={s} stepNumber={current + 1} maxHeightCss="52vh" />
          <Filmstrip
            steps={trajectory.steps}
            current={current}
            onSelect={onStep}
            commentedSteps={commentedSteps}
          />
          {markedSteps.length > 0 ? (
            <p className="flex flex-wrap items-center gap-1.5 text-xs text-slate-600">
              <span>Jump to:</span>
              {markedSteps.map((m) => (
                <button
                  key={`${m.index}-${m.label}`}
                  type="button"
                  onClick={() => onStep(m.index)}
                  className={`rounded px-1.5 py-0.5 ring-1 ${m.index === current ? 'bg-indigo-50 text-indigo-800 ring-indigo-300' : 'bg-white text-slate-700 ring-slate-200 hover:bg-slate-50'}`}
                >
                  {m.label} · step {m.index + 1}
                </button>
              ))}
            </p>
          ) : null}
          <div className="rounded-lg bg-white p-3 text-sm shadow-sm ring-1 ring-slate-200">
            <p className="font-medium text-slate-900" data-testid="review-action-description">
              {s.actionDescription}
            </p>
            {s.thought ? (
              <p className="mt-1 line-clamp-4 whitespace-pre-wrap text-slate-700" title={s.thought}>
                <span className="text-slate-500">Thought: </span>
                {s.thought}
              </p>
            ) : null}
            {s.url ? <p className="mt-1 break-all font-mono text-xs text-slate-500">{s.url}</p> : null}
          </div>
          <div data-review-comments>
            <StepComments trajectoryId={trajectory.id} stepIndex={current} onSelectStep={onStep} />
          </div>
        </>
      )}
    </section>
  );
}
