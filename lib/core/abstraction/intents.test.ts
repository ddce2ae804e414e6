import { describe, expect, it } from 'vitest';

import {
  cleanIntentText,
  countWords,
  getIntentDropReason,
  inferIntent,
  invalidRate,
} from '@/lib/core/abstraction/intents';
import { createFakeLlmClient, createHeuristicTestClient } from '@/lib/core/abstraction/test-helpers';
import {
  INVALID_RATE_WARNING,
  MAX_INTENT_CANDIDATE_CHARS,
  type IntentOutcome,
} from '@/lib/core/abstraction/types';
import {
  LlmCallError,
  type LlmContentPart,
  type LlmStepView,
  type PromptTemplate,
} from '@/lib/core/llm/types';

const PROMPTS: { candidate: PromptTemplate; refine: PromptTemplate } = {
  candidate: { id: 'intent_candidate', version: '1', system: 'Infer.', user: 'Original: {{objective}}' },
  refine: { id: 'intent_refine', version: '1', system: 'Refine.', user: 'Candidate: {{candidate}}' },
};

const STEPS: LlmStepView[] = [
  {
    index: 0,
    description: "Type text 'green controller' into the 'Search Amazon'",
    action: {
      type: 'type',
      elementName: 'Search Amazon',
      text: 'green controller',
      raw: 'Type [2]; green controller',
    },
    url: 'https://www.amazon.com/',
    title: 'Amazon.com',
    observation: '[2] input "Search Amazon"',
    screenshot: { mediaHash: 'a'.repeat(64), mime: 'image/png' },
  },
  {
    index: 1,
    description: "Click on a UI element 'Xbox Core Controller' on the screen.",
    action: { type: 'click', elementName: 'Xbox Core Controller', raw: 'Click [33]' },
    url: 'https://www.amazon.com/s?k=green',
    title: null,
    observation: null,
    screenshot: null,
  },
];

/** A client answering the candidate call with `candidate` and the refine call with `refined`. */
function client(candidate: string, refined: string | ((candidate: string) => string) = (c) => c) {
  return createFakeLlmClient((task) => {
    if (task.purpose === 'intent_candidate') return candidate;
    if (task.purpose === 'intent_refine')
      return typeof refined === 'string' ? refined : refined(task.candidate);
    throw new Error(`unexpected ${task.purpose}`);
  });
}

const infer = (agent: ReturnType<typeof client>, signal?: AbortSignal) =>
  inferIntent({
    objective: 'Buy a controller',
    environment: 'web',
    steps: STEPS,
    agent,
    prompts: PROMPTS,
    runId: 'r',
    signal,
  });

describe('cleanIntentText', () => {
  it.each([
    ['  Find a green controller.  ', 'Find a green controller.'],
    ['New task intent: Find a green controller.', 'Find a green controller.'],
    ['**New task intent:** "Find a green controller."', 'Find a green controller.'],
    ['Refined intent: \u201cFind a green controller.\u201d', 'Find a green controller.'],
    ["'Find a\n  green controller'", 'Find a green controller'],
    ['```\nFind a green controller.\n```', 'Find a green controller.'],
  ])('cleans %j', (input, output) => {
    expect(cleanIntentText(input)).toBe(output);
  });
});

describe('getIntentDropReason', () => {
  it('drops intents of at most two words', () => {
    expect(countWords('  ')).toBe(0);
    expect(getIntentDropReason('')).toMatch(/0 words/);
    expect(getIntentDropReason('Buy')).toMatch(/1 word /);
    expect(getIntentDropReason('Buy controller')).toMatch(/2 words/);
    expect(getIntentDropReason('Buy a controller')).toBeNull();
  });

  it('drops intents containing INVALID, case-sensitively', () => {
    expect(getIntentDropReason('INVALID')).toMatch(/contains 'INVALID'/);
    expect(getIntentDropReason('This task is INVALID because nothing happened')).toMatch(/INVALID/);
    expect(getIntentDropReason('Find all invalid coupon codes in the admin panel')).toBeNull();
    expect(getIntentDropReason('Report the Invalid entries of the log')).toBeNull();
  });
});

describe('inferIntent', () => {
  it('refines a valid candidate into a pending intent, with both call ids', async () => {
    const agent = client(
      'New task intent: "search amazon for a green controller"',
      'Search Amazon for a green controller.',
    );
    expect(await infer(agent)).toEqual({
      status: 'pending',
      candidate: 'search amazon for a green controller',
      intent: 'Search Amazon for a green controller.',
      candidateCallId: 'call-1',
      refineCallId: 'call-2',
    });
    expect(agent.requests.map((r) => r.task.purpose)).toEqual(['intent_candidate', 'intent_refine']);
    expect(agent.requests[1]!.task).toEqual({
      purpose: 'intent_refine',
      candidate: 'search amazon for a green controller',
    });
    // The refine call is text-only.
    expect(typeof agent.requests[1]!.messages[1]!.content).toBe('string');
  });

  it('sends the vision layout for the candidate call', async () => {
    const agent = client('Find a green controller on Amazon');
    await infer(agent);
    const parts = agent.requests[0]!.messages[1]!.content as LlmContentPart[];
    const texts = parts.map((p) => (p.type === 'text' ? p.text : `<image ${p.mediaHash.slice(0, 3)}>`));
    expect(texts[0]).toBe('Original: Buy a controller');
    expect(texts[1]).toBe('Trajectory:');
    expect(texts[2]).toBe('SCREENSHOT:');
    expect(texts[3]).toBe('<image aaa>');
    expect(texts[4]).toMatch(
      /^OBSERVATION: URL: https:\/\/www\.amazon\.com\/[\s\S]*ACTION: Type text 'green controller'/,
    );
    expect(texts[5]).toMatch(/^OBSERVATION: URL: .*\nACTION: Click on a UI element 'Xbox Core Controller'/);
    expect(texts[6]).toBe('New task intent:');
    expect(texts).toHaveLength(7);
  });

  it(`accepts a candidate of exactly ${MAX_INTENT_CANDIDATE_CHARS} characters and refines it`, async () => {
    const candidate = `Find ${'x'.repeat(MAX_INTENT_CANDIDATE_CHARS - 12)} on it.`;
    expect(candidate).toHaveLength(MAX_INTENT_CANDIDATE_CHARS);
    const agent = client(`  ${candidate}\n`);
    const outcome = await infer(agent);
    expect(outcome.status).toBe('pending');
    expect(agent.requests).toHaveLength(2);
  });

  it(`marks a candidate of ${MAX_INTENT_CANDIDATE_CHARS + 1} characters INVALID without a refine call`, async () => {
    const candidate = `Find ${'x'.repeat(MAX_INTENT_CANDIDATE_CHARS - 11)} on it.`;
    expect(candidate).toHaveLength(MAX_INTENT_CANDIDATE_CHARS + 1);
    const agent = client(candidate);
    expect(await infer(agent)).toEqual({
      status: 'invalid',
      candidate,
      intent: null,
      reason: 'the candidate has 1001 characters (over 1000)',
      candidateCallId: 'call-1',
      refineCallId: null,
    });
    expect(agent.requests).toHaveLength(1);
  });

  it('drops a refined intent of two words or containing INVALID', async () => {
    expect(await infer(client('Buy a green controller', 'Buy controller'))).toMatchObject({
      status: 'dropped',
      intent: 'Buy controller',
      reason: 'the refined intent has 2 words (at most 2)',
      refineCallId: 'call-2',
    });
    expect(await infer(client('nothing happened', 'INVALID'))).toMatchObject({
      status: 'dropped',
      intent: 'INVALID',
    });
    expect(await infer(client('Find invalid coupons in the admin', (c) => c))).toMatchObject({
      status: 'pending',
    });
  });

  it('refines even a candidate that says INVALID (the gate decides)', async () => {
    const agent = client('INVALID', (c) => c);
    expect((await infer(agent)).status).toBe('dropped');
    expect(agent.requests).toHaveLength(2);
  });

  it('propagates a failed call and an abort', async () => {
    const failing = createFakeLlmClient((_t, _r, callId) => new LlmCallError('timeout', callId));
    await expect(infer(failing)).rejects.toBeInstanceOf(LlmCallError);
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const agent = client('x y z');
    await expect(infer(agent, controller.signal)).rejects.toThrow('cancelled');
    expect(agent.requests).toHaveLength(0);
  });

  it('yields a pending intent with the heuristic provider', async () => {
    const outcome = await inferIntent({
      objective: 'Buy a controller',
      environment: 'web',
      steps: STEPS,
      agent: createHeuristicTestClient('agent'),
      prompts: PROMPTS,
    });
    expect(outcome).toMatchObject({
      status: 'pending',
      intent: "On amazon.com, search for 'green controller', then open 'Xbox Core Controller'.",
    });
  });
});

describe('invalidRate', () => {
  const pending: IntentOutcome = {
    status: 'pending',
    candidate: 'a b c',
    intent: 'A b c.',
    candidateCallId: '1',
    refineCallId: '2',
  };
  const invalid: IntentOutcome = {
    status: 'invalid',
    candidate: 'x',
    intent: null,
    reason: 'long',
    candidateCallId: '1',
    refineCallId: null,
  };
  const dropped: IntentOutcome = { ...invalid, status: 'dropped', refineCallId: '2', intent: 'INVALID' };

  it('counts invalid and dropped outcomes over all outcomes', () => {
    expect(invalidRate([])).toBeNull();
    expect(invalidRate([pending, pending, invalid, dropped])).toBe(0.5);
    expect(invalidRate([pending, pending, pending, invalid])!).toBeLessThan(INVALID_RATE_WARNING);
    expect(invalidRate([pending, pending, invalid])!).toBeGreaterThan(INVALID_RATE_WARNING);
    // Stored rows after review: accepted / rejected intents were usable.
    expect(
      invalidRate([
        { status: 'accepted' },
        { status: 'rejected' },
        { status: 'invalid' },
        { status: 'dropped' },
      ]),
    ).toBe(0.5);
  });
});
