/**
 * Corrections of failed rollouts (issue 16 § 3): the harmful-step mark, the suggestion from the
 * progress score's evidence, and the `corrections_wanted` review queue end to end (sync, subject,
 * "Correct from here" / "No correction", adjudication, obsolete once a correction is saved).
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linearPath } from '@/lib/core/strategy-graph/merge';
import { auditLog, lfResult, reviewItem, step, task, trajectory } from '@/server/db/schema';
import { listCorrectionsOf, markHarmfulStep, suggestHarmfulStep } from '@/server/services/correction-service';
import { addGraphVersion, getPoolNodes } from '@/server/services/graph-service';
import { getOrCreateOpenIteration } from '@/server/services/iteration-service';
import { upsertPoolNode } from '@/server/services/label-function-service';
import {
  adjudicateItem,
  claimItem,
  claimNextItem,
  submitReview,
  updateQueueSettings,
} from '@/server/services/review-queue-service';
import { getReviewHome } from '@/server/services/review-query-service';
import { syncReviewItems } from '@/server/services/review-sync-service';
import { getReviewSubject } from '@/server/services/review-subject-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';
import type { SessionUser } from '@/server/trpc/init';

const NODES = [
  { id: '1', description: "Click on a UI element 'Inbox' on the screen." },
  { id: '2', description: "Click on a UI element 'Compose' on the screen." },
  { id: '3', description: "Click on a UI element 'Send' on the screen." },
];
const as = (u: SessionUser) => ({ id: u.id, label: u.email });

interface Seeded {
  taskId: string;
  iterationId: number;
  graphVersionId: string;
  /** Environment failed, scored: nodes 1 (step 1) and 2 (step 3) passed, 3 failed. 6 steps. */
  failedId: string;
  /** Environment failed, never scored. 4 steps. */
  unscoredId: string;
  /** Environment success (category Failed: no node passed). */
  passedId: string;
  demoId: string;
}

function insertTrajectory(
  world: TestWorld,
  values: Partial<typeof trajectory.$inferInsert> & { taskId: string; stepCount: number },
): string {
  const id = randomUUID();
  world.db
    .insert(trajectory)
    .values({ id, kind: 'rollout', source: 'test', contentHash: id, createdBy: 'test', ...values })
    .run();
  for (let index = 0; index < values.stepCount; index++)
    world.db
      .insert(step)
      .values({
        id: randomUUID(),
        trajectoryId: id,
        index,
        actionType: 'click',
        action: { type: 'click', elementId: String(index + 1), raw: `Click [${index + 1}]` },
        actionDescription: `Click on a UI element 'button ${index + 1}' on the screen.`,
      })
      .run();
  return id;
}

function seed(world: TestWorld): Seeded {
  const iterationId = getOrCreateOpenIteration(world.db);
  const taskId = randomUUID();
  world.db
    .insert(task)
    .values({
      id: taskId,
      externalId: 'test:mail-1',
      source: 'test',
      intent: 'Send a mail',
      startUrl: 'http://mail.example.test/',
      createdBy: 'test',
    })
    .run();
  for (const n of NODES)
    upsertPoolNode(world.db, {
      ...n,
      code: 'def label_function(trajectory):\n    return True\n',
      author: 'test',
      iterationId: null,
    });
  const { id: graphVersionId } = addGraphVersion(world.db, {
    taskId,
    graph: linearPath(NODES.map((n) => n.id)),
    diff: { addedNodes: NODES.map((n) => n.id), addedEdges: [] },
    reason: 'init',
    createdBy: 'test',
    iterationId,
  });
  const failedId = insertTrajectory(world, {
    taskId,
    stepCount: 6,
    envSuccess: false,
    envMessage: 'No mail was sent',
    category: 'failed',
    graphVerdict: false,
    progress: 2 / 3,
    scoredGraphVersionId: graphVersionId,
    iterationId,
  });
  const versions = new Map(getPoolNodes(world.db, ['1', '2', '3']).map((n) => [n.id, n.lfVersionId!]));
  const result = (nodeId: string, passed: boolean, evidenceStep: number | null) =>
    world.db
      .insert(lfResult)
      .values({
        trajectoryId: failedId,
        lfVersionId: versions.get(nodeId)!,
        nodeId,
        result: passed,
        outcome: 'ok',
        evidenceStep,
        durationMs: 1,
      })
      .run();
  result('1', true, 0);
  result('2', true, 2);
  result('3', false, null);
  const unscoredId = insertTrajectory(world, { taskId, stepCount: 4, envSuccess: false, iterationId });
  const passedId = insertTrajectory(world, {
    taskId,
    stepCount: 2,
    envSuccess: true,
    category: 'failed',
    iterationId,
  });
  const demoId = insertTrajectory(world, { taskId, stepCount: 2, kind: 'expert' });
  return { taskId, iterationId, graphVersionId, failedId, unscoredId, passedId, demoId };
}

/** A saved correction of `rolloutId`, as the recording session stores it. */
function saveCorrection(world: TestWorld, s: Seeded, rolloutId: string, takeoverStep: number): string {
  return insertTrajectory(world, {
    taskId: s.taskId,
    kind: 'correction',
    source: 'corrected',
    derivedFromId: rolloutId,
    takeoverStep,
    stepCount: takeoverStep + 2,
    envSuccess: true,
    iterationId: s.iterationId,
  });
}

const actor = { userId: null, label: 'test' };

describe('the harmful-step mark and its suggestion', () => {
  let world: TestWorld;
  let s: Seeded;
  beforeEach(() => {
    world = createTestWorld();
    s = seed(world);
  });
  afterEach(() => world.cleanup());

  it('marks, audits and clears the first harmful step of a failed rollout', () => {
    const user = world.makeUser('annotator');
    const now = new Date('2026-12-08T10:00:00Z');
    const mark = markHarmfulStep(world.db, {
      trajectoryId: s.failedId,
      stepIndex: 3,
      actor: { userId: user.id, label: user.email },
      now,
    });
    expect(mark).toEqual({
      trajectoryId: s.failedId,
      harmfulStep: 3,
      harmfulStepBy: user.id,
      harmfulStepAt: now,
    });
    expect(world.db.select().from(trajectory).where(eq(trajectory.id, s.failedId)).get()).toMatchObject({
      harmfulStep: 3,
      harmfulStepBy: user.id,
      harmfulStepAt: now,
    });
    markHarmfulStep(world.db, { trajectoryId: s.failedId, stepIndex: null, actor });
    expect(world.db.select().from(trajectory).where(eq(trajectory.id, s.failedId)).get()).toMatchObject({
      harmfulStep: null,
      harmfulStepBy: null,
      harmfulStepAt: null,
    });
    const audits = world.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'trajectory.mark_harmful_step'), eq(auditLog.objectId, s.failedId)))
      .all();
    expect(audits.map((a) => [a.before, a.after])).toEqual([
      [
        { harmfulStep: null, harmfulStepBy: null, harmfulStepAt: null },
        { harmfulStep: 3, harmfulStepBy: user.id, harmfulStepAt: now.toISOString() },
      ],
      [
        { harmfulStep: 3, harmfulStepBy: user.id, harmfulStepAt: now.toISOString() },
        { harmfulStep: null, harmfulStepBy: null, harmfulStepAt: null },
      ],
    ]);
  });

  it('refuses steps out of range and trajectories that are not failed rollouts, naming them', () => {
    const mark = (trajectoryId: string, stepIndex: number) => () =>
      markHarmfulStep(world.db, { trajectoryId, stepIndex, actor });
    expect(mark(s.failedId, 6)).toThrow(
      `stepIndex 6 is out of range for trajectory ${s.failedId}: 0 to 5 (0-based; it has 6 steps)`,
    );
    expect(mark(s.failedId, -1)).toThrow(/out of range/);
    expect(mark(s.failedId, 1.5)).toThrow(/out of range/);
    expect(mark(s.passedId, 0)).toThrow(
      `Trajectory ${s.passedId} takes no harmful-step mark: only failed rollouts do, and the environment judged it a success`,
    );
    expect(mark(s.demoId, 0)).toThrow(/it is an expert demo/);
    expect(mark('nope', 0)).toThrow('Trajectory nope not found');
    // An unknown environment verdict counts as failed only when the graph categorised it Failed.
    world.db
      .update(trajectory)
      .set({ envSuccess: null, category: 'partially_passed' })
      .where(eq(trajectory.id, s.unscoredId))
      .run();
    expect(mark(s.unscoredId, 0)).toThrow(/no verdict and its category is partially_passed/);
    expect(
      world.db.select().from(auditLog).where(eq(auditLog.action, 'trajectory.mark_harmful_step')).all(),
    ).toEqual([]);
  });

  it('suggests the step after the last passing node of the best prefix, and nothing for unscored rollouts', () => {
    expect(suggestHarmfulStep(world.db, s.failedId)).toEqual({
      stepIndex: 3,
      reason: `Progress stopped after '${NODES[1]!.description}' (node 2 of 3 on the best path, passed at step 3): step 4 is the first after it.`,
    });
    const unscored = suggestHarmfulStep(world.db, s.unscoredId);
    expect(unscored.stepIndex).toBeNull();
    expect(unscored.reason).toMatch(/^Not scored yet/);
    // No node passed → the first step.
    world.db
      .update(lfResult)
      .set({ result: false, evidenceStep: null })
      .where(eq(lfResult.trajectoryId, s.failedId))
      .run();
    expect(suggestHarmfulStep(world.db, s.failedId).stepIndex).toBe(0);
    // Results of another graph's label functions (none stored for these versions) → no suggestion.
    world.db.delete(lfResult).where(eq(lfResult.trajectoryId, s.failedId)).run();
    const gone = suggestHarmfulStep(world.db, s.failedId);
    expect(gone.stepIndex).toBeNull();
    expect(gone.reason).toMatch(/score its task again/);
  });
});

describe('the corrections-wanted queue', () => {
  let world: TestWorld;
  let s: Seeded;
  let annotators: SessionUser[];
  let pi: SessionUser;
  beforeEach(() => {
    world = createTestWorld();
    s = seed(world);
    annotators = [1, 2].map((i) => world.makeUser('annotator', `a${i}@example.test`));
    pi = world.makeUser('pi', 'pi@example.test');
  });
  afterEach(() => world.cleanup());

  const itemOf = (trajectoryId: string) =>
    world.db
      .select()
      .from(reviewItem)
      .where(and(eq(reviewItem.queue, 'corrections_wanted'), eq(reviewItem.subjectId, trajectoryId)))
      .get();

  it('holds one item per failed rollout without a correction, idempotently', () => {
    const corrected = insertTrajectory(world, { taskId: s.taskId, stepCount: 3, envSuccess: false });
    saveCorrection(world, s, corrected, 1);
    const first = syncReviewItems(world.db);
    expect(first.created.corrections_wanted).toBe(2);
    expect(itemOf(s.failedId)).toMatchObject({
      trajectoryId: s.failedId,
      taskId: s.taskId,
      iterationId: s.iterationId,
      status: 'open',
      summary: 'Failed (environment): Send a mail',
    });
    expect(itemOf(s.unscoredId)).toBeDefined();
    for (const id of [s.passedId, s.demoId, corrected]) expect(itemOf(id)).toBeUndefined();
    // Nobody can take over a rollout of a task with no app and no start URL (or an Android one).
    const nowhere = randomUUID();
    world.db
      .insert(task)
      .values({ id: nowhere, externalId: 'test:nowhere', source: 'test', intent: 'x', createdBy: 'test' })
      .run();
    const unreachable = insertTrajectory(world, { taskId: nowhere, stepCount: 2, envSuccess: false });
    expect(syncReviewItems(world.db).created.corrections_wanted).toBe(0);
    expect(itemOf(unreachable)).toBeUndefined();
    const home = getReviewHome(world.db, { userId: annotators[0]!.id });
    expect(home.queues.find((q) => q.queue === 'corrections_wanted')).toMatchObject({
      label: 'Corrections wanted',
      open: 2,
      availableToMe: 2,
    });
  });

  it('shows the rollout with the suggested step pre-selected', () => {
    syncReviewItems(world.db);
    const subject = getReviewSubject(world.db, {
      itemId: itemOf(s.failedId)!.id,
      viewer: { id: annotators[0]!.id, role: 'annotator' },
    });
    expect(subject.queue).toBe('corrections_wanted');
    if (subject.queue !== 'corrections_wanted') return;
    expect(subject).toMatchObject({
      initialStep: 3,
      suggestion: { stepIndex: 3 },
      harmfulStep: null,
      corrections: [],
      rollout: { envSuccess: false, envMessage: 'No mail was sent', stepCount: 6, category: 'failed' },
      trajectory: { id: s.failedId },
      task: { id: s.taskId },
    });
    // A step already marked (by a reviewer, or the correction session) wins over the suggestion.
    markHarmfulStep(world.db, {
      trajectoryId: s.failedId,
      stepIndex: 1,
      actor: { userId: pi.id, label: pi.email },
    });
    const marked = getReviewSubject(world.db, {
      itemId: itemOf(s.failedId)!.id,
      viewer: { id: annotators[0]!.id, role: 'annotator' },
    });
    expect(marked).toMatchObject({ initialStep: 1, harmfulStep: { stepIndex: 1, by: pi.id, byName: 'pi' } });
  });

  it('"Correct from here" marks the step in the decision; it needs a step in range', () => {
    syncReviewItems(world.db);
    const reviewer = annotators[0]!;
    const claimed = claimItem(world.db, { itemId: itemOf(s.failedId)!.id, userId: reviewer.id });
    const itemId = claimed.item.id;
    const submit = (edit: Record<string, unknown> | null) =>
      submitReview(world.db, { itemId, reviewer: as(reviewer), input: { decision: 'accept', edit } });
    expect(() => submit(null)).toThrow(/“Correct from here” needs the first harmful step/);
    expect(() => submit({ harmfulStep: 6 })).toThrow(/out of range for trajectory .*: 0 to 5/);
    // The refused decisions left nothing behind.
    expect(itemOf(s.failedId)!.status).toBe('open');
    expect(
      world.db.select().from(trajectory).where(eq(trajectory.id, s.failedId)).get()!.harmfulStep,
    ).toBeNull();

    const result = submit({ harmfulStep: 4 });
    expect(result).toMatchObject({
      status: 'decided',
      decision: 'accept',
      outcome: { corrected: true, trajectoryId: s.failedId, harmfulStep: 4 },
      rescoreTaskIds: [],
    });
    expect(world.db.select().from(trajectory).where(eq(trajectory.id, s.failedId)).get()).toMatchObject({
      harmfulStep: 4,
      harmfulStepBy: reviewer.id,
    });
    expect(
      world.db.select().from(auditLog).where(eq(auditLog.action, 'trajectory.mark_harmful_step')).get(),
    ).toMatchObject({ userId: reviewer.id, objectId: s.failedId, after: { harmfulStep: 4 } });
    // Decided items are not queued again.
    expect(syncReviewItems(world.db).created.corrections_wanted).toBe(0);
  });

  it('"No correction" needs a reason and leaves the rollout unmarked; other queues take no step', () => {
    syncReviewItems(world.db);
    const reviewer = annotators[0]!;
    const claimed = claimNextItem(world.db, { queue: 'corrections_wanted', userId: reviewer.id })!;
    const reject = (reason: string | null, edit: Record<string, unknown> | null = null) =>
      submitReview(world.db, {
        itemId: claimed.item.id,
        reviewer: as(reviewer),
        input: { decision: 'reject', reason, edit },
      });
    expect(() => reject(null)).toThrow('reason: a rejection needs a reason');
    expect(() => reject('cannot replay', { harmfulStep: 1 })).toThrow(
      /only “Correct from here” takes a step/,
    );
    expect(reject('the app cannot be replayed')).toMatchObject({
      status: 'decided',
      decision: 'reject',
      outcome: { corrected: false },
    });
    expect(
      world.db.select().from(trajectory).where(eq(trajectory.id, claimed.item.subjectId)).get()!.harmfulStep,
    ).toBeNull();

    const verdictItemId = randomUUID();
    world.db
      .insert(reviewItem)
      .values({
        id: verdictItemId,
        queue: 'rollout_verdict',
        subjectId: s.passedId,
        trajectoryId: s.passedId,
        summary: 'x',
      })
      .run();
    claimItem(world.db, { itemId: verdictItemId, userId: reviewer.id });
    expect(() =>
      submitReview(world.db, {
        itemId: verdictItemId,
        reviewer: as(reviewer),
        input: { decision: 'accept', edit: { harmfulStep: 0 } },
      }),
    ).toThrow(/only corrections-wanted items take a step/);
  });

  it('becomes obsolete once a correction of the rollout is saved', () => {
    syncReviewItems(world.db);
    const itemId = itemOf(s.unscoredId)!.id;
    const correctionId = saveCorrection(world, s, s.unscoredId, 2);
    expect(syncReviewItems(world.db).obsoleted).toBe(1);
    expect(itemOf(s.unscoredId)!.status).toBe('obsolete');
    expect(itemOf(s.failedId)!.status).toBe('open');
    const claimed = claimItem(world.db, { itemId, userId: annotators[0]!.id });
    expect(claimed.readOnly).toBe(true);
    expect(claimed.readOnlyReason).toMatch(/a correction of this rollout was saved/);
    const subject = getReviewSubject(world.db, { itemId, viewer: { id: pi.id, role: 'pi' } });
    expect(subject).toMatchObject({ corrections: [{ id: correctionId, takeoverStep: 2, envSuccess: true }] });
    expect(listCorrectionsOf(world.db, s.unscoredId).map((c) => c.id)).toEqual([correctionId]);
  });

  it('becomes obsolete once the rollout no longer counts as failed', () => {
    world.db.update(trajectory).set({ envSuccess: null }).where(eq(trajectory.id, s.unscoredId)).run();
    world.db.update(trajectory).set({ category: 'failed' }).where(eq(trajectory.id, s.unscoredId)).run();
    syncReviewItems(world.db);
    expect(itemOf(s.unscoredId)!.status).toBe('open');
    // Rescoring found a new path: with no environment verdict, Partially Passed is not failed.
    world.db
      .update(trajectory)
      .set({ category: 'partially_passed' })
      .where(eq(trajectory.id, s.unscoredId))
      .run();
    syncReviewItems(world.db);
    expect(itemOf(s.unscoredId)!.status).toBe('obsolete');
  });

  it('a PI settles a split; an accept without a step takes the latest accepting review’s', () => {
    updateQueueSettings(world.db, {
      queue: 'corrections_wanted',
      requiredReviews: 2,
      leaseSeconds: 300,
      actor: as(pi),
    });
    syncReviewItems(world.db);
    const itemId = itemOf(s.failedId)!.id;
    const [a, b] = annotators as [SessionUser, SessionUser];
    claimItem(world.db, { itemId, userId: a.id });
    claimItem(world.db, { itemId, userId: b.id });
    expect(
      submitReview(world.db, {
        itemId,
        reviewer: as(a),
        input: { decision: 'accept', edit: { harmfulStep: 2 } },
      }).status,
    ).toBe('open');
    // Nothing is marked before the reviews settle.
    expect(
      world.db.select().from(trajectory).where(eq(trajectory.id, s.failedId)).get()!.harmfulStep,
    ).toBeNull();
    expect(
      submitReview(world.db, {
        itemId,
        reviewer: as(b),
        input: { decision: 'reject', reason: 'the rollout is fine until the end' },
      }).status,
    ).toBe('needs_adjudication');
    const ruling = adjudicateItem(world.db, { itemId, reviewer: as(pi), input: { decision: 'accept' } });
    expect(ruling).toMatchObject({ status: 'decided', outcome: { harmfulStep: 2 } });
    expect(world.db.select().from(trajectory).where(eq(trajectory.id, s.failedId)).get()).toMatchObject({
      harmfulStep: 2,
      harmfulStepBy: pi.id,
    });
  });
});
