/**
 * The sample shape of an export: `formatWebVoyagerAction` for every action type (the inverse of
 * `parseWebVoyagerAction` inside WebVoyager's action space, the harness's raw text outside it,
 * null for unreadable actions), `formatTarget`, and `buildStepExamples` on the edge cases
 * (skipped steps still count as history, a step without a screenshot, missing URL and title, the
 * harness's own element text, a correction's replayed steps as history only).
 */
import { describe, expect, it } from 'vitest';
import {
  buildStepExamples,
  formatTarget,
  formatWebVoyagerAction,
  UNRECORDED_URL,
  type ExportStep,
  type ExportTrajectory,
} from '@/lib/core/export/samples';
import type { ExampleMessage } from '@/lib/core/export/types';
import { parseWebVoyagerAction } from '@/lib/core/import/webvoyager';
import type { PromptTemplate } from '@/lib/core/llm/types';
import type { StepAction } from '@/lib/core/types';

const TEMPLATE: PromptTemplate = {
  id: 'next_action',
  version: 'test',
  system: 'Reply with Thought: … and Action: ….',
  user: 'Task: {{intent}}\nURL: {{url}}\nTitle: {{title}}\n{{elements}}\nHistory:\n{{history}}\nError: {{previous_error}}',
};

describe('formatWebVoyagerAction', () => {
  const cases: [string, StepAction, string | null][] = [
    ['click', { type: 'click', elementId: '5', raw: 'click [5]' }, 'Click [5]'],
    ['click without element', { type: 'click', raw: 'click(120, 44)' }, 'click(120, 44)'],
    ['type', { type: 'type', elementId: '3', text: 'red mug', raw: 'type [3] red mug' }, 'Type [3]; red mug'],
    ['type without text', { type: 'type', elementId: '3', raw: 'type [3]' }, 'type [3]'],
    [
      'scroll an element down',
      { type: 'scroll', elementId: '12', direction: 'down', raw: '' },
      'Scroll [12]; down',
    ],
    [
      'scroll the window up',
      { type: 'scroll', direction: 'up', raw: 'Scroll [WINDOW]; up' },
      'Scroll [WINDOW]; up',
    ],
    [
      'scroll left keeps raw',
      { type: 'scroll', direction: 'left', raw: 'scroll [WINDOW]; left' },
      'scroll [WINDOW]; left',
    ],
    [
      'scroll right keeps raw',
      { type: 'scroll', elementId: '4', direction: 'right', raw: 'swipe right' },
      'swipe right',
    ],
    ['scroll right without raw', { type: 'scroll', direction: 'right', raw: '  ' }, null],
    ['scroll without direction', { type: 'scroll', raw: 'Scroll [WINDOW]' }, 'Scroll [WINDOW]'],
    ['wait', { type: 'wait', raw: 'wait 5s' }, 'Wait'],
    ['go_back', { type: 'go_back', raw: 'go back' }, 'GoBack'],
    ['google', { type: 'google', raw: '' }, 'Google'],
    ['answer', { type: 'answer', answer: '$12.99', raw: 'answer $12.99' }, 'ANSWER; $12.99'],
    ['answer without text', { type: 'answer', raw: 'ANSWER' }, 'ANSWER;'],
    [
      'goto keeps raw',
      { type: 'goto', url: 'https://x.test/', raw: 'goto [https://x.test/]' },
      'goto [https://x.test/]',
    ],
    ['goto without raw', { type: 'goto', url: 'https://x.test/', raw: '' }, null],
    ['key_press keeps raw', { type: 'key_press', key: 'Enter', raw: ' press [Enter] ' }, 'press [Enter]'],
    ['hover keeps raw', { type: 'hover', elementId: '9', raw: 'hover [9]' }, 'hover [9]'],
    ['open_app keeps raw', { type: 'open_app', app: 'Clock', raw: 'open_app Clock' }, 'open_app Clock'],
    ['navigate_home keeps raw', { type: 'navigate_home', raw: 'navigate_home' }, 'navigate_home'],
    ['navigate_back keeps raw', { type: 'navigate_back', raw: 'navigate_back' }, 'navigate_back'],
    ['long_press keeps raw', { type: 'long_press', elementId: '2', raw: 'long_press [2]' }, 'long_press [2]'],
    ['status keeps raw', { type: 'status', status: 'complete', raw: 'status complete' }, 'status complete'],
    ['unknown', { type: 'unknown', raw: 'I am not sure what to do' }, null],
  ];
  for (const [name, action, expected] of cases) {
    it(name, () => {
      expect(formatWebVoyagerAction(action)).toBe(expected);
    });
  }

  it("round-trips through parseWebVoyagerAction inside WebVoyager's action space", () => {
    const actions: StepAction[] = [
      { type: 'click', elementId: '5', raw: 'Click [5]' },
      { type: 'type', elementId: '3', text: 'red mug; large', raw: 'Type [3]; red mug; large' },
      { type: 'scroll', elementId: '12', direction: 'down', raw: 'Scroll [12]; down' },
      { type: 'scroll', direction: 'up', raw: 'Scroll [WINDOW]; up' },
      { type: 'wait', raw: 'Wait' },
      { type: 'go_back', raw: 'GoBack' },
      { type: 'google', raw: 'Google' },
      { type: 'answer', answer: '3 results', raw: 'ANSWER; 3 results' },
    ];
    for (const action of actions) {
      const text = formatWebVoyagerAction(action)!;
      expect(text).toBe(action.raw);
      expect(parseWebVoyagerAction(formatTarget('because', text)).action).toEqual(action);
    }
  });
});

describe('formatTarget', () => {
  it('writes Thought and Action on two lines, or Action alone without a thought', () => {
    expect(formatTarget('  look at the cart ', 'Click [2]')).toBe(
      'Thought: look at the cart\nAction: Click [2]',
    );
    expect(formatTarget(null, 'Wait')).toBe('Action: Wait');
    expect(formatTarget('   ', 'Wait')).toBe('Action: Wait');
  });
});

function makeStep(index: number, action: StepAction, overrides: Partial<ExportStep> = {}): ExportStep {
  return {
    index,
    url: `https://app.test/page-${index}`,
    title: `Page ${index}`,
    elementsText: null,
    elements: [{ id: '1', role: 'button', name: 'OK', box: null }],
    screenshotHash: `${String(index).repeat(64)}`.slice(0, 64),
    screenshotMime: 'image/png',
    action,
    actionDescription: `step ${index} description`,
    thought: `thought ${index}`,
    ...overrides,
  };
}

function trajectoryOf(steps: ExportStep[]): ExportTrajectory {
  return {
    trajectoryId: 'traj-1',
    taskId: 'task-1',
    intent: 'Do the thing',
    environment: 'web',
    source: 'expert_demos',
    category: null,
    steps,
  };
}

function userText(message: ExampleMessage | undefined): string {
  if (message?.role !== 'user') throw new Error('not a user turn');
  return message.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
}

describe('buildStepExamples', () => {
  it('skips unreadable and unformattable steps, reporting why, but keeps them in the history', () => {
    const { examples, skipped } = buildStepExamples(
      TEMPLATE,
      trajectoryOf([
        makeStep(0, { type: 'click', elementId: '1', raw: 'Click [1]' }),
        makeStep(1, { type: 'unknown', raw: 'gibberish' }),
        makeStep(2, { type: 'goto', url: 'https://app.test/', raw: '' }),
        makeStep(3, { type: 'answer', answer: 'done', raw: 'ANSWER; done' }),
      ]),
    );
    expect(skipped).toEqual([
      { stepIndex: 1, reason: 'unparsed_action' },
      { stepIndex: 2, reason: 'unformattable_action' },
    ]);
    expect(examples.map((e) => e.meta.stepIndex)).toEqual([0, 3]);
    expect(userText(examples[1]!.messages[1])).toContain(
      'Step 1: step 0 description (on https://app.test/page-0)\nStep 2: step 1 description (on https://app.test/page-1)\nStep 3: step 2 description (on https://app.test/page-2)',
    );
    expect(examples[1]!.messages.at(-1)).toEqual({
      role: 'assistant',
      content: 'Thought: thought 3\nAction: ANSWER; done',
    });
    expect(examples[0]!.meta).toEqual({
      trajectoryId: 'traj-1',
      taskId: 'task-1',
      stepIndex: 0,
      source: 'expert_demos',
      category: null,
    });
  });

  it('gives a step without a screenshot a text-only user turn, and one with a screenshot its image', () => {
    const { examples } = buildStepExamples(
      TEMPLATE,
      trajectoryOf([
        makeStep(0, { type: 'wait', raw: 'Wait' }, { screenshotHash: null, screenshotMime: null }),
        makeStep(1, { type: 'wait', raw: 'Wait' }, { screenshotMime: 'image/webp' }),
      ]),
    );
    const [first, second] = examples.map((e) => e.messages[1]);
    expect(first).toEqual({ role: 'user', content: [{ type: 'text', text: expect.any(String) as string }] });
    expect(second?.role === 'user' && second.content[1]).toEqual({
      type: 'image',
      image: { mediaHash: '1'.repeat(64), mime: 'image/webp' },
    });
    for (const example of examples) {
      expect(example.messages[0]).toEqual({ role: 'system', content: TEMPLATE.system });
      expect(typeof example.messages.at(-1)!.content).toBe('string');
    }
  });

  it('uses the unrecorded-URL marker, "none" for a missing title and the harness element text when given', () => {
    const { examples } = buildStepExamples(
      TEMPLATE,
      trajectoryOf([
        makeStep(
          0,
          { type: 'click', elementId: '7', raw: 'Click [7]' },
          { url: null, title: null, elementsText: '[7]: <a> "Docs"' },
        ),
        makeStep(1, { type: 'wait', raw: 'Wait' }, { elements: [] }),
      ]),
    );
    const first = userText(examples[0]!.messages[1]);
    expect(first).toContain(`URL: ${UNRECORDED_URL}\nTitle: none\n[7]: <a> "Docs"\n`);
    expect(first).toContain('History:\nnone (this is the first step)');
    const second = userText(examples[1]!.messages[1]);
    expect(second).toContain('none (no labelled elements in view)');
    expect(second).toContain(`Step 1: step 0 description (on ${UNRECORDED_URL})`);
  });

  it("makes a correction's replayed steps history only: targets start at the take-over step", () => {
    const { examples, skipped } = buildStepExamples(TEMPLATE, {
      ...trajectoryOf([
        makeStep(0, { type: 'click', elementId: '1', raw: 'Click [1]' }),
        makeStep(1, { type: 'unknown', raw: 'the rollout went astray here' }),
        makeStep(2, { type: 'click', elementId: '4', raw: 'Click [4]' }),
        makeStep(3, { type: 'answer', answer: 'sent', raw: 'ANSWER; sent' }),
      ]),
      source: 'corrections',
      firstTargetStep: 2,
    });
    // The replayed steps 0 and 1 make no example, and an unreadable replayed action is not "skipped".
    expect(examples.map((e) => e.meta.stepIndex)).toEqual([2, 3]);
    expect(skipped).toEqual([]);
    expect(examples.map((e) => e.meta.source)).toEqual(['corrections', 'corrections']);
    // The first target sees the whole replayed history.
    expect(userText(examples[0]!.messages[1])).toContain(
      'Step 1: step 0 description (on https://app.test/page-0)\nStep 2: step 1 description (on https://app.test/page-1)',
    );
    expect(examples[0]!.messages.at(-1)).toEqual({
      role: 'assistant',
      content: 'Thought: thought 2\nAction: Click [4]',
    });
    // A take-over past the last step leaves no target; 0 makes every step one.
    expect(
      buildStepExamples(TEMPLATE, {
        ...trajectoryOf([makeStep(0, { type: 'wait', raw: 'Wait' })]),
        firstTargetStep: 1,
      }).examples,
    ).toEqual([]);
    expect(
      buildStepExamples(TEMPLATE, {
        ...trajectoryOf([makeStep(0, { type: 'wait', raw: 'Wait' })]),
        firstTargetStep: 0,
      }).examples,
    ).toHaveLength(1);
  });

  it('returns nothing for a trajectory without steps', () => {
    expect(buildStepExamples(TEMPLATE, trajectoryOf([]))).toEqual({ examples: [], skipped: [] });
  });
});
