/**
 * The review workspace's subjects on real data: the WebVoyager runs imported as rollouts, a graph
 * made with `mergePathIntoTask`, and the pipeline's rows (a run, key steps with attempts, a
 * proposed path, an extrapolated intent, a proposed task) inserted as the pipeline writes them.
 * Checks each queue's subject, the overlay of a proposed path with every node's result on the
 * rollout, and that other reviewers' decisions stay hidden from annotators while an item is open.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  extrapolatedIntent,
  keyStep,
  lfAttempt,
  lfResult,
  pipelineRun,
  proposedPath,
  proposedTask,
  reviewDecision,
  reviewItem,
  stepComment,
  strategyGraphVersion,
  task,
  trajectory,
  type ReviewQueue,
} from '@/server/db/schema';
import type { SessionUser } from '@/server/trpc/init';
import { mergePathIntoTask, type PathNodeDraft } from '@/server/services/graph-change-service';
import { getPoolNodes } from '@/server/services/graph-service';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import { getReviewSubject, parseLfFlagSubject } from '@/server/services/review-subject-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';

const lf = (body: string) => `def label_function(trajectory):\n    return ${body}\n`;
const TYPE: PathNodeDraft = {
  description: "Type text 'climate change data visualization' into the search box",
  code: lf("validate_type_action(trajectory, 'climate change data visualization', None)"),
  nodeId: null,
};
const ANSWER: PathNodeDraft = {
  description: "Answer user's question naming resource-watch",
  code: lf("validate_answer(trajectory, 'resource-watch')"),
  nodeId: null,
};
const ELSEWHERE: PathNodeDraft = {
  description: 'Press Enter in the search field',
  code: lf('validate_keyboard_enter_action(trajectory)'),
  nodeId: null,
};
const STARS = {
  description: "Click on a UI element 'Most stars' on the screen.",
  code: lf("validate_click(trajectory, None, 'Most stars')"),
};
const actor = { userId: null, label: 'test' };

describe('getReviewSubject', () => {
  let world: TestWorld;
  let taskId: string;
  let rolloutId: string;
  let otherTaskId: string;
  let runId: string;
  let annotator: SessionUser;
  let other: SessionUser;
  let pi: SessionUser;
  const nodeOf = { type: '', answer: '', elsewhere: '' };

  const addItem = (
    queue: ReviewQueue,
    subjectId: string,
    extra: Partial<typeof reviewItem.$inferInsert> = {},
  ) => {
    const id = randomUUID();
    world.db
      .insert(reviewItem)
      .values({ id, queue, subjectId, summary: `${queue} item`, taskId, trajectoryId: rolloutId, ...extra })
      .run();
    return id;
  };
  const addKeyStep = (
    values: Partial<typeof keyStep.$inferInsert> & { position: number; description: string },
  ) => {
    const id = randomUUID();
    world.db
      .insert(keyStep)
      .values({
        id,
        runId,
        taskId,
        trajectoryId: rolloutId,
        stepIndex: values.position,
        status: 'passed',
        keyStepsCallId: 'call-key-steps',
        ...values,
      })
      .run();
    return id;
  };
  const addAttempt = (keyStepId: string, attempt: number, values: Partial<typeof lfAttempt.$inferInsert>) =>
    world.db
      .insert(lfAttempt)
      .values({
        id: randomUUID(),
        keyStepId,
        attempt,
        outcome: 'ok',
        modelCallId: `call-${attempt}`,
        ...values,
      })
      .run();

  beforeAll(async () => {
    world = createTestWorld();
    const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES, { kind: 'rollout' });
    await importBundle(world.db, world.dataDir, bundle, { format: 'webvoyager', actor });
    taskId = world.db.select().from(task).where(eq(task.externalId, 'webvoyager:GitHub--0')).get()!.id;
    otherTaskId = world.db.select().from(task).where(eq(task.externalId, 'webvoyager:Allrecipes--4')).get()!
      .id;
    rolloutId = world.db.select().from(trajectory).where(eq(trajectory.taskId, taskId)).get()!.id;
    annotator = world.makeUser('annotator');
    other = world.makeUser('annotator');
    pi = world.makeUser('pi');

    // GitHub--0's graph: TYPE → ANSWER. Allrecipes--4's graph has a node GitHub's lacks.
    const merged = mergePathIntoTask(world.db, {
      taskId,
      nodes: [TYPE, ANSWER],
      sourceTrajectoryId: null,
      actor,
      iterationId: null,
    });
    [nodeOf.type, nodeOf.answer] = merged.nodeIds as [string, string];
    nodeOf.elsewhere = mergePathIntoTask(world.db, {
      taskId: otherTaskId,
      nodes: [ELSEWHERE],
      sourceTrajectoryId: null,
      actor,
      iterationId: null,
    }).nodeIds[0]!;

    // Scoring stored TYPE's result on the rollout (passed at step 2).
    const [typeNode] = getPoolNodes(world.db, [nodeOf.type]);
    world.db
      .insert(lfResult)
      .values({
        trajectoryId: rolloutId,
        lfVersionId: typeNode!.lfVersionId!,
        nodeId: nodeOf.type,
        result: true,
        outcome: 'ok',
        evidenceStep: 2,
        durationMs: 3,
      })
      .run();

    runId = randomUUID();
    world.db
      .insert(pipelineRun)
      .values({
        id: runId,
        stage: 'propose_paths',
        scope: { taskIds: [taskId], iterationId: null },
        providers: { coder: { provider: 'heuristic', model: 'heuristic-v1' } },
        promptVersions: {},
        createdBy: 'test',
      })
      .run();
  }, 120_000);

  afterAll(async () => {
    await world.cleanup();
  });

  describe('proposed path', () => {
    let itemId: string;
    let starsKeyStep: string;

    beforeAll(() => {
      // The rollout's key steps as stage K/S stored them: TYPE, a flagged one, STARS (new), ELSEWHERE (pool), ANSWER.
      const ks = [
        addKeyStep({ position: 0, description: TYPE.description, code: TYPE.code, nodeId: nodeOf.type }),
        addKeyStep({ position: 1, description: 'Scroll down on the screen.', status: 'flagged' }),
        addKeyStep({ position: 2, description: STARS.description, code: STARS.code, stepIndex: 4 }),
        addKeyStep({
          position: 3,
          description: ELSEWHERE.description,
          code: ELSEWHERE.code,
          nodeId: nodeOf.elsewhere,
        }),
        addKeyStep({
          position: 4,
          description: ANSWER.description,
          code: ANSWER.code,
          nodeId: nodeOf.answer,
        }),
      ];
      starsKeyStep = ks[2]!;
      addAttempt(ks[0]!, 1, { code: TYPE.code, result: true, evidenceStep: 2 });
      addAttempt(ks[1]!, 1, { code: null, outcome: 'no_code' });
      addAttempt(starsKeyStep, 1, { code: lf('False'), result: false });
      addAttempt(starsKeyStep, 2, { code: STARS.code, result: true, evidenceStep: 5 });
      addAttempt(ks[3]!, 1, { code: ELSEWHERE.code, result: true, evidenceStep: 6 });
      addAttempt(ks[4]!, 1, { code: lf('True'), result: true, evidenceStep: 9 });
      const proposalId = randomUUID();
      world.db
        .insert(proposedPath)
        .values({
          id: proposalId,
          runId,
          taskId,
          trajectoryId: rolloutId,
          nodes: [
            { description: TYPE.description, code: TYPE.code, nodeId: nodeOf.type },
            { description: STARS.description, code: STARS.code, nodeId: null },
            { description: ELSEWHERE.description, code: ELSEWHERE.code, nodeId: nodeOf.elsewhere },
            { description: ANSWER.description, code: lf('True'), nodeId: nodeOf.answer },
          ],
          producedBy: 'heuristic:heuristic-v1',
        })
        .run();
      itemId = addItem('proposed_path', proposalId);
    });

    it('overlays the path on the newest graph: reused, pool and new nodes, new edges, branch and rejoin', () => {
      const subject = getReviewSubject(world.db, { itemId, viewer: annotator });
      if (subject.queue !== 'proposed_path') throw new Error('wrong queue');
      expect(subject.graph).toMatchObject({ version: 1 });
      expect(subject.pathNodes.map((n) => [n.kind, n.nodeId])).toEqual([
        ['reused', nodeOf.type],
        ['new', null],
        ['pool', nodeOf.elsewhere],
        ['reused', nodeOf.answer],
      ]);
      expect(subject.overlay).toMatchObject({ branchPoint: nodeOf.type, rejoinPoint: nodeOf.answer });
      expect(subject.overlay.newEdges).toEqual([
        { from: nodeOf.type, to: 'new:1' },
        { from: 'new:1', to: nodeOf.elsewhere },
        { from: nodeOf.elsewhere, to: nodeOf.answer },
      ]);
      expect(subject.graphNodes.map((n) => n.id).sort()).toEqual(
        [nodeOf.type, nodeOf.answer, nodeOf.elsewhere].sort(),
      );
      expect(subject.task).toMatchObject({ id: taskId, externalId: 'webvoyager:GitHub--0', origin: 'seed' });
      expect(subject.trajectory).toMatchObject({ id: rolloutId, kind: 'rollout' });
      expect(subject.trajectory!.stepCount).toBeGreaterThan(0);
      expect(subject.keyStepsCallId).toBe('call-key-steps');
      expect(subject.producedBy).toBe('heuristic:heuristic-v1');
    });

    it("gives each node its code and its result on the rollout: stored LF results first, else the key step's passing attempt", () => {
      const subject = getReviewSubject(world.db, { itemId, viewer: annotator });
      if (subject.queue !== 'proposed_path') throw new Error('wrong queue');
      const [type, stars, elsewhere, answer] = subject.pathNodes;
      expect(type).toMatchObject({
        code: TYPE.code,
        proposedCode: null,
        lfVersion: 1,
        result: { source: 'lf_result', result: true, outcome: 'ok', evidenceStep: 2 },
      });
      expect(stars).toMatchObject({
        code: STARS.code,
        lfVersion: null,
        keyStep: { id: starsKeyStep, stepIndex: 4, attempts: 2 },
        result: { source: 'synthesis', result: true, evidenceStep: 5, attempt: 2, modelCallId: 'call-2' },
      });
      expect(elsewhere!.result).toMatchObject({ source: 'synthesis', evidenceStep: 6 });
      // ANSWER reuses a pool node whose code differs from what the model wrote: the merge keeps the pool's.
      expect(answer).toMatchObject({ code: ANSWER.code, proposedCode: lf('True') });
    });

    it('shows an approved path on the version it was merged into, not on the graph it created', () => {
      const subject = getReviewSubject(world.db, { itemId, viewer: annotator });
      if (subject.queue !== 'proposed_path') throw new Error('wrong queue');
      const merged = mergePathIntoTask(world.db, {
        taskId,
        nodes: world.db.select().from(proposedPath).where(eq(proposedPath.id, subject.proposal.id)).get()!
          .nodes,
        sourceTrajectoryId: rolloutId,
        actor,
        iterationId: null,
      });
      world.db
        .update(proposedPath)
        .set({ status: 'approved', graphVersionId: merged.graphVersionId })
        .where(eq(proposedPath.id, subject.proposal.id))
        .run();
      try {
        const after = getReviewSubject(world.db, { itemId, viewer: annotator });
        if (after.queue !== 'proposed_path') throw new Error('wrong queue');
        expect(after.mergedInto).toEqual({ versionId: merged.graphVersionId, version: 2 });
        expect(after.graph).toMatchObject({ version: 1 });
        // The node the merge created now has a pool id: it reads as a pool node new to v1, with the same edges.
        const created = merged.createdNodeIds[0]!;
        expect(after.pathNodes[1]).toMatchObject({
          kind: 'pool',
          nodeId: created,
          resolvedByDescription: true,
        });
        expect(after.overlay.newEdges).toEqual(
          subject.overlay.newEdges.map((e) => ({
            from: e.from === 'new:1' ? created : e.from,
            to: e.to === 'new:1' ? created : e.to,
          })),
        );
      } finally {
        // Put the task back on version 1 for the tests below.
        world.db.delete(strategyGraphVersion).where(eq(strategyGraphVersion.id, merged.graphVersionId)).run();
      }
    });

    it('resolves a new node by description when the pool has gained it since (as the merge will)', () => {
      const proposalId = randomUUID();
      world.db
        .insert(proposedPath)
        .values({
          id: proposalId,
          runId: null,
          taskId,
          trajectoryId: rolloutId,
          nodes: [
            { description: `  ${ELSEWHERE.description.toUpperCase()} `, code: lf('True'), nodeId: null },
          ],
          producedBy: 'heuristic:heuristic-v1',
        })
        .run();
      const subject = getReviewSubject(world.db, {
        itemId: addItem('proposed_path', proposalId),
        viewer: annotator,
      });
      if (subject.queue !== 'proposed_path') throw new Error('wrong queue');
      expect(subject.pathNodes[0]).toMatchObject({
        kind: 'pool',
        nodeId: nodeOf.elsewhere,
        resolvedByDescription: true,
        description: ELSEWHERE.description,
      });
      expect(subject.overlay).toMatchObject({ branchPoint: '0', rejoinPoint: '-1' });
    });
  });

  it('hides other reviews from annotators while the item is open, shows them to PIs and once decided', () => {
    const intentId = randomUUID();
    world.db
      .insert(extrapolatedIntent)
      .values({
        id: intentId,
        runId,
        taskId,
        trajectoryId: rolloutId,
        candidate: 'Find the most starred repository about climate data',
        intent: 'Find the most-starred GitHub repository on climate change data visualization',
        status: 'pending',
        candidateCallId: 'call-candidate',
        refineCallId: 'call-refine',
        producedBy: 'heuristic:heuristic-v1',
      })
      .run();
    const itemId = addItem('extrapolated_intent', intentId, { requiredReviews: 2 });
    world.db
      .insert(reviewDecision)
      .values({ id: randomUUID(), itemId, userId: other.id, decision: 'reject', reason: 'Too vague' })
      .run();

    const mine = getReviewSubject(world.db, { itemId, viewer: annotator });
    if (mine.queue !== 'extrapolated_intent') throw new Error('wrong queue');
    expect(mine.intent).toMatchObject({
      id: intentId,
      candidateCallId: 'call-candidate',
      refineCallId: 'call-refine',
      status: 'pending',
      dropReason: null,
      producedBy: 'heuristic:heuristic-v1',
    });
    expect(mine.intent.intent).toMatch(/most-starred/);
    expect(mine).toMatchObject({ reviews: [], hiddenReviews: 1, myReview: null });

    expect(getReviewSubject(world.db, { itemId, viewer: pi })).toMatchObject({
      hiddenReviews: 0,
      reviews: [{ userId: other.id, userName: 'annotator', decision: 'reject', reason: 'Too vague' }],
    });
    // The reviewer sees their own decision, never as someone else's.
    expect(getReviewSubject(world.db, { itemId, viewer: other })).toMatchObject({
      reviews: [],
      hiddenReviews: 0,
      myReview: { decision: 'reject' },
    });

    world.db
      .update(reviewItem)
      .set({ status: 'decided', decision: 'reject' })
      .where(eq(reviewItem.id, itemId))
      .run();
    expect(getReviewSubject(world.db, { itemId, viewer: annotator })).toMatchObject({
      hiddenReviews: 0,
      reviews: [{ decision: 'reject' }],
    });
  });

  it('proposed task: the variant, its parent task and source rollout, the model call', () => {
    const proposalId = randomUUID();
    world.db
      .insert(proposedTask)
      .values({
        id: proposalId,
        runId,
        parentTaskId: taskId,
        sourceTrajectoryId: rolloutId,
        intent: 'Find the most-starred GitHub repository on ocean data visualization',
        params: null,
        variant: 'paraphrase',
        modelCallId: 'call-augment',
        producedBy: 'heuristic:heuristic-v1',
      })
      .run();
    const subject = getReviewSubject(world.db, {
      itemId: addItem('proposed_task', proposalId, { trajectoryId: null }),
      viewer: annotator,
    });
    if (subject.queue !== 'proposed_task') throw new Error('wrong queue');
    expect(subject.proposal).toMatchObject({
      variant: 'paraphrase',
      modelCallId: 'call-augment',
      status: 'pending',
    });
    expect(subject.parentTask).toMatchObject({ id: taskId });
    expect(subject.sourceRollout).toMatchObject({ id: rolloutId });
    expect(subject.trajectory).toMatchObject({ id: rolloutId });
  });

  it('lf flag for a key step with no passing function: the key step, its neighbours, every attempt', () => {
    const flagged = world.db.select().from(keyStep).where(eq(keyStep.status, 'flagged')).get()!;
    const subject = getReviewSubject(world.db, {
      itemId: addItem('lf_flag', `key_step:${flagged.id}`, { flag: 'no_passing_function' }),
      viewer: annotator,
    });
    if (subject.queue !== 'lf_flag') throw new Error('wrong queue');
    expect(subject.flag).toBe('no_passing_function');
    expect(subject.keyStep).toMatchObject({
      id: flagged.id,
      description: 'Scroll down on the screen.',
      stepIndex: 1,
      previous: { description: TYPE.description, nodeId: nodeOf.type },
      next: { description: STARS.description, nodeId: null },
    });
    expect(subject.attempts).toEqual([
      expect.objectContaining({ attempt: 1, code: null, outcome: 'no_code', modelCallId: 'call-1' }),
    ]);
    expect(subject.runCounts).toBeNull();
  });

  it('lf flag "disagrees_with_env": counts, the flagged and current code, the rollouts the graph wrongly passed', () => {
    world.db
      .update(trajectory)
      .set({
        graphVerdict: true,
        envSuccess: false,
        category: 'fully_passed',
        matchedPath: [nodeOf.type, nodeOf.answer],
      })
      .where(eq(trajectory.id, rolloutId))
      .run();
    const [typeNode] = getPoolNodes(world.db, [nodeOf.type]);
    const subject = getReviewSubject(world.db, {
      itemId: addItem('lf_flag', `lf:${typeNode!.lfVersionId}:disagrees_with_env`, {
        flag: 'disagrees_with_env',
        nodeId: nodeOf.type,
        trajectoryId: null,
      }),
      viewer: annotator,
    });
    if (subject.queue !== 'lf_flag') throw new Error('wrong queue');
    expect(subject.node).toEqual({ id: nodeOf.type, description: TYPE.description });
    expect(subject.flaggedLf).toMatchObject({ version: 1, code: TYPE.code });
    expect(subject.currentLf).toMatchObject({ versionId: typeNode!.lfVersionId, code: TYPE.code });
    expect(subject.runCounts).toEqual({ total: 1, passed: 1, failed: 0, errors: 0 });
    expect(subject.disagreements).toEqual({
      total: 1,
      rows: [
        expect.objectContaining({ id: rolloutId, taskExternalId: 'webvoyager:GitHub--0', evidenceStep: 2 }),
      ],
    });
  });

  it("rollout verdict: the verdicts (with the verifier's message) and the matched path with descriptions; comments show on the trajectory", () => {
    world.db
      .update(trajectory)
      .set({ envMessage: 'order total is $0.00, expected $129.00' })
      .where(eq(trajectory.id, rolloutId))
      .run();
    world.db
      .insert(stepComment)
      .values([
        { id: randomUUID(), trajectoryId: rolloutId, stepIndex: 3, userId: other.id, body: 'Wrong tab?' },
        { id: randomUUID(), trajectoryId: rolloutId, stepIndex: 3, userId: pi.id, body: 'Agreed' },
        {
          id: randomUUID(),
          trajectoryId: rolloutId,
          stepIndex: 1,
          userId: pi.id,
          body: 'ok',
          resolvedAt: new Date(),
        },
      ])
      .run();
    const subject = getReviewSubject(world.db, {
      itemId: addItem('rollout_verdict', rolloutId),
      viewer: annotator,
    });
    if (subject.queue !== 'rollout_verdict') throw new Error('wrong queue');
    expect(subject.verdict).toMatchObject({
      envSuccess: false,
      envMessage: 'order total is $0.00, expected $129.00',
      graphVerdict: true,
      category: 'fully_passed',
      matchedPath: [
        { id: nodeOf.type, description: TYPE.description },
        { id: nodeOf.answer, description: ANSWER.description },
      ],
    });
    expect(subject.trajectory!.comments).toEqual({ count: 2, steps: [3] });
  });

  it('throws NOT_FOUND for an unknown item or a vanished subject, BAD_INPUT for a malformed flag', () => {
    expect(() => getReviewSubject(world.db, { itemId: 'nope', viewer: annotator })).toThrow(/not found/);
    const itemId = addItem('extrapolated_intent', 'gone');
    expect(() => getReviewSubject(world.db, { itemId, viewer: annotator })).toThrow(
      /Extrapolated intent gone not found/,
    );
    expect(() => parseLfFlagSubject('lf:')).toThrow(/Malformed/);
    expect(parseLfFlagSubject('lf:abc-1:passes_everything')).toEqual({
      kind: 'lf',
      lfVersionId: 'abc-1',
      flag: 'passes_everything',
    });
  });
});
