/**
 * Where a trajectory came from and what was made from it (issue 16), as the viewer shows it, and
 * whether it may be promoted to an expert demo. Framework-free: the server, the CLI and the viewer
 * share it. The server (`server/services/promote-service.ts`) remains the authority on promotion;
 * {@link promotionOffer} mirrors its rules so the button is not offered where it would be refused.
 */
import type { TrajectoryKind } from '@/lib/core/types';

/** `trajectory.source` of a demo made by promoting a rollout, an ingested run or a correction. */
export const PROMOTED_SOURCE = 'promoted';

/** The kind as a reader calls it. */
export function trajectoryKindLabel(kind: TrajectoryKind): string {
  return kind === 'expert' ? 'expert demo' : kind;
}

/** A linked trajectory as `getTrajectoryOrThrow` returns it (`derivedFrom`, `promotedTo`). */
export interface LinkedTrajectory {
  id: string;
  externalId: string | null;
  kind: TrajectoryKind;
}

/** "rollout webvoyager:GitHub--0#2", "expert demo 3f2a9c01" (ids without a name are shortened). */
export function linkedTrajectoryLabel(t: LinkedTrajectory): string {
  return `${trajectoryKindLabel(t.kind)} ${t.externalId ?? t.id.slice(0, 8)}`;
}

/** One provenance line: `before`, a link to `target` (when it still exists), `after`. */
export interface ProvenanceLine {
  key: string;
  before: string;
  target: { id: string; label: string } | null;
  after: string;
}

/**
 * The viewer's provenance lines for `t`:
 * - a promoted demo: "Promoted from <source>";
 * - a correction: "Correction of <rollout>, person took over at step N" (`takeoverStep` is 0-based;
 *   shown 1-based, as steps are on screen);
 * - any other trajectory made from another: "Made from <source>";
 * - a source: "Promoted to <demo>" once per demo promoted from it.
 * A source deleted since reads "(since deleted)" without a link.
 */
export function provenanceLines(t: {
  kind: TrajectoryKind;
  source: string;
  derivedFromId: string | null;
  takeoverStep: number | null;
  derivedFrom: LinkedTrajectory | null;
  promotedTo: readonly LinkedTrajectory[];
}): ProvenanceLine[] {
  const lines: ProvenanceLine[] = [];
  const from = t.derivedFrom ? { id: t.derivedFrom.id, label: linkedTrajectoryLabel(t.derivedFrom) } : null;
  const isPromoted = t.kind === 'expert' && t.source === PROMOTED_SOURCE;
  if (from || t.derivedFromId || isPromoted || t.kind === 'correction') {
    const missing = from ? '' : ' a trajectory (since deleted)';
    if (t.kind === 'correction') {
      const takeover = t.takeoverStep !== null ? `, person took over at step ${t.takeoverStep + 1}` : '';
      lines.push({ key: 'correction-of', before: `Correction of${missing}`, target: from, after: takeover });
    } else if (isPromoted) {
      lines.push({ key: 'promoted-from', before: `Promoted from${missing}`, target: from, after: '' });
    } else {
      lines.push({ key: 'made-from', before: `Made from${missing}`, target: from, after: '' });
    }
  }
  for (const demo of t.promotedTo) {
    lines.push({
      key: `promoted-to-${demo.id}`,
      before: 'Promoted to',
      target: { id: demo.id, label: linkedTrajectoryLabel(demo) },
      after: '',
    });
  }
  return lines;
}

/**
 * What the viewer offers a user who may promote (`demos:promote`):
 * - `none`: nothing (expert demos are demos already);
 * - `unavailable`: the button is shown disabled, with the reason;
 * - `verified`: promote at once (the environment's verdict is success);
 * - `unverified`: promote only after an explicit "promote unverified" confirmation.
 */
export type PromotionOffer =
  | { state: 'none' }
  | { state: 'unavailable'; reason: string }
  | { state: 'verified' }
  | { state: 'unverified'; verdict: 'failure' | 'unknown' };

export function promotionOffer(t: {
  kind: TrajectoryKind;
  status: string;
  stepCount: number;
  envSuccess: boolean | null;
  promotedTo: readonly unknown[];
}): PromotionOffer {
  if (t.kind === 'expert') return { state: 'none' };
  if (t.promotedTo.length > 0) return { state: 'unavailable', reason: 'Already promoted (see above).' };
  if (t.status === 'running')
    return { state: 'unavailable', reason: 'Still running: promote it once it has finished.' };
  if (t.status === 'errored') return { state: 'unavailable', reason: 'It ended with an error.' };
  if (t.stepCount === 0) return { state: 'unavailable', reason: 'It has no steps.' };
  if (t.envSuccess === true) return { state: 'verified' };
  return { state: 'unverified', verdict: t.envSuccess === false ? 'failure' : 'unknown' };
}
