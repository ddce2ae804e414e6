'use client';
/**
 * Extrapolated intent and proposed task review: the text as the model wrote it, an edit box (accept
 * as is, or edit then accept), and the model calls that produced it. For an extrapolated intent the
 * raw candidate and the refined intent are both shown; for a proposed task, the task it varies.
 */
import Link from 'next/link';
import type { RefObject } from 'react';
import { categoryLabel, type ReviewDraft } from '@/components/review/review-display';
import { LINK_CLASS, ModelCallRef, Section } from '@/components/review/review-parts';
import type { SubjectOf } from '@/components/review/review-types';
import { Badge } from '@/components/ui/badge';
import { MAX_INTENT_CHARS } from '@/lib/core/review';
import type { Role } from '@/lib/core/roles';

function IntentEditor({
  label,
  draft,
  setDraft,
  readOnly,
  editRef,
  original,
}: {
  label: string;
  draft: ReviewDraft;
  setDraft: (draft: ReviewDraft) => void;
  readOnly: boolean;
  editRef: RefObject<HTMLTextAreaElement | null>;
  original: string;
}) {
  const text = draft.intent ?? '';
  const edited = text.trim() !== original.trim();
  return (
    <div className="space-y-1">
      <label className="block">
        <span className="flex items-center gap-2 text-sm font-medium text-slate-700">
          {label}
          {edited ? <Badge tone="indigo">edited</Badge> : null}
        </span>
        <textarea
          ref={editRef}
          value={text}
          readOnly={readOnly}
          rows={3}
          maxLength={MAX_INTENT_CHARS * 2}
          onChange={(e) => setDraft({ ...draft, intent: e.target.value })}
          className="mt-1 block w-full rounded-md border-0 px-2.5 py-1.5 text-sm text-slate-900 shadow-sm ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-500 read-only:bg-slate-50"
          data-testid="intent-editor"
        />
      </label>
      <p className="flex flex-wrap gap-3 text-xs text-slate-500">
        <span>
          {text.trim().length} / {MAX_INTENT_CHARS} characters
        </span>
        {edited && !readOnly ? (
          <button
            type="button"
            className={LINK_CLASS}
            onClick={() => setDraft({ ...draft, intent: original })}
          >
            Undo edit
          </button>
        ) : null}
      </p>
    </div>
  );
}

export function ExtrapolatedIntentView({
  subject,
  role,
  draft,
  setDraft,
  readOnly,
  editRef,
}: {
  subject: SubjectOf<'extrapolated_intent'>;
  role: Role;
  draft: ReviewDraft;
  setDraft: (draft: ReviewDraft) => void;
  readOnly: boolean;
  editRef: RefObject<HTMLTextAreaElement | null>;
}) {
  const { intent } = subject;
  const original = intent.intent ?? intent.candidate ?? '';
  return (
    <div className="space-y-3">
      <Section title="Extrapolated intent">
        <IntentEditor
          label="Intent inferred from the failed rollout"
          draft={draft}
          setDraft={setDraft}
          readOnly={readOnly}
          editRef={editRef}
          original={original}
        />
        {intent.candidate ? (
          <div className="mt-3 text-sm">
            <p className="text-xs font-medium text-slate-500">Raw candidate (before refinement)</p>
            <p className="mt-0.5 whitespace-pre-wrap text-slate-700" data-testid="intent-candidate">
              {intent.candidate}
            </p>
          </div>
        ) : null}
        {intent.dropReason ? (
          <p className="mt-2 text-sm text-amber-800">Dropped by the pipeline: {intent.dropReason}</p>
        ) : null}
        <p className="mt-3 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600">
          <span>by {intent.producedBy}</span>
          <ModelCallRef id={intent.candidateCallId} role={role} label="candidate call" />
          <ModelCallRef id={intent.refineCallId} role={role} label="refine call" />
          {intent.createdTaskId ? (
            <Link className={LINK_CLASS} href={`/tasks/${intent.createdTaskId}`}>
              the task it became
            </Link>
          ) : null}
        </p>
      </Section>
      {subject.task ? (
        <Section title="The rollout’s own task">
          <p className="text-sm text-slate-800">{subject.task.intent}</p>
          <p className="mt-1 text-xs text-slate-500">
            <Link className={LINK_CLASS} href={`/tasks/${subject.task.id}`} target="_blank">
              {subject.task.externalId}
            </Link>
            {subject.trajectory ? ` · ${categoryLabel(subject.trajectory.category)}` : ''}
          </p>
        </Section>
      ) : null}
    </div>
  );
}

export function ProposedTaskView({
  subject,
  role,
  draft,
  setDraft,
  readOnly,
  editRef,
}: {
  subject: SubjectOf<'proposed_task'>;
  role: Role;
  draft: ReviewDraft;
  setDraft: (draft: ReviewDraft) => void;
  readOnly: boolean;
  editRef: RefObject<HTMLTextAreaElement | null>;
}) {
  const { proposal, parentTask } = subject;
  return (
    <div className="space-y-3">
      <Section
        title="Proposed task"
        actions={
          <Badge tone="indigo">{proposal.variant === 'template' ? 'other parameters' : 'paraphrase'}</Badge>
        }
      >
        <IntentEditor
          label="Intent of the new task"
          draft={draft}
          setDraft={setDraft}
          readOnly={readOnly}
          editRef={editRef}
          original={proposal.intent}
        />
        {proposal.template ? (
          <dl className="mt-3 grid grid-cols-[6rem_1fr] gap-x-3 gap-y-1 text-sm">
            <dt className="text-xs text-slate-500">template</dt>
            <dd className="break-words font-mono text-xs text-slate-800">{proposal.template}</dd>
            <dt className="text-xs text-slate-500">parameters</dt>
            <dd className="break-words font-mono text-xs text-slate-800">
              {proposal.params ? JSON.stringify(proposal.params) : '—'}
            </dd>
          </dl>
        ) : null}
        <p className="mt-3 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600">
          <span>by {proposal.producedBy}</span>
          <ModelCallRef id={proposal.modelCallId} role={role} label="augment call" />
          {proposal.createdTaskId ? (
            <Link className={LINK_CLASS} href={`/tasks/${proposal.createdTaskId}`}>
              the task it became
            </Link>
          ) : null}
        </p>
      </Section>
      {parentTask ? (
        <Section title="Varies the task">
          <p className="text-sm text-slate-800" data-testid="parent-intent">
            {parentTask.intent}
          </p>
          <p className="mt-1 text-xs text-slate-500">
            <Link className={LINK_CLASS} href={`/tasks/${parentTask.id}`} target="_blank">
              {parentTask.externalId}
            </Link>
            {parentTask.params ? <> · parameters {JSON.stringify(parentTask.params)}</> : null}
          </p>
        </Section>
      ) : null}
    </div>
  );
}
