import { describe, expect, it } from 'vitest';

import { ImportFormatError } from '@/lib/core/errors';
import {
  extractWebVoyagerObservation,
  parseWebVoyagerAction,
  parseWebVoyagerElements,
  parseWebVoyagerReferenceAnswers,
  parseWebVoyagerRun,
  parseWebVoyagerTasksJsonl,
  splitWebVoyagerId,
} from '@/lib/core/import/webvoyager';

describe('WebVoyager task data parsers', () => {
  it('splits WebVoyager ids on the last "--"', () => {
    expect(splitWebVoyagerId('Google Search--3')).toEqual({ webName: 'Google Search', number: 3 });
    expect(splitWebVoyagerId('nonsense')).toBeNull();
  });
  it('names the file and the 1-based line of a malformed JSONL line', () => {
    const text = [
      '{"web_name": "A", "id": "A--0", "ques": "q", "web": "https://a/"}',
      '',
      '{"web_name": "A", "id": "A--1", "ques": "q", "web": ',
    ].join('\n');
    expect(() => parseWebVoyagerTasksJsonl(text, '/x/WebVoyager_data.jsonl')).toThrow(ImportFormatError);
    expect(() => parseWebVoyagerTasksJsonl(text, '/x/WebVoyager_data.jsonl')).toThrow(
      /^\/x\/WebVoyager_data\.jsonl \(line 3\): invalid JSON/,
    );
    const missing = '{"web_name": "A", "id": "A--0", "web": "https://a/"}';
    expect(() => parseWebVoyagerTasksJsonl(missing, 'tasks.jsonl')).toThrow(
      /^tasks\.jsonl \(line 1, field ques\): /,
    );
    const duplicate = [
      '{"web_name": "A", "id": "A--0", "ques": "q", "web": "https://a/"}',
      '{"web_name": "A", "id": "A--0", "ques": "q2", "web": "https://a/"}',
    ].join('\n');
    expect(() => parseWebVoyagerTasksJsonl(duplicate, 'tasks.jsonl')).toThrow(
      "tasks.jsonl (line 2, field id): duplicate task id 'A--0' (first on line 1)",
    );
  });
  it('names the field path of a malformed reference answer', () => {
    const text = JSON.stringify({ 'BBC News': { notice: '', answers: [{ id: 0, type: 'golden', ans: 5 }] } });
    expect(() => parseWebVoyagerReferenceAnswers(text, 'reference_answer.json')).toThrow(
      /^reference_answer\.json \(field \["BBC News"\]\.answers\[0\]\.ans\): /,
    );
  });
});

describe('parseWebVoyagerAction', () => {
  const elements = parseWebVoyagerElements('[3]: <input> "Search";\t[7]: "Next page";');

  it.each([
    [
      'Thought: t\n\nAction: Click [7]',
      { type: 'click', elementId: '7', elementName: 'Next page', raw: 'Click [7]' },
    ],
    [
      'Thought: t\nAction:   click 7',
      { type: 'click', elementId: '7', elementName: 'Next page', raw: 'click 7' },
    ],
    [
      'Thought: t\nAction: Type [3]; [black garlic]',
      {
        type: 'type',
        elementId: '3',
        elementRole: 'input',
        elementName: 'Search',
        text: 'black garlic',
        raw: 'Type [3]; [black garlic]',
      },
    ],
    [
      'Thought: t\nAction: TYPE [3] hello',
      {
        type: 'type',
        elementId: '3',
        elementRole: 'input',
        elementName: 'Search',
        text: 'hello',
        raw: 'TYPE [3] hello',
      },
    ],
    [
      'Thought: t\nAction: Scroll [7]; up',
      { type: 'scroll', elementId: '7', elementName: 'Next page', direction: 'up', raw: 'Scroll [7]; up' },
    ],
    ['Action: scroll [window]; DOWN', { type: 'scroll', direction: 'down', raw: 'scroll [window]; DOWN' }],
    ['Thought: t\nAction: Wait', { type: 'wait', raw: 'Wait' }],
    ['Thought: t\nAction: GoBack', { type: 'go_back', raw: 'GoBack' }],
    ['Thought: t\nAction: go back', { type: 'go_back', raw: 'go back' }],
    ['Thought: t\nAction: Google', { type: 'google', raw: 'Google' }],
    ['Thought: t\nAction: ANSWER; [42]', { type: 'answer', answer: '42', raw: 'ANSWER; [42]' }],
    ['Thought: t\n**Action:** Answer: yes', { type: 'answer', answer: 'yes', raw: 'Answer: yes' }],
    ['Thought: t\nAction: Drag [3] to [4]', { type: 'unknown', raw: 'Drag [3] to [4]' }],
  ] as const)('%j', (output, expected) => {
    expect(parseWebVoyagerAction(output, elements).action).toEqual(expected);
  });

  it('gives an unknown action (not an error) for a turn without Action:', () => {
    const { action, thought } = parseWebVoyagerAction('Thought: I am not sure what to do.');
    expect(action).toEqual({ type: 'unknown', raw: 'Thought: I am not sure what to do.' });
    expect(thought).toBe('I am not sure what to do.');
    expect(parseWebVoyagerAction('I give up').thought).toBeNull();
  });

  it('extracts the thought between Thought: and Action:', () => {
    expect(parseWebVoyagerAction('Thought: look at [5].\n\nAction: Click [5]').thought).toBe('look at [5].');
    expect(parseWebVoyagerAction('Action: Wait').thought).toBeNull();
  });
});

describe('parseWebVoyagerElements / extractWebVoyagerObservation', () => {
  it('reads tag, visible text and aria-label fallbacks', () => {
    expect(
      parseWebVoyagerElements(
        '[0]: <button> "List", "Open Navigation Menu";\t[1]: "", "Close";\t[2]: <textarea> "";',
      ),
    ).toEqual([
      { id: '0', role: 'button', name: 'List', box: null },
      { id: '1', role: null, name: 'Close', box: null },
      { id: '2', role: 'textarea', name: '', box: null },
    ]);
  });

  it('returns nothing for a clipped observation', () => {
    expect(
      extractWebVoyagerObservation('Observation: A screenshot and some texts. (Omitted in context.)'),
    ).toEqual({
      elementsText: null,
      elements: [],
    });
  });

  it('reads an accessibility tree (text-only mode)', () => {
    const observation = extractWebVoyagerObservation(
      "Observation: please analyze the accessibility tree and give the Thought and Action.\n[1] RootWebArea 'Google' focused: True\n\t[5] combobox 'Search' required: False",
    );
    expect(observation.elements).toEqual([
      { id: '1', role: 'RootWebArea', name: 'Google', box: null },
      { id: '5', role: 'combobox', name: 'Search', box: null },
    ]);
  });
});

describe('parseWebVoyagerRun on hand-made chat logs', () => {
  const system = { role: 'system', content: 'You are a robot.' };
  const firstUser = {
    role: 'user',
    content:
      'Now given a task: Find X.  Please interact with https://x.test/ and get the answer.Observation: A screenshot and some texts. (Omitted in context.)',
  };
  const base = {
    runName: 'taskX--1',
    file: 'run/interact_messages.json',
    kind: 'expert' as const,
    resolveScreenshot: (name: string) => (name === 'screenshot1.png' ? `/abs/${name}` : null),
  };

  it('warns on a missing screenshot and an unanswered last user turn, and takes the intent from the run', () => {
    const text = JSON.stringify([
      system,
      firstUser,
      { role: 'assistant', content: 'Thought: a\n\nAction: Click [1]' },
      { role: 'user', content: 'Observation: A screenshot and some texts. (Omitted in context.)' },
      { role: 'assistant', content: 'Thought: b\n\nAction: ANSWER; done' },
      { role: 'user', content: 'Observation: …' },
    ]);
    const { task, trajectory, warnings } = parseWebVoyagerRun({ ...base, text });
    expect(task).toMatchObject({
      externalId: 'webvoyager:X--1',
      intent: 'Find X.',
      startUrl: 'https://x.test/',
      site: 'X',
      evalSpec: null,
    });
    expect(trajectory.steps.map((s) => s.screenshotFile)).toEqual(['/abs/screenshot1.png', null]);
    expect(trajectory.finalAnswer).toBe('done');
    expect(warnings).toEqual([
      'run/interact_messages.json: screenshot2.png is missing for step 1; step kept without a screenshot',
      'run/interact_messages.json: user turn 3 ([5]) has no assistant reply; skipped',
    ]);
  });

  it('a run that never answers has finalAnswer null', () => {
    const text = JSON.stringify([system, firstUser, { role: 'assistant', content: 'Thought: hmm' }]);
    const { trajectory } = parseWebVoyagerRun({ ...base, text });
    expect(trajectory.finalAnswer).toBeNull();
    expect(trajectory.steps[0]?.action).toEqual({ type: 'unknown', raw: 'Thought: hmm' });
    expect(trajectory.steps[0]?.actionDescription).toBe("Perform an unrecognized action: 'Thought: hmm'.");
  });

  it.each([
    ['not JSON', '[{"role": "user"', /^run\/interact_messages\.json: invalid JSON/],
    ['not a list', '{"role": "user"}', /^run\/interact_messages\.json: /],
    [
      'a message without content',
      JSON.stringify([system, { role: 'user' }]),
      /^run\/interact_messages\.json \(field \[1\]\.content\): /,
    ],
    [
      'a message without role',
      JSON.stringify([system, firstUser, { content: 'x' }]),
      /\(field \[2\]\.role\): /,
    ],
    [
      'content of the wrong type',
      JSON.stringify([system, firstUser, { role: 'assistant', content: 7 }]),
      /\(field \[2\]\.content\): /,
    ],
    [
      'a text part without text',
      JSON.stringify([system, { role: 'user', content: [{ type: 'text', txt: 'x' }] }]),
      /\(field \[1\]\.content\[0\]\.text\): /,
    ],
    [
      'no task statement',
      JSON.stringify([
        system,
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'Action: Wait' },
      ]),
      /^run\/interact_messages\.json \(field \[1\]\.content\): first user turn does not state the task/,
    ],
  ])('raises ImportFormatError naming file and field for %s', (_name, text, message) => {
    expect(() => parseWebVoyagerRun({ ...base, text })).toThrow(ImportFormatError);
    expect(() => parseWebVoyagerRun({ ...base, text })).toThrow(message);
  });
});
