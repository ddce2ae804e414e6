import { describe, expect, it } from 'vitest';

import { parseAugmentReply } from '@/lib/core/abstraction/augment';
import { extractPythonCode } from '@/lib/core/abstraction/extract-code';
import { cleanIntentText, getIntentDropReason } from '@/lib/core/abstraction/intents';
import { parseKeySteps } from '@/lib/core/abstraction/key-steps';
import { MAX_INTENT_CANDIDATE_CHARS } from '@/lib/core/abstraction/types';
import {
  chooseHeuristicCheck,
  HEURISTIC_MODEL,
  instantiateTemplate,
  isHeuristicKeyAction,
  respondHeuristically,
  toMatchText,
  toPythonString,
} from '@/lib/core/llm/heuristic';
import type { LlmStepView, LlmTask } from '@/lib/core/llm/types';
import { describeAction } from '@/lib/core/step-descriptions';
import type { Environment, StepAction } from '@/lib/core/types';

const view = (
  index: number,
  action: StepAction,
  env: Environment = 'web',
  url: string | null = null,
): LlmStepView => ({
  index,
  description: describeAction(action, env),
  action,
  url,
  title: null,
  observation: null,
  screenshot: null,
});

const WEB: StepAction[] = [
  { type: 'click', elementId: '5', raw: 'Click [5]' },
  {
    type: 'type',
    elementId: '0',
    elementName: 'Search GitHub',
    text: 'climate change',
    raw: 'Type [0]; climate change',
  },
  { type: 'scroll', direction: 'down', raw: 'Scroll [WINDOW]; down' },
  { type: 'wait', raw: 'Wait' },
  { type: 'hover', elementName: 'Menu', raw: 'hover [3]' },
  { type: 'go_back', raw: 'GoBack' },
  { type: 'key_press', key: 'Escape', raw: 'press [Escape]' },
  { type: 'key_press', key: 'Enter', raw: 'press [Enter]' },
  { type: 'click', elementId: '52', elementRole: 'button', elementName: 'Most stars', raw: 'Click [52]' },
  { type: 'goto', url: 'https://github.com/search?o=desc', raw: 'goto [https://github.com/search?o=desc]' },
  { type: 'answer', answer: 'resource-watch', raw: 'ANSWER; resource-watch' },
];
const WEB_STEPS = WEB.map((action, index) =>
  view(index, action, 'web', index === 0 ? 'https://www.github.com/' : null),
);

const ANDROID: StepAction[] = [
  { type: 'open_app', app: 'Clock', raw: 'open_app Clock' },
  { type: 'long_press', elementName: 'Alarm 7:00', raw: 'long_press' },
  { type: 'navigate_home', raw: 'navigate_home' },
  { type: 'scroll', direction: 'up', raw: 'scroll up' },
  { type: 'status', status: 'complete', raw: 'status complete' },
];
const ANDROID_STEPS = ANDROID.map((action, index) => view(index, action, 'android'));

function labelFunctionTask(step: LlmStepView | null, attempt: number): LlmTask {
  return {
    purpose: 'label_function',
    objective: 'o',
    environment: 'web',
    keyStep: step?.description ?? "Set the task's status as 'complete'.",
    step,
    attempt,
    previousFeedback: null,
  };
}

describe('heuristic key steps', () => {
  it('keeps state-changing actions only', () => {
    expect(WEB.map(isHeuristicKeyAction)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
    expect(ANDROID.map(isHeuristicKeyAction)).toEqual([true, true, true, false, true]);
  });

  it('answers a numbered list that parseKeySteps reads back verbatim', () => {
    const reply = respondHeuristically({
      purpose: 'key_steps',
      objective: 'o',
      environment: 'web',
      steps: WEB_STEPS,
    });
    expect(reply.split('\n')[0]).toBe(`1. ${WEB_STEPS[0]!.description}`);
    const parsed = parseKeySteps(
      reply,
      WEB_STEPS.map((s) => s.description),
    );
    expect(parsed.parseFailed).toBe(false);
    expect(parsed.keySteps.map((k) => k.stepIndex)).toEqual([0, 1, 7, 8, 9, 10]);
  });

  it('keeps the final status step and lists the last step when nothing qualifies', () => {
    const reply = respondHeuristically({
      purpose: 'key_steps',
      objective: 'o',
      environment: 'android',
      steps: ANDROID_STEPS,
    });
    expect(
      parseKeySteps(
        reply,
        ANDROID_STEPS.map((s) => s.description),
      ).keySteps.map((k) => k.stepIndex),
    ).toEqual([0, 1, 2, 4]);
    const scrolls = [
      view(0, { type: 'scroll', direction: 'down', raw: '' }),
      view(1, { type: 'wait', raw: '' }),
    ];
    const only = respondHeuristically({
      purpose: 'key_steps',
      objective: 'o',
      environment: 'web',
      steps: scrolls,
    });
    expect(only).toBe('1. Wait for the page to load.');
    expect(
      respondHeuristically({ purpose: 'key_steps', objective: 'o', environment: 'web', steps: [] }),
    ).not.toMatch(/^\d/);
  });
});

describe('heuristic label functions', () => {
  it('answers one python block that extractPythonCode reads, for every action and attempt', () => {
    for (const step of [...WEB_STEPS, ...ANDROID_STEPS, null]) {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const reply = respondHeuristically(labelFunctionTask(step, attempt));
        const { code } = extractPythonCode(reply);
        expect(code, `${step?.action.type} #${attempt}`).toMatch(
          /^def label_function\(trajectory\):\n {4}# Key step: .*\n {4}return validate_\w+\(trajectory/,
        );
      }
    }
  });

  it('loosens deterministically: role+name, then name, then the action type', () => {
    const click = WEB_STEPS[8]!;
    expect([1, 2, 3, 4, 5].map((n) => chooseHeuristicCheck(click, n).expression)).toEqual([
      'validate_click(trajectory, "button", "Most stars")',
      'validate_click(trajectory, None, "Most stars")',
      'validate_action_type(trajectory, "click")',
      'validate_action_type(trajectory, "click")',
      'validate_action_type(trajectory, "click")',
    ]);
    const type = WEB_STEPS[1]!;
    expect([1, 2, 3].map((n) => chooseHeuristicCheck(type, n).expression)).toEqual([
      'validate_type_action(trajectory, "climate change", "Search GitHub")',
      'validate_type_action(trajectory, "climate change", None)',
      'validate_action_type(trajectory, "type")',
    ]);
    expect(chooseHeuristicCheck(WEB_STEPS[0]!, 1).expression).toBe('validate_click(trajectory, None, None)');
    expect(chooseHeuristicCheck(WEB_STEPS[10]!, 1).expression).toBe(
      'validate_answer(trajectory, "resource-watch")',
    );
    expect(chooseHeuristicCheck(WEB_STEPS[9]!, 1).expression).toBe(
      'validate_goto_url(trajectory, "https://github.com/search?o=desc")',
    );
    expect(chooseHeuristicCheck(WEB_STEPS[7]!, 1).expression).toBe('validate_key_press(trajectory, "Enter")');
    expect(chooseHeuristicCheck(WEB_STEPS[7]!, 2).expression).toBe(
      'validate_keyboard_enter_action(trajectory)',
    );
    expect(chooseHeuristicCheck(WEB_STEPS[2]!, 1).expression).toBe(
      'validate_scroll(trajectory, "down", None)',
    );
    expect(chooseHeuristicCheck(WEB_STEPS[5]!, 1).expression).toBe('validate_navigate_back(trajectory)');
    expect(chooseHeuristicCheck(ANDROID_STEPS[0]!, 1).expression).toBe(
      'validate_open_app(trajectory, "Clock")',
    );
    expect(chooseHeuristicCheck(ANDROID_STEPS[1]!, 1).expression).toBe(
      'validate_long_press(trajectory, None, "Alarm 7:00")',
    );
    expect(chooseHeuristicCheck(ANDROID_STEPS[2]!, 1).expression).toBe('validate_navigate_home(trajectory)');
    expect(chooseHeuristicCheck(ANDROID_STEPS[4]!, 1).expression).toBe(
      'validate_task_status(trajectory, "complete")',
    );
    expect(chooseHeuristicCheck(null, 1).expression).toBe('validate_task_status(trajectory, "complete")');
  });

  it('escapes names with quotes, backslashes, newlines and control characters as JSON-compatible literals', () => {
    const nasty = 'He said "hi" \\ it\'s\nnew\tline\u0000\u2028 end';
    const literal = toPythonString(nasty);
    expect(JSON.parse(literal)).toBe(nasty);
    for (const raw of ['\n', '\r', '\t', String.fromCharCode(0), '\u2028'])
      expect(literal).not.toContain(raw);
    const step = view(0, { type: 'click', elementName: nasty, elementRole: "a'b", raw: 'Click [1]' });
    const code = extractPythonCode(respondHeuristically(labelFunctionTask(step, 1))).code!;
    expect(code.split('\n')).toHaveLength(3);
    expect(code).toContain(`validate_click(trajectory, "a'b", ${toPythonString(toMatchText(nasty)!)})`);
  });

  it('keeps long texts to a word-bounded prefix (the API matches by containment)', () => {
    const long = `${'word '.repeat(40)}end`;
    const cut = toMatchText(long)!;
    expect(cut.length).toBeLessThanOrEqual(80);
    expect(long.startsWith(cut)).toBe(true);
    expect(cut.endsWith('word')).toBe(true);
    expect(toMatchText('  ')).toBeNull();
    // An emoji at the cut is never split into a lone surrogate.
    expect(toMatchText('😀'.repeat(100))).toBe('😀'.repeat(80));
  });
});

describe('heuristic intents', () => {
  it('infers a candidate of more than two words and under 1,000 characters, and refines it', () => {
    const candidate = respondHeuristically({
      purpose: 'intent_candidate',
      objective: 'o',
      environment: 'web',
      steps: WEB_STEPS,
    });
    expect(candidate).toBe(
      "New task intent: On github.com, search for 'climate change', then open 'Most stars', and report what you find.",
    );
    const cleaned = cleanIntentText(candidate);
    expect(cleaned.length).toBeLessThan(MAX_INTENT_CANDIDATE_CHARS);
    const refined = cleanIntentText(respondHeuristically({ purpose: 'intent_refine', candidate: cleaned }));
    expect(refined).toBe(
      "On github.com, search for 'climate change', then open 'Most stars', and report what you find.",
    );
    expect(getIntentDropReason(refined)).toBeNull();
  });

  it('stays short with huge inputs and says something with no informative step', () => {
    const long = 'x'.repeat(5000);
    const steps = [
      view(0, { type: 'type', text: long, raw: '' }),
      view(1, { type: 'type', text: `${long}y`, raw: '' }),
      view(2, { type: 'click', elementName: long, raw: '' }),
    ];
    const candidate = cleanIntentText(
      respondHeuristically({ purpose: 'intent_candidate', objective: 'o', environment: 'web', steps }),
    );
    expect(candidate.length).toBeLessThan(400);
    const empty = cleanIntentText(
      respondHeuristically({ purpose: 'intent_candidate', objective: 'o', environment: 'web', steps: [] }),
    );
    expect(getIntentDropReason(empty)).toBeNull();
  });

  it('tidies a candidate: capitalised, one trailing period, spaces collapsed; INVALID for nothing', () => {
    expect(respondHeuristically({ purpose: 'intent_refine', candidate: '  "find   the cart"  ' })).toBe(
      'Find the cart.',
    );
    expect(respondHeuristically({ purpose: 'intent_refine', candidate: 'Is it open?' })).toBe('Is it open?');
    expect(respondHeuristically({ purpose: 'intent_refine', candidate: '' })).toBe('INVALID');
  });
});

describe('heuristic augmentation', () => {
  const base = {
    purpose: 'augment' as const,
    objective: 'What is the top-1 best selling product in 2022',
    environment: 'web' as const,
    template: 'What is the top-{{n}} best selling product in {{year}}',
    params: { n: 1, year: 2022 },
    steps: [],
  };

  it('instantiates the template with sibling params, then fills up with paraphrases', () => {
    const reply = respondHeuristically({
      ...base,
      siblingParams: [{ n: 1, year: 2022 }, { n: 3, year: 2023 }, { n: 2 }, { n: 5, year: 2021 }],
      count: 4,
    });
    const variants = parseAugmentReply(reply, {
      originalIntent: base.objective,
      template: base.template,
      count: 4,
    });
    expect(variants).toEqual([
      {
        intent: 'What is the top-3 best selling product in 2023',
        params: { n: 3, year: 2023 },
        variant: 'template',
      },
      {
        intent: 'What is the top-5 best selling product in 2021',
        params: { n: 5, year: 2021 },
        variant: 'template',
      },
      {
        intent: 'Please tell me: What is the top-1 best selling product in 2022?',
        params: null,
        variant: 'paraphrase',
      },
      {
        intent: 'Can you find out: What is the top-1 best selling product in 2022?',
        params: null,
        variant: 'paraphrase',
      },
    ]);
  });

  it('paraphrases up to count without a template', () => {
    const reply = respondHeuristically({
      ...base,
      objective: 'Find a green controller.',
      template: null,
      params: null,
      siblingParams: [],
      count: 3,
    });
    expect(
      parseAugmentReply(reply, { originalIntent: 'Find a green controller.', template: null, count: 3 }).map(
        (v) => v.intent,
      ),
    ).toEqual([
      'Please find a green controller.',
      'Could you find a green controller?',
      'I need you to find a green controller.',
    ]);
  });

  it('fills {{x}} and {x} placeholders and refuses a missing one', () => {
    expect(
      instantiateTemplate('Top-{{n}} in {year} ({{ tags }})', { n: 3, year: '2020', tags: ['a', 'b'] }),
    ).toBe('Top-3 in 2020 (a, b)');
    expect(instantiateTemplate('Top-{{n}}', {})).toBeNull();
  });
});

describe('heuristic ping', () => {
  it('pongs and names its model', () => {
    expect(respondHeuristically({ purpose: 'ping' })).toBe('pong');
    expect(HEURISTIC_MODEL).toBe('heuristic-v1');
  });
});
