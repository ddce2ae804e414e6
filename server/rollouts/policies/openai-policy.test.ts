/**
 * The `openai` rollout policy against a local server speaking the OpenAI chat-completions protocol,
 * started by the test: what reaches the server (one screenshot as a data URI, the element list, the
 * history, sampling defaults top-level, the bearer key), how replies become validated actions, the
 * re-asking on invalid replies, the call log, and the refusal of the heuristic provider.
 */
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { HEURISTIC_CANNOT_ACT_MESSAGE } from '@/lib/core/llm/heuristic';
import { formatElementList } from '@/lib/core/rollouts/elements';
import type { Observation, PolicyContext } from '@/lib/core/rollouts/types';
import type { ObservedElement, StepAction } from '@/lib/core/types';
import { modelCall } from '@/server/db/schema';
import {
  completionBody,
  startFakeOpenAiServer,
  type FakeOpenAiServer,
} from '@/server/llm/fake-openai-server';
import { updateLlmSettings } from '@/server/llm/settings-service';
import {
  createOpenAiPolicy,
  findActionProblem,
  MAX_INVALID_REPLIES_RETRIES,
} from '@/server/rollouts/policies/openai-policy';
import { storeImage } from '@/server/services/media-store';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

type ChatPart = { type: string; text?: string; image_url?: { url: string } };
type ChatMessage = { role: string; content: string | ChatPart[] };

const MODEL = 'test-vision';
const ELEMENTS: ObservedElement[] = [
  { id: '0', role: 'input', name: 'Search products', box: { x: 10, y: 10, width: 200, height: 24 } },
  { id: '1', role: 'button', name: 'Add to cart', box: { x: 10, y: 50, width: 80, height: 24 } },
];
const INTENT = 'Add the red mug to the cart';

describe('openai rollout policy', () => {
  let world: TestWorld;
  let server: FakeOpenAiServer;
  let replies: string[];
  let observation: Observation;
  let png: Buffer;

  const context = (signal = new AbortController().signal): PolicyContext => ({
    intent: INTENT,
    history: [
      {
        index: 0,
        action: { type: 'type', elementId: '0', text: 'red mug', raw: 'Type [0]; red mug' },
        actionDescription: "Type text 'red mug' into the UI element 'Search products' on the screen.",
        url: 'http://shop.test/',
      },
      {
        index: 1,
        action: { type: 'click', elementId: '4', raw: 'Click [4]' },
        actionDescription: "Click on a UI element 'Red mug' on the screen.",
        url: 'http://shop.test/search?q=red+mug',
      },
    ],
    sampleIndex: 0,
    signal,
  });

  const userText = (index: number): string => {
    const messages = server.requests[index]!.body!['messages'] as ChatMessage[];
    const content = messages[1]!.content as ChatPart[];
    return content.map((p) => p.text ?? '').join('\n');
  };

  beforeAll(async () => {
    world = createTestWorld();
    server = await startFakeOpenAiServer(() => ({ body: completionBody(replies.shift() ?? 'Action: Wait') }));
    updateLlmSettings(world.db, world.dataDir, world.makeUser('pi'), {
      role: 'agent',
      provider: 'openai',
      baseUrl: server.baseUrl,
      model: MODEL,
      apiKey: 'sk-test-secret',
      timeoutMs: 10_000,
      maxRetries: 0,
    });
    png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c03030' } })
      .png()
      .toBuffer();
    const stored = await storeImage(world.dataDir, png, 'observation');
    observation = {
      stepIndex: 2,
      url: 'http://shop.test/product/7',
      title: 'Red mug – Shop',
      elements: ELEMENTS,
      offscreen: [],
      screenshot: { mediaHash: stored.hash, mime: stored.mime, width: 64, height: 48 },
      markedScreenshot: null,
    };
  }, 60_000);

  beforeEach(() => {
    replies = [];
    server.requests.length = 0;
  });

  afterAll(async () => {
    await server.close();
    await world.cleanup();
  });

  it('sends one screenshot as a data URI, the element list, the history, sampling defaults and the key', async () => {
    replies = ['Thought: The mug page is open.\nAction: Click [1]'];
    const policy = createOpenAiPolicy(world.db, world.dataDir);
    expect(policy).toMatchObject({ name: 'openai', model: MODEL });
    await policy.decide(observation, context());

    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test-secret');
    // DESIGN.md › Sampling defaults, from the agent role's stored settings (DEFAULT_SAMPLING).
    expect(request.body).toMatchObject({ model: MODEL, temperature: 1, top_p: 0.9, top_k: 50 });

    const messages = request.body!['messages'] as ChatMessage[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0]!.content).toContain('Scroll [Numerical_Label or WINDOW]; [up or down]');
    expect(messages[0]!.content).not.toMatch(/^- Google$/m);
    const parts = messages[1]!.content as ChatPart[];
    const images = parts.filter((p) => p.type === 'image_url');
    expect(images).toHaveLength(1);
    expect(images[0]!.image_url!.url).toBe(`data:image/png;base64,${png.toString('base64')}`);

    const text = userText(0);
    expect(text).toContain(`Task: ${INTENT}`);
    expect(text).toContain('Current URL: http://shop.test/product/7');
    expect(text).toContain('Page title: Red mug – Shop');
    expect(text).toContain(formatElementList(ELEMENTS));
    expect(text).toContain(
      "Step 1: Type text 'red mug' into the UI element 'Search products' on the screen. (on http://shop.test/)",
    );
    expect(text).toContain(
      "Step 2: Click on a UI element 'Red mug' on the screen. (on http://shop.test/search?q=red+mug)",
    );
    expect(text).toContain('Problem with your previous reply to this observation: none (first reply)');
  });

  it('sends the image with the marks drawn when there is one, and tells the model which action failed and why', async () => {
    replies = ['Thought: try again.\nAction: Click [1]'];
    const markedPng = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3030c0' } })
      .png()
      .toBuffer();
    const marked = await storeImage(world.dataDir, markedPng, 'marked observation');
    const policy = createOpenAiPolicy(world.db, world.dataDir);
    const failing = context();
    const history = [...failing.history];
    history[1] = { ...history[1]!, error: 'Element [4] (<link> "Red mug") is no longer on the page.' };
    await policy.decide(
      {
        ...observation,
        markedScreenshot: { mediaHash: marked.hash, mime: marked.mime, width: 64, height: 48 },
      },
      { ...failing, history },
    );
    const request = server.requests.at(-1)!;
    const parts = (request.body!['messages'] as ChatMessage[])[1]!.content as ChatPart[];
    const images = parts.filter((p) => p.type === 'image_url');
    expect(images).toHaveLength(1);
    expect(images[0]!.image_url!.url).toBe(`data:image/png;base64,${markedPng.toString('base64')}`);
    const text = parts.map((p) => p.text ?? '').join('\n');
    expect(text).toContain(
      'Step 2: Click on a UI element \'Red mug\' on the screen. (on http://shop.test/search?q=red+mug) — FAILED: Element [4] (<link> "Red mug") is no longer on the page.',
    );
  });

  it('turns a valid Click reply into a click on that element with its role and name', async () => {
    const reply = 'Thought: The mug page is open; add it.\nAction: Click [1]';
    replies = [reply];
    const decision = await createOpenAiPolicy(world.db, world.dataDir).decide(observation, context());
    expect(decision).toMatchObject({
      action: {
        type: 'click',
        elementId: '1',
        elementRole: 'button',
        elementName: 'Add to cart',
        raw: 'Click [1]',
      },
      thought: 'The mug page is open; add it.',
      rawOutput: reply,
    });
    expect(decision.modelCallId).toEqual(expect.any(String));
  });

  it('asks again after a reply naming a missing element, saying what was wrong', async () => {
    const valid = 'Thought: Label 1 it is.\nAction: Click [1]';
    replies = ['Thought: Add it.\nAction: Click [7]', valid];
    const decision = await createOpenAiPolicy(world.db, world.dataDir).decide(observation, context());
    expect(server.requests).toHaveLength(2);
    expect(decision.action).toMatchObject({ type: 'click', elementId: '1' });
    expect(decision.rawOutput).toBe(valid);
    expect(userText(1)).toContain(
      'Problem with your previous reply to this observation: Element [7] is not in the element list of the current page (the labels on this page are 0, 1).',
    );
    // Both calls are in the log; the decision points at the second.
    const calls = world.db.select().from(modelCall).where(eq(modelCall.purpose, 'next_action')).all();
    expect(calls.some((c) => c.id === decision.modelCallId && c.response?.includes('Click [1]'))).toBe(true);
  });

  it(`gives up with BAD_INPUT after ${MAX_INVALID_REPLIES_RETRIES + 1} invalid replies`, async () => {
    replies = ['I am not sure.', 'Action: Google', 'Action: Type [0];'];
    const error = await createOpenAiPolicy(world.db, world.dataDir)
      .decide(observation, context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'BAD_INPUT',
      message:
        'The model gave no valid action after 3 replies: Type needs the text to type after the label: Type [n]; text.',
    });
    expect(server.requests).toHaveLength(3);
    expect(userText(1)).toContain('No action could be read from "I am not sure."');
    expect(userText(2)).toContain('There is no Google action here');
  });

  it('records the call with provider and model, the screenshot by media hash, never base64', async () => {
    replies = ['Thought: Done.\nAction: ANSWER; The red mug is in the cart'];
    const decision = await createOpenAiPolicy(world.db, world.dataDir).decide(observation, context());
    expect(decision.action).toMatchObject({ type: 'answer', answer: 'The red mug is in the cart' });
    const call = world.db.select().from(modelCall).where(eq(modelCall.id, decision.modelCallId!)).get()!;
    expect(call).toMatchObject({
      role: 'agent',
      provider: 'openai',
      model: MODEL,
      purpose: 'next_action',
      promptId: 'next_action',
      promptVersion: '1',
      error: null,
      params: { model: MODEL, temperature: 1, top_p: 0.9, top_k: 50 },
    });
    expect(call.messages[1]!.content).toContainEqual({
      type: 'image',
      mediaHash: observation.screenshot.mediaHash,
      mime: 'image/png',
    });
    const stored = JSON.stringify(call.messages);
    expect(stored).not.toContain('base64');
    expect(stored).not.toContain(png.toString('base64').slice(0, 40));
  });

  it('stops before calling when the rollout is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      createOpenAiPolicy(world.db, world.dataDir).decide(observation, context(controller.signal)),
    ).rejects.toThrow();
    expect(server.requests).toHaveLength(0);
  });

  it('refuses the heuristic provider with CONFLICT before any call', async () => {
    const other = createTestWorld();
    try {
      expect(() => createOpenAiPolicy(other.db, other.dataDir)).toThrow(
        expect.objectContaining({ code: 'CONFLICT', message: HEURISTIC_CANNOT_ACT_MESSAGE }),
      );
    } finally {
      await other.cleanup();
    }
  });
});

describe('findActionProblem', () => {
  const check = (action: Omit<StepAction, 'raw'>) => findActionProblem({ raw: 'x', ...action }, ELEMENTS);

  it('accepts the WebVoyager actions on existing elements', () => {
    expect(check({ type: 'click', elementId: '0' })).toBeNull();
    expect(check({ type: 'type', elementId: '0', text: 'mug' })).toBeNull();
    expect(check({ type: 'scroll', direction: 'down' })).toBeNull();
    expect(check({ type: 'scroll', elementId: '1', direction: 'up' })).toBeNull();
    expect(check({ type: 'wait' })).toBeNull();
    expect(check({ type: 'go_back' })).toBeNull();
    expect(check({ type: 'answer', answer: '42' })).toBeNull();
  });

  it('names what is wrong', () => {
    expect(check({ type: 'click', elementId: '9' })).toMatch(/Element \[9\] is not in the element list/);
    expect(check({ type: 'type', elementId: '9', text: 'mug' })).toMatch(/Element \[9\]/);
    expect(check({ type: 'type', elementId: '0', text: '  ' })).toMatch(/Type needs the text/);
    expect(check({ type: 'scroll', elementId: '9', direction: 'up' })).toMatch(/Element \[9\]/);
    expect(check({ type: 'scroll' })).toMatch(/Scroll needs a direction/);
    expect(check({ type: 'answer', answer: '' })).toMatch(/ANSWER needs the answer text/);
    expect(check({ type: 'google' })).toMatch(/no Google action/);
    expect(check({ type: 'key_press', key: 'Enter' })).toMatch(/key_press is not an action you can use/);
    expect(findActionProblem({ type: 'click', elementId: '0', raw: 'Click [0]' }, [])).toMatch(
      /the current page has no labelled elements/,
    );
  });
});
