/**
 * The whole pipeline against a local server speaking the OpenAI chat-completions protocol, started
 * by the test: sampling parameters and `top_k` arrive top-level, screenshots arrive as data-URI
 * `image_url` parts of the vision layout, and hostile replies — no code block, a function that
 * loops forever, a 1 MB reply — each end as a recorded failed attempt before a good one passes.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '@/server/db/client';
import {
  extrapolatedIntent,
  job,
  lfAttempt,
  modelCall,
  pipelineRun,
  task,
  trajectory,
} from '@/server/db/schema';
import { createLlmClients } from '@/server/llm/clients';
import {
  completionBody,
  startFakeOpenAiServer,
  type FakeOpenAiServer,
} from '@/server/llm/fake-openai-server';
import { updateLlmSettings } from '@/server/llm/settings-service';
import { resolvePathNodes } from '@/server/services/graph-change-service';
import { addGraphVersion } from '@/server/services/graph-service';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import type { PipelineRunStats } from '@/server/services/pipeline-query-service';
import { startPipelineRun } from '@/server/services/pipeline-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';
import { linearPath } from '@/lib/core/strategy-graph/merge';
import path from 'node:path';

type ChatMessage = {
  role: string;
  content: string | { type: string; text?: string; image_url?: { url: string } }[];
};

const GOOD_LF =
  "```python\ndef label_function(trajectory):\n    return validate_type_action(trajectory, 'climate change data visualization', None)\n```";
const HOSTILE_LF_REPLIES = [
  'I would check the typing step, but I will not write code today.',
  '```python\ndef label_function(trajectory):\n    while True:\n        pass\n```',
  `Here is a long thought. ${'x'.repeat(1_000_000)}`,
  GOOD_LF,
];
const INTENT = 'Find the most starred GitHub repository about climate change data visualization';

const textOf = (m: ChatMessage) =>
  typeof m.content === 'string' ? m.content : m.content.map((p) => p.text ?? '').join('\n');

describe('pipeline against an OpenAI-compatible server', () => {
  let world: TestWorld;
  let server: FakeOpenAiServer;
  let taskId: string;
  let lfCalls = 0;

  beforeAll(async () => {
    world = createTestWorld();
    const bundle = await readImportSource('webvoyager', path.join(WEBVOYAGER_EXAMPLES, 'taskGitHub--0'));
    await importBundle(world.db, world.dataDir, bundle, {
      format: 'webvoyager',
      actor: { userId: null, label: 't' },
    });
    taskId = world.db.select().from(task).where(eq(task.externalId, 'webvoyager:GitHub--0')).get()!.id;
    server = await startFakeOpenAiServer((request) => {
      const messages = (request.body?.messages ?? []) as ChatMessage[];
      const system = textOf(messages[0]!);
      if (system.includes('label functions'))
        return { body: completionBody(HOSTILE_LF_REPLIES[lfCalls++] ?? GOOD_LF) };
      if (system.includes('KEY steps')) {
        return { body: completionBody("Key steps:\n1. Type text 'climate change data visualization'") };
      }
      if (system.includes('edit task intents')) return { body: completionBody(INTENT) };
      return { body: completionBody(`New task intent: ${INTENT}`) };
    });
    const pi = world.makeUser('pi');
    for (const role of ['coder', 'agent'] as const) {
      updateLlmSettings(world.db, world.dataDir, pi, {
        role,
        provider: 'openai',
        baseUrl: server.baseUrl,
        model: `test-${role}`,
        apiKey: 'sk-test-secret',
        timeoutMs: 10_000,
        maxRetries: 0,
        concurrency: 2,
      });
    }
  }, 120_000);

  afterAll(async () => {
    await server.close();
    await world.cleanup();
  });

  async function run(stage: 'abstract' | 'infer_intents') {
    const clients = createLlmClients(world.db, world.dataDir);
    const { runId, jobId } = startPipelineRun(world.db, world.jobs, {
      stage,
      scope: { taskIds: [taskId], iterationId: null },
      actor: { userId: null, label: 'test' },
      providers: () => clients.describe(),
    });
    await world.jobs.idle();
    expect(world.db.select().from(job).where(eq(job.id, jobId)).get()).toMatchObject({ status: 'succeeded' });
    return world.db.select().from(pipelineRun).where(eq(pipelineRun.id, runId)).get()!;
  }

  it('records the hostile attempts as failures and keeps the first passing one', async () => {
    const runRow = await run('abstract');
    expect(runRow.providers).toEqual({
      coder: { provider: 'openai', model: 'test-coder' },
      agent: { provider: 'openai', model: 'test-agent' },
    });
    const stats = runRow.stats as PipelineRunStats;
    expect(stats.units).toEqual({ done: 1, failed: 0, skipped: 0 });
    // One key step, passing on its fourth attempt: OSR 1, FTSR 0, and only that attempt executed cleanly.
    expect(stats.synthesis).toEqual({ keySteps: 1, attempts: 4, osr: 1, ftsr: 0, esp: 0.25 });

    const attempts = world.db.select().from(lfAttempt).orderBy(lfAttempt.attempt).all();
    expect(attempts.map((a) => a.outcome)).toEqual(['no_code', 'timeout', 'no_code', 'ok']);
    expect(attempts[1]!.error).toMatch(/timed out/);
    expect(attempts[3]).toMatchObject({ result: true, evidenceStep: 1 });

    // What reached the server: model, sampling defaults and top_k top-level, the key as a bearer token.
    const k = server.requests[0]!;
    expect(k.body).toMatchObject({ model: 'test-agent', temperature: 1, top_p: 0.9, top_k: 50 });
    expect(k.headers.authorization).toBe('Bearer sk-test-secret');
    // The 1 MB reply is recorded (capped), and no stored call holds the key.
    const calls = world.db.select().from(modelCall).all();
    expect(calls.find((c) => (c.responseChars ?? 0) > 1_000_000)).toBeTruthy();
    expect(JSON.stringify(calls)).not.toContain('sk-test-secret');
  }, 120_000);

  it('sends the failed rollout as the vision layout with screenshots as data URIs, and stores the intent', async () => {
    // A graph the rollout cannot satisfy makes it Failed (the environment says failure too).
    inTransaction(world.db, (tx) => {
      const { nodeIds } = resolvePathNodes(
        tx,
        [
          {
            description: "Click on a UI element 'Nowhere' on the screen.",
            code: "def label_function(trajectory):\n    return validate_click(trajectory, None, 'Nowhere')\n",
            nodeId: null,
          },
        ],
        { actor: { userId: null, label: 't' }, iterationId: null },
      );
      addGraphVersion(tx, {
        taskId,
        graph: linearPath(nodeIds),
        diff: { addedNodes: nodeIds, addedEdges: [] },
        reason: 'edit',
        createdBy: 't',
        iterationId: null,
      });
      tx.update(trajectory)
        .set({ kind: 'rollout', envSuccess: false })
        .where(eq(trajectory.taskId, taskId))
        .run();
    });
    const before = server.requests.length;
    const runRow = await run('infer_intents');
    expect((runRow.stats as PipelineRunStats).intents).toMatchObject({
      total: 1,
      pending: 1,
      invalidRate: 0,
    });
    const [candidate, refine] = server.requests.slice(before);
    const parts = (candidate!.body!.messages as ChatMessage[]).flatMap((m) =>
      typeof m.content === 'string' ? [] : m.content,
    );
    const images = parts.filter((p) => p.type === 'image_url');
    expect(images).toHaveLength(5); // one screenshot per step of the GitHub run
    for (const image of images) expect(image.image_url!.url).toMatch(/^data:image\/png;base64,iVBOR/);
    const texts = parts.filter((p) => p.type === 'text').map((p) => p.text!);
    expect(texts.some((t) => t.includes('Trajectory:'))).toBe(true);
    expect(texts.filter((t) => t.startsWith('SCREENSHOT:'))).toHaveLength(5);
    expect(texts[texts.length - 1]).toContain('New task intent:');
    // The refinement is text-only.
    expect(JSON.stringify(refine!.body)).not.toContain('image_url');
    expect(world.db.select().from(extrapolatedIntent).get()).toMatchObject({
      status: 'pending',
      intent: INTENT,
    });
    // Stored messages reference screenshots by hash, never inline them.
    const stored = world.db.select().from(modelCall).where(eq(modelCall.purpose, 'intent_candidate')).get()!;
    expect(JSON.stringify(stored.messages)).not.toContain('base64');
    expect(JSON.stringify(stored.messages)).toContain('mediaHash');
  }, 120_000);
});
