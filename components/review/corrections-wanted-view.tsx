'use client';
/**
 * A failed rollout to correct (`corrections_wanted`, issue 16 § 3): the environment's and the
 * graph's verdicts, where progress stopped (the suggestion and its reason), and the rollout's steps
 * as a list to pick the first harmful step from. The step selected is the step the workspace shows
 * (so ← / →, Home / End and the filmstrip move it too; ↑ / ↓ move it while the list has the focus);
 * "Correct from here" in the decision bar takes it.
 *
 * Accessible names (for people and for the end-to-end test): the list is a `listbox` named "Steps
 * of the failed rollout" whose options read "Step N: <action>", the selected one `aria-selected`.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { categoryLabel, recordingSessionHref, verdictLabel } from '@/components/review/review-display';
import { LINK_CLASS, Section } from '@/components/review/review-parts';
import type { SubjectOf } from '@/components/review/review-types';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { DateTime } from '@/components/ui/date-time';
import { ErrorMessage } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

/** The accessible name of the step list. */
export const CORRECTION_STEP_LIST_LABEL = 'Steps of the failed rollout';

/**
 * Opens the correction session of a failed rollout: `recordings.startCorrection` (which replays
 * the steps before `fromStep`, 0-based, then hands control to the person) and then its recording
 * page. Rejects with the server's error (e.g. the person already has a session open).
 */
export function useStartCorrection(): (trajectoryId: string, fromStep: number) => Promise<void> {
  const trpc = useTRPC();
  const router = useRouter();
  const start = useMutation(trpc.recordings.startCorrection.mutationOptions());
  const { mutateAsync } = start;
  return useCallback(
    async (trajectoryId: string, fromStep: number) => {
      const { sessionId } = await mutateAsync({ trajectoryId, fromStep });
      router.push(recordingSessionHref(sessionId));
    },
    [mutateAsync, router],
  );
}

/** "Open the correction session" for a decided "Correct from here" whose session never started or was left. */
function StartCorrectionButton({ trajectoryId, fromStep }: { trajectoryId: string; fromStep: number }) {
  const startCorrection = useStartCorrection();
  const [state, setState] = useState<{ pending: boolean; error: string | null }>({
    pending: false,
    error: null,
  });
  return (
    <div className="space-y-1">
      <Button
        variant="secondary"
        disabled={state.pending}
        onClick={() => {
          setState({ pending: true, error: null });
          startCorrection(trajectoryId, fromStep).catch((e: unknown) =>
            setState({ pending: false, error: e instanceof Error ? e.message : String(e) }),
          );
        }}
      >
        {state.pending ? 'Starting…' : `Open the correction session from step ${fromStep + 1}`}
      </Button>
      {state.error ? <ErrorMessage>{state.error}</ErrorMessage> : null}
    </div>
  );
}

export function CorrectionsWantedView({
  subject,
  step,
  onStep,
  readOnly,
}: {
  subject: SubjectOf<'corrections_wanted'>;
  /** The step selected (0-based), the one the workspace shows. */
  step: number;
  onStep: (index: number) => void;
  readOnly: boolean;
}) {
  const trpc = useTRPC();
  const trajectoryId = subject.item.subjectId;
  const query = useQuery(trpc.trajectories.get.queryOptions({ id: trajectoryId }));
  const steps = query.data?.steps ?? [];
  const count = steps.length || subject.rollout.stepCount;
  const selected = Math.max(0, Math.min(count - 1, step));
  const { rollout, suggestion, harmfulStep } = subject;
  const listRef = useRef<HTMLOListElement | null>(null);

  // Keep the selected option in view as the selection moves.
  useEffect(() => {
    listRef.current
      ?.querySelector<HTMLElement>(`[data-step-index="${selected}"]`)
      ?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const onListKey = (e: KeyboardEvent<HTMLOListElement>) => {
    const moves: Record<string, number> = {
      ArrowUp: selected - 1,
      ArrowDown: selected + 1,
      Home: 0,
      End: count - 1,
    };
    if (!(e.key in moves) || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    onStep(Math.max(0, Math.min(count - 1, moves[e.key]!)));
  };

  const outcomeStep = subject.item.outcome?.harmfulStep;
  const decidedStep =
    subject.item.status === 'decided' && subject.item.decision === 'accept' && typeof outcomeStep === 'number'
      ? outcomeStep
      : null;

  return (
    <div className="space-y-3">
      <Section title="Where should a person take over?">
        {subject.task ? <p className="text-sm text-slate-900">{subject.task.intent}</p> : null}
        <dl
          className="mt-2 grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1.5 text-sm"
          data-testid="correction-verdicts"
        >
          <dt className="text-slate-500">Environment</dt>
          <dd>
            <Badge tone={rollout.envSuccess == null ? 'slate' : rollout.envSuccess ? 'green' : 'red'}>
              {verdictLabel(rollout.envSuccess)}
            </Badge>
            {rollout.envMessage ? (
              // The verifier's own words (third-party text, rendered as text).
              <p className="mt-1 max-h-24 overflow-y-auto whitespace-pre-wrap break-words text-slate-700">
                {rollout.envMessage}
              </p>
            ) : null}
          </dd>
          <dt className="text-slate-500">Graph</dt>
          <dd className="text-slate-800">
            {categoryLabel(rollout.category)}
            {rollout.progress != null ? ` · progress ${Math.round(rollout.progress * 100)}%` : ''}
            {rollout.scoredGraphVersion ? (
              <span className="ml-2 text-xs text-slate-500">graph v{rollout.scoredGraphVersion.version}</span>
            ) : null}
          </dd>
          {rollout.finalAnswer ? (
            <>
              <dt className="text-slate-500">Final answer</dt>
              <dd className="break-words text-slate-800">{rollout.finalAnswer}</dd>
            </>
          ) : null}
        </dl>
        <p className="mt-3 text-sm text-slate-800" data-testid="correction-suggestion">
          <span className="font-medium">
            Suggested: {suggestion.stepIndex === null ? 'none' : `step ${suggestion.stepIndex + 1}`}.
          </span>{' '}
          {suggestion.reason}
        </p>
        {harmfulStep ? (
          <p className="mt-1 text-sm text-slate-700" data-testid="correction-marked">
            Marked as the first harmful step: step {harmfulStep.stepIndex + 1}
            {harmfulStep.byName ? ` by ${harmfulStep.byName}` : ''}
            {harmfulStep.at ? (
              <>
                {' '}
                (<DateTime value={harmfulStep.at} />)
              </>
            ) : null}
            .
          </p>
        ) : null}
      </Section>

      <Section
        title="First harmful step"
        actions={
          <span className="text-xs text-slate-500">
            {readOnly ? '' : '↑ / ↓ in the list, ← / → anywhere'}
          </span>
        }
      >
        <p className="mb-2 text-sm text-slate-800" data-testid="correction-selected">
          {count === 0 ? (
            'This rollout has no steps.'
          ) : selected === 0 ? (
            <>
              From <strong>step 1</strong>: nothing is replayed, you do the whole task.
            </>
          ) : (
            <>
              From <strong>step {selected + 1}</strong>: steps 1–{selected} are replayed, then you take over.
            </>
          )}
        </p>
        {query.isPending ? (
          <div className="h-40 animate-pulse rounded bg-slate-100" aria-label="Loading the steps" />
        ) : (
          <ol
            ref={listRef}
            role="listbox"
            aria-label={CORRECTION_STEP_LIST_LABEL}
            aria-activedescendant={count ? `correction-step-${selected}` : undefined}
            tabIndex={0}
            onKeyDown={onListKey}
            className="max-h-72 space-y-0.5 overflow-y-auto rounded-md p-1 ring-1 ring-slate-200 focus:outline-none focus:ring-2 focus:ring-indigo-500"
            data-testid="correction-steps"
          >
            {steps.map((s, i) => {
              const isSelected = i === selected;
              return (
                <li
                  key={s.id}
                  id={`correction-step-${i}`}
                  role="option"
                  aria-selected={isSelected}
                  data-step-index={i}
                  onClick={() => onStep(i)}
                  className={`flex cursor-pointer items-start gap-2 rounded px-2 py-1 text-sm ${isSelected ? 'bg-indigo-50 text-indigo-900 ring-1 ring-indigo-300' : i < selected ? 'text-slate-500 hover:bg-slate-50' : 'text-slate-800 hover:bg-slate-50'}`}
                >
                  <span className="w-14 shrink-0 tabular-nums text-slate-500">Step {i + 1}:</span>
                  <span className="min-w-0 flex-1 break-words">{s.actionDescription}</span>
                  {i === suggestion.stepIndex ? <Badge tone="amber">suggested</Badge> : null}
                  {i === harmfulStep?.stepIndex ? <Badge tone="red">marked</Badge> : null}
                  {i < selected ? <span className="sr-only">(replayed)</span> : null}
                </li>
              );
            })}
          </ol>
        )}
      </Section>

      {decidedStep !== null && subject.corrections.length === 0 ? (
        <StartCorrectionButton trajectoryId={trajectoryId} fromStep={decidedStep} />
      ) : null}
      {subject.corrections.length > 0 ? (
        <Section title="Corrections of this rollout">
          <ul className="space-y-1 text-sm">
            {subject.corrections.map((c) => (
              <li key={c.id}>
                <Link className={LINK_CLASS} href={`/trajectories/${c.id}`} target="_blank">
                  Correction
                </Link>{' '}
                {c.takeoverStep !== null ? `from step ${c.takeoverStep + 1}` : ''} · verifier{' '}
                {verdictLabel(c.envSuccess, 'passed', 'failed')} · <DateTime value={c.createdAt} />
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
    </div>
  );
}
