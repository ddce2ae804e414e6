/**
 * Review queues on real data (the WebVoyager runs imported as rollouts): sync, leases under a real
 * multi-process race, lease expiry, independent reviews with adjudication and kappa, and what each
 * decision does (merge a path, create tasks, add a key step's label function).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '@/server/db/client';
import {
  auditLog,
  extrapolatedIntent,
  keyStep,
  pipelineRun,
  proposedPath,
  proposedTask,
  reviewItem,
  step,
  strategyGraphVersion,
  task,
  trajectory,
} from '@/server/db/schema';
import { mergePathIntoTask, type PathNodeDraft } from '@/server/services/graph-change-service';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import {
  adjudicateItem,
  claimItem,
  claimNextItem,
  releaseLease,
  renewLease,
  submitReview,
  updateQueueSettings,
} from '@/server/services/review-queue-service';
import { getReviewHome, listDisagreements } from '@/server/services/review-query-service';
import { syncReviewItems } from '@/server/services/review-sync-service';
import { getAnnotatorStats, getQueueAgreement } from '@/server/services/review-stats-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';
import type { SessionUser } from '@/server/trpc/init';

const run = promisify(execFile);
const lf = (body: string) => `def label_function(trajectory):\n    return ${body}\n`;
const TYPE: PathNodeDraft = {
  description: "Type text 'climate change data visualization' into the search box",
  code: lf("validate_type_action(trajectory, 'climate change data visualization', None)"),
  nodeId: null,
};
const STARS: PathNodeDraft = {
  description: "Click on a UI element 'Most stars' on the screen.",
  code: lf("validate_click(trajectory, None, 'Most stars')"),
  nodeId: null,
};
const actor = { userId: null, label: 'test' };
const as = (u: SessionUser) => ({ id: u.id, label: u.email });

describe('review queues', () => {
  let world: TestWorld;
  let taskId: string;
  let rolloutId: string;
  let runId: string;
  let annotators: SessionUser[];
  let pi: SessionUser;

  beforeAll(async () => {
    world = createTestWorld();
    const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES, { kind: 'rollout' });
    await importBundle(world.db, world.dataDir, bundle, { format: 'webvoyager', actor });
    taskId = world.db.select().from(task).where(eq(task.externalId, 'webvoyager:GitHub--0')).get()!.id;
    rolloutId = world.db.select().from(trajectory).where(eq(trajectory.taskId, taskId)).get()!.id;
    mergePathIntoTask(world.db, {
      taskId,
      nodes: [TYPE],
      sourceTrajectoryId: null,
      actor,
      iterationId: null,
    });
    runId = randomUUID();
    world.db
      .insert(pipelineRun)
      .values({
        id: runId,
        stage: 'propose_paths',
        scope: { taskIds: [taskId] },
        providers: {},
        promptVersions: {},
        createdBy: 'test',
      } as typeof pipelineRun.$inferInsert)
      .run();
    world.db
      .insert(proposedPath)
      .values({
        id: 'path-1',
        runId,
        taskId,
        trajectoryId: rolloutId,
        nodes: [{ ...TYPE, nodeId: '1' }, STARS],
        producedBy: 'heuristic:test',
      })
      .run();
    world.db
      .insert(extrapolatedIntent)
      .values([
        {
          id: 'intent-1',
          taskId,
          trajectoryId: rolloutId,
          candidate: 'Find the most starred climate repository',
          intent: 'Find the most starred climate data visualization repository on GitHub',
          status: 'pending',
          producedBy: 'heuristic:test',
        },
        {
          id: 'intent-2',
          taskId,
          trajectoryId: rolloutId,
          candidate: 'Open GitHub',
          intent: 'Open the GitHub home page',
          status: 'pending',
          producedBy: 'heuristic:test',
        },
      ])
      .run();
    world.db
      .insert(proposedTask)
      .values({
        id: 'ptask-1',
        parentTaskId: taskId,
        sourceTrajectoryId: rolloutId,
        intent: 'Find a GitHub repository about ocean data visualization with the most stars',
        variant: 'paraphrase',
        producedBy: 'heuristic:test',
      })
      .run();
    annotators = [1, 2, 3].map((i) => world.makeUser('annotator', `a${i}@example.test`));
    pi = world.makeUser('pi', 'pi@example.test');
  }, 120_000);

  afterAll(async () => {
    await world.cleanup();
  });

  it('fills the queues from pending proposals, idempotently', () => {
    const first = syncReviewItems(world.db);
    expect(first.created).toMatchObject({ proposed_path: 1, extrapolated_intent: 2, proposed_task: 1 });
    const again = syncReviewItems(world.db);
    expect(Object.values(again.created).every((n) => n === 0)).toBe(true);
    const home = getReviewHome(world.db, { userId: annotators[0]!.id });
    expect(home.queues.find((q) => q.queue === 'extrapolated_intent')).toMatchObject({
      open: 2,
      availableToMe: 2,
      label: 'Extrapolated intents',
    });
  });

  it('never hands one item to two reviewers when many processes claim at once', async () => {
    // 40 rollout-verdict items, 6 processes claiming as 6 users over their own connections.
    for (let i = 0; i < 40; i++) {
      world.db
        .insert(reviewItem)
        .values({ id: `race-${i}`, queue: 'rollout_verdict', subjectId: `race-${i}`, summary: `race ${i}` })
        .run();
    }
    const users = Array.from({ length: 6 }, (_, i) => world.makeUser('annotator', `race${i}@example.test`));
    const startAt = Date.now() + 1500;
    const outputs = await Promise.all(
      users.map((u) =>
        run(
          process.execPath,
          [
            '--import',
            'tsx',
            'server/testing/claim-worker.ts',
            path.join(world.dataDir, DB_FILE_NAME),
            u.id,
            'rollout_verdict',
            String(startAt),
          ],
          { cwd: process.cwd() },
        ),
      ),
    );
    const claims = outputs.map((o) => JSON.parse(o.stdout) as string[]);
    const all = claims.flat();
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
    // Clean up: the race items leave the queue.
    world.db.delete(reviewItem).where(eq(reviewItem.queue, 'rollout_verdict')).run();
  }, 60_000);

  it('lets a lease expire, and refuses the late decision once someone else took the item', () => {
    const [a, b] = annotators as [SessionUser, SessionUser];
    const t0 = Date.now();
    const claimed = claimNextItem(world.db, { queue: 'proposed_task', userId: a.id, now: t0 })!;
    expect(claimed.item.subjectId).toBe('ptask-1');
    expect(claimed.leaseExpiresAt.getTime()).toBe(t0 + 300_000);
    // While A holds it, B gets nothing (one review per item by default).
    expect(claimNextItem(world.db, { queue: 'proposed_task', userId: b.id, now: t0 + 1000 })).toBeNull();
    expect(claimItem(world.db, { itemId: claimed.item.id, userId: b.id, now: t0 + 1000 }).readOnly).toBe(
      true,
    );
    // Renewing keeps it; after expiry B can claim it and A's decision is refused.
    expect(
      renewLease(world.db, {
        itemId: claimed.item.id,
        userId: a.id,
        now: t0 + 60_000,
      }).leaseExpiresAt.getTime(),
    ).toBe(t0 + 360_000);
    const late = t0 + 361_000;
    expect(claimNextItem(world.db, { queue: 'proposed_task', userId: b.id, now: late })?.item.id).toBe(
      claimed.item.id,
    );
    expect(() =>
      submitReview(world.db, {
        itemId: claimed.item.id,
        reviewer: as(a),
        input: { decision: 'accept' },
        now: late + 1,
      }),
    ).toThrow(/expired and another reviewer took it/);
    expect(() => renewLease(world.db, { itemId: claimed.item.id, userId: a.id, now: late + 1 })).toThrow(
      /expired/,
    );
    releaseLease(world.db, { itemId: claimed.item.id, userId: b.id });
  });

  it('accepts an edited proposed task as a new augmented task', () => {
    const [a] = annotators as [SessionUser];
    const claimed = claimNextItem(world.db, { queue: 'proposed_task', userId: a.id })!;
    expect(() =>
      submitReview(world.db, { itemId: claimed.item.id, reviewer: as(a), input: { decision: 'reject' } }),
    ).toThrow(/rejection needs a reason/);
    expect(() =>
      submitReview(world.db, {
        itemId: claimed.item.id,
        reviewer: as(a),
        input: { decision: 'accept', edit: { intent: 'Ocean' } },
      }),
    ).toThrow(/at least three words/);
    const result = submitReview(world.db, {
      itemId: claimed.item.id,
      reviewer: as(a),
      input: {
        decision: 'accept',
        edit: { intent: 'Find the most starred ocean data visualization repository' },
      },
    });
    expect(result.status).toBe('decided');
    const created = world.db
      .select()
      .from(task)
      .where(eq(task.id, String(result.outcome!.createdTaskId)))
      .get()!;
    expect(created).toMatchObject({
      origin: 'augmented',
      parentTaskId: taskId,
      intent: 'Find the most starred ocean data visualization repository',
      externalId: 'augmented:ptask-1',
    });
    expect(world.db.select().from(proposedTask).where(eq(proposedTask.id, 'ptask-1')).get()!.status).toBe(
      'approved',
    );
    expect(() =>
      submitReview(world.db, { itemId: claimed.item.id, reviewer: as(a), input: { decision: 'accept' } }),
    ).toThrow(/already decided/);
  });

  it('approves a proposed path: a new graph version and the task to rescore, audited', () => {
    const [, b] = annotators as [SessionUser, SessionUser];
    const claimed = claimNextItem(world.db, { queue: 'proposed_path', userId: b.id })!;
    const result = submitReview(world.db, {
      itemId: claimed.item.id,
      reviewer: as(b),
      input: { decision: 'accept' },
    });
    expect(result).toMatchObject({ status: 'decided', decision: 'accept', rescoreTaskIds: [taskId] });
    expect(result.outcome).toMatchObject({ graphVersion: 2, changed: true });
    const versions = world.db
      .select()
      .from(strategyGraphVersion)
      .where(eq(strategyGraphVersion.taskId, taskId))
      .all();
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
    expect(world.db.select().from(proposedPath).where(eq(proposedPath.id, 'path-1')).get()).toMatchObject({
      status: 'approved',
      reviewedBy: b.id,
    });
    const audit = world.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'review.decide'), eq(auditLog.objectId, claimed.item.id)))
      .get()!;
    expect(audit).toMatchObject({ userId: b.id, after: { decision: 'accept' } });
  });

  it('needs two independent reviews when asked, sends a split to a PI, and reports kappa', () => {
    const [a, b, c] = annotators as [SessionUser, SessionUser, SessionUser];
    updateQueueSettings(world.db, {
      queue: 'extrapolated_intent',
      requiredReviews: 2,
      leaseSeconds: 300,
      actor: as(pi),
    });
    // Both annotators hold the same item at once; a third finds no free slot on it.
    const first = claimNextItem(world.db, { queue: 'extrapolated_intent', userId: a.id })!;
    const second = claimNextItem(world.db, { queue: 'extrapolated_intent', userId: b.id })!;
    expect(second.item.id).toBe(first.item.id);
    const third = claimNextItem(world.db, { queue: 'extrapolated_intent', userId: c.id })!;
    expect(third.item.id).not.toBe(first.item.id);
    releaseLease(world.db, { itemId: third.item.id, userId: c.id });

    expect(
      submitReview(world.db, { itemId: first.item.id, reviewer: as(a), input: { decision: 'accept' } })
        .status,
    ).toBe('open');
    const split = submitReview(world.db, {
      itemId: first.item.id,
      reviewer: as(b),
      input: { decision: 'reject', reason: 'The rollout never opened a repository' },
    });
    expect(split.status).toBe('needs_adjudication');
    expect(
      listDisagreements(world.db, { queue: 'extrapolated_intent' })[0]!.reviews.map((r) => r.decision),
    ).toEqual(['accept', 'reject']);

    const ruling = adjudicateItem(world.db, {
      itemId: first.item.id,
      reviewer: as(pi),
      input: { decision: 'accept', reason: 'The intent matches the screenshots' },
    });
    expect(ruling.status).toBe('decided');
    const created = world.db
      .select()
      .from(task)
      .where(eq(task.id, String(ruling.outcome!.createdTaskId)))
      .get()!;
    expect(created.origin).toBe('extrapolated');
    // The rollout became the new task's expert demo, step for step.
    const demo = world.db.select().from(trajectory).where(eq(trajectory.taskId, created.id)).get()!;
    expect(demo.kind).toBe('expert');
    const count = (id: string) => world.db.select().from(step).where(eq(step.trajectoryId, id)).all().length;
    expect(count(demo.id)).toBe(count(rolloutId));

    // The other intent: both agree → applied without a PI.
    const next = claimNextItem(world.db, { queue: 'extrapolated_intent', userId: a.id })!;
    claimNextItem(world.db, { queue: 'extrapolated_intent', userId: c.id });
    submitReview(world.db, {
      itemId: next.item.id,
      reviewer: as(a),
      input: { decision: 'reject', reason: 'Too vague' },
    });
    expect(
      submitReview(world.db, {
        itemId: next.item.id,
        reviewer: as(c),
        input: { decision: 'reject', reason: 'Vague' },
      }).status,
    ).toBe('decided');
    const rejected = world.db
      .select()
      .from(extrapolatedIntent)
      .where(eq(extrapolatedIntent.id, next.item.subjectId))
      .get()!;
    expect(rejected.status).toBe('rejected');
    expect(rejected.dropReason).toBe('Vague');

    const agreement = getQueueAgreement(world.db, 'extrapolated_intent');
    expect(agreement).toMatchObject({ items: 2, raters: 2, percentAgreement: 0.5 });
    // Fleiss over [accept, reject] and [reject, reject]: P̄ = 0.5, p_accept = 0.25, P̄e = 0.625 → −1/3.
    expect(agreement.fleissKappa).toBeCloseTo(-1 / 3, 10);
    expect(agreement.pairs).toHaveLength(2);
  });

  it('adds a key step that had no passing function, between its neighbours, from the reviewer code', () => {
    const [a] = annotators as [SessionUser];
    const demoRun = randomUUID();
    world.db
      .insert(pipelineRun)
      .values({
        id: demoRun,
        stage: 'abstract',
        scope: { taskIds: [taskId] },
        providers: {},
        promptVersions: {},
        createdBy: 'test',
      } as typeof pipelineRun.$inferInsert)
      .run();
    // Make the GitHub run an expert demo with key steps TYPE (passed, node 1), FLAGGED, STARS (node 2).
    world.db.update(trajectory).set({ kind: 'expert' }).where(eq(trajectory.id, rolloutId)).run();
    const ks = (
      position: number,
      description: string,
      status: 'passed' | 'flagged',
      nodeId: string | null,
      code: string | null,
    ) => ({
      id: `ks-${position}`,
      runId: demoRun,
      taskId,
      trajectoryId: rolloutId,
      position,
      stepIndex: position,
      description,
      status,
      nodeId,
      code,
    });
    world.db
      .insert(keyStep)
      .values([
        ks(0, TYPE.description, 'passed', '1', TYPE.code),
        ks(1, 'Press Enter to search', 'flagged', null, null),
        ks(2, STARS.description, 'passed', '2', STARS.code),
      ])
      .run();
    syncReviewItems(world.db);
    const claimed = claimNextItem(world.db, { queue: 'lf_flag', userId: a.id })!;
    expect(claimed.item).toMatchObject({ flag: 'no_passing_function', subjectId: 'key_step:ks-1' });
    expect(() =>
      submitReview(world.db, { itemId: claimed.item.id, reviewer: as(a), input: { decision: 'accept' } }),
    ).toThrow(/needs its label function/);
    const result = submitReview(world.db, {
      itemId: claimed.item.id,
      reviewer: as(a),
      input: { decision: 'accept', edit: { code: lf('validate_keyboard_enter_action(trajectory)') } },
    });
    expect(result.outcome).toMatchObject({ graphVersion: 3, changed: true });
    const graph = world.db
      .select()
      .from(strategyGraphVersion)
      .where(and(eq(strategyGraphVersion.taskId, taskId), eq(strategyGraphVersion.version, 3)))
      .get()!.graph;
    const newNode = String(result.outcome!.nodeId);
    expect(graph[newNode]).toEqual({ parent_node_id: ['1'], child_node_id: ['2'] });
    world.db.update(trajectory).set({ kind: 'rollout' }).where(eq(trajectory.id, rolloutId)).run();
  });

  it('asks for rollout verdicts where the graph and the environment disagree, and scores annotators against the graph', () => {
    const [a] = annotators as [SessionUser];
    world.db
      .update(trajectory)
      .set({ graphVerdict: false, envSuccess: null, category: 'failed' })
      .where(eq(trajectory.id, rolloutId))
      .run();
    syncReviewItems(world.db);
    const claimed = claimNextItem(world.db, { queue: 'rollout_verdict', userId: a.id })!;
    expect(claimed.item.trajectoryId).toBe(rolloutId);
    // A Failed verdict needs no reason; it agrees with the graph verdict (False).
    submitReview(world.db, { itemId: claimed.item.id, reviewer: as(a), input: { decision: 'reject' } });
    const stats = getAnnotatorStats(world.db).find((s) => s.userId === a.id)!;
    expect(stats).toMatchObject({ graphAgreement: 1, graphCompared: 1, envCompared: 0 });
    expect(stats.decisions).toBeGreaterThanOrEqual(4);
    expect(stats.agreementWithOthers).toBe(0.5);
    expect(stats.decisionsPerHour).toBeGreaterThan(0);
    // Annotators who decided nothing are listed too.
    expect(getAnnotatorStats(world.db).find((s) => s.email === 'race0@example.test')).toMatchObject({
      decisions: 0,
      decisionsPerHour: null,
      lastDecisionAt: null,
    });
  });

  it('retires a rollout-verdict question once rescoring makes the graph agree with the environment', () => {
    const other = world.db
      .select()
      .from(trajectory)
      .where(eq(trajectory.kind, 'rollout'))
      .all()
      .find((t) => t.id !== rolloutId)!;
    world.db
      .update(trajectory)
      .set({ graphVerdict: false, envSuccess: true })
      .where(eq(trajectory.id, other.id))
      .run();
    expect(syncReviewItems(world.db).created.rollout_verdict).toBe(1);
    world.db.update(trajectory).set({ graphVerdict: true }).where(eq(trajectory.id, other.id)).run();
    expect(syncReviewItems(world.db).obsoleted).toBe(1);
    const item = world.db.select().from(reviewItem).where(eq(reviewItem.subjectId, other.id)).get()!;
    expect(item.status).toBe('obsolete');
    expect(claimItem(world.db, { itemId: item.id, userId: annotators[0]!.id }).readOnlyReason).toMatch(
      /now agrees/,
    );
  });
});
