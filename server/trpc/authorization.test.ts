/**
 * Authorization of every tRPC procedure (STYLE.md §4, §5): signed out → UNAUTHORIZED, a role below
 * the procedure's minimum → FORBIDDEN, a role at or above it → the procedure runs.
 *
 * The table below must hold one row per procedure of `appRouter`: a procedure added without a row
 * fails `has a row for every procedure`.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRoleAtLeast, ROLES, type Role } from '@/lib/core/roles';
import {
  apiKey,
  invitation,
  job,
  lfResult,
  modelCall,
  pipelineRun,
  reviewItem,
  step,
  task,
  trainingExport,
  trajectory,
  user,
} from '@/server/db/schema';
import { publishLiveEvent } from '@/server/rollouts/live-bus';
import { createInvitation } from '@/server/services/user-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';
import type { SessionUser } from '@/server/trpc/init';
import { appRouter } from '@/server/trpc/root';
import { addGraphVersion, getPoolNodes } from '@/server/services/graph-service';
import { addLabelFunctionVersion, upsertPoolNode } from '@/server/services/label-function-service';
import { getOpenIterationId, getOrCreateOpenIteration } from '@/server/services/iteration-service';
import { addFineTuneCommand } from '@/server/services/fine-tune-settings-service';

type Caller = ReturnType<TestWorld['caller']>;

/** Rows every test seeds, so that allowed calls have something real to return. */
interface Fixture {
  taskId: string;
  trajectoryId: string;
  jobId: string;
  /** An annotator whose role `users.setRole` changes. */
  target: SessionUser;
  invitationId: string;
  /** A stored model call (`llm.modelCalls.*`). */
  modelCallId: string;
  /** A finished pipeline run over the task (`pipeline.*`). */
  runId: string;
  /** Node 1's current (first) label-function version (`labelFunctions.*`). */
  lfVersionId: string;
  /** Adds a second version of node 1's LF (something to revert from); returns its id. */
  addLfVersion: () => string;
  /** Inserts a finished `lf_test` job for node 1 on the trajectory; returns its id. */
  seedLfTestJob: () => string;
  /** An open rollout-verdict review item on the trajectory (`review.*`). */
  reviewItemId: string;
  /** A rollout-verdict item whose two reviews disagree (`review.adjudicate`). */
  splitItemId: string;
  /** Seeds a failed export of iteration 1 and the `echo-train` command (`exports.*`, `fineTune.*`). */
  seedExports: () => { failedExportId: string };
  /** Copies the fixture's demo as a rollout the environment judged a success; returns its id. */
  seedPassedRollout: () => string;
}

function seedFixture(world: TestWorld): Fixture {
  const taskId = randomUUID();
  const trajectoryId = randomUUID();
  const jobId = randomUUID();
  world.db
    .insert(task)
    .values({
      id: taskId,
      externalId: 'test:auth-task',
      source: 'webarena',
      intent: 'Find the cheapest kayak',
      site: 'classifieds',
      createdBy: 'test',
    })
    .run();
  world.db
    .insert(trajectory)
    .values({
      id: trajectoryId,
      externalId: 'test:auth-trajectory',
      taskId,
      kind: 'expert',
      source: 'test',
      stepCount: 1,
      contentHash: 'x',
      createdBy: 'test',
    })
    .run();
  world.db
    .insert(step)
    .values({
      id: randomUUID(),
      trajectoryId,
      index: 0,
      actionType: 'answer',
      action: { type: 'answer', text: 'kayak', raw: 'ANSWER; kayak' },
      actionDescription: "Answer user's question with text: 'kayak'",
    })
    .run();
  // A queued row the runner does not know: cancelling it flips the row, nothing runs.
  world.db.insert(job).values({ id: jobId, kind: 'import', input: {} }).run();
  const target = world.makeUser('annotator', 'target@example.test');
  const inviter = world.makeUser('pi', 'inviter@example.test');
  const { id: invitationId } = createInvitation(world.db, inviter, 'invitee@example.test', 'annotator');
  // A one-node strategy graph whose label function passed on the trajectory.
  upsertPoolNode(world.db, {
    id: '1',
    description: "Answer user's question with text: 'kayak'",
    code: "def label_function(trajectory):\n    return validate_answer(trajectory, 'kayak')\n",
    author: 'test',
    iterationId: null,
  });
  addGraphVersion(world.db, {
    taskId,
    graph: { '1': { parent_node_id: ['0'], child_node_id: ['-1'] } },
    diff: { addedNodes: ['1'], addedEdges: [] },
    reason: 'init',
    createdBy: 'test',
    iterationId: getOrCreateOpenIteration(world.db),
  });
  const [node] = getPoolNodes(world.db, ['1']);
  world.db
    .insert(lfResult)
    .values({
      trajectoryId,
      lfVersionId: node!.lfVersionId!,
      nodeId: '1',
      result: true,
      outcome: 'ok',
      evidenceStep: 0,
      durationMs: 1,
    })
    .run();
  const modelCallId = randomUUID();
  world.db
    .insert(modelCall)
    .values({
      id: modelCallId,
      role: 'coder',
      provider: 'heuristic',
      model: 'heuristic-v1',
      purpose: 'ping',
      promptId: 'ping',
      promptVersion: '1',
      messages: [{ role: 'user', content: 'ping' }],
      params: {},
      response: 'pong',
      latencyMs: 1,
    })
    .run();
  const runId = randomUUID();
  world.db
    .insert(pipelineRun)
    .values({
      id: runId,
      stage: 'infer_intents',
      scope: { taskIds: [taskId], iterationId: null },
      providers: { agent: { provider: 'heuristic', model: 'heuristic-v1' } },
      promptVersions: {},
      createdBy: 'test',
    })
    .run();
  const lfVersionId = node!.lfVersionId!;
  const addLfVersion = () =>
    addLabelFunctionVersion(world.db, {
      nodeId: '1',
      code: "def label_function(trajectory):\n    return validate_answer(trajectory, 'KAYAK')\n",
      author: 'test',
      reason: 'case',
    }).id;
  const seedLfTestJob = () => {
    const id = randomUUID();
    const cell = { outcome: 'ok', evidenceStep: 0, error: null, durationMs: 1, output: '' };
    const group = (n: number) => ({
      trajectories: n,
      changed: 0,
      gained: 0,
      lost: 0,
      current: { pass: n, fail: 0, error: 0 },
      draft: { pass: n, fail: 0, error: 0 },
    });
    world.db
      .insert(job)
      .values({
        id,
        kind: 'lf_test',
        status: 'succeeded',
        progress: 1,
        input: { nodeId: '1', code: 'x', trajectoryIds: [trajectoryId] },
        result: {
          nodeId: '1',
          baseVersionId: lfVersionId,
          baseVersion: 1,
          code: 'x',
          rows: [
            {
              trajectoryId,
              externalId: 'test:auth-trajectory',
              taskId,
              taskExternalId: 'test:auth-task',
              kind: 'expert',
              envSuccess: null,
              category: null,
              current: { ...cell, result: true },
              draft: { ...cell, result: true },
              changed: false,
            },
          ],
          totals: { all: group(1), expert: group(1), rollout: group(0) },
          seconds: 0.1,
        },
      })
      .run();
    return id;
  };
  return {
    taskId,
    trajectoryId,
    jobId,
    target,
    invitationId,
    modelCallId,
    runId,
    lfVersionId,
    addLfVersion,
    seedLfTestJob,
    ...seedReviewItems(world, trajectoryId),
    seedExports: () => seedExports(world),
    seedPassedRollout: () => seedPassedRollout(world, taskId),
  };
}

/** A one-step rollout of `taskId` whose environment verdict is success (`trajectories.promote`). */
function seedPassedRollout(world: TestWorld, taskId: string): string {
  const id = randomUUID();
  world.db
    .insert(trajectory)
    .values({
      id,
      taskId,
      kind: 'rollout',
      source: 'test',
      envSuccess: true,
      stepCount: 1,
      contentHash: 'y',
      createdBy: 'test',
    })
    .run();
  world.db
    .insert(step)
    .values({
      id: randomUUID(),
      trajectoryId: id,
      index: 0,
      actionType: 'answer',
      action: { type: 'answer', text: 'kayak', raw: 'ANSWER; kayak' },
      actionDescription: "Answer user's question with text: 'kayak'",
    })
    .run();
  return id;
}

/** A failed ms-swift export of iteration 1 with a finished run, and a command to launch. */
function seedExports(world: TestWorld) {
  const failedExportId = randomUUID();
  const failedJobId = randomUUID();
  world.db.insert(job).values({ id: failedJobId, kind: 'export', status: 'failed', error: 'boom' }).run();
  world.db
    .insert(trainingExport)
    .values({
      id: failedExportId,
      iterationId: 1,
      format: 'ms-swift',
      options: { sources: ['expert_demos'], seed: 1, validationFraction: 0, includeEarlierIterations: false },
      dir: `exports/${failedExportId}`,
      jobId: failedJobId,
    })
    .run();
  addFineTuneCommand(
    world.db,
    {
      name: 'echo-train',
      argv: [process.execPath, '-e', 'console.log("training on " + process.argv[1])', '{train_file}'],
    },
    { userId: null, label: 'test' },
  );
  return { failedExportId };
}

/** Seeds the command, exports the fixture's demo in `format` and runs `echo-train` on it, to the end. */
async function exportAndLaunch(c: Caller, f: Fixture, format: 'openai' | 'ms-swift') {
  f.seedExports();
  const started = await c.exports.start({ iterationId: 1, format, sources: ['expert_demos'] });
  await waitForJob(c, started.jobId);
  const launched = await c.fineTune.launch({
    exportId: started.exportId,
    launcher: 'command',
    command: 'echo-train',
  });
  await waitForJob(c, launched.jobId);
  return { ...launched, exportId: started.exportId };
}

/** Polls a job until it leaves queued/running (the runner works in the background). */
async function waitForJob(c: Caller, jobId: string) {
  for (;;) {
    const row = await c.jobs.get({ id: jobId });
    if (row.status !== 'queued' && row.status !== 'running') return row;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function seedReviewItems(world: TestWorld, trajectoryId: string) {
  const reviewItemId = randomUUID();
  const splitItemId = randomUUID();
  world.db
    .insert(reviewItem)
    .values([
      {
        id: reviewItemId,
        queue: 'rollout_verdict',
        subjectId: trajectoryId,
        trajectoryId,
        summary: 'Did it work?',
      },
      {
        id: splitItemId,
        queue: 'rollout_verdict',
        subjectId: 'split',
        summary: 'Split',
        requiredReviews: 2,
        status: 'needs_adjudication',
      },
    ])
    .run();
  return { reviewItemId, splitItemId };
}

interface Row {
  /** Minimum role, or `public` for procedures that need no session. */
  minimum: Role | 'public';
  call: (caller: Caller, f: Fixture) => Promise<unknown>;
  /** Checks what an allowed call returned (it got past authorization and did its work). */
  check: (result: unknown, world: TestWorld, f: Fixture, me: SessionUser | null) => void | Promise<void>;
}

/**
 * Runs `call`; an authorization refusal propagates (the table's refusal cases), any other error is
 * returned so `check` can see the procedure ran (e.g. NOT_FOUND for a session that is not yours).
 */
async function passedAuthorization(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TRPCError && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN'))
      throw error;
    return error;
  }
}

const NO_SESSION = '00000000-0000-4000-8000-000000000000';
const notFound = (r: unknown) => expect(r).toMatchObject({ code: 'NOT_FOUND' });

const PROCEDURES: Record<string, Row> = {
  // Recording sessions (issue 16): their own behaviour is in recording-service.test.ts; here, who may
  // call. Starting is refused for a task that cannot be recorded, before any browser starts.
  'recordings.start': {
    minimum: 'annotator',
    call: (c, f) => passedAuthorization(() => c.recordings.start({ taskId: f.taskId })),
    check: (r) => expect(r).toMatchObject({ code: 'BAD_REQUEST' }),
  },
  'recordings.startCorrection': {
    minimum: 'annotator',
    call: (c, f) =>
      passedAuthorization(() => c.recordings.startCorrection({ trajectoryId: f.trajectoryId, fromStep: 0 })),
    check: (r) => expect(r).toMatchObject({ code: 'BAD_REQUEST' }),
  },
  'recordings.mine': {
    minimum: 'annotator',
    call: (c) => c.recordings.mine(),
    check: (r) => expect(r).toBeNull(),
  },
  'recordings.get': {
    minimum: 'annotator',
    call: (c) => passedAuthorization(() => c.recordings.get({ sessionId: NO_SESSION })),
    check: notFound,
  },
  'recordings.act': {
    minimum: 'annotator',
    call: (c) =>
      passedAuthorization(() =>
        c.recordings.act({ sessionId: NO_SESSION, version: 0, action: { type: 'click', elementId: '1' } }),
      ),
    check: notFound,
  },
  'recordings.undo': {
    minimum: 'annotator',
    call: (c) => passedAuthorization(() => c.recordings.undo({ sessionId: NO_SESSION })),
    check: notFound,
  },
  'recordings.finish': {
    minimum: 'annotator',
    call: (c) => passedAuthorization(() => c.recordings.finish({ sessionId: NO_SESSION, answer: null })),
    check: notFound,
  },
  'recordings.discard': {
    minimum: 'annotator',
    call: (c) => passedAuthorization(() => c.recordings.discard({ sessionId: NO_SESSION })),
    check: notFound,
  },
  'recordings.events': {
    minimum: 'annotator',
    // A subscription to another person's (or no) session is refused before any stream starts.
    call: (c) => passedAuthorization(() => c.recordings.events({ sessionId: NO_SESSION })),
    check: notFound,
  },
  'exports.preview': {
    minimum: 'researcher',
    call: (c) => c.exports.preview({ iterationId: 1, sources: ['expert_demos'] }),
    check: (r) =>
      expect(r).toMatchObject({ trajectories: 1, steps: 1, bySource: { expert_demos: { trajectories: 1 } } }),
  },
  'exports.start': {
    minimum: 'researcher',
    call: async (c) => {
      const started = await c.exports.start({ iterationId: 1, format: 'openai', sources: ['expert_demos'] });
      await waitForJob(c, started.jobId);
      return started;
    },
    check: (r, w) => {
      const { exportId } = r as { exportId: string };
      expect(
        w.db.select().from(trainingExport).where(eq(trainingExport.id, exportId)).get()?.finishedAt,
      ).toBeInstanceOf(Date);
    },
  },
  'exports.rerun': {
    minimum: 'researcher',
    call: async (c, f) => {
      const { failedExportId } = f.seedExports();
      const result = await c.exports.rerun({ id: failedExportId });
      await waitForJob(c, result.jobId);
      return c.exports.get({ id: failedExportId });
    },
    check: (r) =>
      expect(r).toMatchObject({ status: 'succeeded', manifest: { counts: { train: { examples: 1 } } } }),
  },
  'exports.list': {
    minimum: 'researcher',
    call: (c, f) =>
      c.exports.list({ iterationId: 1, limit: 10 }).then((r) => ({ r, seeded: f.seedExports() })),
    check: (r) => expect(r).toMatchObject({ r: [] }),
  },
  'exports.get': {
    minimum: 'researcher',
    call: (c, f) => c.exports.get({ id: f.seedExports().failedExportId }),
    check: (r) => expect(r).toMatchObject({ status: 'failed', manifest: null, format: 'ms-swift' }),
  },
  'exports.verify': {
    minimum: 'researcher',
    call: async (c) => {
      const started = await c.exports.start({
        iterationId: 1,
        format: 'llama-factory',
        sources: ['expert_demos'],
      });
      await waitForJob(c, started.jobId);
      return c.exports.verify({ id: started.exportId });
    },
    check: (r) => expect(r).toEqual({ checked: 3, mismatches: [] }),
  },
  'fineTune.settings': {
    minimum: 'researcher',
    call: (c, f) => {
      f.seedExports();
      return c.fineTune.settings();
    },
    check: (r) => expect(r).toMatchObject({ openai: null, commands: [{ name: 'echo-train' }] }),
  },
  'fineTune.updateOpenAiSettings': {
    minimum: 'pi',
    call: (c) =>
      c.fineTune.updateOpenAiSettings({
        baseUrl: 'http://127.0.0.1:9/v1',
        model: 'gpt-4o-mini',
        apiKey: 'sk-secret',
      }),
    check: (r) => {
      expect(r).toMatchObject({ model: 'gpt-4o-mini', hasApiKey: true });
      expect(JSON.stringify(r)).not.toContain('sk-secret');
    },
  },
  'fineTune.launch': {
    minimum: 'researcher',
    call: async (c, f) => {
      const launched = await exportAndLaunch(c, f, 'ms-swift');
      return { ...launched, job: await c.jobs.get({ id: launched.jobId }) };
    },
    check: (r) => {
      expect((r as { runId: string }).runId).toBeTypeOf('string');
      expect(r).toMatchObject({ job: { status: 'succeeded' } });
    },
  },
  'fineTune.runs': {
    minimum: 'researcher',
    call: async (c, f) => {
      const launched = await exportAndLaunch(c, f, 'openai');
      return c.fineTune.runs({ exportId: launched.exportId });
    },
    check: (r) =>
      expect(r).toMatchObject([
        { launcher: 'command', target: 'echo-train', status: 'succeeded', exitCode: 0 },
      ]),
  },
  'fineTune.log': {
    minimum: 'researcher',
    call: async (c, f) => {
      const launched = await exportAndLaunch(c, f, 'ms-swift');
      return c.fineTune.log({ runId: launched.runId, offset: 0 });
    },
    check: (r) => expect((r as { text: string }).text).toMatch(/training on .*train\.jsonl/),
  },
  'iterations.list': {
    minimum: 'researcher',
    call: (c, f) => {
      f.seedExports();
      return c.iterations.list();
    },
    // The fixture's trajectory is an expert demo; the seeded export belongs to iteration 1.
    check: (r) =>
      expect(r).toMatchObject([{ id: 1, status: 'open', rollouts: 0, exports: 1, fineTuneRuns: 0 }]),
  },
  'iterations.close': {
    minimum: 'researcher',
    call: async (c, f) => {
      // The fixture's queued import job would keep the iteration open.
      const refusal = await c.iterations.close({ iterationId: 1 }).catch((e: TRPCError) => e);
      if (refusal instanceof TRPCError && refusal.code !== 'CONFLICT') throw refusal;
      await c.jobs.cancel({ id: f.jobId });
      return { refusal, closed: await c.iterations.close({ iterationId: 1, note: 'round one done' }) };
    },
    check: (r, w) => {
      expect(r).toMatchObject({ refusal: { code: 'CONFLICT' }, closed: { closed: 1, opened: 2 } });
      expect(getOpenIterationId(w.db)).toBe(2);
    },
  },
  'system.status': {
    minimum: 'public',
    call: (c) => c.system.status(),
    // The fixture made two users; `signedIn` follows the caller.
    check: (r, _w, _f, me) => expect(r).toEqual({ hasUsers: true, signedIn: me !== null }),
  },
  'system.overview': {
    minimum: 'annotator',
    call: (c) => c.system.overview(),
    check: (r) =>
      expect(r).toEqual({
        tasks: 1,
        trajectories: 1,
        expertDemos: 1,
        rollouts: 0,
        steps: 1,
        screenshots: 0,
        openIteration: 1, // the fixture's graph opened iteration 1
      }),
  },
  'tasks.list': {
    minimum: 'annotator',
    call: (c) => c.tasks.list({}),
    check: (r, _w, f) => {
      expect(r).toMatchObject({ total: 1, page: 1, pageSize: 50 });
      expect((r as { items: { id: string; expertCount: number }[] }).items).toMatchObject([
        { id: f.taskId, expertCount: 1, rolloutCount: 0 },
      ]);
    },
  },
  'tasks.facets': {
    minimum: 'annotator',
    call: (c) => c.tasks.facets(),
    check: (r) =>
      expect(r).toEqual({
        sites: [{ value: 'classifieds', n: 1 }],
        sources: [{ value: 'webarena', n: 1 }],
        difficulties: [],
        seedChecks: { passes: 0, fails: 0, unchecked: 0 },
      }),
  },
  'tasks.get': {
    minimum: 'annotator',
    call: (c, f) => c.tasks.get({ id: f.taskId }),
    check: (r, _w, f) =>
      expect(r).toMatchObject({
        id: f.taskId,
        intent: 'Find the cheapest kayak',
        trajectories: [{ id: f.trajectoryId }],
      }),
  },
  'trajectories.get': {
    minimum: 'annotator',
    call: (c, f) => c.trajectories.get({ id: f.trajectoryId }),
    check: (r, _w, f) =>
      expect(r).toMatchObject({
        id: f.trajectoryId,
        task: { id: f.taskId },
        steps: [{ index: 0, actionType: 'answer' }],
      }),
  },
  'trajectories.promote': {
    minimum: 'researcher',
    call: (c, f) => c.trajectories.promote({ id: f.seedPassedRollout() }),
    check: (r, w, f, me) => {
      const { demoId, sourceId } = r as { demoId: string; sourceId: string };
      expect(r).toMatchObject({ taskId: f.taskId, stepCount: 1, unverified: false });
      expect(w.db.select().from(trajectory).where(eq(trajectory.id, demoId)).get()).toMatchObject({
        kind: 'expert',
        source: 'promoted',
        derivedFromId: sourceId,
        createdBy: me!.id,
      });
    },
  },
  'users.me': {
    minimum: 'annotator',
    call: (c) => c.users.me(),
    check: (r, _w, _f, me) => expect(r).toEqual(me),
  },
  'users.list': {
    minimum: 'pi',
    call: (c) => c.users.list(),
    check: (r, _w, _f, me) => {
      const emails = (r as { email: string }[]).map((u) => u.email).sort();
      expect(emails).toEqual([me!.email, 'inviter@example.test', 'target@example.test'].sort());
    },
  },
  'users.setRole': {
    minimum: 'pi',
    call: (c, f) => c.users.setRole({ userId: f.target.id, role: 'researcher' }),
    check: (r, w, f) => {
      expect(r).toEqual({ id: f.target.id, role: 'researcher' });
      expect(w.db.select({ role: user.role }).from(user).where(eq(user.id, f.target.id)).get()).toEqual({
        role: 'researcher',
      });
    },
  },
  'users.invite': {
    minimum: 'pi',
    call: (c) => c.users.invite({ email: 'New.Person@Example.test', role: 'researcher' }),
    check: (r, w) => {
      expect(r).toMatchObject({ token: expect.any(String) as string, id: expect.any(String) as string });
      const row = w.db
        .select()
        .from(invitation)
        .where(eq(invitation.id, (r as { id: string }).id))
        .get();
      expect(row).toMatchObject({
        email: 'new.person@example.test',
        role: 'researcher',
        acceptedAt: null,
        revokedAt: null,
      });
    },
  },
  'users.invitations': {
    minimum: 'pi',
    call: (c) => c.users.invitations(),
    check: (r, _w, f) =>
      expect(r).toMatchObject([{ id: f.invitationId, email: 'invitee@example.test', role: 'annotator' }]),
  },
  'users.revokeInvitation': {
    minimum: 'pi',
    call: (c, f) => c.users.revokeInvitation({ id: f.invitationId }),
    check: (_r, w, f) => {
      const row = w.db
        .select({ revokedAt: invitation.revokedAt })
        .from(invitation)
        .where(eq(invitation.id, f.invitationId))
        .get();
      expect(row?.revokedAt).toBeInstanceOf(Date);
    },
  },
  'users.create': {
    minimum: 'pi',
    call: (c) =>
      c.users.create({
        email: 'made@example.test',
        name: 'Made',
        password: 'correct horse battery',
        role: 'researcher',
      }),
    check: (r) => expect(r).toMatchObject({ email: 'made@example.test', role: 'researcher' }),
  },
  'audit.list': {
    minimum: 'pi',
    call: (c) => c.audit.list({ limit: 10 }),
    // The fixture's invitation is the one audited change.
    check: (r, _w, f) =>
      expect(r).toMatchObject({
        items: [
          {
            action: 'invitation.create',
            objectType: 'invitation',
            objectId: f.invitationId,
            actor: 'inviter@example.test',
          },
        ],
        nextCursor: null,
      }),
  },
  'audit.facets': {
    minimum: 'pi',
    call: (c) => c.audit.facets(),
    check: (r) =>
      expect(r).toEqual({
        actions: [{ value: 'invitation.create', n: 1 }],
        objectTypes: [{ value: 'invitation', n: 1 }],
        actors: [{ value: 'inviter@example.test', n: 1 }],
      }),
  },
  'comments.list': {
    minimum: 'annotator',
    call: (c, f) => c.comments.list({ trajectoryId: f.trajectoryId }),
    check: (r) => expect(r).toEqual([]),
  },
  'comments.add': {
    minimum: 'annotator',
    call: (c, f) => c.comments.add({ trajectoryId: f.trajectoryId, stepIndex: 0, body: 'Is kayak right?' }),
    check: (r, _w, f, me) =>
      expect(r).toMatchObject({
        trajectoryId: f.trajectoryId,
        stepIndex: 0,
        body: 'Is kayak right?',
        author: { id: me!.id, email: me!.email },
        resolvedAt: null,
      }),
  },
  'comments.resolve': {
    minimum: 'annotator',
    // Each role resolves a comment of its own (the author may always resolve).
    call: async (c, f) => {
      const comment = await c.comments.add({ trajectoryId: f.trajectoryId, stepIndex: 0, body: 'Typo?' });
      return c.comments.resolve({ commentId: comment.id });
    },
    check: (r, _w, _f, me) =>
      expect(r).toMatchObject({ resolvedAt: expect.any(Date) as Date, resolvedBy: { id: me!.id } }),
  },
  'labelFunctions.editor': {
    minimum: 'annotator',
    call: (c) => c.labelFunctions.editor({ nodeId: '1' }),
    check: (r, _w, f) =>
      expect(r).toMatchObject({
        node: { id: '1' },
        current: { id: f.lfVersionId, version: 1 },
        tasks: [{ id: f.taskId }],
        demos: [{ id: f.trajectoryId }],
        rollouts: [],
        defaultSampleIds: [f.trajectoryId],
      }),
  },
  'labelFunctions.versions': {
    minimum: 'annotator',
    call: (c) => c.labelFunctions.versions({ nodeId: '1' }),
    check: (r, _w, f) => expect(r).toMatchObject([{ id: f.lfVersionId, version: 1, isCurrent: true }]),
  },
  'labelFunctions.startTest': {
    minimum: 'researcher',
    call: (c) =>
      c.labelFunctions.startTest({
        nodeId: '1',
        code: 'def label_function(trajectory):\n    return True\n',
      }),
    check: async (r, w, f) => {
      // A real test run in the sandbox. The fixture's step has no answer text, so the current
      // version fails on it (its stored result is made up); the draft passes.
      await w.jobs.idle();
      const row = w.db
        .select({ status: job.status, kind: job.kind, result: job.result })
        .from(job)
        .where(eq(job.id, (r as { jobId: string }).jobId))
        .get();
      expect(row).toMatchObject({
        status: 'succeeded',
        kind: 'lf_test',
        result: {
          rows: [
            {
              trajectoryId: f.trajectoryId,
              current: { result: false },
              draft: { result: true },
              changed: true,
            },
          ],
        },
      });
    },
  },
  'labelFunctions.testResult': {
    minimum: 'researcher',
    call: (c, f) => c.labelFunctions.testResult({ jobId: f.seedLfTestJob() }),
    check: (r, _w, f) =>
      expect(r).toMatchObject({
        status: 'succeeded',
        nodeId: '1',
        result: { baseVersion: 1, rows: [{ trajectoryId: f.trajectoryId, changed: false }] },
      }),
  },
  'labelFunctions.save': {
    minimum: 'researcher',
    call: (c, f) =>
      c.labelFunctions.save({
        nodeId: '1',
        code: "def label_function(trajectory):\n    return validate_answer(trajectory, 'Kayak')\n",
        basedOnVersionId: f.lfVersionId,
        reason: 'capitalised',
      }),
    check: async (r, w, f) => {
      expect(r).toMatchObject({
        version: 2,
        affectedTaskIds: [f.taskId],
        scoreJobId: expect.any(String) as string,
      });
      await w.jobs.idle();
    },
  },
  'labelFunctions.revert': {
    minimum: 'researcher',
    call: (c, f) =>
      c.labelFunctions.revert({
        nodeId: '1',
        toVersionId: f.lfVersionId,
        basedOnVersionId: f.addLfVersion(),
      }),
    check: async (r, w) => {
      expect(r).toMatchObject({ version: 3, scoreJobId: expect.any(String) as string });
      await w.jobs.idle();
    },
  },
  'jobs.list': {
    minimum: 'researcher',
    call: (c) => c.jobs.list({}),
    check: (r, _w, f) => expect(r).toMatchObject([{ id: f.jobId, kind: 'import', status: 'queued' }]),
  },
  'graphs.view': {
    minimum: 'annotator',
    call: (c, f) => c.graphs.view({ taskId: f.taskId, trajectoryId: f.trajectoryId }),
    check: (r, _w, f) =>
      expect(r).toMatchObject({
        current: { version: 1 },
        stats: { nodes: 1 },
        trajectory: { id: f.trajectoryId, verdict: true, category: 'fully_passed', matchedPath: ['1'] },
      }),
  },
  'graphs.node': {
    minimum: 'annotator',
    call: (c, f) => c.graphs.node({ taskId: f.taskId, nodeId: '1' }),
    check: (r) =>
      expect(r).toMatchObject({ id: '1', lfVersion: 1, results: { passed: 1, total: 1, passRate: 1 } }),
  },
  'graphs.score': {
    minimum: 'researcher',
    call: (c, f) => c.graphs.score({ taskIds: [f.taskId] }),
    check: async (r, w) => {
      // A real scoring job: the sandbox starts, finds the stored result and runs nothing new.
      await w.jobs.idle();
      expect(
        w.db
          .select({ status: job.status, result: job.result })
          .from(job)
          .where(eq(job.id, (r as { jobId: string }).jobId))
          .get(),
      ).toMatchObject({
        status: 'succeeded',
        result: { tasks: 1, trajectories: 1, evaluated: 0, reused: 1, categories: { fully_passed: 1 } },
      });
    },
  },
  'insights.growth': {
    minimum: 'researcher',
    call: (c, f) => c.insights.growth({ taskId: f.taskId }),
    check: (r) => expect(r).toMatchObject({ graphs: [{ tasksWithGraphs: 1, nodes: 1, paths: 1 }] }),
  },
  'insights.quality': {
    minimum: 'pi',
    call: (c) => c.insights.quality({ minRuns: 1 }),
    check: (r) =>
      expect(r).toMatchObject({
        perLabelFunction: [{ nodeId: '1', runs: 1, passRate: 1, flags: ['passes_everything'] }],
      }),
  },
  'jobs.get': {
    minimum: 'researcher',
    call: (c, f) => c.jobs.get({ id: f.jobId }),
    check: (r, _w, f) => expect(r).toMatchObject({ id: f.jobId, status: 'queued', progress: 0 }),
  },
  'jobs.cancel': {
    minimum: 'researcher',
    call: (c, f) => c.jobs.cancel({ id: f.jobId }),
    check: (r, w, f) => {
      expect(r).toEqual({ cancelled: true });
      expect(w.db.select({ status: job.status }).from(job).where(eq(job.id, f.jobId)).get()).toEqual({
        status: 'cancelled',
      });
    },
  },
  'llm.settings.get': {
    minimum: 'pi',
    call: (c) => c.llm.settings.get(),
    check: (r) =>
      expect(r).toMatchObject({
        coder: { provider: 'heuristic', hasApiKey: false },
        agent: { provider: 'heuristic' },
      }),
  },
  'llm.settings.update': {
    minimum: 'pi',
    call: (c) => c.llm.settings.update({ role: 'coder', provider: 'heuristic', timeoutMs: 5000 }),
    check: (r) =>
      expect(r).toMatchObject({ role: 'coder', provider: 'heuristic', timeoutMs: 5000, isStored: true }),
  },
  'llm.testConnection': {
    minimum: 'pi',
    call: (c) => c.llm.testConnection({ role: 'agent' }),
    check: (r) => expect(r).toMatchObject({ ok: true, provider: 'heuristic', reply: 'pong' }),
  },
  'llm.modelCalls.get': {
    minimum: 'annotator',
    call: (c, f) => c.llm.modelCalls.get({ id: f.modelCallId }),
    check: (r, _w, f) => expect(r).toMatchObject({ id: f.modelCallId, purpose: 'ping', response: 'pong' }),
  },
  'llm.modelCalls.list': {
    minimum: 'annotator',
    call: (c) => c.llm.modelCalls.list({}),
    check: (r, _w, f) => expect(r).toMatchObject([{ id: f.modelCallId, provider: 'heuristic' }]),
  },
  'pipeline.stages': {
    minimum: 'researcher',
    call: (c) => c.pipeline.stages(),
    check: (r) => expect(r).toHaveLength(4),
  },
  'pipeline.start': {
    minimum: 'researcher',
    call: (c, f) => c.pipeline.start({ stage: 'abstract', taskIds: [f.taskId] }),
    check: async (r, w) => {
      expect(r).toMatchObject({ runId: expect.any(String) as string, jobId: expect.any(String) as string });
      await w.jobs.idle();
    },
  },
  'pipeline.resume': {
    minimum: 'researcher',
    call: (c, f) => c.pipeline.resume({ runId: f.runId }),
    check: async (r, w) => {
      expect(r).toMatchObject({ jobId: expect.any(String) as string });
      await w.jobs.idle();
    },
  },
  'pipeline.runs': {
    minimum: 'researcher',
    call: (c) => c.pipeline.runs({}),
    check: (r, _w, f) => expect(r).toMatchObject([{ id: f.runId, stage: 'infer_intents' }]),
  },
  'pipeline.run': {
    minimum: 'researcher',
    call: (c, f) => c.pipeline.run({ runId: f.runId }),
    check: (r, _w, f) => expect(r).toMatchObject({ id: f.runId, tasks: [{ id: f.taskId }] }),
  },
  'pipeline.keySteps': {
    minimum: 'researcher',
    call: (c, f) => c.pipeline.keySteps({ runId: f.runId }),
    check: (r) => expect(r).toEqual([]),
  },
  'pipeline.proposals': {
    minimum: 'researcher',
    call: (c, f) => c.pipeline.proposals({ runId: f.runId }),
    check: (r) => expect(r).toEqual({ paths: [], intents: [], tasks: [] }),
  },
  'pipeline.ratesByModel': {
    minimum: 'researcher',
    call: (c) => c.pipeline.ratesByModel(),
    check: (r) => expect(r).toEqual([]),
  },
  'review.home': {
    minimum: 'annotator',
    call: (c) => c.review.home(),
    check: (r) =>
      expect(r).toMatchObject({
        queues: expect.arrayContaining([
          expect.objectContaining({ queue: 'rollout_verdict', open: 1 }),
        ]) as unknown,
      }),
  },
  'review.claimNext': {
    minimum: 'annotator',
    call: (c) => c.review.claimNext({ queue: 'rollout_verdict' }),
    check: (r, _w, f) => expect(r).toMatchObject({ item: { id: f.reviewItemId } }),
  },
  'review.claim': {
    minimum: 'annotator',
    call: (c, f) => c.review.claim({ itemId: f.reviewItemId }),
    check: (r) => expect(r).toMatchObject({ readOnly: false }),
  },
  'review.renew': {
    minimum: 'annotator',
    call: async (c, f) => {
      await c.review.claim({ itemId: f.reviewItemId });
      return c.review.renew({ itemId: f.reviewItemId });
    },
    check: (r) => expect(r).toMatchObject({ leaseExpiresAt: expect.any(Date) as Date }),
  },
  'review.release': {
    minimum: 'annotator',
    call: async (c, f) => {
      await c.review.claim({ itemId: f.reviewItemId });
      return c.review.release({ itemId: f.reviewItemId });
    },
    check: (r) => expect(r).toEqual({ released: true }),
  },
  'review.submit': {
    minimum: 'annotator',
    call: async (c, f) => {
      await c.review.claim({ itemId: f.reviewItemId });
      return c.review.submit({ itemId: f.reviewItemId, decision: 'reject' });
    },
    check: (r) => expect(r).toMatchObject({ status: 'decided', decision: 'reject', scoreJobId: null }),
  },
  'review.subject': {
    minimum: 'annotator',
    call: (c, f) => c.review.subject({ itemId: f.reviewItemId }),
    check: (r, _w, f) => expect(r).toMatchObject({ queue: 'rollout_verdict', item: { id: f.reviewItemId } }),
  },
  'review.history': {
    minimum: 'annotator',
    call: (c) => c.review.history({}),
    check: (r) => expect(r).toEqual([]),
  },
  'review.disagreements': {
    minimum: 'pi',
    call: (c) => c.review.disagreements({}),
    check: (r, _w, f) => expect(r).toMatchObject([{ item: { id: f.splitItemId }, reviews: [] }]),
  },
  'review.adjudicate': {
    minimum: 'pi',
    call: (c, f) => c.review.adjudicate({ itemId: f.splitItemId, decision: 'accept' }),
    check: (r) => expect(r).toMatchObject({ status: 'decided', decision: 'accept' }),
  },
  'review.agreement': {
    minimum: 'pi',
    call: (c) => c.review.agreement({ queue: 'rollout_verdict' }),
    check: (r) => expect(r).toMatchObject({ items: 0, fleissKappa: null, pairs: [] }),
  },
  'review.annotatorStats': {
    minimum: 'pi',
    call: (c) => c.review.annotatorStats(),
    // Nobody decided anything: every annotator is listed with zeros.
    check: (r) => {
      const rows = r as { role: string; decisions: number; lastDecisionAt: Date | null }[];
      expect(rows.length).toBeGreaterThan(0);
      expect(
        rows.every((row) => row.role === 'annotator' && row.decisions === 0 && !row.lastDecisionAt),
      ).toBe(true);
    },
  },
  'review.settings.list': {
    minimum: 'annotator',
    call: (c) => c.review.settings.list(),
    check: (r) => expect(r).toContainEqual({ queue: 'proposed_path', requiredReviews: 1, leaseSeconds: 300 }),
  },
  'review.settings.update': {
    minimum: 'pi',
    call: (c) => c.review.settings.update({ queue: 'proposed_path', requiredReviews: 2, leaseSeconds: 600 }),
    check: (r) => expect(r).toEqual({ queue: 'proposed_path', requiredReviews: 2, leaseSeconds: 600 }),
  },
  'live.list': {
    minimum: 'researcher',
    call: (c) => c.live.list({}),
    // The fixture's trajectory is an import: complete, never live.
    check: (r) => expect(r).toEqual([]),
  },
  'live.events': {
    minimum: 'researcher',
    // A subscription: the caller gets the event stream (an async iterable) once authorized.
    call: (c, f) => c.live.events({ trajectoryId: f.trajectoryId }),
    check: async (r, _w, f) => {
      const events = (r as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      const next = events.next();
      const event = {
        type: 'trajectory',
        trajectoryId: f.trajectoryId,
        taskId: f.taskId,
        stepCount: 1,
        at: 1,
      };
      publishLiveEvent({ ...event, type: 'trajectory', status: 'complete' });
      expect((await next).value).toEqual({ ...event, status: 'complete' });
      await events.return?.(undefined);
    },
  },
  'review.sync': {
    minimum: 'researcher',
    call: (c) => c.review.sync(),
    check: (r) => expect(r).toMatchObject({ obsoleted: 0 }),
  },
  'apiKeys.list': {
    minimum: 'researcher',
    call: async (c) => {
      await c.apiKeys.create({ name: 'BrowserGym runner' });
      return c.apiKeys.list();
    },
    check: (r, _w, _f, me) =>
      expect(r).toMatchObject([{ name: 'BrowserGym runner', owner: { id: me!.id }, revokedAt: null }]),
  },
  'apiKeys.create': {
    minimum: 'researcher',
    call: (c) => c.apiKeys.create({ name: 'AndroidWorld' }),
    check: (r, w) => {
      const created = r as { id: string; key: string; prefix: string };
      expect(created.key).toMatch(/^cck_[A-Za-z0-9_-]{43}$/);
      expect(created.key.startsWith(created.prefix)).toBe(true);
      const row = w.db.select().from(apiKey).where(eq(apiKey.id, created.id)).get();
      expect(row?.keyHash).toMatch(/^[0-9a-f]{64}$/);
      expect(row?.keyHash).not.toContain(created.key);
    },
  },
  'apiKeys.revoke': {
    minimum: 'researcher',
    call: async (c) => {
      const created = await c.apiKeys.create({ name: 'old laptop' });
      return c.apiKeys.revoke({ id: created.id });
    },
    check: (r) => expect(r).toMatchObject({ revokedAt: expect.any(Date) as Date }),
  },
  'rollouts.start': {
    minimum: 'researcher',
    // Recording demos of a task that is no app task: the job is enqueued and fails fast (nothing to play).
    call: (c, f) => c.rollouts.start({ taskIds: [f.taskId], kind: 'expert' }),
    check: (r, w) => {
      const { jobId } = r as { jobId: string };
      expect(w.db.select({ kind: job.kind }).from(job).where(eq(job.id, jobId)).get()).toEqual({
        kind: 'rollouts',
      });
    },
  },
  'rollouts.apps': {
    minimum: 'researcher',
    call: (c) => c.rollouts.apps(),
    check: (r) => expect(r).toEqual([]),
  },
  'rollouts.addApp': {
    minimum: 'researcher',
    call: (c) => c.rollouts.addApp({ folder: path.resolve('environments/contacts'), id: 'contacts' }),
    check: (r) => expect(r).toMatchObject({ appId: 'contacts', tasks: { created: 10 } }),
  },
  'rollouts.checkApps': {
    minimum: 'researcher',
    // Registers an app (researcher) and starts its seed check; the check cancels it at once.
    call: async (c) => {
      await c.rollouts.addApp({ folder: path.resolve('environments/contacts'), id: 'contacts' });
      return c.rollouts.checkApps({ appIds: ['contacts'] });
    },
    check: async (r, w) => {
      const { jobId } = r as { jobId: string };
      expect(w.db.select({ kind: job.kind }).from(job).where(eq(job.id, jobId)).get()).toEqual({
        kind: 'seed-check',
      });
      w.jobs.cancel(jobId);
      await w.jobs.idle();
      expect(w.db.select({ status: job.status }).from(job).where(eq(job.id, jobId)).get()?.status).toMatch(
        /^(cancelled|failed)$/,
      );
    },
  },
  'rollouts.settings': {
    minimum: 'researcher',
    call: (c) => c.rollouts.settings(),
    check: (r) =>
      expect(r).toMatchObject({
        rollouts: { samplesPerTask: 5, parallelBrowsers: 2 },
        siteUrls: {},
        allowedHosts: [],
      }),
  },
  'rollouts.updateSettings': {
    minimum: 'researcher',
    call: (c) =>
      c.rollouts.updateSettings({
        parallelBrowsers: 3,
        samplesPerTask: 5,
        maxSteps: 12,
        stepTimeoutMs: 20_000,
        noise: 0.1,
      }),
    check: (r) => expect(r).toMatchObject({ parallelBrowsers: 3, noise: 0.1 }),
  },
  'rollouts.updateSiteUrls': {
    minimum: 'researcher',
    call: (c) => c.rollouts.updateSiteUrls({ siteUrls: { SHOPPING: 'http://localhost:7770' } }),
    check: (r) => expect(r).toEqual({ SHOPPING: 'http://localhost:7770' }),
  },
  'rollouts.updateAllowedHosts': {
    minimum: 'pi',
    call: (c) =>
      c.rollouts.updateAllowedHosts({
        allowedHosts: ['HTTPS://www.Allrecipes.com/', 'http://10.0.0.5:7770'],
      }),
    check: (r) => expect(r).toEqual(['http://10.0.0.5:7770', 'https://www.allrecipes.com']),
  },
  'rollouts.demoStatus': {
    minimum: 'public',
    call: (c) => c.rollouts.demoStatus(),
    check: (r) => expect(r).toBeNull(),
  },
};

async function catchTrpcError(promise: Promise<unknown>): Promise<TRPCError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    return error as TRPCError;
  }
  throw new Error('expected the call to fail');
}

describe('appRouter authorization', () => {
  let world: TestWorld;
  beforeEach(() => {
    world = createTestWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('has a row for every procedure (add one when you add a procedure)', () => {
    expect(Object.keys(PROCEDURES).sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
  });

  const cases = Object.entries(PROCEDURES).flatMap(([name, row]) =>
    (['signed-out', ...ROLES] as const).map((who) => ({ name, who, row })),
  );

  it.each(cases)('$name as $who', async ({ row, who }) => {
    const fixture = seedFixture(world);
    const me = who === 'signed-out' ? null : world.makeUser(who);
    const caller = world.caller(me);
    const allowed = row.minimum === 'public' || (me !== null && isRoleAtLeast(me.role, row.minimum));
    if (allowed) {
      await row.check(await row.call(caller, fixture), world, fixture, me);
      return;
    }
    const error = await catchTrpcError(row.call(caller, fixture));
    if (me === null) {
      expect(error.code).toBe('UNAUTHORIZED');
    } else {
      expect(error.code).toBe('FORBIDDEN');
    }
  });

  it('refusals change nothing: a FORBIDDEN setRole leaves the role and writes no audit entry', async () => {
    const f = seedFixture(world);
    const researcher = world.makeUser('researcher');
    await expect(
      world.caller(researcher).users.setRole({ userId: researcher.id, role: 'pi' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(world.db.select({ role: user.role }).from(user).where(eq(user.id, researcher.id)).get()).toEqual({
      role: 'researcher',
    });
    expect(world.db.select({ role: user.role }).from(user).where(eq(user.id, f.target.id)).get()).toEqual({
      role: 'annotator',
    });
    expect(world.db.$client.prepare('select count(*) as n from audit_log').get()).toEqual({ n: 1 }); // the fixture's invitation
  });

  it('maps domain errors: an unknown task is NOT_FOUND with its message', async () => {
    const error = await catchTrpcError(world.caller(world.makeUser('annotator')).tasks.get({ id: 'nope' }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('Task nope not found');
  });

  it('maps domain errors: the last PI demoting themselves is CONFLICT', async () => {
    const pi = world.makeUser('pi');
    const error = await catchTrpcError(world.caller(pi).users.setRole({ userId: pi.id, role: 'annotator' }));
    expect(error.code).toBe('CONFLICT');
  });

  it('rejects bad input as BAD_REQUEST for an allowed role', async () => {
    const error = await catchTrpcError(
      world.caller(world.makeUser('pi')).users.invite({ email: 'not-an-email', role: 'annotator' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
  });
});
