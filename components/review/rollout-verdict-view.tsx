'use client';
/**
 * Rollout verdict review: the environment's verdict with its explanation (the verifier's message or
 * the evaluators' details) beside the graph's (Fully / Partially Passed, progress, the matched
 * path), the task and the final answer; the reviewer says whether the rollout
 * accomplished its task (Succeeded / Failed).
 */
import Link from 'next/link';
import { categoryLabel, verdictLabel } from '@/components/review/review-display';
import { LINK_CLASS, Section } from '@/components/review/review-parts';
import type { SubjectOf } from '@/components/review/review-types';
import { Badge } from '@/components/ui/badge';

export function RolloutVerdictView({ subject }: { subject: SubjectOf<'rollout_verdict'> }) {
  const v = subject.verdict;
  const disagree = v.envSuccess !== null && v.graphVerdict !== null && v.envSuccess !== v.graphVerdict;
  return (
    <div className="space-y-3">
      <Section title="Did the rollout accomplish its task?">
        {subject.task ? (
          <p className="text-sm text-slate-900" data-testid="verdict-task-intent">
            {subject.task.intent}
          </p>
        ) : null}
        {v.finalAnswer ? (
          <p className="mt-2 text-sm text-slate-700">
            <span className="text-slate-500">Final answer: </span>
            {v.finalAnswer}
          </p>
        ) : null}
        <dl className="mt-3 grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1.5 text-sm" data-testid="verdicts">
          <dt className="text-slate-500">Environment</dt>
          <dd>
            <Badge tone={v.envSuccess == null ? 'slate' : v.envSuccess ? 'green' : 'red'}>
              {verdictLabel(v.envSuccess)}
            </Badge>
            {v.envMessage ? (
              // The verifier's own words (third-party text, rendered as text).
              <p
                className="mt-1 max-h-32 overflow-y-auto whitespace-pre-wrap break-words text-slate-700"
                data-testid="verdict-env-message"
              >
                {v.envMessage}
              </p>
            ) : null}
          </dd>
          <dt className="text-slate-500">Graph verdict</dt>
          <dd>
            <Badge tone={v.graphVerdict == null ? 'slate' : v.graphVerdict ? 'green' : 'red'}>
              {verdictLabel(v.graphVerdict, 'true', 'false')}
            </Badge>
            {v.scoredGraphVersion ? (
              <span className="ml-2 text-xs text-slate-500">
                against graph v{v.scoredGraphVersion.version}
              </span>
            ) : null}
          </dd>
          <dt className="text-slate-500">Category</dt>
          <dd className="text-slate-800">{categoryLabel(v.category)}</dd>
          <dt className="text-slate-500">Progress</dt>
          <dd className="text-slate-800">{v.progress == null ? '—' : `${Math.round(v.progress * 100)}%`}</dd>
        </dl>
        {disagree ? (
          <p className="mt-2 text-sm text-amber-800">The environment and the strategy graph disagree.</p>
        ) : v.envSuccess == null ? (
          <p className="mt-2 text-sm text-slate-600">The environment gave no verdict for this rollout.</p>
        ) : null}
      </Section>
      <Section title="Matched path">
        {v.matchedPath && v.matchedPath.length > 0 ? (
          <ol className="list-decimal space-y-0.5 pl-5 text-sm text-slate-800">
            {v.matchedPath.map((n) => (
              <li key={n.id}>
                {n.description ?? `#${n.id}`}{' '}
                <span className="font-mono text-xs text-slate-500">({n.id})</span>
              </li>
            ))}
          </ol>
        ) : (
          <p className="text-sm text-slate-500">No path of the graph passed on this rollout.</p>
        )}
        {subject.task ? (
          <p className="mt-2 text-xs">
            <Link className={LINK_CLASS} href={`/tasks/${subject.task.id}`} target="_blank">
              The task’s strategy graph
            </Link>
          </p>
        ) : null}
      </Section>
    </div>
  );
}
