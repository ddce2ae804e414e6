'use client';
/**
 * The queue settings a PI changes (`review.settings.list` / `review.settings.update`): how many
 * independent reviews each item of a queue needs, and how long a reviewer's claim (lease) lasts.
 */
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorText } from '@/components/admin/shared';
import {
  LEASE_SECONDS_MAX,
  LEASE_SECONDS_MIN,
  REQUIRED_REVIEWS_MAX,
  REQUIRED_REVIEWS_MIN,
  formatDuration,
  validateQueueSetting,
} from '@/components/review-admin/review-admin-display';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input } from '@/components/ui/field';
import { ErrorMessage } from '@/components/ui/states';
import { TableHead } from '@/components/ui/table';
import { REVIEW_QUEUE_INFO, type ReviewQueueId } from '@/lib/core/review';
import { useTRPC } from '@/lib/trpc/client';

/** The settings card: one editable row per queue, with what each setting does. */
export function QueueSettings({ canConfigure }: { canConfigure: boolean }) {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.review.settings.list.queryOptions());
  // Kept here: a saved row re-mounts (its key holds the stored values), its own state would be lost.
  const [savedQueues, setSavedQueues] = useState<ReviewQueueId[]>([]);
  return (
    <Card title="Queue settings">
      <div className="mb-4 space-y-2 text-sm text-slate-600">
        <p>
          <strong className="font-medium text-slate-800">Independent reviews per item</strong> (
          {REQUIRED_REVIEWS_MIN}–{REQUIRED_REVIEWS_MAX}): how many different reviewers must decide an item
          before it is settled. With 1, the first decision is applied at once. With 2 or more, reviewers do
          not see each other&apos;s decisions; when all agree the decision is applied, when they disagree the
          item waits here for a PI. More reviews cost more time but give the agreement figures above something
          to measure. A change applies to open items that have fewer reviews than the new number; settled
          items keep theirs.
        </p>
        <p>
          <strong className="font-medium text-slate-800">Lease</strong> ({LEASE_SECONDS_MIN}–
          {LEASE_SECONDS_MAX} s): how long a claimed item stays reserved for its reviewer. The workspace
          renews the lease while the item is open, so this is how soon an item abandoned in a closed tab
          returns to the queue.
        </p>
      </div>
      <div className="overflow-x-auto">
        <table aria-label="Queue settings" className="w-full text-left text-sm">
          <TableHead
            columns={[
              'Queue',
              'Independent reviews per item',
              'Lease (seconds)',
              { label: 'Save', hidden: true },
            ]}
          />
          <tbody className="divide-y divide-slate-100">
            {data.map((row) => (
              // Re-mounted when the stored values change, so the fields show what was saved.
              <QueueSettingRow
                key={`${row.queue}-${row.requiredReviews}-${row.leaseSeconds}`}
                queue={row.queue}
                requiredReviews={row.requiredReviews}
                leaseSeconds={row.leaseSeconds}
                canConfigure={canConfigure}
                justSaved={savedQueues.includes(row.queue)}
                onSaved={() => setSavedQueues((qs) => (qs.includes(row.queue) ? qs : [...qs, row.queue]))}
              />
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function QueueSettingRow({
  queue,
  requiredReviews,
  leaseSeconds,
  canConfigure,
  justSaved,
  onSaved,
}: {
  queue: ReviewQueueId;
  requiredReviews: number;
  leaseSeconds: number;
  canConfigure: boolean;
  justSaved: boolean;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reviews, setReviews] = useState(String(requiredReviews));
  const [lease, setLease] = useState(String(leaseSeconds));
  const [invalid, setInvalid] = useState<string | null>(null);
  const update = useMutation(
    trpc.review.settings.update.mutationOptions({
      onSuccess: () => {
        onSaved();
        // Counts on the home screen and the workspace read the settings too.
        return queryClient.invalidateQueries({ queryKey: trpc.review.pathKey() });
      },
    }),
  );
  const label = REVIEW_QUEUE_INFO[queue].label;
  const isDirty = reviews !== String(requiredReviews) || lease !== String(leaseSeconds);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const r = Number(reviews);
    const l = Number(lease);
    const problem = validateQueueSetting(r, l);
    setInvalid(problem);
    if (!problem) update.mutate({ queue, requiredReviews: r, leaseSeconds: l });
  }

  const formId = `queue-setting-${queue}`;
  return (
    <tr data-testid={`queue-setting-${queue}`}>
      <td className="py-2 pr-4 align-top">
        <span className="font-medium text-slate-800">{label}</span>
        {invalid || update.isError ? (
          <div className="mt-1">
            <ErrorMessage>{invalid ?? (update.error ? errorText(update.error) : '')}</ErrorMessage>
          </div>
        ) : null}
      </td>
      <td className="py-2 pr-4 align-top">
        <Input
          form={formId}
          aria-label={`Independent reviews per item in ${label}`}
          className="w-20!"
          type="number"
          min={REQUIRED_REVIEWS_MIN}
          max={REQUIRED_REVIEWS_MAX}
          step={1}
          value={reviews}
          disabled={!canConfigure}
          onChange={(e) => setReviews(e.target.value)}
        />
      </td>
      <td className="py-2 pr-4 align-top">
        <span className="flex items-center gap-2">
          <Input
            form={formId}
            aria-label={`Lease in seconds in ${label}`}
            className="w-24!"
            type="number"
            min={LEASE_SECONDS_MIN}
            max={LEASE_SECONDS_MAX}
            step={1}
            value={lease}
            disabled={!canConfigure}
            onChange={(e) => setLease(e.target.value)}
          />
          <span className="whitespace-nowrap text-xs text-slate-500">
            {formatDuration(Number(lease) || null)}
          </span>
        </span>
      </td>
      <td className="py-2 align-top">
        {canConfigure ? (
          <form id={formId} onSubmit={onSubmit} className="flex items-center gap-2">
            <Button
              type="submit"
              variant="secondary"
              disabled={!isDirty || update.isPending}
              aria-label={`Save settings of ${label}`}
            >
              {update.isPending ? 'Saving…' : 'Save'}
            </Button>
            {justSaved && !isDirty ? (
              <span role="status" className="text-xs text-emerald-700">
                Saved
              </span>
            ) : null}
          </form>
        ) : null}
      </td>
    </tr>
  );
}
