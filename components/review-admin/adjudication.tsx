'use client';
/**
 * `/review/adjudication` (PI): the items whose independent reviews disagree, each reviewer's
 * decision, reason and edit side by side and the PI's ruling (`review.adjudicate`); the agreement of
 * each queue (Fleiss' kappa, percent agreement, Cohen's kappa per rater pair, read with the Landis &
 * Koch 1977 bands); and the queue settings (reviews per item, lease length).
 */
import { useMutation, useQueryClient, useSuspenseQueries, useSuspenseQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { useState } from 'react';
import { errorText } from '@/components/admin/shared';
import {
  ANNOTATOR_STATS_HREF,
  iterationLabel,
  reviewItemHref,
  reviewQueueHref,
} from '@/components/home/review-home';
import { QueueSettings } from '@/components/review-admin/queue-settings';
import {
  buildPairMatrix,
  decisionLabel,
  describeEdit,
  DISAGREEMENTS_INPUT,
  editKindFor,
  formatKappa,
  formatShare,
  interpretKappa,
  KAPPA_HELP,
  LANDIS_KOCH_CITATION,
  summarizeSplit,
  toAdjudicateInput,
  validateAdjudication,
  type AdjudicationDraft,
} from '@/components/review-admin/review-admin-display';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { Select } from '@/components/ui/field';
import { EmptyState, ErrorMessage } from '@/components/ui/states';
import { TableHead } from '@/components/ui/table';
import {
  decisionLabels,
  MAX_INTENT_CHARS,
  REVIEW_QUEUE_IDS,
  REVIEW_QUEUE_INFO,
  type ReviewQueueId,
} from '@/lib/core/review';
import { useTRPC } from '@/lib/trpc/client';
import type { AppRouter } from '@/server/trpc/root';

type ReviewOutputs = inferRouterOutputs<AppRouter>['review'];
type Disagreement = ReviewOutputs['disagreements'][number];
type Agreement = ReviewOutputs['agreement'];

const TEXTAREA =
  'block w-full rounded-md border-0 bg-white px-2.5 py-1.5 text-sm text-slate-900 shadow-sm ring-1 ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500';

/** The adjudication page. `canConfigure`: the viewer may change the queue settings. */
export function Adjudication({ canConfigure }: { canConfigure: boolean }) {
  const trpc = useTRPC();
  const { data: disagreements } = useSuspenseQuery(
    trpc.review.disagreements.queryOptions(DISAGREEMENTS_INPUT),
  );
  const [queue, setQueue] = useState<ReviewQueueId | 'all'>('all');
  const shown = queue === 'all' ? disagreements : disagreements.filter((d) => d.item.queue === queue);
  return (
    <div className="space-y-5">
      <PageHeader
        title="Adjudication"
        subtitle="Items whose independent reviews disagree wait here for a PI’s ruling; below, how well reviewers agree per queue and how many reviews each queue asks for."
        actions={
          <Link className="text-sm font-medium text-indigo-700 hover:underline" href={ANNOTATOR_STATS_HREF}>
            Annotator stats →
          </Link>
        }
      />
      <Card
        title={`Disagreements (${disagreements.length})`}
        actions={
          <label className="flex items-center gap-2 text-xs text-slate-500">
            Queue
            <Select
              aria-label="Show disagreements of queue"
              className="w-56"
              value={queue}
              onChange={(e) => setQueue(e.target.value as ReviewQueueId | 'all')}
            >
              <option value="all">All queues ({disagreements.length})</option>
              {REVIEW_QUEUE_IDS.map((q) => (
                <option key={q} value={q}>
                  {REVIEW_QUEUE_INFO[q].label} ({disagreements.filter((d) => d.item.queue === q).length})
                </option>
              ))}
            </Select>
          </label>
        }
      >
        {shown.length === 0 ? (
          <EmptyState title="No disagreements to settle">
            Items land here when a queue asks for two or more independent reviews and the reviewers decide
            differently.
          </EmptyState>
        ) : (
          <ul className="space-y-4" aria-label="Disagreements">
            {shown.map((d) => (
              <DisagreementCard key={d.item.id} disagreement={d} />
            ))}
          </ul>
        )}
      </Card>
      <AgreementCard />
      <QueueSettings canConfigure={canConfigure} />
    </div>
  );
}

/** One disagreement: what is reviewed, each review side by side, and the ruling form. */
function DisagreementCard({ disagreement }: { disagreement: Disagreement }) {
  const { item, reviews } = disagreement;
  const queue = item.queue;
  return (
    <li className="rounded-lg ring-1 ring-slate-200" data-testid={`disagreement-${item.id}`}>
      <div className="border-b border-slate-100 px-4 py-3">
        <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
          <Badge tone="indigo">{REVIEW_QUEUE_INFO[queue].label}</Badge>
          {item.flag ? <Badge>{item.flag.replaceAll('_', ' ')}</Badge> : null}
          <span>{iterationLabel(item.iterationId)}</span>
          <span>·</span>
          <span>{summarizeSplit(reviews)}</span>
          <span>·</span>
          <span>
            queued <DateTime value={item.createdAt} />
          </span>
        </div>
        <p className="mt-1.5 whitespace-pre-wrap break-words font-medium text-slate-900">{item.summary}</p>
        <p className="mt-1 flex flex-wrap gap-x-4 text-sm">
          <Link className="text-indigo-700 hover:underline" href={reviewItemHref(item.id)}>
            Open the item
          </Link>
          {item.taskId ? (
            <Link className="text-indigo-700 hover:underline" href={`/tasks/${item.taskId}`}>
              Task
            </Link>
          ) : null}
          {item.trajectoryId ? (
            <Link className="text-indigo-700 hover:underline" href={`/trajectories/${item.trajectoryId}`}>
              Trajectory
            </Link>
          ) : null}
          {queue === 'lf_flag' && item.nodeId ? (
            <Link className="text-indigo-700 hover:underline" href={`/label-functions/${item.nodeId}`}>
              Label function
            </Link>
          ) : null}
          <Link className="text-slate-500 hover:underline" href={reviewQueueHref(queue)}>
            Queue
          </Link>
        </p>
      </div>
      <div className="grid gap-3 px-4 py-3 sm:grid-cols-2 xl:grid-cols-3" aria-label="Reviews">
        {reviews.map((r, i) => {
          const edit = describeEdit(r.edit);
          return (
            <section
              key={r.userId ?? `deleted-${i}`}
              aria-label={`Review by ${r.userName ?? r.userEmail ?? 'a deleted account'}`}
              className="rounded-md bg-slate-50 p-3 ring-1 ring-slate-200"
            >
              <header className="flex flex-wrap items-center justify-between gap-2">
                <span className="font-medium text-slate-800" title={r.userEmail ?? undefined}>
                  {r.userName ?? r.userEmail ?? 'Deleted account'}
                </span>
                <Badge tone={r.decision === 'accept' ? 'green' : 'red'}>
                  {decisionLabel(queue, item.flag, r.decision)}
                </Badge>
              </header>
              <p className="mt-0.5 text-xs text-slate-500">
                <DateTime value={r.createdAt} />
              </p>
              <dl className="mt-2 space-y-2 text-sm">
                <div>
                  <dt className="text-xs font-medium text-slate-500">Reason</dt>
                  <dd className="whitespace-pre-wrap break-words text-slate-800">
                    {r.reason ?? <span className="text-slate-400">none given</span>}
                  </dd>
                </div>
                {edit.intent ? (
                  <div>
                    <dt className="text-xs font-medium text-slate-500">Edited intent</dt>
                    <dd className="whitespace-pre-wrap break-words text-slate-800">{edit.intent}</dd>
                  </div>
                ) : null}
                {edit.code ? (
                  <div>
                    <dt className="text-xs font-medium text-slate-500">Label-function code</dt>
                    <dd>
                      <pre className="max-h-64 overflow-auto rounded bg-slate-900 p-2 text-xs text-slate-100">
                        {edit.code}
                      </pre>
                    </dd>
                  </div>
                ) : null}
                {edit.harmfulStep !== null ? (
                  <div>
                    <dt className="text-xs font-medium text-slate-500">First harmful step</dt>
                    <dd className="text-slate-800">step {edit.harmfulStep + 1}</dd>
                  </div>
                ) : null}
                {edit.other ? (
                  <div>
                    <dt className="text-xs font-medium text-slate-500">Other edits</dt>
                    <dd>
                      <pre className="overflow-auto text-xs text-slate-700">{edit.other}</pre>
                    </dd>
                  </div>
                ) : null}
              </dl>
            </section>
          );
        })}
      </div>
      <RulingForm disagreement={disagreement} />
    </li>
  );
}

/** The PI's decision on a disagreement: reason, optional edit, and the two decision buttons. */
function RulingForm({ disagreement }: { disagreement: Disagreement }) {
  const { item, reviews } = disagreement;
  const queue = item.queue;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [edit, setEdit] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const adjudicate = useMutation(
    trpc.review.adjudicate.mutationOptions({
      // Counts, agreement and the list all change: refresh every review query.
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.review.pathKey() }),
    }),
  );
  const labels = decisionLabels(queue, item.flag);
  const editKind = editKindFor(queue, item.flag);
  const suggestions = reviews.flatMap((r) => {
    const e = describeEdit(r.edit);
    const text = editKind === 'code' ? e.code : editKind === 'intent' ? e.intent : null;
    return text ? [{ who: r.userName ?? r.userEmail ?? 'a deleted account', text }] : [];
  });
  const id = `ruling-${item.id}`;

  function decide(decision: AdjudicationDraft['decision']) {
    const draft = { decision, reason, edit };
    const invalid = validateAdjudication(queue, item.flag, draft);
    setProblem(invalid);
    if (!invalid) adjudicate.mutate(toAdjudicateInput(item.id, queue, item.flag, draft));
  }

  return (
    <div className="space-y-3 border-t border-slate-100 bg-white px-4 py-3">
      <h3 className="text-sm font-semibold text-slate-800">Your ruling</h3>
      {editKind ? (
        <div className="space-y-1">
          <label htmlFor={`${id}-edit`} className="block text-sm font-medium text-slate-700">
            {editKind === 'intent'
              ? `Edited intent (optional, with “${labels.accept}”)`
              : `Label-function code (required for “${labels.accept}”)`}
          </label>
          <textarea
            id={`${id}-edit`}
            className={`${TEXTAREA} ${editKind === 'code' ? 'font-mono text-xs' : ''}`}
            rows={editKind === 'code' ? 8 : 2}
            maxLength={editKind === 'intent' ? MAX_INTENT_CHARS : undefined}
            placeholder={
              editKind === 'intent'
                ? 'Leave empty to accept the intent as proposed.'
                : 'def label_function(trajectory):\n    return validate_click(trajectory, …)'
            }
            value={edit}
            onChange={(e) => setEdit(e.target.value)}
            spellCheck={editKind === 'intent'}
          />
          {suggestions.length > 0 ? (
            <p className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
              Start from
              {suggestions.map((s, i) => (
                <Button
                  key={i}
                  type="button"
                  variant="ghost"
                  className="px-1.5! py-0.5! text-xs"
                  onClick={() => setEdit(s.text)}
                >
                  {s.who}’s {editKind === 'code' ? 'code' : 'edit'}
                </Button>
              ))}
            </p>
          ) : null}
        </div>
      ) : null}
      <div className="space-y-1">
        <label htmlFor={`${id}-reason`} className="block text-sm font-medium text-slate-700">
          Reason {labels.rejectNeedsReason ? `(required for “${labels.reject}”)` : '(optional)'}
        </label>
        <textarea
          id={`${id}-reason`}
          className={TEXTAREA}
          rows={2}
          maxLength={2000}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </div>
      {problem ? <ErrorMessage>{problem}</ErrorMessage> : null}
      {adjudicate.isError ? <ErrorMessage>{errorText(adjudicate.error)}</ErrorMessage> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="button" disabled={adjudicate.isPending} onClick={() => decide('accept')}>
          {labels.accept}
        </Button>
        <Button
          type="button"
          variant="danger"
          disabled={adjudicate.isPending}
          onClick={() => decide('reject')}
        >
          {labels.reject}
        </Button>
        {adjudicate.isPending ? <span className="self-center text-sm text-slate-500">Applying…</span> : null}
      </div>
    </div>
  );
}

/** Agreement per queue: Fleiss' kappa and percent agreement, and Cohen's kappa per rater pair. */
function AgreementCard() {
  const trpc = useTRPC();
  const results = useSuspenseQueries({
    queries: REVIEW_QUEUE_IDS.map((queue) => trpc.review.agreement.queryOptions({ queue })),
  });
  const rows = REVIEW_QUEUE_IDS.map((queue, i) => ({ queue, agreement: results[i]!.data }));
  return (
    <Card title="Agreement between reviewers">
      <p className="mb-3 text-sm text-slate-600">{KAPPA_HELP}</p>
      <div className="overflow-x-auto">
        <table aria-label="Agreement per queue" className="w-full text-left text-sm">
          <TableHead
            columns={[
              'Queue',
              { label: 'Items with ≥ 2 reviews', align: 'right' },
              { label: 'Reviews per item (n)', align: 'right' },
              { label: 'Percent agreement', align: 'right' },
              { label: 'Fleiss’ kappa', align: 'right' },
              'Reading',
            ]}
          />
          <tbody className="divide-y divide-slate-100 tabular-nums">
            {rows.map(({ queue, agreement }) => (
              <tr key={queue} data-testid={`agreement-${queue}`}>
                <td className="py-1.5 pr-4">{REVIEW_QUEUE_INFO[queue].label}</td>
                <td className="py-1.5 pr-4 text-right">{agreement.items}</td>
                <td className="py-1.5 pr-4 text-right">{agreement.raters || '—'}</td>
                <td className="py-1.5 pr-4 text-right">{formatShare(agreement.percentAgreement)}</td>
                <td className="py-1.5 pr-4 text-right">
                  {formatKappa(agreement.fleissKappa)}
                  {agreement.fleissKappa !== null && agreement.fleissItems < agreement.items ? (
                    <span className="ml-1 text-xs text-slate-500">({agreement.fleissItems} items)</span>
                  ) : null}
                </td>
                <td className="py-1.5 pr-4">
                  <KappaBadge kappa={agreement.fleissKappa} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="mt-5 space-y-4">
        <div>
          <h3 className="text-sm font-semibold text-slate-800">Cohen’s kappa per pair of reviewers</h3>
          <p className="text-xs text-slate-500">
            Each cell: Cohen’s kappa, its reading, the number of items both reviewed (n) and their percent
            agreement.
          </p>
        </div>
        {rows.every((r) => r.agreement.pairs.length === 0) ? (
          <p className="text-sm text-slate-600">
            No two reviewers have decided the same item yet. Ask for two or more independent reviews per item
            in the queue settings below to measure agreement.
          </p>
        ) : (
          rows
            .filter((r) => r.agreement.pairs.length > 0)
            .map(({ queue, agreement }) => <PairMatrix key={queue} queue={queue} agreement={agreement} />)
        )}
      </div>
      <p className="mt-4 text-xs text-slate-500">Bands: {LANDIS_KOCH_CITATION}</p>
    </Card>
  );
}

function KappaBadge({ kappa }: { kappa: number | null }) {
  const band = interpretKappa(kappa);
  return band ? (
    <Badge tone={band.tone}>{band.label}</Badge>
  ) : (
    <span
      className="text-xs text-slate-400"
      title="Too few items, or every reviewer gave one answer throughout"
    >
      undefined
    </span>
  );
}

/** The rater × rater matrix of one queue: Cohen's kappa, shared items and percent agreement. */
function PairMatrix({ queue, agreement }: { queue: ReviewQueueId; agreement: Agreement }) {
  const matrix = buildPairMatrix(agreement.pairs);
  const label = REVIEW_QUEUE_INFO[queue].label;
  return (
    <div className="overflow-x-auto">
      <table aria-label={`Cohen’s kappa per reviewer pair in ${label}`} className="text-sm">
        <caption className="pb-1 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
          {label}
        </caption>
        <thead>
          <tr>
            <td />
            {matrix.raters.map((r) => (
              <th key={r.id} scope="col" className="px-2 py-1 text-left text-xs font-medium text-slate-600">
                {r.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.raters.map((row) => (
            <tr key={row.id}>
              <th scope="row" className="py-1 pr-3 text-left text-xs font-medium text-slate-600">
                {row.name}
              </th>
              {matrix.raters.map((col) => {
                const pair = matrix.get(row.id, col.id);
                return (
                  <td key={col.id} className="px-2 py-1 align-top tabular-nums">
                    {row.id === col.id ? (
                      <span className="text-slate-300">—</span>
                    ) : pair ? (
                      <span
                        className="block"
                        title={`${row.name} and ${col.name}: ${pair.items} shared items, ${formatShare(pair.percentAgreement)} agreement`}
                      >
                        <span className="font-medium">{formatKappa(pair.cohenKappa)}</span>{' '}
                        <KappaBadge kappa={pair.cohenKappa} />
                        <span className="block text-xs text-slate-500">
                          n={pair.items} · {formatShare(pair.percentAgreement)}
                        </span>
                      </span>
                    ) : (
                      <span className="text-xs text-slate-400">no shared items</span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
