'use client';
/**
 * The viewer's provenance lines ("Promoted from …", "Correction of …, person took over at step N",
 * "Promoted to …") and, for users with `demos:promote`, "Promote to expert demo" (issue 16).
 *
 * Promotion of a run whose environment verdict is success happens on one click; any other verdict
 * (failure, unknown) first asks for an explicit "Promote unverified" confirmation. After success a
 * link to the new demo is shown, and the trajectory is refetched so its provenance lists the demo.
 * The rules mirror the server's (`promotionOffer` in `lib/core/provenance.ts`); the server decides.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { useId, useState } from 'react';
import { errorText } from '@/components/admin/shared';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/states';
import { promotionOffer, provenanceLines } from '@/lib/core/provenance';
import { useTRPC } from '@/lib/trpc/client';
import type { AppRouter } from '@/server/trpc/root';

type TrajectoryData = inferRouterOutputs<AppRouter>['trajectories']['get'];

const LINK = 'text-indigo-700 underline hover:text-indigo-900';

export function TrajectoryOrigin({
  trajectory,
  canPromote,
}: {
  trajectory: TrajectoryData;
  /** The reader holds `demos:promote`. */
  canPromote: boolean;
}) {
  const lines = provenanceLines(trajectory);
  return (
    <>
      {lines.length > 0 ? (
        <div className="mt-1 space-y-0.5 text-sm text-slate-700" data-testid="provenance">
          {lines.map((line) => (
            <p key={line.key}>
              {line.before}{' '}
              {line.target ? (
                <Link href={`/trajectories/${line.target.id}`} className={`font-mono text-xs ${LINK}`}>
                  {line.target.label}
                </Link>
              ) : null}
              {line.after}
            </p>
          ))}
        </div>
      ) : null}
      {canPromote ? <PromoteToDemo trajectory={trajectory} /> : null}
    </>
  );
}

function PromoteToDemo({ trajectory }: { trajectory: TrajectoryData }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const hintId = useId();
  const promote = useMutation(
    trpc.trajectories.promote.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        return queryClient.invalidateQueries({
          queryKey: trpc.trajectories.get.queryKey({ id: trajectory.id }),
        });
      },
    }),
  );
  const offer = promotionOffer(trajectory);
  const promoted = promote.data;

  if (promoted) {
    return (
      <p className="mt-2 text-sm text-emerald-800" role="status" data-testid="promoted">
        Promoted: this run is now{' '}
        <Link href={`/trajectories/${promoted.demoId}`} className={LINK}>
          an expert demo of its task
        </Link>
        {promoted.unverified ? ' (promoted unverified)' : ''}. The next abstract run of the task learns from
        it.
      </p>
    );
  }
  if (offer.state === 'none') return null;
  const verdict = offer.state === 'unverified' ? offer.verdict : null;
  if (offer.state === 'unavailable') {
    return (
      <div className="mt-2 flex flex-wrap items-center gap-2 text-sm">
        <Button type="button" variant="secondary" disabled aria-describedby={hintId}>
          Promote to expert demo
        </Button>
        <span id={hintId} className="text-xs text-slate-500">
          {offer.reason}
        </span>
      </div>
    );
  }
  return (
    <div className="mt-2 space-y-2 text-sm" data-testid="promote">
      {!confirming ? (
        <div className="flex flex-wrap items-center gap-2">
          <Button
            type="button"
            variant="secondary"
            disabled={promote.isPending}
            aria-describedby={hintId}
            onClick={() =>
              offer.state === 'verified' ? promote.mutate({ id: trajectory.id }) : setConfirming(true)
            }
          >
            {promote.isPending ? 'Promoting…' : 'Promote to expert demo'}
          </Button>
          <span id={hintId} className="text-xs text-slate-500">
            {offer.state === 'verified'
              ? 'Copies this verified run as an expert demo of its task; abstract then learns from it.'
              : `The environment's verdict is ${offer.verdict}: promoting asks for a confirmation.`}
          </span>
        </div>
      ) : (
        <div
          role="group"
          aria-label="Promote unverified"
          className="space-y-2 rounded-md bg-amber-50 p-3 ring-1 ring-amber-200"
        >
          <p className="text-amber-950">
            The environment did not judge this run a success (its verdict is {verdict}). Abstraction would
            learn key steps and label functions from it as from a correct demonstration: promote it only if
            you checked that it does the task.
          </p>
          <div className="flex gap-2">
            <Button
              type="button"
              variant="danger"
              disabled={promote.isPending}
              onClick={() => promote.mutate({ id: trajectory.id, allowUnverified: true })}
            >
              {promote.isPending ? 'Promoting…' : 'Promote unverified'}
            </Button>
            <Button type="button" variant="ghost" onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </div>
        </div>
      )}
      {promote.isError ? <ErrorMessage>{errorText(promote.error)}</ErrorMessage> : null}
    </div>
  );
}
