import { describe, expect, it } from 'vitest';

import {
  fillTemplate,
  getPromptVariables,
  MAX_OBSERVATION_CHARS_PER_STEP,
  parsePromptBody,
  renderMessages,
  renderStepDetails,
  renderTrajectoryParts,
} from '@/lib/core/llm/messages';
import type { LlmContentPart, LlmStepView, LlmTask, PromptTemplate } from '@/lib/core/llm/types';

const step = (index: number, overrides: Partial<LlmStepView> = {}): LlmStepView => ({
  index,
  description: `Click on a UI element 'Item ${index}' on the screen.`,
  action: { type: 'click', elementId: String(index), elementName: `Item ${index}`, raw: `Click [${index}]` },
  url: null,
  title: null,
  observation: null,
  screenshot: null,
  ...overrides,
});

describe('parsePromptBody', () => {
  it('splits the body on ## system / ## user and trims each section', () => {
    const body =
      'A note for editors.\n\n## system\n\nYou are K.\n\n## Rules\n- one\n\n## user\nObjective: {{objective}}\n';
    expect(parsePromptBody('key_steps', '3', body)).toEqual({
      id: 'key_steps',
      version: '3',
      system: 'You are K.\n\n## Rules\n- one',
      user: 'Objective: {{objective}}',
    });
  });

  it('accepts any case, CRLF, and the user section first', () => {
    expect(parsePromptBody('p', '1', '## USER\r\nu\r\n## System  \r\ns')).toMatchObject({
      system: 's',
      user: 'u',
    });
  });

  it('treats other headings as text', () => {
    const parsed = parsePromptBody('p', '1', '## system\n### system\n## system prompt\n## user\nu');
    expect(parsed.system).toBe('### system\n## system prompt');
  });

  it('throws naming the prompt when a section is missing, repeated or empty', () => {
    expect(() => parsePromptBody('augment', '1', '## system\nx')).toThrow(
      "prompt 'augment': missing section '## user'",
    );
    expect(() => parsePromptBody('augment', '1', '## user\nx')).toThrow(
      "prompt 'augment': missing section '## system'",
    );
    expect(() => parsePromptBody('augment', '1', '## system\nx\n## user\ny\n## user\nz')).toThrow(
      "prompt 'augment': section '## user' appears twice",
    );
    expect(() => parsePromptBody('augment', '1', '## system\n\n## user\ny')).toThrow(
      "prompt 'augment': section '## system' is empty",
    );
  });
});

describe('fillTemplate', () => {
  it('fills placeholders in one pass, spaces allowed, values never re-expanded', () => {
    expect(fillTemplate('p', 'A {{a}} B {{ b }} {{a}}', { a: '{{b}}', b: '2' })).toBe('A {{b}} B 2 {{b}}');
  });

  it('throws naming the prompt and the unknown placeholder', () => {
    expect(() => fillTemplate('key_steps', 'x {{objectve}}', { objective: 'o' })).toThrow(
      "prompt 'key_steps': unknown placeholder '{{objectve}}' (available: objective)",
    );
  });

  it('leaves single braces alone (Python dicts, JSON examples)', () => {
    expect(fillTemplate('p', '{"intent": 1} {x}', {})).toBe('{"intent": 1} {x}');
  });
});

describe('renderMessages', () => {
  const template: PromptTemplate = {
    id: 'key_steps',
    version: '1',
    system: 'Env: {{environment}}',
    user: '{{objective}}\n{{steps}}',
  };

  it('renders a system and a text user message', () => {
    const task: LlmTask = {
      purpose: 'key_steps',
      objective: 'Do it',
      environment: 'web',
      steps: [step(0), step(1)],
    };
    expect(renderMessages(template, task)).toEqual([
      { role: 'system', content: 'Env: web' },
      {
        role: 'user',
        content:
          "Do it\n1. Click on a UI element 'Item 0' on the screen.\n2. Click on a UI element 'Item 1' on the screen.",
      },
    ]);
  });

  it('renders the intent-candidate vision layout, omitting images of steps without a screenshot', () => {
    const task: LlmTask = {
      purpose: 'intent_candidate',
      objective: 'Buy it',
      environment: 'web',
      steps: [
        step(0, {
          screenshot: { mediaHash: 'h0', mime: 'image/png' },
          url: 'https://a.example/',
          observation: 'tree',
        }),
        step(1),
        step(2, { screenshot: { mediaHash: 'h2', mime: 'image/jpeg' }, title: 'Cart' }),
      ],
    };
    const [system, user] = renderMessages(
      {
        id: 'intent_candidate',
        version: '1',
        system: 'S',
        user: 'Was: {{objective}} ({{step_count}} steps)',
      },
      task,
    );
    expect(system).toEqual({ role: 'system', content: 'S' });
    expect(user!.role).toBe('user');
    const parts = user!.content as LlmContentPart[];
    expect(parts).toEqual([
      { type: 'text', text: 'Was: Buy it (3 steps)' },
      { type: 'text', text: 'Trajectory:' },
      { type: 'text', text: 'SCREENSHOT:' },
      { type: 'image', mediaHash: 'h0', mime: 'image/png' },
      {
        type: 'text',
        text: "OBSERVATION: URL: https://a.example/\ntree\nACTION: Click on a UI element 'Item 0' on the screen.",
      },
      {
        type: 'text',
        text: "OBSERVATION: (none recorded)\nACTION: Click on a UI element 'Item 1' on the screen.",
      },
      { type: 'text', text: 'SCREENSHOT:' },
      { type: 'image', mediaHash: 'h2', mime: 'image/jpeg' },
      {
        type: 'text',
        text: "OBSERVATION: Title: Cart\nACTION: Click on a UI element 'Item 2' on the screen.",
      },
      { type: 'text', text: 'New task intent:' },
    ]);
  });

  it(`caps each step's observation at ${MAX_OBSERVATION_CHARS_PER_STEP} characters`, () => {
    const parts = renderTrajectoryParts([step(0, { observation: 'o'.repeat(5000) })]);
    const text = (parts[1] as { text: string }).text;
    expect(text).toContain(`${'o'.repeat(MAX_OBSERVATION_CHARS_PER_STEP)}… [3000 more characters]`);
    expect(text).not.toContain('o'.repeat(MAX_OBSERVATION_CHARS_PER_STEP + 1));
  });
});

describe('getPromptVariables', () => {
  it('offers the documented names per purpose', () => {
    const names = (task: LlmTask) => Object.keys(getPromptVariables(task)).sort();
    expect(names({ purpose: 'key_steps', objective: 'o', environment: 'web', steps: [] })).toEqual([
      'environment',
      'objective',
      'step_count',
      'steps',
    ]);
    expect(
      names({
        purpose: 'label_function',
        objective: 'o',
        environment: 'web',
        keyStep: 'k',
        step: null,
        attempt: 1,
        previousFeedback: null,
      }),
    ).toEqual(['attempt', 'environment', 'key_step', 'objective', 'previous_feedback', 'step']);
    expect(names({ purpose: 'intent_refine', candidate: 'c' })).toEqual(['candidate']);
    expect(
      names({
        purpose: 'augment',
        objective: 'o',
        environment: 'web',
        template: null,
        params: null,
        siblingParams: [],
        steps: [],
        count: 3,
      }),
    ).toEqual(['count', 'environment', 'objective', 'params', 'sibling_params', 'steps', 'template']);
    expect(names({ purpose: 'ping' })).toEqual([]);
  });

  it('describes the snapped step with JSON-quoted values only for the fields set', () => {
    expect(renderStepDetails(step(4))).toBe(
      'step index: "4"\naction type: "click"\nelement id: "4"\nelement name: "Item 4"\nraw action: "Click [4]"',
    );
    expect(renderStepDetails(null)).toMatch(/final task status/);
  });
});
