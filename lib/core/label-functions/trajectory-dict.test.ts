import { describe, expect, it } from 'vitest';

import {
  buildTrajectoryDict,
  completeTrajectoryDict,
  renderElementList,
  typePressesEnter,
  ZTrajectoryDictSchema,
  type TrajectoryDictStepInput,
} from '@/lib/core/label-functions/trajectory-dict';

const STEPS: TrajectoryDictStepInput[] = [
  {
    index: 1,
    url: 'https://github.com/search?q=x',
    title: 'Search',
    elementsText: null,
    elements: [{ id: '52', role: null, name: 'Most stars', box: { x: 1, y: 2, width: 3, height: 4 } }],
    action: { type: 'click', elementId: '52', elementName: 'Most stars', raw: 'Click [52]' },
    actionDescription: "Click on a UI element 'Most stars' on the screen.",
    thought: 'Sort by stars.',
    rawOutput: 'Thought: Sort by stars.\n\nAction: Click [52]',
  },
  {
    index: 0,
    url: null,
    title: null,
    elementsText: '[0]: <input> "Search";',
    elements: [{ id: '0', role: 'input', name: 'Search', box: null }],
    action: { type: 'type', elementId: '0', elementRole: 'input', text: 'climate', raw: 'Type [0]; climate' },
    actionDescription: "Type text 'climate' into the 'Search'",
    thought: null,
    rawOutput: null,
  },
];

describe('buildTrajectoryDict', () => {
  const dict = buildTrajectoryDict({
    task: { intent: 'Find the repo', template: 'Find {x}', params: { x: 'the repo' } },
    trajectory: { finalAnswer: 'resource-watch' },
    steps: STEPS,
  });

  it('orders steps by index and fills the parallel lists in the same order', () => {
    expect(dict.steps.map((s) => s.index)).toEqual([0, 1]);
    expect(dict.action_description).toEqual([
      "Type text 'climate' into the 'Search'",
      "Click on a UI element 'Most stars' on the screen.",
    ]);
    expect(dict.action_output_raw).toEqual([
      'Type [0]; climate',
      'Thought: Sort by stars.\n\nAction: Click [52]',
    ]);
    expect(dict.element_lists).toEqual(['[0]: <input> "Search";', '[52] element "Most stars"']);
  });

  it('carries task fields, the final answer and a null final state', () => {
    expect(dict).toMatchObject({
      objective: 'Find the repo',
      template: 'Find {x}',
      params: { x: 'the repo' },
      environment: 'web',
      final_answer: 'resource-watch',
      final_state: null,
    });
  });

  it('writes actions in snake_case with nulls for absent fields and no boxes', () => {
    expect(dict.steps[1]).toEqual({
      index: 1,
      url: 'https://github.com/search?q=x',
      title: 'Search',
      action: {
        type: 'click',
        element_id: '52',
        element_role: null,
        element_name: 'Most stars',
        text: null,
        press_enter: false,
        key: null,
        direction: null,
        answer: null,
        url: null,
        app: null,
        status: null,
        raw: 'Click [52]',
      },
      action_description: "Click on a UI element 'Most stars' on the screen.",
      thought: 'Sort by stars.',
      elements: [{ id: '52', role: null, name: 'Most stars' }],
    });
    expect(dict.steps[0]?.action.press_enter).toBe(true);
  });

  it('is JSON (what the runner sends) without loss', () => {
    expect(JSON.parse(JSON.stringify(dict))).toEqual(dict);
  });
});

describe('typePressesEnter', () => {
  it('is true for web typing unless WebArena says press_enter_after 0, and false on Android', () => {
    expect(typePressesEnter({ type: 'type', text: 'x', raw: 'Type [2]; x' }, 'web')).toBe(true);
    expect(typePressesEnter({ type: 'type', text: 'x', raw: 'type [2] [x] [1]' }, 'web')).toBe(true);
    expect(typePressesEnter({ type: 'type', text: 'x', raw: 'type [2] [x] [0]' }, 'web')).toBe(false);
    expect(
      typePressesEnter({ type: 'type', text: 'x', raw: '{"action_type":"input_text"}' }, 'android'),
    ).toBe(false);
    expect(typePressesEnter({ type: 'click', raw: 'Click [1]' }, 'web')).toBe(false);
  });
});

describe('renderElementList', () => {
  it('renders one line per element', () => {
    expect(
      renderElementList([
        { id: '1', role: 'button', name: 'Go', box: null },
        { id: '2', role: null, name: 'say "hi"', box: null },
      ]),
    ).toBe('[1] button "Go"\n[2] element "say \\"hi\\""');
  });
});

describe('ZTrajectoryDictSchema + completeTrajectoryDict', () => {
  it('accepts a minimal dict, defaults the rest and derives the parallel lists', () => {
    const parsed = ZTrajectoryDictSchema.parse({
      objective: 'x',
      steps: [{ index: 0, action: { type: 'scroll', direction: 'down', raw: 'Scroll [WINDOW]; down' } }],
      extra: { kept: true },
    });
    const dict = completeTrajectoryDict(parsed);
    expect(dict).toMatchObject({
      objective: 'x',
      template: null,
      params: null,
      environment: 'web',
      final_answer: null,
      final_state: null,
      action_description: [''],
      action_output_raw: ['Scroll [WINDOW]; down'],
      element_lists: [''],
      extra: { kept: true },
    });
    expect(dict.steps[0]?.action).toMatchObject({ type: 'scroll', direction: 'down', element_name: null });
  });

  it('names the bad field', () => {
    const result = ZTrajectoryDictSchema.safeParse({
      objective: 'x',
      steps: [{ index: 0, action: { type: 'fly' } }],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['steps', 0, 'action', 'type']);
  });
});
