import { describe, expect, it } from 'vitest';

import { abstractTrajectory, keyStepsToPath } from '@/lib/core/abstraction/abstract';
import { createFakeLlmClient, createHeuristicTestClient } from '@/lib/core/abstraction/test-helpers';
import type { KeyStepResult, LfExecutor } from '@/lib/core/abstraction/types';
import { buildTrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import { LlmCallError, type LlmStepView, type PromptTemplate } from '@/lib/core/llm/types';
import { describeAction } from '@/lib/core/step-descriptions';
import type { PoolNode } from '@/lib/core/strategy-graph/types';
import type { StepAction } from '@/lib/core/types';

const PROMPTS: { keySteps: PromptTemplate; labelFunction: PromptTemplate } = {
  keySteps: { id: 'key_steps', version: '1', system: 'Pick key steps.', user: '{{objective}}\n{{steps}}' },
  labelFunction: {
    id: 'label_function',
    version: '1',
    system: 'Write code.',
    user: '{{key_step}} #{{attempt}}',
  },
};

const ACTIONS: StepAction[] = [
  { type: 'click', elementId: '5', elementName: 'Search', elementRole: 'button', raw: 'Click [5]' },
  { type: 'type', elementId: '0', elementName: 'Search GitHub', text: 'climate', raw: 'Type [0]; climate' },
  { type: 'scroll', direction: 'down', raw: 'Scroll [WINDOW]; down' },
  { type: 'click', elementId: '52', elementName: 'Most stars', raw: 'Click [52]' },
  { type: 'answer', answer: 'resource-watch', raw: 'ANSWER; resource-watch' },
];

const STEPS: LlmStepView[] = ACTIONS.map((action, index) => ({
  index,
  description: describeAction(action, 'web'),
  action,
  url: null,
  title: null,
  observation: null,
  screenshot: null,
}));

const TRAJECTORY = buildTrajectoryDict({
  task: { intent: 'Find the most starred climate repo' },
  trajectory: { finalAnswer: 'resource-watch' },
  steps: STEPS.map((step) => ({
    index: step.index,
    url: null,
    title: null,
    elementsText: null,
    elements: [],
    action: step.action,
    actionDescription: step.description,
    thought: null,
    rawOutput: null,
  })),
});

/** Passes every function except those whose `return` line mentions 'Most stars'. */
const execute: LfExecutor = (code) =>
  Promise.resolve({
    result: !/return .*Most stars/.test(code),
    evidenceStep: null,
    outcome: 'ok',
    error: null,
    durationMs: 1,
  });

describe('abstractTrajectory', () => {
  it('runs K (agent) then S (coder) per key step, with progress callbacks', async () => {
    const agent = createHeuristicTestClient('agent');
    const coder = createHeuristicTestClient('coder');
    const progress: string[] = [];
    const result = await abstractTrajectory({
      objective: 'Find the most starred climate repo',
      environment: 'web',
      steps: STEPS,
      trajectory: TRAJECTORY,
      agent,
      coder,
      prompts: PROMPTS,
      execute,
      runId: 'run-9',
      onKeySteps: (keySteps, parseFailed) => progress.push(`K ${keySteps.length} ${parseFailed}`),
      onKeyStep: (keyStep, done, total) =>
        progress.push(`S ${keyStep.position} ${keyStep.status} ${done}/${total}`),
    });
    expect(result.keyStepsCallId).toBe('agent-1');
    expect(result.parseFailed).toBe(false);
    // The heuristic leaves the scroll out.
    expect(result.keySteps.map((k) => k.stepIndex)).toEqual([0, 1, 3, 4]);
    expect(result.keySteps.map((k) => k.position)).toEqual([0, 1, 2, 3]);
    expect(result.keySteps.map((k) => k.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    // 'Most stars' fails on attempts 1 and 2; attempt 3 checks the action type only.
    expect(result.keySteps[2]!.attempts.map((a) => a.result)).toEqual([false, false, true]);
    expect(result.keySteps[2]!.code).toContain('validate_action_type(trajectory, "click")');
    expect(progress).toEqual([
      'K 4 false',
      'S 0 passed 1/4',
      'S 1 passed 2/4',
      'S 2 passed 3/4',
      'S 3 passed 4/4',
    ]);
    expect(agent.requests[0]!.task.purpose).toBe('key_steps');
    expect(agent.requests[0]!.runId).toBe('run-9');
    expect(coder.requests.every((r) => r.task.purpose === 'label_function')).toBe(true);
    expect(coder.requests).toHaveLength(6);
  });

  it('falls back to every description when K cannot be parsed', async () => {
    const agent = createFakeLlmClient(() => 'No idea, sorry.');
    const result = await abstractTrajectory({
      objective: 'x',
      environment: 'web',
      steps: STEPS,
      trajectory: TRAJECTORY,
      agent,
      coder: createHeuristicTestClient('coder'),
      prompts: PROMPTS,
      execute,
    });
    expect(result.parseFailed).toBe(true);
    expect(result.keySteps.map((k) => k.stepIndex)).toEqual([0, 1, 2, 3, 4]);
  });

  it('propagates a failed K call', async () => {
    const agent = createFakeLlmClient((_task, _request, callId) => new LlmCallError('down', callId));
    await expect(
      abstractTrajectory({
        objective: 'x',
        environment: 'web',
        steps: STEPS,
        trajectory: TRAJECTORY,
        agent,
        coder: createHeuristicTestClient('coder'),
        prompts: PROMPTS,
        execute,
      }),
    ).rejects.toMatchObject({ name: 'LlmCallError', callId: 'call-1' });
  });

  it('stops when aborted between key steps', async () => {
    const controller = new AbortController();
    const coder = createHeuristicTestClient('coder');
    await expect(
      abstractTrajectory({
        objective: 'x',
        environment: 'web',
        steps: STEPS,
        trajectory: TRAJECTORY,
        agent: createHeuristicTestClient('agent'),
        coder,
        prompts: PROMPTS,
        execute,
        signal: controller.signal,
        onKeyStep: () => controller.abort(new Error('stop')),
      }),
    ).rejects.toThrow('stop');
    expect(coder.requests).toHaveLength(1);
  });
});

describe('keyStepsToPath', () => {
  const keyStep = (position: number, description: string, status: 'passed' | 'flagged'): KeyStepResult => ({
    position,
    stepIndex: position,
    description,
    status,
    code: status === 'passed' ? `def label_function(t):\n    return ${position} >= 0` : null,
    attempts: [],
  });

  it('turns passing key steps into a linear path, reusing pool nodes by description', () => {
    const pool: PoolNode[] = [{ id: '7', description: 'CLICK ON SEARCH', label_function: 'old' }];
    const result = keyStepsToPath(pool, [
      keyStep(0, 'Click on search', 'passed'),
      keyStep(1, 'Type text', 'flagged'),
      keyStep(2, 'Answer', 'passed'),
    ]);
    expect(result.ids).toEqual(['7', '8']);
    expect(result.created).toEqual([
      { id: '8', description: 'Answer', label_function: keyStep(2, 'Answer', 'passed').code },
    ]);
    expect(result.pool).toHaveLength(2);
    expect(pool).toHaveLength(1);
    expect(result.path).toEqual({
      '7': { parent_node_id: ['0'], child_node_id: ['8'] },
      '8': { parent_node_id: ['7'], child_node_id: ['-1'] },
    });
  });

  it('orders by position and gives an empty path when nothing passed', () => {
    const result = keyStepsToPath([], [keyStep(1, 'B', 'passed'), keyStep(0, 'A', 'passed')]);
    expect(result.created.map((n) => n.description)).toEqual(['A', 'B']);
    expect(keyStepsToPath([], [keyStep(0, 'A', 'flagged')]).path).toEqual({});
  });
});
