import { describe, expect, it } from 'vitest';

import { HEURISTIC_CANNOT_ACT_MESSAGE, respondHeuristically } from '@/lib/core/llm/heuristic';
import {
  getPromptVariables,
  MAX_NEXT_ACTION_ELEMENTS_CHARS,
  MAX_NEXT_ACTION_HISTORY_STEPS,
  renderActionHistory,
  renderMessages,
} from '@/lib/core/llm/messages';
import { LLM_PURPOSES, type LlmTask, type PromptTemplate } from '@/lib/core/llm/types';

const history = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    index,
    actionDescription: `Click on a UI element 'Item ${index}' on the screen.`,
    url: `https://shop.example/${index}`,
  }));

const task = (overrides: Partial<Extract<LlmTask, { purpose: 'next_action' }>> = {}): LlmTask => ({
  purpose: 'next_action',
  intent: 'Buy a red mug',
  environment: 'web',
  url: 'https://shop.example/',
  title: 'Shop',
  elementsText: '[0]: <input> "Search";\t[1]: <button> "Go"',
  history: history(2),
  screenshot: { mediaHash: 'a'.repeat(64), mime: 'image/png' },
  previousError: null,
  ...overrides,
});

const template: PromptTemplate = {
  id: 'next_action',
  version: '1',
  system: 'Act on {{environment}}.',
  user: '{{intent}}|{{url}}|{{title}}\n{{elements}}\n{{history}}\n{{previous_error}}',
};

describe('next_action prompt rendering', () => {
  it('is a purpose of its own', () => {
    expect(LLM_PURPOSES).toContain('next_action');
  });

  it('renders the text first, then the screenshot by media hash', () => {
    expect(renderMessages(template, task())).toEqual([
      { role: 'system', content: 'Act on web.' },
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: [
              'Buy a red mug|https://shop.example/|Shop',
              '[0]: <input> "Search";\t[1]: <button> "Go"',
              "Step 1: Click on a UI element 'Item 0' on the screen. (on https://shop.example/0)",
              "Step 2: Click on a UI element 'Item 1' on the screen. (on https://shop.example/1)",
              'none (first reply)',
            ].join('\n'),
          },
          { type: 'image', mediaHash: 'a'.repeat(64), mime: 'image/png' },
        ],
      },
    ]);
  });

  it('offers the documented placeholders, with readable stand-ins for empty values', () => {
    const variables = getPromptVariables(
      task({ title: ' ', elementsText: '', history: [], previousError: 'Element [9] is missing.' }),
    );
    expect(Object.keys(variables).sort()).toEqual([
      'elements',
      'environment',
      'history',
      'intent',
      'previous_error',
      'title',
      'url',
    ]);
    expect(variables).toMatchObject({
      title: 'none',
      elements: 'none (no labelled elements in view)',
      history: 'none (this is the first step)',
      previous_error: 'Element [9] is missing.',
    });
  });

  it(`keeps the last ${MAX_NEXT_ACTION_HISTORY_STEPS} previous actions and counts the rest`, () => {
    const lines = renderActionHistory(history(13)).split('\n');
    expect(lines).toHaveLength(MAX_NEXT_ACTION_HISTORY_STEPS + 1);
    expect(lines[0]).toBe('(3 earlier steps not shown)');
    expect(lines[1]).toMatch(/^Step 4: /);
    expect(lines.at(-1)).toMatch(/^Step 13: .*\(on https:\/\/shop\.example\/12\)$/);
    expect(renderActionHistory(history(11)).split('\n')[0]).toBe('(1 earlier step not shown)');
  });

  it(`caps the element list at ${MAX_NEXT_ACTION_ELEMENTS_CHARS} characters`, () => {
    const elements = getPromptVariables(
      task({ elementsText: 'e'.repeat(MAX_NEXT_ACTION_ELEMENTS_CHARS + 5) }),
    )['elements']!;
    expect(elements).toBe(`${'e'.repeat(MAX_NEXT_ACTION_ELEMENTS_CHARS)}… [5 more characters]`);
  });
});

describe('heuristic provider and next_action', () => {
  it('refuses to pick browser actions, naming the alternatives', () => {
    expect(() => respondHeuristically(task())).toThrow(HEURISTIC_CANNOT_ACT_MESSAGE);
    expect(HEURISTIC_CANNOT_ACT_MESSAGE).toContain('noisy-expert');
    expect(HEURISTIC_CANNOT_ACT_MESSAGE).toContain('Models page');
  });
});
