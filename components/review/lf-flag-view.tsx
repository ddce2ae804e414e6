'use client';
/**
 * Label-function flag review. For a key step with no passing function: the key step, where it sits
 * among the demo's key steps, every synthesis attempt, and a code box for "Add label function".
 * For a flagged label function: the flag explained, its code (and the current one, if it changed
 * since), its results, the rollouts it wrongly let pass, and a link to the label-function editor.
 */
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { explainFlag, resultBadge, type ReviewDraft } from '@/components/review/review-display';
import { CodeBlock, LINK_CLASS, ModelCallRef, Section } from '@/components/review/review-parts';
import type { SubjectOf } from '@/components/review/review-types';
import { Badge } from '@/components/ui/badge';
import { Kbd } from '@/components/ui/states';
import { hasScope, type Role } from '@/lib/core/roles';

type Subject = SubjectOf<'lf_flag'>;

/** The label-function editor's CodeMirror (browser-only). Focus it with {@link focusCodeEditor}. */
const CodeEditor = dynamic(() => import('@/components/label-functions/code-editor'), {
  ssr: false,
  loading: () => <div className="h-96 animate-pulse rounded-md bg-slate-100" />,
});

/** Puts the cursor in the "Add label function" editor, when one is on screen. @returns whether it was. */
export function focusCodeEditor(): boolean {
  const content = document.querySelector<HTMLElement>('[data-testid=lf-code-editor] .cm-content');
  content?.focus();
  return content !== null;
}

export function LfFlagView({
  subject,
  role,
  draft,
  setDraft,
  readOnly,
  onStep,
  onAddLabelFunction,
}: {
  subject: Subject;
  role: Role;
  draft: ReviewDraft;
  setDraft: (draft: ReviewDraft) => void;
  readOnly: boolean;
  onStep: (index: number) => void;
  /** Ctrl/⌘+Enter in the code editor: add the label function and move on. */
  onAddLabelFunction: () => void;
}) {
  const nodeId = subject.node?.id ?? subject.item.nodeId;
  const editorLink =
    nodeId && hasScope(role, 'label-functions:read') ? (
      <Link className={LINK_CLASS} href={`/label-functions/${nodeId}`} target="_blank">
        Open in the label-function editor
      </Link>
    ) : null;
  return (
    <div className="space-y-3">
      <Section title="Flag" actions={<Badge tone="amber">{subject.flag.replaceAll('_', ' ')}</Badge>}>
        <p className="text-sm text-slate-800" data-testid="flag-explanation">
          {explainFlag(subject.flag)}
        </p>
        {subject.node ? (
          <p className="mt-2 text-sm">
            <span className="text-slate-500">Node {subject.node.id}: </span>
            <span className="font-medium text-slate-900">{subject.node.description}</span>
          </p>
        ) : null}
        {subject.runCounts ? (
          <p className="mt-1 text-sm text-slate-700" data-testid="run-counts">
            Ran on {subject.runCounts.total} trajector{subject.runCounts.total === 1 ? 'y' : 'ies'}:{' '}
            {subject.runCounts.passed} passed · {subject.runCounts.failed} failed · {subject.runCounts.errors}{' '}
            errors
          </p>
        ) : null}
        {editorLink ? <p className="mt-2 text-sm">{editorLink}</p> : null}
      </Section>

      {subject.keyStep ? <KeyStepSection subject={subject} role={role} onStep={onStep} /> : null}

      {subject.keyStep ? (
        <Section title="Add label function">
          <p className="text-xs text-slate-600">
            Python defining <code className="font-mono">label_function(trajectory) -&gt; bool</code> with the
            predefined API; it is merged between the neighbouring key steps when you add it (<Kbd>Ctrl/⌘</Kbd>
            +<Kbd>Enter</Kbd> in the editor adds it and moves on).
          </p>
          <div className="mt-1">
            <CodeEditor
              value={draft.code ?? ''}
              onChange={(code) => setDraft({ ...draft, code, mode: 'accept' })}
              readOnly={readOnly}
              label="Label-function code"
              onRun={readOnly ? undefined : onAddLabelFunction}
            />
          </div>
        </Section>
      ) : null}

      {subject.flaggedLf ? (
        <Section
          title={`Flagged label function · v${subject.flaggedLf.version}`}
          actions={<span className="text-xs text-slate-500">by {subject.flaggedLf.author}</span>}
        >
          <CodeBlock code={subject.flaggedLf.code} label="Flagged label-function code" />
          {subject.currentLf && subject.currentLf.versionId !== subject.flaggedLf.versionId ? (
            <div className="mt-2">
              <p className="text-sm text-amber-800">
                The label function changed since it was flagged: v{subject.currentLf.version} is current.
              </p>
              <CodeBlock code={subject.currentLf.code} label="Current label-function code" />
            </div>
          ) : null}
        </Section>
      ) : null}

      {subject.disagreements ? (
        <Section
          title={`Rollouts the graph passed but the environment failed · ${subject.disagreements.total}`}
        >
          {subject.disagreements.rows.length === 0 ? (
            <p className="text-sm text-slate-500">None any more (rescored since).</p>
          ) : (
            <ul className="space-y-1 text-sm" data-testid="disagreeing-rollouts">
              {subject.disagreements.rows.map((r) => (
                <li key={r.id} className="flex flex-wrap items-center gap-2">
                  <Link
                    className={`${LINK_CLASS} font-mono text-xs`}
                    href={`/trajectories/${r.id}${r.evidenceStep !== null ? `?step=${r.evidenceStep + 1}` : ''}`}
                    target="_blank"
                  >
                    {r.externalId ?? r.id.slice(0, 8)}
                  </Link>
                  <span className="text-xs text-slate-500">{r.taskExternalId}</span>
                  {r.evidenceStep !== null ? (
                    <span className="text-xs text-slate-500">passes at step {r.evidenceStep + 1}</span>
                  ) : null}
                </li>
              ))}
              {subject.disagreements.total > subject.disagreements.rows.length ? (
                <li className="text-xs text-slate-500">
                  … and {subject.disagreements.total - subject.disagreements.rows.length} more
                </li>
              ) : null}
            </ul>
          )}
        </Section>
      ) : null}
    </div>
  );
}

function KeyStepSection({
  subject,
  role,
  onStep,
}: {
  subject: Subject;
  role: Role;
  onStep: (index: number) => void;
}) {
  const ks = subject.keyStep!;
  return (
    <Section title="Key step without a passing label function">
      <ol className="space-y-1 text-sm">
        {ks.previous ? (
          <li className="text-slate-500">
            before: {ks.previous.description}
            {ks.previous.nodeId ? (
              <span className="font-mono text-xs"> (node {ks.previous.nodeId})</span>
            ) : null}
          </li>
        ) : (
          <li className="text-slate-500">before: the start</li>
        )}
        <li className="font-medium text-slate-900" data-testid="key-step-description">
          {ks.description}{' '}
          {ks.stepIndex !== null ? (
            <button
              type="button"
              className={`${LINK_CLASS} text-xs font-normal`}
              onClick={() => onStep(ks.stepIndex!)}
            >
              step {ks.stepIndex + 1}
            </button>
          ) : null}
        </li>
        {ks.next ? (
          <li className="text-slate-500">
            after: {ks.next.description}
            {ks.next.nodeId ? <span className="font-mono text-xs"> (node {ks.next.nodeId})</span> : null}
          </li>
        ) : (
          <li className="text-slate-500">after: the end</li>
        )}
      </ol>
      <p className="mt-1 text-xs text-slate-600">
        <ModelCallRef id={ks.keyStepsCallId} role={role} label="key-steps call" />
      </p>
      <h3 className="mt-3 text-xs font-medium text-slate-500">
        Synthesis attempts ({subject.attempts.length})
      </h3>
      <ol className="mt-1 space-y-2">
        {subject.attempts.map((a) => {
          const badge =
            a.outcome === 'ok'
              ? resultBadge(a)
              : { label: a.outcome.replaceAll('_', ' '), tone: 'amber' as const };
          return (
            <li key={a.attempt} className="rounded-md p-2 ring-1 ring-slate-200">
              <p className="flex flex-wrap items-center gap-2 text-sm">
                <span className="font-medium text-slate-800">Attempt {a.attempt}</span>
                <Badge tone={badge.tone}>{badge.label}</Badge>
                <ModelCallRef id={a.modelCallId} role={role} label="coder call" />
              </p>
              {a.error ? (
                <pre className="mt-1 max-h-24 overflow-auto whitespace-pre-wrap rounded bg-amber-50 p-1.5 font-mono text-xs text-amber-900">
                  {a.error}
                </pre>
              ) : null}
              {a.code ? (
                <details className="mt-1">
                  <summary className="cursor-pointer text-xs text-slate-600">Code</summary>
                  <CodeBlock code={a.code} />
                </details>
              ) : (
                <p className="mt-1 text-xs text-slate-500">The reply had no code block.</p>
              )}
            </li>
          );
        })}
      </ol>
    </Section>
  );
}
