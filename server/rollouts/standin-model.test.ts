/**
 * Rollouts of the `openai` policy on the mail app (`environments/mail`, built the way third-party
 * apps are: delegated listeners, `<a>` without href, rows of identical ☆ glyphs, custom switches,
 * nested scroll panels), with a model stand-in behind a local OpenAI-protocol server. The stand-in
 * sees only what a real model is sent: it reads the element list out of the prompt text
 * (`parseWebVoyagerElements`), picks the mark whose role, name, states and context fit its plan,
 * and replies in WebVoyager's `Thought: … Action: …` format. The app's own verifiers judge the
 * result, so the test fails whenever a control the task needs is not marked, not named, not told
 * apart from its look-alikes, or not actionable.
 */
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebVoyagerElements } from '@/lib/core/import/webvoyager';
import type { ObservedElement } from '@/lib/core/types';
import { step, task, trajectory } from '@/server/db/schema';
import {
  completionBody,
  startFakeOpenAiServer,
  type FakeOpenAiServer,
} from '@/server/llm/fake-openai-server';
import { updateLlmSettings } from '@/server/llm/settings-service';
import { addStateApiApp, BUNDLED_APPS_DIR } from '@/server/services/environment-service';
import { executeRolloutJob } from '@/server/services/rollout-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

type ChatPart = { type: string; text?: string };
type ChatMessage = { role: string; content: string | ChatPart[] };

/** One planned action: the first mark `match` accepts gets `act` (`Click [n]`, `Type [n]; …`). */
interface Goal {
  match: (e: ObservedElement) => boolean;
  act: (id: string) => string;
}

const has = (e: ObservedElement, ...words: string[]) =>
  words.every((w) => `${e.name} ${e.context ?? ''}`.toLowerCase().includes(w.toLowerCase()));

/** Plans keyed by a word of the task's instruction. */
const PLANS: Record<string, Goal[]> = {
  'Priya Shah about the Q3 roadmap': [
    // A ☆ glyph among dozens: only its context (the row text) tells which one.
    {
      match: (e) =>
        e.role === 'button' &&
        e.name.startsWith('☆') &&
        e.name.length <= 8 &&
        has(e, 'Priya Shah', 'roadmap'),
      act: (id) => `Click [${id}]`,
    },
  ],
  'desktop notifications': [
    { match: (e) => e.role === 'link' && e.name === 'Settings', act: (id) => `Click [${id}]` },
    { match: (e) => e.role === 'link' && e.name === 'Notifications', act: (id) => `Click [${id}]` },
    { match: (e) => e.role === 'switch' && has(e, 'Desktop notifications'), act: (id) => `Click [${id}]` },
  ],
  'reading pane': [
    { match: (e) => e.role === 'link' && e.name === 'Settings', act: (id) => `Click [${id}]` },
    // Below the fold of the settings panel: the stand-in scrolls until it shows up.
    {
      match: (e) => e.role === 'combobox' && e.name === 'Reading pane',
      act: (id) => `Type [${id}]; Right of inbox`,
    },
  ],
};

describe('openai policy with a model stand-in that reads the element list', () => {
  let world: TestWorld;
  let server: FakeOpenAiServer;
  const progress = new Map<string, number>();
  const scrolls = new Map<string, number>();

  beforeAll(async () => {
    world = createTestWorld();
    server = await startFakeOpenAiServer((request) => {
      const messages = request.body!['messages'] as ChatMessage[];
      const text = (messages[1]!.content as ChatPart[]).map((p) => p.text ?? '').join('\n');
      const intent = /Task: (.*)/.exec(text)?.[1] ?? '';
      const key = Object.keys(PLANS).find((k) => intent.toLowerCase().includes(k.toLowerCase()));
      if (!key) return { body: completionBody('Thought: unknown task.\nAction: ANSWER; unknown') };
      const list =
        /refer to the textual information\.\n([\s\S]*?)\n\nYour previous actions/.exec(text)?.[1] ?? '';
      const elements = parseWebVoyagerElements(list);
      const done = progress.get(key) ?? 0;
      const goal = PLANS[key]![done];
      if (!goal) return { body: completionBody('Thought: the task is done.\nAction: ANSWER; Done') };
      const target = elements.find(goal.match);
      if (!target) {
        const n = (scrolls.get(key) ?? 0) + 1;
        scrolls.set(key, n);
        return {
          body: completionBody(
            n > 4
              ? 'Thought: not found.\nAction: ANSWER; not found'
              : 'Thought: look further down.\nAction: Scroll [WINDOW]; down',
          ),
        };
      }
      progress.set(key, done + 1);
      return { body: completionBody(`Thought: step ${done + 1}.\nAction: ${goal.act(target.id)}`) };
    });
    updateLlmSettings(world.db, world.dataDir, world.makeUser('pi'), {
      role: 'agent',
      provider: 'openai',
      baseUrl: server.baseUrl,
      model: 'stand-in',
      apiKey: 'sk-stand-in',
      timeoutMs: 10_000,
      maxRetries: 0,
    });
  }, 60_000);

  afterAll(async () => {
    await server.close();
    await world.cleanup();
  });

  it(
    'stars the right one of many ☆, flips a custom switch and picks an option below the fold',
    { timeout: 240_000 },
    async () => {
      addStateApiApp(world.db, path.join(BUNDLED_APPS_DIR, 'mail'), {
        id: 'mail',
        actor: { userId: null, label: 'test' },
      });
      const rows = world.db.select({ id: task.id, intent: task.intent }).from(task).all();
      const chosen = rows.filter((r) =>
        Object.keys(PLANS).some((k) => r.intent.toLowerCase().includes(k.toLowerCase())),
      );
      expect(chosen).toHaveLength(Object.keys(PLANS).length);
      const summary = await executeRolloutJob(
        world.db,
        world.dataDir,
        {
          taskIds: chosen.map((r) => r.id),
          kind: 'rollout',
          policy: 'openai',
          samplesPerTask: 1,
          parallelBrowsers: 1,
          score: false,
          actor: { userId: null, label: 'test' },
        },
        null,
      );
      expect(summary.errored).toBe(0);
      const runs = world.db.select().from(trajectory).where(eq(trajectory.kind, 'rollout')).all();
      for (const run of runs) expect(run.envSuccess, `${run.taskId}: ${run.error ?? ''}`).toBe(true);
      expect(summary.envSuccess).toEqual({ true: chosen.length, false: 0, unknown: 0 });
      // Every step sent the model the image with the marks drawn, kept beside the clean screenshot.
      const steps = world.db.select().from(step).all();
      expect(steps.length).toBeGreaterThan(chosen.length);
      for (const s of steps) {
        expect(s.modelImageHash).not.toBeNull();
        expect(s.modelImageHash).not.toBe(s.screenshotHash);
      }
    },
  );
});
