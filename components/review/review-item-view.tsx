'use client';
/**
 * One review item as the workspace shows it: the queue's view of the subject beside the rollout's
 * steps, the other reviewers' decisions, and the decision bar (accept / reject with a reason).
 * Presentational: the workspace owns the draft, the step shown, leases and the keyboard.
 */
import { trajectoryKindLabel } from '@/lib/core/provenance';
import Link from 'next/link';
import type { ReactNode, RefObject } from 'react';
import { CorrectionsWantedView } from '@/components/review/corrections-wanted-view';
import { ExtrapolatedIntentView, ProposedTaskView } from '@/components/review/intent-view';
import { LfFlagView } from '@/components/review/lf-flag-view';
import { ProposedPathView } from '@/components/review/proposed-path-view';
import {
  acceptEffect,
  categoryLabel,
  labelFunctionTemplate,
  MAX_REASON_CHARS,
  type DraftContext,
  type ReviewDraft,
} from '@/components/review/review-display';
import { LINK_CLASS, ReviewsPanel } from '@/components/review/review-parts';
import type { ReviewSubjectData } from '@/components/review/review-types';
import { RolloutSteps, type MarkedStep } from '@/components/review/rollout-steps';
import { RolloutVerdictView } from '@/components/review/rollout-verdict-view';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ErrorMessage, Kbd } from '@/components/ui/states';
import { decisionLabels, REVIEW_QUEUE_INFO } from '@/lib/core/review';
import type { Role } from '@/lib/core/roles';

/** What the draft of `subject` starts from and is checked against. */
export function draftContextOf(subject: ReviewSubjectData): DraftContext {
  const base = { queue: subject.queue, flag: subject.item.flag, originalIntent: null, originalCode: null };
  switch (subject.queue) {
    case 'extrapolated_intent':
      return { ...base, originalIntent: subject.intent.intent ?? subject.intent.candidate ?? '' };
    case 'proposed_task':
      return { ...base, originalIntent: subject.proposal.intent };
    case 'lf_flag':
      return subject.keyStep
        ? { ...base, originalCode: labelFunctionTemplate(subject.keyStep.description) }
        : base;
    default:
      return base;
  }
}

/** The trajectory whose steps are shown, if any. */
export function trajectoryIdOf(subject: ReviewSubjectData): string | null {
  if (subject.queue === 'lf_flag' && subject.keyStep) return subject.keyStep.trajectoryId;
  // A label function that lets failed rollouts pass: show the first such rollout.
  if (subject.queue === 'lf_flag' && subject.disagreements?.rows[0]) return subject.disagreements.rows[0].id;
  return subject.trajectory?.id ?? null;
}

/**
 * The step to open an item at: the key step under review; for a rollout to correct, the step to
 * take over at (marked, else suggested); else the first.
 */
export function initialStepOf(subject: ReviewSubjectData): number {
  if (subject.queue === 'corrections_wanted') return subject.initialStep;
  if (subject.queue === 'lf_flag' && subject.keyStep?.stepIndex != null) return subject.keyStep.stepIndex;
  if (subject.queue === 'lf_flag' && !subject.keyStep && subject.disagreements?.rows[0]?.evidenceStep != null)
    return subject.disagreements.rows[0].evidenceStep;
  return 0;
}

function markedStepsOf(subject: ReviewSubjectData): MarkedStep[] {
  if (subject.queue === 'proposed_path') {
    return subject.pathNodes.flatMap((n) =>
      n.result?.evidenceStep != null
        ? [{ index: n.result.evidenceStep, label: `node ${n.position + 1}` }]
        : [],
    );
  }
  if (subject.queue === 'lf_flag' && subject.keyStep?.stepIndex != null) {
    return [{ index: subject.keyStep.stepIndex, label: 'key step' }];
  }
  if (subject.queue === 'lf_flag' && subject.disagreements?.rows[0]?.evidenceStep != null) {
    return [{ index: subject.disagreements.rows[0].evidenceStep, label: 'passes here' }];
  }
  if (subject.queue === 'corrections_wanted') {
    const marks: MarkedStep[] = [];
    if (subject.suggestion.stepIndex !== null)
      marks.push({ index: subject.suggestion.stepIndex, label: 'progress stopped' });
    if (subject.harmfulStep) marks.push({ index: subject.harmfulStep.stepIndex, label: 'marked harmful' });
    return marks;
  }
  return [];
}

export interface ReviewItemViewProps {
  subject: ReviewSubjectData;
  role: Role;
  readOnly: boolean;
  /** Why it is read-only (decided, already reviewed by you, leased by others, your past decision). */
  readOnlyNote: ReactNode;
  draft: ReviewDraft;
  setDraft: (draft: ReviewDraft) => void;
  step: number;
  onStep: (index: number) => void;
  editRef: RefObject<HTMLTextAreaElement | null>;
  reasonRef: RefObject<HTMLTextAreaElement | null>;
  onDecide: (decision: 'accept' | 'reject') => void;
  /** A problem with the decision the reviewer tried (missing reason, …). */
  formError: string | null;
  /** Header extras: lease countdown, buttons. */
  headerActions?: ReactNode;
  /** A decision the workspace waits for before moving on ("Correct from here"): what it is doing. */
  busy?: string | null;
}

export function ReviewItemView(props: ReviewItemViewProps) {
  const { subject, role, readOnly, draft, setDraft, step, onStep, editRef } = props;
  const labels = decisionLabels(subject.queue, subject.item.flag);
  const trajectoryId = trajectoryIdOf(subject);
  const comments = subject.trajectory?.comments;

  let view: ReactNode;
  switch (subject.queue) {
    case 'proposed_path':
      view = <ProposedPathView subject={subject} role={role} onStep={onStep} />;
      break;
    case 'extrapolated_intent':
      view = (
        <ExtrapolatedIntentView
          subject={subject}
          role={role}
          draft={draft}
          setDraft={setDraft}
          readOnly={readOnly}
          editRef={editRef}
        />
      );
      break;
    case 'proposed_task':
      view = (
        <ProposedTaskView
          subject={subject}
          role={role}
          draft={draft}
          setDraft={setDraft}
          readOnly={readOnly}
          editRef={editRef}
        />
      );
      break;
    case 'lf_flag':
      view = (
        <LfFlagView
          subject={subject}
          role={role}
          draft={draft}
          setDraft={setDraft}
          readOnly={readOnly}
          onStep={onStep}
          onAddLabelFunction={() => props.onDecide('accept')}
        />
      );
      break;
    case 'rollout_verdict':
      view = <RolloutVerdictView subject={subject} />;
      break;
    case 'corrections_wanted':
      view = <CorrectionsWantedView subject={subject} step={step} onStep={onStep} readOnly={readOnly} />;
      break;
  }

  return (
    <div
      className="space-y-3"
      data-testid="review-item"
      data-item-id={subject.item.id}
      data-queue={subject.queue}
    >
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-lg font-semibold text-slate-900" data-testid="review-item-summary">
            {subject.item.summary}
          </h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <Badge tone="indigo">{REVIEW_QUEUE_INFO[subject.queue].label}</Badge>
            {subject.task ? (
              <Link
                className={`${LINK_CLASS} font-mono text-xs`}
                href={`/tasks/${subject.task.id}`}
                target="_blank"
              >
                {subject.task.externalId}
              </Link>
            ) : null}
            {subject.trajectory ? (
              <span>
                {trajectoryKindLabel(subject.trajectory.kind)} · {categoryLabel(subject.trajectory.category)}
              </span>
            ) : null}
            {subject.item.iterationId ? <span>iteration {subject.item.iterationId}</span> : null}
            {subject.item.requiredReviews > 1 ? (
              <span>{subject.item.requiredReviews} independent reviews</span>
            ) : null}
            {comments && comments.count > 0 ? (
              <Badge tone="amber" title="Earlier reviewers left comments on this rollout's steps">
                {comments.count} comment{comments.count === 1 ? '' : 's'}
              </Badge>
            ) : null}
          </p>
          {subject.task && subject.queue !== 'rollout_verdict' && subject.queue !== 'corrections_wanted' ? (
            <p className="mt-1 text-sm text-slate-700">
              <span className="text-slate-500">Task: </span>
              {subject.task.intent}
            </p>
          ) : null}
        </div>
        <div className="flex flex-wrap items-center gap-2">{props.headerActions}</div>
      </header>

      <div className={`grid gap-4 ${trajectoryId ? 'xl:grid-cols-2' : ''}`}>
        {trajectoryId ? (
          <div className="min-w-0 space-y-3">
            <RolloutSteps
              trajectoryId={trajectoryId}
              step={step}
              onStep={onStep}
              markedSteps={markedStepsOf(subject)}
              title={
                subject.queue === 'lf_flag'
                  ? subject.keyStep
                    ? 'Demo'
                    : 'A rollout it let pass'
                  : subject.queue === 'proposed_task'
                    ? 'Source rollout'
                    : subject.queue === 'corrections_wanted'
                      ? 'Failed rollout'
                      : 'Rollout'
              }
            />
          </div>
        ) : null}
        <div className="min-w-0 space-y-3">
          {view}
          <ReviewsPanel
            reviews={subject.reviews}
            hiddenReviews={subject.hiddenReviews}
            myReview={subject.myReview}
            labels={labels}
          />
        </div>
      </div>

      <DecisionBar {...props} labels={labels} />
    </div>
  );
}

function DecisionBar({
  subject,
  readOnly,
  readOnlyNote,
  draft,
  setDraft,
  reasonRef,
  onDecide,
  formError,
  labels,
  step,
  busy,
}: ReviewItemViewProps & { labels: ReturnType<typeof decisionLabels> }) {
  if (readOnly) {
    return (
      <div
        className="sticky bottom-0 z-10 rounded-lg bg-slate-50 p-3 text-sm text-slate-700 shadow ring-1 ring-slate-200"
        data-testid="read-only-note"
      >
        {readOnlyNote}
        {subject.item.decision ? (
          <span className="ml-2">
            Outcome:{' '}
            <Badge tone={subject.item.decision === 'accept' ? 'green' : 'red'}>
              {labels[subject.item.decision]}
            </Badge>
            {subject.item.decidedVia === 'adjudication' ? ' (adjudicated)' : ''}
          </span>
        ) : null}
      </div>
    );
  }
  const rejecting = draft.mode === 'reject';
  return (
    <div
      className="sticky bottom-0 z-10 space-y-2 rounded-lg bg-white/95 p-3 shadow-lg ring-1 ring-slate-300 backdrop-blur"
      aria-label="Decision"
      role="group"
    >
      {subject.queue === 'corrections_wanted' ? (
        <p className="text-sm text-slate-800" data-testid="correction-takeover">
          {labels.accept}: you take over at <strong>step {step + 1}</strong>
          {step > 0 ? ` (steps 1–${step} are replayed first)` : ''}.
        </p>
      ) : null}
      <div className="flex flex-wrap items-start gap-3">
        <div className="flex items-center gap-2">
          <Button onClick={() => onDecide('accept')} data-testid="decide-accept" disabled={!!busy}>
            {labels.accept} <Kbd>a</Kbd>
          </Button>
          <Button
            disabled={!!busy}
            variant={rejecting ? 'danger' : 'secondary'}
            onClick={() =>
              rejecting || !labels.rejectNeedsReason || draft.reason.trim()
                ? onDecide('reject')
                : reasonRef.current?.focus()
            }
            data-testid="decide-reject"
          >
            {labels.reject} <Kbd>r</Kbd>
          </Button>
        </div>
        <label className="min-w-[16rem] flex-1">
          <span className="sr-only">Reason</span>
          <textarea
            ref={reasonRef}
            value={draft.reason}
            rows={rejecting ? 2 : 1}
            maxLength={MAX_REASON_CHARS}
            placeholder={
              labels.rejectNeedsReason
                ? `Reason (required for “${labels.reject}”; Enter submits)`
                : `Reason or note (optional; Enter submits “${labels.reject}”)`
            }
            onFocus={() => {
              if (!rejecting) setDraft({ ...draft, mode: 'reject' });
            }}
            onBlur={() => {
              if (rejecting && !draft.reason.trim()) setDraft({ ...draft, mode: 'accept' });
            }}
            onChange={(e) => setDraft({ ...draft, reason: e.target.value, mode: 'reject' })}
            onKeyDown={(e) => {
              if (
                e.key === 'Enter' &&
                !e.shiftKey &&
                !e.ctrlKey &&
                !e.metaKey &&
                !e.altKey &&
                !e.nativeEvent.isComposing
              ) {
                e.preventDefault();
                onDecide('reject');
              }
            }}
            className={`block w-full resize-y rounded-md border-0 px-2.5 py-1.5 text-sm text-slate-900 shadow-sm ring-1 focus:ring-2 ${rejecting ? 'ring-rose-300 focus:ring-rose-500' : 'ring-slate-300 focus:ring-indigo-500'}`}
            data-testid="decision-reason"
          />
        </label>
      </div>
      {busy ? (
        <p className="text-sm text-slate-700" role="status">
          {busy}
        </p>
      ) : null}
      {formError ? <ErrorMessage>{formError}</ErrorMessage> : null}
      <p className="text-xs text-slate-500">
        {acceptEffect(subject.queue, subject.item.flag)} <Kbd>Ctrl/⌘</Kbd>+<Kbd>Enter</Kbd>: “
        {rejecting ? labels.reject : labels.accept}” and move on · <Kbd>s</Kbd> skip · <Kbd>?</Kbd> all
        shortcuts
      </p>
    </div>
  );
}
