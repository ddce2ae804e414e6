/**
 * Review queues (issue 5 › Queues): queue settings, atomic claims with leases, decisions, and what
 * an accepted or rejected item does.
 *
 * - What fills the queues is in `review-sync-service.ts`; reading them in `review-query-service.ts`.
 * - **Leases.** A claim is one IMMEDIATE transaction (so concurrent claims from other processes
 *   serialise on SQLite's write lock): an item is claimable while its live leases held by others plus
 *   its reviews stay below `requiredReviews` and the claimer has not reviewed it. With the default of
 *   one review per item, two reviewers never hold the same item. Leases last the queue's
 *   `leaseSeconds` (default 300), are renewed while the item is open and released on leave; an expired
 *   lease is simply ignored.
 * - **Decisions.** Reviews are independent; once `requiredReviews` are in, an agreed decision is
 *   applied (`consensus`), a split goes to a PI (`needs_adjudication`, then `adjudicateItem`).
 *   Applying is in the same transaction as the decision: approve a proposed path → merge (new graph
 *   version); accept an intent → a task of origin `extrapolated` with the rollout copied as its expert
 *   demo; accept a proposed task → a task of origin `augmented`; a key step with no passing function
 *   accepted with the reviewer's code → that demo's key-step path, with the new node, is merged;
 *   "Correct from here" on a failed rollout → its first harmful step is marked (`markHarmfulStep`).
 *   Callers enqueue the returned `rescoreTaskIds` as a `score` job.
 * Every decision is audited (`review.decide`, `review.adjudicate`) with the item before and after.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import {
  DEFAULT_LEASE_SECONDS,
  DEFAULT_REQUIRED_REVIEWS,
  MAX_INTENT_CHARS,
  MAX_REQUIRED_REVIEWS,
  REVIEW_QUEUE_IDS,
  REVIEW_QUEUE_INFO,
  settleReviews,
  type ReviewQueueId,
} from '@/lib/core/review';
import { inTransaction, type Db } from '@/server/db/client';
import {
  auditLog,
  extrapolatedIntent,
  keyStep,
  proposedPath,
  proposedTask,
  reviewDecision,
  reviewItem,
  reviewLease,
  reviewQueueSetting,
  task,
  type ReviewDecisionValue,
  type ReviewItemStatus,
} from '@/server/db/schema';
import { markHarmfulStep } from '@/server/services/correction-service';
import {
  mergePathIntoTask,
  type ChangeActor,
  type PathNodeDraft,
} from '@/server/services/graph-change-service';
import { copyTrajectoryAsDemo } from '@/server/services/trajectory-copy';

export type ReviewItemRow = typeof reviewItem.$inferSelect;

/** The acting reviewer. */
export interface Reviewer {
  id: string;
  /** For audit rows and authorship, e.g. the e-mail address. */
  label: string;
}

/** What a reviewer sends with a decision. */
export interface DecisionInput {
  decision: ReviewDecisionValue;
  reason?: string | null;
  /**
   * `intent`: edited text (intent / proposed-task queues); `code`: a key step's new label function;
   * `harmfulStep`: the 0-based first harmful step of a `corrections_wanted` accept ("Correct from here").
   */
  edit?: { intent?: string; code?: string; harmfulStep?: number } | null;
}

export interface DecisionResult {
  status: ReviewItemStatus;
  decision: ReviewDecisionValue | null;
  outcome: Record<string, unknown> | null;
  /** Tasks whose verdicts the decision changed; the caller enqueues a `score` job for them. */
  rescoreTaskIds: string[];
}

const MAX_REASON_CHARS = 2000;
const MAX_CODE_CHARS = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/** Every queue's settings (defaults where a PI never changed them). */
export function listQueueSettings(
  db: Db,
): { queue: ReviewQueueId; requiredReviews: number; leaseSeconds: number }[] {
  const rows = new Map(
    db
      .select()
      .from(reviewQueueSetting)
      .all()
      .map((r) => [r.queue, r]),
  );
  return REVIEW_QUEUE_IDS.map((queue) => ({
    queue,
    requiredReviews: rows.get(queue)?.requiredReviews ?? DEFAULT_REQUIRED_REVIEWS,
    leaseSeconds: rows.get(queue)?.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
  }));
}

function queueSettings(db: Db, queue: ReviewQueueId) {
  return listQueueSettings(db).find((s) => s.queue === queue)!;
}

/**
 * Changes a queue's required independent reviews (1–5) and lease length (60–3600 s). Open items
 * that have fewer reviews than the new requirement follow it; items already settled keep theirs.
 * @throws DomainError BAD_INPUT for values out of range.
 */
export function updateQueueSettings(
  db: Db,
  params: { queue: ReviewQueueId; requiredReviews: number; leaseSeconds: number; actor: Reviewer },
) {
  const { queue, requiredReviews, leaseSeconds } = params;
  if (!Number.isInteger(requiredReviews) || requiredReviews < 1 || requiredReviews > MAX_REQUIRED_REVIEWS)
    throw new DomainError('BAD_INPUT', `requiredReviews: between 1 and ${MAX_REQUIRED_REVIEWS}`);
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 60 || leaseSeconds > 3600)
    throw new DomainError('BAD_INPUT', 'leaseSeconds: between 60 and 3600');
  return inTransaction(db, (tx) => {
    const before = queueSettings(tx, queue);
    tx.insert(reviewQueueSetting)
      .values({ queue, requiredReviews, leaseSeconds, updatedBy: params.actor.id, updatedAt: new Date() })
      .onConflictDoUpdate({
        target: reviewQueueSetting.queue,
        set: { requiredReviews, leaseSeconds, updatedBy: params.actor.id, updatedAt: new Date() },
      })
      .run();
    tx.update(reviewItem)
      .set({ requiredReviews })
      .where(and(eq(reviewItem.queue, queue), eq(reviewItem.status, 'open')))
      .run();
    tx.insert(auditLog)
      .values({
        userId: params.actor.id,
        actor: params.actor.label,
        action: 'review.settings',
        objectType: 'review_queue',
        objectId: queue,
        before,
        after: { queue, requiredReviews, leaseSeconds },
      })
      .run();
    return { queue, requiredReviews, leaseSeconds };
  });
}

// ---------------------------------------------------------------------------------------------
// Claims and leases
// ---------------------------------------------------------------------------------------------

function liveLeaseCount(db: Db, itemId: string, exceptUserId: string, now: number): number {
  return db
    .select({ n: sql<number>`count(*)` })
    .from(reviewLease)
    .where(
      and(
        eq(reviewLease.itemId, itemId),
        sql`${reviewLease.userId} <> ${exceptUserId}`,
        gt(reviewLease.expiresAt, new Date(now)),
      ),
    )
    .get()!.n;
}

function reviewCount(db: Db, itemId: string): number {
  return db
    .select({ n: sql<number>`count(*)` })
    .from(reviewDecision)
    .where(and(eq(reviewDecision.itemId, itemId), eq(reviewDecision.kind, 'review')))
    .get()!.n;
}

function hasReviewed(db: Db, itemId: string, userId: string): boolean {
  return !!db
    .select({ id: reviewDecision.id })
    .from(reviewDecision)
    .where(
      and(
        eq(reviewDecision.itemId, itemId),
        eq(reviewDecision.userId, userId),
        eq(reviewDecision.kind, 'review'),
      ),
    )
    .get();
}

function takeLease(db: Db, itemId: string, userId: string, now: number, leaseSeconds: number): Date {
  const expiresAt = new Date(now + leaseSeconds * 1000);
  db.insert(reviewLease)
    .values({ itemId, userId, claimedAt: new Date(now), expiresAt })
    .onConflictDoUpdate({
      target: [reviewLease.itemId, reviewLease.userId],
      // A live lease keeps its claim time (time-per-decision); an expired one starts afresh.
      set: {
        expiresAt,
        claimedAt: sql`case when ${reviewLease.expiresAt} > ${now} then ${reviewLease.claimedAt} else ${now} end`,
      },
    })
    .run();
  return expiresAt;
}

/**
 * Claims the next item of `queue` for `userId` in one IMMEDIATE transaction: the user's own live
 * lease in the queue first (a reload resumes it), else the oldest open item with a free review slot
 * that the user has not reviewed, skipping `excludeItemIds` (the current and skipped items).
 * @returns the item and its lease end, or null when the queue has nothing for this user.
 */
export function claimNextItem(
  db: Db,
  params: {
    queue: ReviewQueueId;
    userId: string;
    excludeItemIds?: string[];
    iterationId?: number | null;
    now?: number;
  },
): { item: ReviewItemRow; leaseExpiresAt: Date } | null {
  const now = params.now ?? Date.now();
  const exclude = params.excludeItemIds ?? [];
  return inTransaction(
    db,
    (tx) => {
      const { leaseSeconds } = queueSettings(tx, params.queue);
      const iterationFilter =
        params.iterationId === undefined
          ? sql`1 = 1`
          : params.iterationId === null
            ? sql`i.iteration_id is null`
            : sql`i.iteration_id = ${params.iterationId}`;
      const excluded = exclude.length
        ? sql`i.id not in (${sql.join(
            exclude.map((id) => sql`${id}`),
            sql`, `,
          )})`
        : sql`1 = 1`;
      const own = tx.get<{ id: string } | undefined>(sql`
        select i.id from review_item i join review_lease l on l.item_id = i.id
        where i.queue = ${params.queue} and i.status = 'open' and l.user_id = ${params.userId}
          and l.expires_at > ${now} and ${excluded} and ${iterationFilter}
        order by l.claimed_at limit 1`);
      const candidate =
        own ??
        tx.get<{ id: string } | undefined>(sql`
          select i.id from review_item i
          where i.queue = ${params.queue} and i.status = 'open' and ${excluded} and ${iterationFilter}
            and not exists (
              select 1 from review_decision d
              where d.item_id = i.id and d.user_id = ${params.userId} and d.kind = 'review')
            and (
              (select count(*) from review_lease l
                where l.item_id = i.id and l.user_id <> ${params.userId} and l.expires_at > ${now})
              + (select count(*) from review_decision d where d.item_id = i.id and d.kind = 'review')
            ) < i.required_reviews
          order by i.created_at, i.id limit 1`);
      if (!candidate) return null;
      const leaseExpiresAt = takeLease(tx, candidate.id, params.userId, now, leaseSeconds);
      const item = tx.select().from(reviewItem).where(eq(reviewItem.id, candidate.id)).get()!;
      return { item, leaseExpiresAt };
    },
    { immediate: true },
  );
}

/**
 * Claims one given item (a deep link, or going back). Read-only, with the reason, when the item is
 * settled, the user already reviewed it, or its review slots are leased by others.
 * @throws DomainError NOT_FOUND for an unknown item.
 */
export function claimItem(
  db: Db,
  params: { itemId: string; userId: string; now?: number },
): { item: ReviewItemRow; leaseExpiresAt: Date | null; readOnly: boolean; readOnlyReason: string | null } {
  const now = params.now ?? Date.now();
  return inTransaction(
    db,
    (tx) => {
      const item = getItemOrThrow(tx, params.itemId);
      const readOnly = (reason: string) => ({
        item,
        leaseExpiresAt: null,
        readOnly: true,
        readOnlyReason: reason,
      });
      if (item.status === 'decided') return readOnly(`Decided (${item.decision}).`);
      if (item.status === 'obsolete')
        return readOnly(
          item.queue === 'rollout_verdict'
            ? 'Obsolete: the graph verdict now agrees with the environment.'
            : item.queue === 'corrections_wanted'
              ? 'Obsolete: a correction of this rollout was saved, or it no longer counts as failed.'
              : 'Obsolete: the label function changed since it was flagged.',
        );
      if (item.status === 'needs_adjudication') return readOnly('The reviews disagree; a PI adjudicates.');
      if (hasReviewed(tx, item.id, params.userId)) return readOnly('You already reviewed this item.');
      if (liveLeaseCount(tx, item.id, params.userId, now) + reviewCount(tx, item.id) >= item.requiredReviews)
        return readOnly('Another reviewer is working on this item.');
      const leaseExpiresAt = takeLease(
        tx,
        item.id,
        params.userId,
        now,
        queueSettings(tx, item.queue).leaseSeconds,
      );
      return { item, leaseExpiresAt, readOnly: false, readOnlyReason: null };
    },
    { immediate: true },
  );
}

/**
 * Extends the user's lease by the queue's lease length. An expired lease is renewed only if nobody
 * took the slot meanwhile.
 * @throws DomainError CONFLICT when the lease was lost or the item settled; NOT_FOUND.
 */
export function renewLease(
  db: Db,
  params: { itemId: string; userId: string; now?: number },
): { leaseExpiresAt: Date } {
  const now = params.now ?? Date.now();
  return inTransaction(
    db,
    (tx) => {
      const item = getItemOrThrow(tx, params.itemId);
      if (item.status !== 'open')
        throw new DomainError('CONFLICT', 'This item has been settled; move on to the next');
      const lease = tx
        .select()
        .from(reviewLease)
        .where(and(eq(reviewLease.itemId, item.id), eq(reviewLease.userId, params.userId)))
        .get();
      const free =
        liveLeaseCount(tx, item.id, params.userId, now) + reviewCount(tx, item.id) < item.requiredReviews;
      if (!lease || (lease.expiresAt.getTime() <= now && !free))
        throw new DomainError('CONFLICT', 'Your lease on this item expired and another reviewer took it');
      return {
        leaseExpiresAt: takeLease(
          tx,
          item.id,
          params.userId,
          now,
          queueSettings(tx, item.queue).leaseSeconds,
        ),
      };
    },
    { immediate: true },
  );
}

/** Gives the item back to the queue (leave, skip). @returns whether a lease was held. */
export function releaseLease(db: Db, params: { itemId: string; userId: string }): { released: boolean } {
  const result = db
    .delete(reviewLease)
    .where(and(eq(reviewLease.itemId, params.itemId), eq(reviewLease.userId, params.userId)))
    .run();
  return { released: result.changes > 0 };
}

function getItemOrThrow(db: Db, itemId: string): ReviewItemRow {
  const item = db.select().from(reviewItem).where(eq(reviewItem.id, itemId)).get();
  if (!item) throw new DomainError('NOT_FOUND', `Review item ${itemId} not found`);
  return item;
}

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

/**
 * Checks a decision against its item's queue. `kind`: a PI's adjudication may accept a
 * `corrections_wanted` item without a step (the latest accepting review's applies).
 */
function validateDecision(
  item: ReviewItemRow,
  input: DecisionInput,
  kind: 'review' | 'adjudication' = 'review',
): DecisionInput {
  const reason = input.reason?.trim() || null;
  if (reason && reason.length > MAX_REASON_CHARS)
    throw new DomainError('BAD_INPUT', `reason: at most ${MAX_REASON_CHARS} characters`);
  if (input.decision === 'reject' && REVIEW_QUEUE_INFO[item.queue].rejectNeedsReason && !reason)
    throw new DomainError('BAD_INPUT', 'reason: a rejection needs a reason');
  const intent = input.edit?.intent?.trim();
  if (intent !== undefined) {
    if (item.queue !== 'extrapolated_intent' && item.queue !== 'proposed_task')
      throw new DomainError('BAD_INPUT', `edit.intent: only intents and proposed tasks take edited text`);
    if (intent.split(/\s+/).filter(Boolean).length < 3)
      throw new DomainError('BAD_INPUT', 'edit.intent: an intent needs at least three words');
    if (intent.length > MAX_INTENT_CHARS)
      throw new DomainError('BAD_INPUT', `edit.intent: at most ${MAX_INTENT_CHARS} characters`);
  }
  const code = input.edit?.code;
  if (code !== undefined) {
    if (item.flag !== 'no_passing_function')
      throw new DomainError('BAD_INPUT', 'edit.code: only key steps without a label function take code here');
    if (!code.trim()) throw new DomainError('BAD_INPUT', 'edit.code: a label function cannot be empty');
    if (code.length > MAX_CODE_CHARS) throw new DomainError('BAD_INPUT', 'edit.code: too long');
  }
  if (input.decision === 'accept' && item.flag === 'no_passing_function' && !code?.trim())
    throw new DomainError('BAD_INPUT', 'edit.code: adding a key step needs its label function');
  const harmfulStep = input.edit?.harmfulStep;
  if (harmfulStep !== undefined) {
    if (item.queue !== 'corrections_wanted')
      throw new DomainError('BAD_INPUT', 'edit.harmfulStep: only corrections-wanted items take a step');
    if (input.decision !== 'accept')
      throw new DomainError('BAD_INPUT', 'edit.harmfulStep: only “Correct from here” takes a step');
    if (!Number.isInteger(harmfulStep) || harmfulStep < 0)
      throw new DomainError('BAD_INPUT', 'edit.harmfulStep: a 0-based step index (0 or more)');
  }
  if (
    input.decision === 'accept' &&
    item.queue === 'corrections_wanted' &&
    kind === 'review' &&
    harmfulStep === undefined
  )
    throw new DomainError('BAD_INPUT', 'edit.harmfulStep: “Correct from here” needs the first harmful step');
  const edited = intent !== undefined || code !== undefined || harmfulStep !== undefined;
  return {
    decision: input.decision,
    reason,
    edit: edited
      ? {
          ...(intent !== undefined || code !== undefined ? { intent, code } : {}),
          ...(harmfulStep !== undefined ? { harmfulStep } : {}),
        }
      : null,
  };
}

/** Stores one decision (a review or a PI's ruling) and its audit entry, inside the caller's transaction. */
function recordDecision(
  tx: Db,
  item: ReviewItemRow,
  params: {
    reviewer: Reviewer;
    kind: 'review' | 'adjudication';
    input: DecisionInput;
    claimedAt: Date | null;
    now: number;
  },
): void {
  const { reviewer, input } = params;
  tx.insert(reviewDecision)
    .values({
      id: randomUUID(),
      itemId: item.id,
      userId: reviewer.id,
      kind: params.kind,
      decision: input.decision,
      reason: input.reason,
      edit: input.edit ?? null,
      claimedAt: params.claimedAt,
      createdAt: new Date(params.now),
    })
    .run();
  tx.insert(auditLog)
    .values({
      userId: reviewer.id,
      actor: reviewer.label,
      action: params.kind === 'review' ? 'review.decide' : 'review.adjudicate',
      objectType: 'review_item',
      objectId: item.id,
      before: { status: item.status, queue: item.queue, subjectId: item.subjectId },
      after: { decision: input.decision, reason: input.reason, edit: input.edit },
    })
    .run();
}

/**
 * Records one reviewer's independent decision. The reviewer must hold the item's lease (or an
 * expired one whose slot nobody took). When the last required review is in, the item settles.
 * @throws DomainError CONFLICT (item settled, already reviewed, lease lost), BAD_INPUT (missing
 *   reason / code, bad edit), NOT_FOUND.
 */
export function submitReview(
  db: Db,
  params: { itemId: string; reviewer: Reviewer; input: DecisionInput; now?: number },
): DecisionResult {
  const now = params.now ?? Date.now();
  return inTransaction(
    db,
    (tx) => {
      const item = getItemOrThrow(tx, params.itemId);
      if (item.status !== 'open')
        throw new DomainError('CONFLICT', `This item is already ${item.status.replace('_', ' ')}`);
      const input = validateDecision(item, params.input);
      if (hasReviewed(tx, item.id, params.reviewer.id))
        throw new DomainError('CONFLICT', 'You already reviewed this item');
      const lease = tx
        .select()
        .from(reviewLease)
        .where(and(eq(reviewLease.itemId, item.id), eq(reviewLease.userId, params.reviewer.id)))
        .get();
      const slotFree =
        liveLeaseCount(tx, item.id, params.reviewer.id, now) + reviewCount(tx, item.id) <
        item.requiredReviews;
      if (!lease || (lease.expiresAt.getTime() <= now && !slotFree))
        throw new DomainError(
          'CONFLICT',
          'Your lease on this item expired and another reviewer took it; your decision was not recorded',
        );
      recordDecision(tx, item, {
        reviewer: params.reviewer,
        kind: 'review',
        input,
        claimedAt: lease.claimedAt,
        now,
      });
      tx.delete(reviewLease)
        .where(and(eq(reviewLease.itemId, item.id), eq(reviewLease.userId, params.reviewer.id)))
        .run();

      const reviews = tx
        .select({
          decision: reviewDecision.decision,
          edit: reviewDecision.edit,
          createdAt: reviewDecision.createdAt,
        })
        .from(reviewDecision)
        .where(and(eq(reviewDecision.itemId, item.id), eq(reviewDecision.kind, 'review')))
        .orderBy(asc(reviewDecision.createdAt), asc(reviewDecision.id))
        .all();
      const settled = settleReviews(
        reviews.map((r) => r.decision),
        item.requiredReviews,
      );
      if (settled.state === 'pending')
        return { status: 'open', decision: null, outcome: null, rescoreTaskIds: [] } satisfies DecisionResult;
      if (settled.state === 'disagreed') {
        tx.update(reviewItem).set({ status: 'needs_adjudication' }).where(eq(reviewItem.id, item.id)).run();
        return {
          status: 'needs_adjudication',
          decision: null,
          outcome: null,
          rescoreTaskIds: [],
        } satisfies DecisionResult;
      }
      // Agreed: the latest edit among the accepts is the one applied (documented in the README).
      const edit = [...reviews].reverse().find((r) => r.edit)?.edit ?? null;
      return applyDecision(tx, item, {
        decision: settled.decision,
        reason: input.reason,
        edit,
        via: 'consensus',
        actor: { userId: params.reviewer.id, label: params.reviewer.label },
        now,
      });
    },
    { immediate: true },
  );
}

/**
 * A PI settles an item whose reviews disagree (status `needs_adjudication`); the ruling is recorded
 * beside the reviews and applied.
 * @throws DomainError CONFLICT when the item does not await adjudication; as {@link submitReview}.
 */
export function adjudicateItem(
  db: Db,
  params: { itemId: string; reviewer: Reviewer; input: DecisionInput; now?: number },
): DecisionResult {
  const now = params.now ?? Date.now();
  return inTransaction(
    db,
    (tx) => {
      const item = getItemOrThrow(tx, params.itemId);
      if (item.status !== 'needs_adjudication')
        throw new DomainError(
          'CONFLICT',
          `This item does not await adjudication (it is ${item.status.replace('_', ' ')})`,
        );
      const input = validateDecision(item, params.input, 'adjudication');
      recordDecision(tx, item, {
        reviewer: params.reviewer,
        kind: 'adjudication',
        input,
        claimedAt: null,
        now,
      });
      return applyDecision(tx, item, {
        decision: input.decision,
        reason: input.reason ?? null,
        edit: input.edit ?? null,
        via: 'adjudication',
        actor: { userId: params.reviewer.id, label: params.reviewer.label },
        now,
      });
    },
    { immediate: true },
  );
}

interface ApplyParams {
  decision: ReviewDecisionValue;
  reason: string | null | undefined;
  edit: Record<string, unknown> | null;
  via: 'consensus' | 'adjudication';
  actor: ChangeActor;
  now: number;
}

/** Applies a settled decision to its subject and marks the item decided (inside the caller's transaction). */
function applyDecision(tx: Db, item: ReviewItemRow, params: ApplyParams): DecisionResult {
  let outcome: Record<string, unknown> | null = null;
  let rescoreTaskIds: string[] = [];
  const editedIntent = typeof params.edit?.intent === 'string' ? params.edit.intent : undefined;
  switch (item.queue) {
    case 'proposed_path':
      ({ outcome, rescoreTaskIds } = applyProposedPath(tx, item, params));
      break;
    case 'extrapolated_intent':
      outcome = applyIntent(tx, item, params, editedIntent);
      break;
    case 'proposed_task':
      outcome = applyProposedTask(tx, item, params, editedIntent);
      break;
    case 'lf_flag':
      if (item.flag === 'no_passing_function' && params.decision === 'accept') {
        ({ outcome, rescoreTaskIds } = applyKeyStepCode(tx, item, params));
      } else {
        outcome = { flag: item.flag, nodeId: item.nodeId, confirmed: params.decision === 'accept' };
      }
      break;
    case 'rollout_verdict':
      outcome = { humanVerdict: params.decision === 'accept' };
      break;
    case 'corrections_wanted':
      outcome = applyCorrectionsWanted(tx, item, params);
      break;
  }
  tx.update(reviewItem)
    .set({
      status: 'decided',
      decision: params.decision,
      decidedVia: params.via,
      decidedAt: new Date(params.now),
      outcome,
    })
    .where(eq(reviewItem.id, item.id))
    .run();
  return { status: 'decided', decision: params.decision, outcome, rescoreTaskIds };
}

function applyProposedPath(tx: Db, item: ReviewItemRow, params: ApplyParams) {
  const path = tx.select().from(proposedPath).where(eq(proposedPath.id, item.subjectId)).get();
  if (!path) throw new DomainError('NOT_FOUND', `Proposed path ${item.subjectId} not found`);
  if (path.status !== 'pending') throw new DomainError('CONFLICT', `Proposed path already ${path.status}`);
  const reviewed = {
    reviewedBy: params.actor.userId,
    reviewedAt: new Date(params.now),
    reviewNote: params.reason ?? null,
  };
  if (params.decision === 'reject') {
    tx.update(proposedPath)
      .set({ status: 'rejected', ...reviewed })
      .where(eq(proposedPath.id, path.id))
      .run();
    return { outcome: { rejected: true }, rescoreTaskIds: [] };
  }
  const merged = mergePathIntoTask(tx, {
    taskId: path.taskId,
    nodes: path.nodes,
    sourceTrajectoryId: path.trajectoryId,
    actor: params.actor,
    iterationId: path.iterationId,
  });
  tx.update(proposedPath)
    .set({ status: 'approved', ...reviewed, graphVersionId: merged.graphVersionId })
    .where(eq(proposedPath.id, path.id))
    .run();
  return {
    outcome: {
      graphVersionId: merged.graphVersionId,
      graphVersion: merged.version,
      changed: merged.changed,
      createdNodeIds: merged.createdNodeIds,
    },
    rescoreTaskIds: merged.changed ? [path.taskId] : [],
  };
}

function createTaskFrom(
  tx: Db,
  params: {
    parentTaskId: string;
    externalId: string;
    origin: 'extrapolated' | 'augmented';
    intent: string;
    template?: string | null;
    taskParams?: Record<string, unknown> | null;
    iterationId: number | null;
    actor: ChangeActor;
    meta: Record<string, unknown>;
  },
): string {
  const parent = tx.select().from(task).where(eq(task.id, params.parentTaskId)).get();
  if (!parent) throw new DomainError('NOT_FOUND', `Task ${params.parentTaskId} not found`);
  const id = randomUUID();
  tx.insert(task)
    .values({
      id,
      externalId: params.externalId,
      source: params.origin,
      intent: params.intent,
      startUrl: parent.startUrl,
      environment: parent.environment,
      site: parent.site,
      template: params.template ?? null,
      params: params.taskParams ?? null,
      origin: params.origin,
      parentTaskId: parent.id,
      meta: params.meta,
      iterationId: params.iterationId,
      createdBy: params.actor.label,
    })
    .run();
  tx.insert(auditLog)
    .values({
      userId: params.actor.userId,
      actor: params.actor.label,
      action: 'task.create',
      objectType: 'task',
      objectId: id,
      before: null,
      after: {
        externalId: params.externalId,
        origin: params.origin,
        intent: params.intent,
        parentTaskId: parent.id,
      },
    })
    .run();
  return id;
}

function applyIntent(tx: Db, item: ReviewItemRow, params: ApplyParams, editedIntent: string | undefined) {
  const row = tx.select().from(extrapolatedIntent).where(eq(extrapolatedIntent.id, item.subjectId)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Extrapolated intent ${item.subjectId} not found`);
  if (row.status !== 'pending')
    throw new DomainError('CONFLICT', `Extrapolated intent already ${row.status}`);
  const reviewed = { reviewedBy: params.actor.userId, reviewedAt: new Date(params.now) };
  if (params.decision === 'reject') {
    tx.update(extrapolatedIntent)
      .set({ status: 'rejected', dropReason: params.reason ?? null, ...reviewed })
      .where(eq(extrapolatedIntent.id, row.id))
      .run();
    return { rejected: true };
  }
  const intent = editedIntent ?? row.intent!;
  const taskId = createTaskFrom(tx, {
    parentTaskId: row.taskId,
    externalId: `extrapolated:${row.id}`,
    origin: 'extrapolated',
    intent,
    iterationId: row.iterationId,
    actor: params.actor,
    meta: {
      extrapolatedIntentId: row.id,
      sourceTrajectoryId: row.trajectoryId,
      edited: editedIntent !== undefined,
    },
  });
  // The rollout attempted another intent: its environment verdict does not carry over.
  const demoId = copyTrajectoryAsDemo(tx, {
    sourceId: row.trajectoryId,
    taskId,
    source: 'extrapolated',
    createdBy: params.actor.label,
  });
  tx.update(extrapolatedIntent)
    .set({ status: 'approved', intent, createdTaskId: taskId, ...reviewed })
    .where(eq(extrapolatedIntent.id, row.id))
    .run();
  return { createdTaskId: taskId, demoTrajectoryId: demoId, intent, edited: editedIntent !== undefined };
}

function applyProposedTask(
  tx: Db,
  item: ReviewItemRow,
  params: ApplyParams,
  editedIntent: string | undefined,
) {
  const row = tx.select().from(proposedTask).where(eq(proposedTask.id, item.subjectId)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Proposed task ${item.subjectId} not found`);
  if (row.status !== 'pending') throw new DomainError('CONFLICT', `Proposed task already ${row.status}`);
  const reviewed = { reviewedBy: params.actor.userId, reviewedAt: new Date(params.now) };
  if (params.decision === 'reject') {
    tx.update(proposedTask)
      .set({ status: 'rejected', ...reviewed })
      .where(eq(proposedTask.id, row.id))
      .run();
    return { rejected: true };
  }
  const intent = editedIntent ?? row.intent;
  const taskId = createTaskFrom(tx, {
    parentTaskId: row.parentTaskId,
    externalId: `augmented:${row.id}`,
    origin: 'augmented',
    intent,
    template: row.template,
    taskParams: row.params,
    iterationId: row.iterationId,
    actor: params.actor,
    meta: { proposedTaskId: row.id, variant: row.variant, edited: editedIntent !== undefined },
  });
  tx.update(proposedTask)
    .set({ status: 'approved', intent, createdTaskId: taskId, ...reviewed })
    .where(eq(proposedTask.id, row.id))
    .run();
  return { createdTaskId: taskId, intent, edited: editedIntent !== undefined };
}

/**
 * A flagged key step accepted with the reviewer's label function: the demo's key steps of the same
 * pipeline run, in order, form a linear path (passed ones reuse their nodes, the flagged one brings
 * the new code, other flagged ones are left out) that is merged into the task's graph — so the new
 * node sits between its neighbours, and the old edge around it stays (merge = union).
 */
function applyKeyStepCode(tx: Db, item: ReviewItemRow, params: ApplyParams) {
  const keyStepId = item.subjectId.slice('key_step:'.length);
  const flagged = tx.select().from(keyStep).where(eq(keyStep.id, keyStepId)).get();
  if (!flagged) throw new DomainError('NOT_FOUND', `Key step ${keyStepId} not found`);
  const code = typeof params.edit?.code === 'string' ? params.edit.code : '';
  const siblings = tx
    .select()
    .from(keyStep)
    .where(and(eq(keyStep.runId, flagged.runId), eq(keyStep.trajectoryId, flagged.trajectoryId)))
    .orderBy(asc(keyStep.position))
    .all();
  const nodes: PathNodeDraft[] = [];
  for (const k of siblings) {
    if (k.id === flagged.id) nodes.push({ description: k.description, code, nodeId: null });
    else if (k.status === 'passed' && k.code)
      nodes.push({ description: k.description, code: k.code, nodeId: k.nodeId });
  }
  const merged = mergePathIntoTask(tx, {
    taskId: flagged.taskId,
    nodes,
    sourceTrajectoryId: flagged.trajectoryId,
    actor: params.actor,
    iterationId: item.iterationId,
  });
  const nodeId =
    merged.nodeIds[nodes.findIndex((n) => n.nodeId === null && n.description === flagged.description)];
  tx.update(keyStep)
    .set({ nodeId: nodeId ?? null, code })
    .where(eq(keyStep.id, flagged.id))
    .run();
  return {
    outcome: {
      graphVersionId: merged.graphVersionId,
      graphVersion: merged.version,
      nodeId,
      changed: merged.changed,
    },
    rescoreTaskIds: merged.changed ? [flagged.taskId] : [],
  };
}

/**
 * "Correct from here" records the first harmful step on the failed rollout (`markHarmfulStep`, in
 * the decision's transaction); "No correction" leaves the rollout as it is. The step is the
 * decision's `edit.harmfulStep` — for an adjudication without one, the latest accepting review's.
 */
function applyCorrectionsWanted(tx: Db, item: ReviewItemRow, params: ApplyParams) {
  if (params.decision === 'reject') return { corrected: false, trajectoryId: item.subjectId };
  const fromEdit = (edit: Record<string, unknown> | null | undefined) =>
    typeof edit?.harmfulStep === 'number' ? edit.harmfulStep : undefined;
  const step =
    fromEdit(params.edit) ??
    tx
      .select({ edit: reviewDecision.edit })
      .from(reviewDecision)
      .where(
        and(
          eq(reviewDecision.itemId, item.id),
          eq(reviewDecision.kind, 'review'),
          eq(reviewDecision.decision, 'accept'),
        ),
      )
      .orderBy(desc(reviewDecision.createdAt), desc(reviewDecision.id))
      .all()
      .map((r) => fromEdit(r.edit))
      .find((s) => s !== undefined);
  if (step === undefined)
    throw new DomainError('BAD_INPUT', 'edit.harmfulStep: “Correct from here” needs the first harmful step');
  const mark = markHarmfulStep(tx, {
    trajectoryId: item.subjectId,
    stepIndex: step,
    actor: params.actor,
    now: new Date(params.now),
  });
  return { corrected: true, trajectoryId: item.subjectId, harmfulStep: mark.harmfulStep };
}
