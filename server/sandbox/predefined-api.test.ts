/**
 * The predefined API on real data, through the sandbox: trajectory dicts built by the import
 * parser from the shared WebVoyager runs, and a synthetic Android trajectory. All cases run in one
 * batch on one runner (one round trip).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildTrajectoryDict, type TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import { describeAction } from '@/lib/core/step-descriptions';
import type { StepAction } from '@/lib/core/types';
import {
  createLabelFunctionRunner,
  type LabelFunctionRunner,
  type LfPair,
  type SandboxedLfEvaluation,
} from '@/server/sandbox/label-function-runner';
import { loadWebVoyagerTrajectoryDicts } from '@/server/sandbox/test-trajectories';

const ANDROID_ACTIONS: StepAction[] = [
  { type: 'navigate_home', raw: '{"action_type": "navigate_home"}' },
  { type: 'open_app', app: 'Clock', raw: '{"action_type": "open_app", "app_name": "Clock"}' },
  {
    type: 'click',
    elementId: '4',
    elementRole: 'android.widget.Button',
    elementName: 'Timer',
    raw: '{"action_type": "click", "index": 4}',
  },
  {
    type: 'type',
    elementId: '7',
    text: '5 minutes',
    raw: '{"action_type": "input_text", "text": "5 minutes"}',
  },
  { type: 'key_press', key: 'Enter', raw: '{"action_type": "keyboard_enter"}' },
  { type: 'scroll', direction: 'down', raw: '{"action_type": "scroll", "direction": "down"}' },
  {
    type: 'long_press',
    elementId: '9',
    elementName: 'Alarm 7:00',
    raw: '{"action_type": "long_press", "index": 9}',
  },
  { type: 'navigate_back', raw: '{"action_type": "navigate_back"}' },
  {
    type: 'answer',
    answer: 'The timer is set',
    raw: '{"action_type": "answer", "text": "The timer is set"}',
  },
  { type: 'status', status: 'complete', raw: '{"action_type": "status", "goal_status": "complete"}' },
];

function buildAndroidTrajectory(): TrajectoryDict {
  return buildTrajectoryDict({
    task: { intent: 'Set a 5 minute timer in the Clock app.', environment: 'android' },
    trajectory: { finalAnswer: null },
    steps: ANDROID_ACTIONS.map((action, index) => ({
      index,
      url: null,
      title: index === 2 ? 'Clock' : null,
      elementsText: null,
      elements: [
        { id: '4', role: 'android.widget.Button', name: 'Timer', box: null },
        { id: '7', role: 'android.widget.EditText', name: 'Minutes', box: null },
        { id: '9', role: 'android.widget.TextView', name: 'Alarm 7:00', box: null },
      ],
      action,
      actionDescription: describeAction(action, 'android'),
      thought: null,
      rawOutput: action.raw,
    })),
  });
}

/** (trajectory, label-function body returning a bool, expected result, expected evidence step) */
const CASES: [string, string, boolean, number | null][] = [
  ['taskGitHub--0', "validate_click(t, None, 'Most stars')", true, 3],
  ['taskGitHub--0', "validate_click(t, None, 'most   STARS')", true, 3],
  ['taskGitHub--0', "validate_click(t, 'button', 'sort by')", true, 2],
  ['taskGitHub--0', "validate_click(t, 'link', 'Most stars')", false, null],
  ['taskGitHub--0', "validate_type_action(t, 'climate change data visualization', None)", true, 1],
  ['taskGitHub--0', "validate_type_action(t, 'climate change', 'search')", false, null],
  ['taskGitHub--0', "validate_answer(t, 'resource-watch')", true, 4],
  ['taskGitHub--0', "validate_answer(t, 'RESOURCE-WATCH/resource-watch with 63 stars')", true, 4],
  ['taskGitHub--0', "validate_answer(t, 'climate-watch')", false, null],
  [
    'taskGitHub--0',
    "validate_type_action(t, 'climate change data visualization', None) and validate_click(t, None, 'Most stars')",
    true,
    3,
  ],
  [
    'taskGitHub--0',
    "validate_click(t, None, 'Most stars') and validate_answer(t, 'resource-watch') and validate_type_action(t, 'climate', None)",
    true,
    4,
  ],
  [
    'taskGitHub--0',
    "validate_click(t, None, 'Most stars') and validate_click(t, None, 'Fewest stars')",
    false,
    null,
  ],
  ['taskGitHub--0', "not validate_click(t, None, 'Fewest stars')", true, null],
  ['taskGitHub--0', 'validate_keyboard_enter_action(t)', true, 1],
  ['taskGitHub--0', "validate_page_text(t, 'resource-watch')", true, 4], // listed once sorted by stars
  ['taskGitHub--0', "validate_page_text(t, 'Sort by: Best match')", true, 2],
  ['taskGitHub--0', 'validate_task_status(t)', true, 4],
  ['taskGitHub--0', "validate_task_status(t, 'infeasible')", false, null],
  ['taskGitHub--0', "validate_url_contains(t, 'github.com')", false, null],
  ['taskGitHub--0', 'validate_navigate_back(t)', false, null],
  ['taskGitHub--0', "validate_open_app(t, 'Clock')", false, null],
  ['taskAllrecipes--4', "validate_scroll(t, 'down')", true, 2],
  ['taskAllrecipes--4', "validate_type_action(t, 'baked salmon', None)", true, 1],
  ['taskBooking--1', "validate_scroll(t, 'UP')", true, 5],
  ['taskBooking--1', "validate_click(t, 'button', 'Price (lowest first)')", true, 7],
  ['taskAmazon--0', "validate_type_action(t, 'xbox wireless controller', 'Search Amazon')", true, 0],
  ['taskAmazon--0', "validate_type_action(t, 'xbox controller', 'Search Amazon')", false, null],
  ['taskAmazon--0', "validate_type_action(t, None, 'search amazon')", true, 0],
  ['taskCoursera--16', "validate_click(t, None, 'Introduction to Finance: The Basics')", true, 2],
  ['taskCoursera--16', "validate_answer(t, 'xi yang')", true, 4],
  ['taskBBC News--9', "validate_click(t, None, 'culture') and validate_click(t, None, 'music')", true, 1],
  ['taskGoogle Map--4', "validate_type_action(t, 'North Station', 'destination')", true, 2],
  ['taskGoogle Search--3', "validate_answer(t, 'Modern Times')", true, 4],
  ['android', "validate_open_app(t, 'clock')", true, 1],
  ['android', "validate_click(t, 'button', 'Timer')", true, 2],
  ['android', "validate_click(t, 'textbox', 'Timer')", false, null],
  ['android', "validate_type_action(t, '5 minutes', 'minutes')", true, 3],
  ['android', 'validate_keyboard_enter_action(t)', true, 4],
  ['android', "validate_key_press(t, 'return')", true, 4],
  ['android', "validate_scroll(t, 'down')", true, 5],
  ['android', "validate_long_press(t, None, 'alarm 7:00')", true, 6],
  ['android', "validate_click(t, None, 'Alarm 7:00')", false, null],
  ['android', 'validate_navigate_back(t)', true, 7],
  ['android', 'validate_navigate_home(t)', true, 0],
  ['android', "validate_answer(t, 'timer is set')", true, 8],
  ['android', "validate_task_status(t, 'completed')", true, 8],
  ['android', "validate_task_status(t, 'infeasible')", false, null],
  ['android', "validate_action_type(t, 'status')", true, 9],
  ['android', "validate_page_text(t, 'Alarm 7:00')", true, 0],
  ['android', 'validate_navigate_google(t)', false, null],
];

let runner: LabelFunctionRunner;
let results: SandboxedLfEvaluation[];

beforeAll(async () => {
  const dicts = await loadWebVoyagerTrajectoryDicts();
  runner = await createLabelFunctionRunner();
  const trajectories = [...dicts].map(([id, trajectory]) => ({ id, trajectory }));
  trajectories.push({ id: 'android', trajectory: buildAndroidTrajectory() });
  const labelFunctions = CASES.map(([, body], k) => ({
    id: `case-${k}`,
    code: `def label_function(t):\n    return ${body}\n`,
  }));
  const pairs: LfPair[] = CASES.map(([trajectoryId], k) => ({ labelFunctionId: `case-${k}`, trajectoryId }));
  results = (await runner.evaluate({ labelFunctions, trajectories, pairs })).map((r) => r.evaluation);
}, 120_000);

afterAll(async () => {
  await runner?.close();
});

describe('predefined API on WebVoyager and Android trajectories', () => {
  it.each(CASES.map((c, k) => [k, ...c] as const))(
    '#%i %s: %s → %s, evidence step %s',
    (k, _trajectory, _body, expected, evidence) => {
      const evaluation = results[k];
      expect(evaluation).toMatchObject({
        outcome: 'ok',
        error: null,
        result: expected,
        evidenceStep: evidence,
      });
    },
  );

  it('ran every case in one batch on one runner', () => {
    expect(runner.stats()).toMatchObject({ runnersStarted: 1, runnersStopped: 0 });
  });
});

describe('evidence step', () => {
  it('is the answer step when only final_answer matches, and null for a False result', async () => {
    const trajectory = {
      objective: 'x',
      steps: [
        { index: 0, action: { type: 'click' } },
        { index: 1, action: { type: 'scroll' } },
      ],
      final_answer: 'forty-two',
    };
    const [fromFinal, failing, handWritten] = await runner.evaluate({
      labelFunctions: [
        { id: 'final', code: "def label_function(t):\n    return validate_answer(t, 'FORTY-TWO')\n" },
        { id: 'failing', code: 'def label_function(t):\n    return validate_click(t) and False\n' },
        { id: 'hand', code: "def label_function(t):\n    return len(t['steps']) == 2\n" },
      ],
      trajectories: [{ id: 't', trajectory }],
    });
    expect(fromFinal?.evaluation).toMatchObject({ result: true, evidenceStep: 1 });
    expect(failing?.evaluation).toMatchObject({ result: false, evidenceStep: null });
    expect(handWritten?.evaluation).toMatchObject({ result: true, evidenceStep: null });
  });

  it('label functions can use the allowed standard-library modules', async () => {
    const code = [
      'import re, json, math, string, itertools, functools, difflib, unicodedata',
      'from collections import Counter, defaultdict',
      'from datetime import datetime',
      'from typing import Dict, List',
      '',
      'def label_function(trajectory: Dict) -> bool:',
      "    words: List[str] = re.findall(r'\\w+', trajectory['objective'].lower())",
      '    counts = Counter(words)',
      "    ratio = difflib.SequenceMatcher(None, 'most stars', 'Most  stars'.lower()).ratio()",
      "    when = datetime.strptime('2024-01-16', '%Y-%m-%d')",
      '    total = functools.reduce(lambda a, b: a + b, itertools.chain([1], [2]))',
      "    return (counts['the'] == 2 and ratio > 0.9 and when.day == 16 and total == 3",
      "            and math.isclose(0.1 + 0.2, 0.3) and json.loads('[1]') == [1]",
      "            and unicodedata.normalize('NFKC', '\\uff21') == 'A' and string.digits[0] == '0'",
      '            and defaultdict(int)[0] == 0)',
    ].join('\n');
    const [result] = await runner.evaluate({
      labelFunctions: [{ id: 'stdlib', code }],
      trajectories: [{ id: 't', trajectory: { objective: 'Find the repo with the most stars', steps: [] } }],
    });
    expect(result?.evaluation).toMatchObject({ result: true, outcome: 'ok', error: null });
  });

  it('reports prints and syntax errors with line numbers', async () => {
    const [printing, broken] = await runner.evaluate({
      labelFunctions: [
        {
          id: 'print',
          code: "def label_function(t):\n    print('checking', t['objective'])\n    return True\n",
        },
        { id: 'broken', code: 'def label_function(t):\n    return (\n' },
      ],
      trajectories: [{ id: 't', trajectory: { objective: 'Find it', steps: [] } }],
    });
    expect(printing?.evaluation).toMatchObject({ result: true, output: 'checking Find it\n' });
    expect(broken?.evaluation).toMatchObject({ result: null, outcome: 'exception' });
    expect(broken?.evaluation.error).toMatch(/^SyntaxError: .* \(line 2\)$/);
  });
});
