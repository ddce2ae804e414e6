import { beforeAll, describe, expect, it } from 'vitest';

import {
  extractNumberedLines,
  MAX_KEY_STEP_LINES,
  parseKeySteps,
  snapToDescription,
} from '@/lib/core/abstraction/key-steps';
import { readWebVoyagerRuns } from '@/lib/core/import/node/webvoyager';
import type { ImportBundle } from '@/lib/core/import/types';
import { respondHeuristically } from '@/lib/core/llm/heuristic';
import type { LlmStepView } from '@/lib/core/llm/types';

const DESCRIPTIONS = [
  "Click on a UI element 'Search or jump to...' on the screen.",
  "Type text 'climate change data visualization' into the 'Search GitHub'",
  'Scroll down on the screen.',
  "Click on a UI element 'Sort by: Best match' on the screen.",
  "Click on a UI element 'Most stars' on the screen.",
  "Answer user's question with text: 'resource-watch/resource-watch with 63 stars'",
];

const d = (i: number) => DESCRIPTIONS[i]!;

describe('extractNumberedLines', () => {
  it.each([
    ['1. Click here', 'Click here'],
    ['1) Click here', 'Click here'],
    ['- 1. Click here', 'Click here'],
    ['* 2) Click here', 'Click here'],
    ['**1.** Click here', 'Click here'],
    ['**1. Click here**', 'Click here'],
    ['1. **Click here**', 'Click here'],
    ['Step 3: Click here', 'Click here'],
    ['  12.   Click   here  ', 'Click here'],
    ['1. "Click here"', 'Click here'],
    ['1. `Click here`', 'Click here'],
    ['1. “Click here”', 'Click here'],
  ])('reads %j', (line, text) => {
    expect(extractNumberedLines(line)).toEqual([text]);
  });

  it('ignores preamble, prose, fences and empty numbered lines', () => {
    const reply = ['Here are the key steps:', '```', '1. First', '2.', '', '2. Second', '```', 'Done.'].join(
      '\n',
    );
    expect(extractNumberedLines(reply)).toEqual(['First', 'Second']);
  });

  it('does not keep a trailing quote that belongs to the description', () => {
    expect(extractNumberedLines("1. Type text 'x' into the 'Search'")).toEqual([
      "Type text 'x' into the 'Search'",
    ]);
  });

  it(`stops after ${MAX_KEY_STEP_LINES} lines`, () => {
    const reply = Array.from({ length: 500 }, (_, k) => `${k + 1}. step ${k}`).join('\n');
    expect(extractNumberedLines(reply)).toHaveLength(MAX_KEY_STEP_LINES);
  });
});

describe('snapToDescription', () => {
  it('finds the exact description, case- and whitespace-insensitively', () => {
    expect(snapToDescription(d(4), DESCRIPTIONS)).toBe(4);
    expect(snapToDescription(d(4).toUpperCase().replace(/ /g, '  '), DESCRIPTIONS)).toBe(4);
  });

  it('snaps a paraphrase or a truncated line to the closest description', () => {
    expect(snapToDescription("Click on 'Most stars'", DESCRIPTIONS)).toBe(4);
    expect(snapToDescription("Type text 'climate change data visualisation'", DESCRIPTIONS)).toBe(1);
    expect(snapToDescription("Answer user's question with text: 'resource-watch'", DESCRIPTIONS)).toBe(5);
  });

  it('breaks ties by taking the earliest description', () => {
    expect(snapToDescription('abc', ['abd', 'abe', 'abc'])).toBe(2);
    expect(snapToDescription('abc', ['abx', 'aby'])).toBe(0);
    expect(snapToDescription('same', ['same', 'same'])).toBe(0);
  });

  it('returns -1 for no descriptions', () => {
    expect(snapToDescription('x', [])).toBe(-1);
  });
});

describe('parseKeySteps', () => {
  it('returns verbatim descriptions in the order the model returned them', () => {
    const reply = [`1. ${d(3)}`, `2. ${d(1)}`, `3. ${d(5)}`].join('\n');
    expect(parseKeySteps(reply, DESCRIPTIONS)).toEqual({
      keySteps: [
        { stepIndex: 3, description: d(3) },
        { stepIndex: 1, description: d(1) },
        { stepIndex: 5, description: d(5) },
      ],
      parseFailed: false,
    });
  });

  it('snaps sloppy lines (bold, quotes, lower case, missing period) onto the originals', () => {
    const reply = [
      'Sure! The key steps are:',
      '',
      "- 1. **type text 'climate change data visualization' into the 'search github'**",
      '2) "Click on a UI element \'Most stars\' on the screen"',
      "3. Answer user's question with text: 'resource-watch/resource-watch with 63 stars'.",
    ].join('\n');
    const { keySteps, parseFailed } = parseKeySteps(reply, DESCRIPTIONS);
    expect(parseFailed).toBe(false);
    expect(keySteps.map((step) => step.description)).toEqual([d(1), d(4), d(5)]);
  });

  it('reads a list inside a code fence', () => {
    const reply = ['```', `1. ${d(0)}`, `2. ${d(4)}`, '```'].join('\n');
    expect(parseKeySteps(reply, DESCRIPTIONS).keySteps.map((step) => step.stepIndex)).toEqual([0, 4]);
  });

  it('makes every description a key step when no numbered line is found', () => {
    const result = parseKeySteps('I think the important steps are typing and sorting.', DESCRIPTIONS);
    expect(result.parseFailed).toBe(true);
    expect(result.keySteps.map((step) => step.stepIndex)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('removes exact duplicates, from the reply and from identical descriptions', () => {
    const reply = [`1. ${d(4)}`, `2. ${d(4)}`, `3. click on a ui element 'most stars' on the screen.`].join(
      '\n',
    );
    expect(parseKeySteps(reply, DESCRIPTIONS).keySteps).toEqual([{ stepIndex: 4, description: d(4) }]);

    const repeated = [
      'Scroll down on the screen.',
      'Click on a UI element on the screen.',
      'Scroll down on the screen.',
    ];
    const fallback = parseKeySteps('no list', repeated);
    expect(fallback.keySteps).toEqual([
      { stepIndex: 0, description: repeated[0] },
      { stepIndex: 1, description: repeated[1] },
    ]);
    // A line snapped to a repeated description points at its earliest step.
    expect(parseKeySteps('1. Scroll down on the screen.', repeated).keySteps[0]!.stepIndex).toBe(0);
  });

  describe('final status step', () => {
    const android = [
      "Open an app named 'Clock'.",
      "Click on a UI element 'Timer' on the screen.",
      'Scroll down on the screen.',
      "Set the task's status as 'complete'.",
    ];

    it('is appended when the model omitted it', () => {
      const { keySteps } = parseKeySteps(`1. ${android[0]}\n2. ${android[1]}`, android);
      expect(keySteps.map((step) => step.stepIndex)).toEqual([0, 1, 3]);
    });

    it('is kept once when the model listed it', () => {
      const { keySteps } = parseKeySteps(`1. ${android[0]}\n2. ${android[3]}`, android);
      expect(keySteps.map((step) => step.stepIndex)).toEqual([0, 3]);
    });

    it('is only about the last description', () => {
      const notLast = [android[3]!, android[1]!];
      expect(parseKeySteps(`1. ${android[1]}`, notLast).keySteps.map((step) => step.stepIndex)).toEqual([1]);
    });
  });

  it('never throws on empty input and bounds a huge reply', () => {
    expect(parseKeySteps('', [])).toEqual({ keySteps: [], parseFailed: true });
    expect(parseKeySteps('1. x', [])).toEqual({ keySteps: [], parseFailed: false });
    const huge = `1. ${'Click '.repeat(200_000)}`;
    const started = Date.now();
    expect(parseKeySteps(huge, DESCRIPTIONS).keySteps).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('parseKeySteps on the real WebVoyager demos', () => {
  let bundle: ImportBundle;
  // vitest runs from the repository root; the shared data sits beside it.
  beforeAll(async () => {
    bundle = await readWebVoyagerRuns('../shared/data/webvoyager/examples');
  });

  const toViews = (steps: ImportBundle['trajectories'][number]['steps']): LlmStepView[] =>
    steps.map((step) => ({
      index: step.index,
      description: step.actionDescription,
      action: step.action,
      url: step.url,
      title: step.title,
      observation: step.elementsText,
      screenshot: null,
    }));

  it('has the ten demos', () => {
    expect(bundle.trajectories).toHaveLength(10);
  });

  it('snaps every description, copied verbatim, back to its own step (or an identical earlier one)', () => {
    for (const trajectory of bundle.trajectories) {
      const descriptions = trajectory.steps.map((step) => step.actionDescription);
      descriptions.forEach((description, index) => {
        const snapped = snapToDescription(description, descriptions);
        expect(descriptions[snapped], trajectory.externalId).toBe(description);
        expect(snapped).toBeLessThanOrEqual(index);
      });
    }
  });

  it('parses the heuristic K reply of every demo into verbatim descriptions', () => {
    for (const trajectory of bundle.trajectories) {
      const task = bundle.tasks.find((t) => t.externalId === trajectory.taskExternalId)!;
      const steps = toViews(trajectory.steps);
      const reply = respondHeuristically({
        purpose: 'key_steps',
        objective: task.intent,
        environment: 'web',
        steps,
      });
      const descriptions = steps.map((step) => step.description);
      const { keySteps, parseFailed } = parseKeySteps(reply, descriptions);
      expect(parseFailed, trajectory.externalId).toBe(false);
      expect(keySteps.length, trajectory.externalId).toBeGreaterThan(0);
      for (const keyStep of keySteps) {
        expect(descriptions[keyStep.stepIndex!]).toBe(keyStep.description);
        expect(trajectory.steps[keyStep.stepIndex!]!.action.type).not.toBe('scroll');
      }
      // The final answer of every WebVoyager demo is a key step.
      expect(keySteps[keySteps.length - 1]!.description).toMatch(/^Answer user's question/);
    }
  });

  it('snaps a model-style sloppy reply (renumbered, lower-cased, truncated, bold) onto the right steps', () => {
    for (const trajectory of bundle.trajectories) {
      const descriptions = trajectory.steps.map((step) => step.actionDescription);
      // Keep every other step, mangled the way models do.
      const picked = descriptions.map((_, index) => index).filter((index) => index % 2 === 0);
      const reply = [
        'The key steps are:',
        ...picked.map((index, k) => {
          const text = descriptions[index]!;
          const mangled =
            k % 3 === 0 ? text.toLowerCase() : k % 3 === 1 ? `**${text}**` : `"${text.slice(0, -1)}"`;
          return `${k + 1}) ${mangled}`;
        }),
      ].join('\n');
      const { keySteps } = parseKeySteps(reply, descriptions);
      const expected = [...new Set(picked.map((index) => descriptions.indexOf(descriptions[index]!)))];
      expect(
        keySteps.map((step) => step.stepIndex),
        trajectory.externalId,
      ).toEqual(expected);
    }
  });
});
