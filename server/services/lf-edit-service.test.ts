/**
 * Label-function editing on real data (the WebVoyager example runs imported as expert demos, plus
 * three rollouts cut from the GitHub run) with the real sandbox: the test-run matrix of a changed
 * draft against the current version, the default sample, input limits, cancellation (in the
 * service and as an `lf_test` job), stale saves refused, and reverts as new versions.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportBundle, ParsedTrajectory } from '@/lib/core/import/types';
import { auditLog, job, labelFunctionVersion, task, trajectory } from '@/server/db/schema';
import { createLabelFunctionRunner, type LabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { mergePathIntoTask, type PathNodeDraft } from '@/server/services/graph-change-service';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import { SANDBOX_RUN_ACTION } from '@/server/services/sandbox-audit';
import {
  cellStatus,
  getLabelFunctionEditor,
  getLabelFunctionTest,
  hasCellChanged,
  LF_TEST_JOB_KIND,
  listLabelFunctionVersions,
  MAX_TEST_TRAJECTORIES,
  pickDefaultSample,
  resolveTestSample,
  revertLabelFunctionEdit,
  runLabelFunctionTest,
  saveLabelFunctionEdit,
  startLabelFunctionTest,
  summarizeTestRows,
  type TLfTestCell,
} from '@/server/services/lf-edit-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';

const lf = (body: string) => `def label_function(trajectory):\n    return ${body}\n`;
const actor = { userId: null, label: 'test' };

// ---------------------------------------------------------------------------------------------
// Pure helpers
// ---------------------------------------------------------------------------------------------

const cell = (result: boolean | null, evidenceStep: number | null = null): TLfTestCell => ({
  result,
  outcome: result === null ? 'exception' : 'ok',
  evidenceStep,
  error: result === null ? 'ValueError: boom' : null,
  durationMs: 1,
  output: '',
});

describe('pickDefaultSample', () => {
  const demos = Array.from({ length: 5 }, (_, i) => ({ id: `d${i}` }));
  const rollouts = Array.from({ length: 50 }, (_, i) => ({ id: `r${i}` }));

  it('takes every demo and 20 rollouts, demos first, the same pick every time', () => {
    const sample = pickDefaultSample('7', demos, rollouts);
    expect(sample).toHaveLength(25);
    expect(new Set(sample.slice(0, 5))).toEqual(new Set(demos.map((d) => d.id)));
    expect(sample.slice(5).every((id) => id.startsWith('r'))).toBe(true);
    expect(pickDefaultSample('7', [...demos].reverse(), [...rollouts].reverse())).toEqual(sample);
  });

  it('depends on the node (another node gets other rollouts) and keeps earlier picks as rollouts are added', () => {
    const a = pickDefaultSample('7', [], rollouts);
    expect(pickDefaultSample('8', [], rollouts)).not.toEqual(a);
    const grown = pickDefaultSample(
      '7',
      [],
      [...rollouts, ...Array.from({ length: 50 }, (_, i) => ({ id: `x${i}` }))],
    );
    // Every rollout in the bigger pick that was already there was in the smaller pick too.
    expect(grown.filter((id) => id.startsWith('r')).every((id) => a.includes(id))).toBe(true);
  });

  it('cuts demos so the sample stays within the cap', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ id: `d${i}` }));
    const sample = pickDefaultSample('7', many, rollouts);
    expect(sample).toHaveLength(MAX_TEST_TRAJECTORIES);
    expect(sample.filter((id) => id.startsWith('r'))).toHaveLength(20);
    expect(pickDefaultSample('7', many, rollouts, { max: 10, rollouts: 3 })).toHaveLength(10);
  });
});

describe('test-run matrix helpers', () => {
  it('classifies cells as pass, fail or error', () => {
    expect(cellStatus(cell(true, 2))).toBe('pass');
    expect(cellStatus(cell(false))).toBe('fail');
    expect(cellStatus(cell(null))).toBe('error');
    expect(cellStatus({ result: null, outcome: 'timeout' })).toBe('error');
    expect(cellStatus(null)).toBeNull();
  });

  it('calls a row changed when status or evidence step differ, never without a current version', () => {
    expect(hasCellChanged(cell(true, 2), cell(true, 2))).toBe(false);
    expect(hasCellChanged(cell(true, 2), cell(true, 3))).toBe(true);
    expect(hasCellChanged(cell(true, 2), cell(false))).toBe(true);
    expect(hasCellChanged(cell(false), cell(null))).toBe(true);
    expect(hasCellChanged(null, cell(true, 1))).toBe(false);
  });

  it('totals rows overall and per kind, with gained and lost passes', () => {
    const rows = [
      { kind: 'expert' as const, current: cell(true, 4), draft: cell(false), changed: true },
      { kind: 'rollout' as const, current: cell(false), draft: cell(true, 1), changed: true },
      { kind: 'rollout' as const, current: cell(false), draft: cell(null), changed: true },
      { kind: 'rollout' as const, current: cell(true, 1), draft: cell(true, 1), changed: false },
    ];
    const totals = summarizeTestRows(rows);
    expect(totals.all).toEqual({
      trajectories: 4,
      changed: 3,
      gained: 1,
      lost: 1,
      current: { pass: 2, fail: 2, error: 0 },
      draft: { pass: 2, fail: 1, error: 1 },
    });
    expect(totals.expert).toMatchObject({ trajectories: 1, lost: 1, gained: 0 });
    expect(totals.rollout).toMatchObject({ trajectories: 3, changed: 2, gained: 1, lost: 0 });
  });
});

// ---------------------------------------------------------------------------------------------
// On real data, with the sandbox
// ---------------------------------------------------------------------------------------------

/** A rollout cut from a demo: the chosen steps (re-indexed), its own id and environment verdict. */
function cutRollout(
  demo: ParsedTrajectory,
  name: string,
  stepIndexes: number[],
  envSuccess: boolean,
): ParsedTrajectory {
  const steps = stepIndexes.map((i, index) => ({ ...demo.steps[i]!, index }));
  const answer = steps.find((s) => s.action.type === 'answer');
  return {
    ...demo,
    externalId: `test:${name}`,
    kind: 'rollout',
    envSuccess,
    finalAnswer: answer ? demo.finalAnswer : null,
    steps,
  };
}

const STARS = "validate_click(trajectory, None, 'Most stars')";
const ANSWER = "validate_answer(trajectory, 'resource-watch')";
const NODES: PathNodeDraft[] = [
  {
    description: "Type text 'climate change data visualization' into the search box",
    code: lf("validate_type_action(trajectory, 'climate change data visualization', None)"),
    nodeId: null,
  },
  { description: "Answer user's question naming resource-watch", code: lf(ANSWER), nodeId: null },
];
/** Pool node 2: the answer check. */
const NODE = '2';

describe('label-function editing on imported WebVoyager runs', () => {
  let world: TestWorld;
  let runner: LabelFunctionRunner;
  let githubTaskId: string;
  const ids: Record<string, string> = {};
  const jobCalls: { kind: string; input: unknown }[] = [];
  const fakeJobs = {
    enqueue: (kind: string, input: unknown) => {
      jobCalls.push({ kind, input });
      return `job-${jobCalls.length}`;
    },
  };
  const currentVersionId = () => listLabelFunctionVersions(world.db, NODE).find((v) => v.isCurrent)!.id;

  beforeAll(async () => {
    world = createTestWorld();
    const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES, { kind: 'expert' });
    const demo = bundle.trajectories.find((t) => t.externalId === 'webvoyager:taskGitHub--0')!;
    // Steps: 0 click, 1 type, 2 click 'Sort by', 3 click 'Most stars', 4 answer.
    const rollouts: ImportBundle = {
      tasks: [],
      warnings: [],
      trajectories: [
        cutRollout(demo, 'no-answer', [0, 1, 2, 3], false),
        cutRollout(demo, 'no-sort', [0, 1, 4], true),
        cutRollout(demo, 'typed-only', [0, 1], false),
      ],
    };
    await importBundle(world.db, world.dataDir, bundle, { format: 'webvoyager', actor });
    await importBundle(world.db, world.dataDir, rollouts, { format: 'webvoyager', actor });
    for (const t of world.db.select().from(trajectory).all()) ids[t.externalId!] = t.id;
    githubTaskId = world.db.select().from(task).where(eq(task.externalId, 'webvoyager:GitHub--0')).get()!.id;
    mergePathIntoTask(world.db, {
      taskId: githubTaskId,
      nodes: NODES,
      sourceTrajectoryId: null,
      actor,
      iterationId: null,
    });
    runner = await createLabelFunctionRunner();
  }, 120_000);

  afterAll(async () => {
    await runner?.close();
    await world?.cleanup();
  });

  it('shows the editor: current version, the task using the node, its demo and rollouts, the default sample', () => {
    const editor = getLabelFunctionEditor(world.db, NODE);
    expect(editor).toMatchObject({
      node: { id: NODE, description: "Answer user's question naming resource-watch" },
      current: { version: 1, code: lf(ANSWER), author: 'test', reason: 'created' },
      tasks: [{ id: githubTaskId, externalId: 'webvoyager:GitHub--0' }],
      taskTotal: 1,
      demos: [{ id: ids['webvoyager:taskGitHub--0'], kind: 'expert' }],
      demoTotal: 1,
      rolloutTotal: 3,
      maxTestTrajectories: MAX_TEST_TRAJECTORIES,
    });
    expect(editor.rollouts.map((r) => r.externalId).sort()).toEqual([
      'test:no-answer',
      'test:no-sort',
      'test:typed-only',
    ]);
    expect(editor.defaultSampleIds).toHaveLength(4);
    expect(editor.defaultSampleIds[0]).toBe(ids['webvoyager:taskGitHub--0']);
    expect(() => getLabelFunctionEditor(world.db, '999')).toThrow(/Pool node 999 not found/);
  });

  it('test-runs a changed draft against the current version on the demo and the rollouts (default sample)', async () => {
    const progress: number[] = [];
    const result = await runLabelFunctionTest(
      world.db,
      runner,
      { nodeId: NODE, code: lf(STARS), trajectoryIds: null },
      { onProgress: (f) => progress.push(f) },
    );
    expect(result).toMatchObject({ nodeId: NODE, baseVersion: 1, code: lf(STARS) });
    const byName = new Map(result.rows.map((r) => [r.externalId, r] as const));
    // The demo first; it passes with both, but the evidence moves from the answer (step 4) to the click (3).
    expect(result.rows[0]).toMatchObject({
      externalId: 'webvoyager:taskGitHub--0',
      kind: 'expert',
      current: { result: true, outcome: 'ok', evidenceStep: 4 },
      draft: { result: true, outcome: 'ok', evidenceStep: 3 },
      changed: true,
    });
    expect(byName.get('test:no-answer')).toMatchObject({
      kind: 'rollout',
      envSuccess: false,
      current: { result: false },
      draft: { result: true, evidenceStep: 3 },
      changed: true,
    });
    expect(byName.get('test:no-sort')).toMatchObject({
      envSuccess: true,
      current: { result: true, evidenceStep: 2 },
      draft: { result: false, evidenceStep: null },
      changed: true,
    });
    expect(byName.get('test:typed-only')).toMatchObject({
      current: { result: false },
      draft: { result: false },
      changed: false,
    });
    expect(result.totals.all).toEqual({
      trajectories: 4,
      changed: 3,
      gained: 1,
      lost: 1,
      current: { pass: 2, fail: 2, error: 0 },
      draft: { pass: 2, fail: 2, error: 0 },
    });
    expect(result.totals.expert).toMatchObject({ trajectories: 1, changed: 1 });
    expect(progress.at(-1)).toBe(1);
    // A test run stores nothing: still one version, and no lf_result for the draft.
    expect(listLabelFunctionVersions(world.db, NODE)).toHaveLength(1);
  }, 60_000);

  it('reports a draft that raises as an error row with the exception text, on any chosen trajectory', async () => {
    const result = await runLabelFunctionTest(world.db, runner, {
      nodeId: NODE,
      code: "def label_function(trajectory):\n    return trajectory['no_such_key'] == 1\n",
      trajectoryIds: [ids['webvoyager:taskAmazon--0']!, ids['webvoyager:taskGitHub--0']!],
    });
    expect(result.rows.map((r) => r.externalId)).toEqual([
      'webvoyager:taskAmazon--0',
      'webvoyager:taskGitHub--0',
    ]);
    for (const row of result.rows) {
      expect(row.draft).toMatchObject({ result: null, outcome: 'exception' });
      expect(row.draft.error).toMatch(/KeyError/);
      expect(row.changed).toBe(true);
    }
    expect(result.rows[0]!.current).toMatchObject({ result: false }); // Amazon: no resource-watch answer
    expect(result.totals.all.draft).toEqual({ pass: 0, fail: 0, error: 2 });
  }, 60_000);

  it('refuses bad test input before touching the sandbox', () => {
    const tooMany = Array.from({ length: MAX_TEST_TRAJECTORIES + 1 }, (_, i) => `t${i}`);
    expect(() => resolveTestSample(world.db, NODE, tooMany)).toThrow(
      /at most 200 trajectories; 201 were chosen/,
    );
    expect(() => resolveTestSample(world.db, NODE, ['nope'])).toThrow(/Trajectory nope not found/);
    expect(() => resolveTestSample(world.db, NODE, [])).toThrow(/at least one trajectory/);
    expect(() =>
      startLabelFunctionTest(world.db, fakeJobs, { nodeId: NODE, code: '  ', trajectoryIds: null, actor }),
    ).toThrow(/cannot be empty/);
    expect(() =>
      startLabelFunctionTest(world.db, fakeJobs, {
        nodeId: '999',
        code: lf('True'),
        trajectoryIds: null,
        actor,
      }),
    ).toThrow(/Pool node 999 not found/);
    expect(jobCalls).toEqual([]);
  });

  it('stops between rounds when cancelled, without evaluating the rest', async () => {
    const controller = new AbortController();
    const sample = Object.values(ids); // 13 trajectories: two rounds of up to 10
    let evaluated = 0;
    await expect(
      runLabelFunctionTest(
        world.db,
        runner,
        { nodeId: NODE, code: lf(STARS), trajectoryIds: sample },
        {
          signal: controller.signal,
          onProgress: (_f, message) => {
            if (message.startsWith('Evaluated')) {
              evaluated++;
              controller.abort();
            }
          },
        },
      ),
    ).rejects.toThrow(/Test run cancelled/);
    // The first round (10 trajectories × draft and current) finished; the second never started.
    expect(evaluated).toBe(20);
  }, 60_000);

  it('saves from the current version and enqueues rescoring; a save based on an old version is refused', () => {
    const v1 = currentVersionId();
    const saved = saveLabelFunctionEdit(world.db, fakeJobs, {
      nodeId: NODE,
      code: lf(`${ANSWER} and ${STARS}`),
      basedOnVersionId: v1,
      reason: '  also check the sort  ',
      actor,
    });
    expect(saved).toMatchObject({ version: 2, affectedTaskIds: [githubTaskId], scoreJobId: 'job-1' });
    expect(jobCalls).toEqual([{ kind: 'score', input: { taskIds: [githubTaskId] } }]);
    expect(
      world.db
        .select({ reason: labelFunctionVersion.reason, author: labelFunctionVersion.author })
        .from(labelFunctionVersion)
        .where(eq(labelFunctionVersion.id, saved.lfVersionId))
        .get(),
    ).toEqual({ reason: 'also check the sort', author: 'test' });

    // Someone else's editor still holds v1: their save is refused, nothing is overwritten.
    expect(() =>
      saveLabelFunctionEdit(world.db, fakeJobs, {
        nodeId: NODE,
        code: lf('False'),
        basedOnVersionId: v1,
        reason: 'mine',
        actor,
      }),
    ).toThrow(/changed since you opened it; reload to see the current version/);
    expect(() =>
      saveLabelFunctionEdit(world.db, fakeJobs, {
        nodeId: NODE,
        code: lf('False'),
        basedOnVersionId: saved.lfVersionId,
        reason: '   ',
        actor,
      }),
    ).toThrow(/say why/);
    expect(listLabelFunctionVersions(world.db, NODE).map((v) => [v.version, v.isCurrent])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(jobCalls).toHaveLength(1);
  });

  it('reverts by saving the old code as a new version, and refuses a stale or pointless revert', () => {
    const versions = listLabelFunctionVersions(world.db, NODE);
    const v1 = versions.find((v) => v.version === 1)!;
    const v2 = versions.find((v) => v.version === 2)!;
    const reverted = revertLabelFunctionEdit(world.db, fakeJobs, {
      nodeId: NODE,
      toVersionId: v1.id,
      basedOnVersionId: v2.id,
      actor,
    });
    expect(reverted).toMatchObject({ version: 3, affectedTaskIds: [githubTaskId], scoreJobId: 'job-2' });
    const after = listLabelFunctionVersions(world.db, NODE);
    expect(after.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(after[0]).toMatchObject({
      code: v1.code,
      reason: 'revert to v1',
      author: 'test',
      isCurrent: true,
    });

    expect(() =>
      revertLabelFunctionEdit(world.db, fakeJobs, {
        nodeId: NODE,
        toVersionId: v2.id,
        basedOnVersionId: v2.id,
        actor,
      }),
    ).toThrow(/changed since you opened it/);
    expect(() =>
      revertLabelFunctionEdit(world.db, fakeJobs, {
        nodeId: NODE,
        toVersionId: v1.id,
        basedOnVersionId: reverted.lfVersionId,
        actor,
      }),
    ).toThrow(/v1 has the same code as the current version v3; nothing to revert/);
    expect(() =>
      revertLabelFunctionEdit(world.db, fakeJobs, {
        nodeId: NODE,
        toVersionId: reverted.lfVersionId,
        basedOnVersionId: reverted.lfVersionId,
        actor,
      }),
    ).toThrow(/v3 is already the current version/);
    const otherNodeVersion = listLabelFunctionVersions(world.db, '1')[0]!;
    expect(() =>
      revertLabelFunctionEdit(world.db, fakeJobs, {
        nodeId: NODE,
        toVersionId: otherNodeVersion.id,
        basedOnVersionId: reverted.lfVersionId,
        actor,
      }),
    ).toThrow(/has no label-function version/);
    expect(listLabelFunctionVersions(world.db, NODE)).toHaveLength(3);
  });

  it('runs as an lf_test job: a cancel while the sandbox starts ends it cancelled; otherwise it succeeds', async () => {
    // The world's sandbox is started lazily by its first job, so this one is still starting it.
    const { jobId } = startLabelFunctionTest(world.db, world.jobs, {
      nodeId: NODE,
      code: lf(STARS),
      trajectoryIds: null,
      actor,
    });
    for (let i = 0; i < 500 && getLabelFunctionTest(world.db, jobId).status === 'queued'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(world.jobs.cancel(jobId)).toBe(true);
    await world.jobs.idle();
    expect(getLabelFunctionTest(world.db, jobId)).toMatchObject({
      status: 'cancelled',
      error: 'Test run cancelled',
      result: null,
    });

    const second = startLabelFunctionTest(world.db, world.jobs, {
      nodeId: NODE,
      code: lf(STARS),
      trajectoryIds: [ids['webvoyager:taskGitHub--0']!],
      actor,
    });
    await world.jobs.idle();
    const done = getLabelFunctionTest(world.db, second.jobId);
    expect(done).toMatchObject({ status: 'succeeded', nodeId: NODE, progress: 1 });
    expect(done.result?.rows).toMatchObject([{ draft: { result: true, evidenceStep: 3 } }]);
    expect(done.result?.baseVersion).toBe(3);

    // Each test run that reached the sandbox is in the audit log, with its draft code.
    const runs = world.db.select().from(auditLog).where(eq(auditLog.action, SANDBOX_RUN_ACTION)).all();
    const entry = runs.find((row) => row.objectId === second.jobId);
    expect(entry).toMatchObject({ objectType: 'job', userId: actor.userId });
    expect(entry?.after).toMatchObject({ kind: 'lf_test', input: { nodeId: NODE, code: lf(STARS) } });

    // Only lf_test jobs are test runs.
    world.db.insert(job).values({ id: 'other', kind: 'score', input: {} }).run();
    expect(() => getLabelFunctionTest(world.db, 'other')).toThrow(/test run other not found/);
    expect(LF_TEST_JOB_KIND).toBe('lf_test');
  }, 120_000);
});
