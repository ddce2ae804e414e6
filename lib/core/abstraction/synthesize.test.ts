import { describe, expect, it } from 'vitest';

import {
  computeSynthesisRates,
  describeAttemptFailure,
  synthesizeKeyStep,
  type SynthesizeKeyStepParams,
} from '@/lib/core/abstraction/synthesize';
import { createFakeLlmClient, type FakeResponder } from '@/lib/core/abstraction/test-helpers';
import {
  MAX_SYNTHESIS_ATTEMPTS,
  type KeyStepResult,
  type LfExecutor,
  type SynthesisAttempt,
} from '@/lib/core/abstraction/types';
import { buildTrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import type { LfEvaluation } from '@/lib/core/label-functions/types';
import { LlmCallError, type LlmStepView, type PromptTemplate } from '@/lib/core/llm/types';

const PROMPT: PromptTemplate = {
  id: 'label_function',
  version: '7',
  system: 'Write label functions.',
  user: 'Key step: {{key_step}}\nAttempt {{attempt}}. Feedback: {{previous_feedback}}\n{{step}}',
};

const STEP: LlmStepView = {
  index: 2,
  description: "Click on a UI element 'Most stars' on the screen.",
  action: { type: 'click', elementId: '52', elementName: 'Most stars', raw: 'Click [52]' },
  url: null,
  title: null,
  observation: null,
  screenshot: null,
};

const TRAJECTORY = buildTrajectoryDict({
  task: { intent: 'Find the most starred repo' },
  trajectory: { finalAnswer: null },
  steps: [],
});

const code = (tag: string) => `def label_function(trajectory):\n    return ${tag}`;
const reply = (tag: string) => `\`\`\`python\n${code(tag)}\n\`\`\``;

/** An executor that reads the returned expression: `True`, `False`, `raise`, `loop`, `None`. */
const fakeExecute: LfExecutor = (source) => {
  const tag = /return (\w+)/.exec(source)?.[1];
  const base = { evidenceStep: null, durationMs: 1 };
  const evaluation: LfEvaluation =
    tag === 'True'
      ? { ...base, result: true, evidenceStep: 2, outcome: 'ok', error: null }
      : tag === 'False'
        ? { ...base, result: false, outcome: 'ok', error: null }
        : tag === 'loop'
          ? { ...base, result: null, outcome: 'timeout', error: 'timed out after 2000 ms' }
          : tag === 'None'
            ? { ...base, result: null, outcome: 'non_bool', error: 'returned NoneType' }
            : {
                ...base,
                result: null,
                outcome: 'exception',
                error: "NameError: name 'raise_' is not defined",
              };
  return Promise.resolve(evaluation);
};

function run(responder: FakeResponder, overrides: Partial<SynthesizeKeyStepParams> = {}) {
  const coder = createFakeLlmClient(responder, { role: 'coder' });
  const promise = synthesizeKeyStep({
    keyStep: { stepIndex: 2, description: STEP.description },
    position: 0,
    objective: 'Find the most starred repo',
    environment: 'web',
    step: STEP,
    coder,
    prompt: PROMPT,
    execute: fakeExecute,
    trajectory: TRAJECTORY,
    runId: 'run-1',
    ...overrides,
  });
  return { coder, promise };
}

describe('synthesizeKeyStep', () => {
  it('keeps the first attempt when it passes', async () => {
    const { coder, promise } = run(() => reply('True'));
    const result = await promise;
    expect(result).toEqual({
      position: 0,
      stepIndex: 2,
      description: STEP.description,
      status: 'passed',
      code: code('True'),
      attempts: [
        {
          attempt: 1,
          code: code('True'),
          result: true,
          outcome: 'ok',
          error: null,
          evidenceStep: 2,
          modelCallId: 'call-1',
        },
      ],
    });
    const request = coder.requests[0]!;
    expect(request.task).toMatchObject({
      purpose: 'label_function',
      attempt: 1,
      previousFeedback: null,
      keyStep: STEP.description,
    });
    expect(request).toMatchObject({ promptId: 'label_function', promptVersion: '7', runId: 'run-1' });
    expect(request.messages[1]!.content).toContain('Key step: Click on a UI element');
  });

  it('retries with feedback and keeps the first passing later attempt', async () => {
    const tags = ['False', 'raise_', 'True', 'True'];
    const { coder, promise } = run((task) => reply(tags[(task as { attempt: number }).attempt - 1]!));
    const result = await promise;
    expect(result.status).toBe('passed');
    expect(result.attempts.map((a) => a.outcome)).toEqual(['ok', 'exception', 'ok']);
    expect(result.attempts.map((a) => a.result)).toEqual([false, null, true]);
    expect(coder.requests).toHaveLength(3);
    const feedback = coder.requests.map(
      (r) => (r.task as { previousFeedback: string | null }).previousFeedback,
    );
    expect(feedback[0]).toBeNull();
    expect(feedback[1]).toMatch(/returned False/);
    expect(feedback[2]).toMatch(/raised an exception: NameError/);
    expect(coder.requests[2]!.messages[1]!.content).toContain('Attempt 3. Feedback: The function raised');
  });

  it(`flags a key step that never passes within ${MAX_SYNTHESIS_ATTEMPTS} attempts, keeping every attempt`, async () => {
    const { coder, promise } = run(() => reply('False'));
    const result = await promise;
    expect(result.status).toBe('flagged');
    expect(result.code).toBeNull();
    expect(result.attempts).toHaveLength(MAX_SYNTHESIS_ATTEMPTS);
    expect(result.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(result.attempts.every((a) => a.code === code('False'))).toBe(true);
    expect(coder.requests).toHaveLength(MAX_SYNTHESIS_ATTEMPTS);
  });

  it('records a reply without code as no_code and tells the coder on the next attempt', async () => {
    const replies = ['I cannot write this.', reply('True')];
    const { coder, promise } = run((task) => replies[(task as { attempt: number }).attempt - 1]!);
    const result = await promise;
    expect(result.attempts[0]).toEqual({
      attempt: 1,
      code: null,
      result: null,
      outcome: 'no_code',
      error: 'no fenced ```python code block in the reply',
      evidenceStep: null,
      modelCallId: 'call-1',
    });
    expect(result.status).toBe('passed');
    expect((coder.requests[1]!.task as { previousFeedback: string }).previousFeedback).toMatch(
      /```python block/,
    );
  });

  it('records a failed call as model_error with its call id and goes on', async () => {
    const { promise } = run((task, _request, callId) =>
      (task as { attempt: number }).attempt === 1
        ? new LlmCallError('rate limited (429)', callId)
        : reply('True'),
    );
    const result = await promise;
    expect(result.attempts[0]).toMatchObject({
      outcome: 'model_error',
      error: 'rate limited (429)',
      modelCallId: 'call-1',
      code: null,
    });
    expect(result.attempts[1]).toMatchObject({ outcome: 'ok', result: true, modelCallId: 'call-2' });
    expect(result.status).toBe('passed');
  });

  it('propagates errors that are not LlmCallError (programming errors)', async () => {
    const { promise } = run(() => new TypeError('bug'));
    await expect(promise).rejects.toThrow(TypeError);
  });

  it('survives hostile replies: a 1 MB answer, an oversized block, a function that loops', async () => {
    const hostile = [
      'x'.repeat(1_000_000),
      `\`\`\`python\n${code('True')}\n#${'y'.repeat(300 * 1024)}\n\`\`\``,
      reply('loop'),
      reply('None'),
      reply('False'),
    ];
    const { promise } = run((task) => hostile[(task as { attempt: number }).attempt - 1]!);
    const result = await promise;
    expect(result.status).toBe('flagged');
    expect(result.attempts.map((a) => a.outcome)).toEqual([
      'no_code',
      'no_code',
      'timeout',
      'non_bool',
      'ok',
    ]);
    expect(result.attempts[1]!.error).toMatch(/over the sandbox's 256 KiB source limit/);
    expect(result.attempts[2]!.error).toBe('timed out after 2000 ms');
  });

  it('stops between attempts when aborted, throwing the signal reason', async () => {
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    const { coder, promise } = run(
      () => {
        controller.abort(reason);
        return reply('False');
      },
      { signal: controller.signal },
    );
    await expect(promise).rejects.toBe(reason);
    expect(coder.requests).toHaveLength(1);
  });

  it('throws an AbortError when aborted without a reason before the first call', async () => {
    const controller = new AbortController();
    controller.abort();
    const { coder, promise } = run(() => reply('True'), { signal: controller.signal });
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
    expect(coder.requests).toHaveLength(0);
  });

  it('passes a null step (synthetic status step) through to the task', async () => {
    const { coder, promise } = run(() => reply('True'), {
      step: null,
      keyStep: { stepIndex: null, description: "Set the task's status as 'complete'." },
    });
    expect((await promise).stepIndex).toBeNull();
    expect((coder.requests[0]!.task as { step: unknown }).step).toBeNull();
  });
});

describe('describeAttemptFailure', () => {
  it('words every outcome', () => {
    const base: SynthesisAttempt = {
      attempt: 1,
      code: null,
      result: null,
      outcome: 'ok',
      error: 'e',
      evidenceStep: null,
      modelCallId: null,
    };
    for (const outcome of [
      'ok',
      'exception',
      'timeout',
      'memory',
      'crash',
      'non_bool',
      'no_code',
      'model_error',
    ] as const) {
      expect(describeAttemptFailure({ ...base, outcome }).length).toBeGreaterThan(10);
    }
    expect(
      describeAttemptFailure({ ...base, outcome: 'exception', error: 'z'.repeat(10_000) }).length,
    ).toBeLessThan(2100);
  });
});

describe('computeSynthesisRates', () => {
  const attempt = (
    n: number,
    outcome: SynthesisAttempt['outcome'],
    result: boolean | null = null,
  ): SynthesisAttempt => ({
    attempt: n,
    code: null,
    result,
    outcome,
    error: null,
    evidenceStep: null,
    modelCallId: null,
  });
  const keyStep = (position: number, attempts: SynthesisAttempt[]): KeyStepResult => ({
    position,
    stepIndex: position,
    description: `step ${position}`,
    status: attempts.some((a) => a.outcome === 'ok' && a.result === true) ? 'passed' : 'flagged',
    code: null,
    attempts,
  });

  it('is all null without key steps', () => {
    expect(computeSynthesisRates([])).toEqual({ keySteps: 0, attempts: 0, osr: null, ftsr: null, esp: null });
  });

  it('computes OSR, FTSR and ESP per DESIGN.md (no_code / model_error count as not executed)', () => {
    const rates = computeSynthesisRates([
      keyStep(0, [attempt(1, 'ok', true)]),
      keyStep(1, [
        attempt(1, 'no_code'),
        attempt(2, 'model_error'),
        attempt(3, 'ok', false),
        attempt(4, 'ok', true),
      ]),
      keyStep(2, [
        attempt(1, 'exception'),
        attempt(2, 'timeout'),
        attempt(3, 'memory'),
        attempt(4, 'crash'),
        attempt(5, 'non_bool'),
      ]),
    ]);
    expect(rates).toEqual({ keySteps: 3, attempts: 10, osr: 2 / 3, ftsr: 1 / 3, esp: 4 / 10 });
  });

  it('counts passing by the attempts, not by the stored status', () => {
    const lying: KeyStepResult = { ...keyStep(0, [attempt(1, 'ok', false)]), status: 'passed' };
    expect(computeSynthesisRates([lying]).osr).toBe(0);
  });
});
