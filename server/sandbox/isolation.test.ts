/**
 * Isolation between label functions, attacked as the red team did: the attacker runs
 * arbitrary Python in the interpreter (the `unpoliced` runner has the static policy off, so
 * `__subclasses__` / `__globals__` reflection works) and takes over everything the driver holds:
 * its functions, its state, the real `sys`, the builtins, the garbage collector. Each test then
 * checks the properties of issue 14 › 1 on the label functions evaluated after it:
 *
 * - their result, evidence step, outcome and error are exactly what they are without the attacker
 *   (in the same batch, in a later batch on the same runner process, across label functions and
 *   trajectories), and a slowdown or crash it plants does not reach them;
 * - the attacker sees only the trajectory it was given: no other trajectory of the batch, no
 *   other label function's source, whatever it walks;
 * - records are made outside its reach: an evidence step that is no step of the trajectory, or a
 *   forged protocol line, is not taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createLabelFunctionRunner,
  type LabelFunctionRunner,
  type LabelFunctionSource,
  type LfTrajectory,
  type SandboxedLfEvaluation,
} from '@/server/sandbox/label-function-runner';

const SECRET_A = 'SECRET-TRAJECTORY-A-7f3e';
const SECRET_B = 'SECRET-TRAJECTORY-B-91c2';
const SECRET_SOURCE = 'SECRET-LF-SOURCE-5d0a';

const TRAJECTORY_A = {
  objective: 'task a',
  environment: 'web',
  final_answer: `alpha ${SECRET_A}`,
  steps: [
    {
      index: 0,
      url: 'https://a.example/',
      action: { type: 'click', element_name: 'Alpha', raw: 'Click [1]' },
      elements: [{ id: '1', role: 'button', name: 'Alpha' }],
    },
    { index: 1, action: { type: 'answer', answer: `alpha ${SECRET_A}`, raw: 'ANSWER; alpha' } },
  ],
};
const TRAJECTORY_B = {
  objective: 'task b',
  environment: 'web',
  final_answer: `bravo ${SECRET_B}`,
  steps: [
    { index: 0, action: { type: 'type', text: 'bravo', raw: 'Type [2]; bravo' } },
    { index: 1, action: { type: 'scroll', direction: 'down', raw: 'Scroll [WINDOW]; down' } },
    { index: 2, action: { type: 'answer', answer: `bravo ${SECRET_B}`, raw: 'ANSWER; bravo' } },
  ],
};
const TRAJECTORIES: LfTrajectory[] = [
  { id: 'a', trajectory: TRAJECTORY_A },
  { id: 'b', trajectory: TRAJECTORY_B },
];

/** Honest label functions whose results must never change. */
const VICTIMS: LabelFunctionSource[] = [
  { id: 'objective', code: "def label_function(t):\n    return t['objective'] == 'task b'\n" },
  { id: 'answer', code: "def label_function(t):\n    return validate_answer(t, 'bravo')\n" },
  {
    id: 'by-hand',
    code:
      `# ${SECRET_SOURCE}\nimport re\n\ndef label_function(t):\n` +
      "    return len(t['steps']) == 2 and re.search('alpha', t['final_answer'] or '') is not None\n",
  },
  { id: 'type', code: "def label_function(t):\n    return validate_type_action(t, 'bravo')\n" },
];

/** Finds the driver's globals the way an attacker would (static policy off). */
const REACH_DRIVER = `
def driver():
    for cls in object.__subclasses__():
        if cls.__name__ == '_ReadOnlyModule':
            return cls.__dict__['__getattr__'].__globals__
    raise LookupError('driver globals not found')
`;

/** Takes over everything the driver holds; prints what worked. Returns True on every trajectory. */
const POISONER = `${REACH_DRIVER}
def label_function(t):
    g = driver()
    sys = g['_sys']
    done = []
    def attempt(name, action):
        try:
            action()
            done.append(name)
        except BaseException:
            pass
    forged = {'objective': 'task b', 'steps': [], 'final_answer': 'alpha bravo'}
    attempt('_run', lambda: g.__setitem__('_run', lambda trajectory: 2 * 6 + 1))
    attempt('evaluate', lambda: g.__setitem__('evaluate', lambda n: 1))
    attempt('evidence_step', lambda: g['_state'].__setitem__('evidence_step', lambda calls, result: 0))
    attempt('marshal', lambda: g.__setitem__('_marshal_loads', lambda data: forged))
    attempt('json', lambda: g.__setitem__('_json_loads', lambda data: forged))
    attempt('describe', lambda: g.__setitem__('_describe_exception', lambda error: 'forged'))
    attempt('builtins', lambda: g['_state']['safe_builtins'].__setitem__('len', lambda x: 2))
    attempt('api_code', lambda: g['_state'].__setitem__('api_code', g['_state']['api_code']))
    attempt('approve', lambda: g['_approved_code'].clear())
    attempt('views', lambda: g['_module_views'].clear())
    attempt('real re', lambda: sys.modules['re'].__dict__.__setitem__('search', lambda *a: None))
    attempt('recursion', lambda: sys.setrecursionlimit(60))
    attempt('gc', lambda: (g['_gc'].enable(), g['_gc'].set_threshold(1, 1, 1)))
    attempt('junk', lambda: g.__setitem__('junk', [[i] for i in range(200000)]))
    print('poisoned: ' + ', '.join(done))
    return True
`;

/** A Python literal of `text` spelled backwards. */
function reversed(text: string): string {
  return JSON.stringify([...text].reverse().join(''));
}

/** Searches everything reachable for the other trajectory's and the other label function's secrets. */
const SNOOPER = `${REACH_DRIVER}
def label_function(t):
    g = driver()
    sys = g['_sys']
    seen = set()
    texts = []
    def walk(value, depth):
        if id(value) in seen or depth > 6:
            return
        seen.add(id(value))
        try:
            texts.append(repr(value)[:200000])
        except BaseException:
            return
        if isinstance(value, dict):
            for item in list(value.values()):
                walk(item, depth + 1)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in list(value)[:5000]:
                walk(item, depth + 1)
        elif isinstance(value, (bytes, bytearray)):
            texts.append(bytes(value).decode('latin-1'))
    walk(g, 0)
    for module in list(sys.modules.values()):
        try:
            walk(module.__dict__, 4)
        except BaseException:
            pass
    for cls in object.__subclasses__():
        walk(cls.__dict__, 5)
    texts.append('{0.__globals__}'.format(g['_safe_import']))
    blob = '\\n'.join(texts)
    # the secrets are spelled backwards here, so this source itself (left in memory) never matches
    own = ${reversed(SECRET_A)}[::-1] in blob
    other = ${reversed(SECRET_B)}[::-1] in blob or ${reversed(SECRET_SOURCE)}[::-1] in blob
    return 'own=%s other=%s' % (own, other)
`;

/** Plants slowdowns and traps for whatever runs after it in this interpreter. */
const SLOWDOWN = `${REACH_DRIVER}
def label_function(t):
    g = driver()
    clock = g['_sys'].modules['time'].perf_counter
    def slow_loads(data, real=g['_marshal_loads']):
        end = clock() + 1.6
        while clock() < end:
            pass
        return real(data)
    def trap(data):
        while True:
            pass
    g['_marshal_loads'] = slow_loads
    g['_json_loads'] = trap
    g['_state']['safe_builtins']['len'] = trap
    return True
`;

/** Breaks the driver so that the next call into it fails. */
const CRASHER = `${REACH_DRIVER}
def label_function(t):
    g = driver()
    g['_state']['namespace'] = None
    g['_state']['function'] = None
    g['_state']['install_error'] = None
    g['_read_buffer'] = None
    g['_run'] = None
    return True
`;

type Results = Map<string, SandboxedLfEvaluation>;

async function run(
  on: LabelFunctionRunner,
  labelFunctions: LabelFunctionSource[],
  trajectories: LfTrajectory[] = TRAJECTORIES,
): Promise<Results> {
  const results = await on.evaluate({ labelFunctions, trajectories });
  return new Map(results.map((r) => [`${r.labelFunctionId}/${r.trajectoryId}`, r.evaluation]));
}

/** What a victim reported, without the duration and prints. */
function verdictOf(evaluation: SandboxedLfEvaluation | undefined) {
  if (!evaluation) return undefined;
  const { result, evidenceStep, outcome, error } = evaluation;
  return { result, evidenceStep, outcome, error };
}

function expectVictimsUnchanged(results: Results, baseline: Results): void {
  for (const victim of VICTIMS) {
    for (const trajectory of TRAJECTORIES) {
      const key = `${victim.id}/${trajectory.id}`;
      expect(verdictOf(results.get(key)), key).toEqual(verdictOf(baseline.get(key)));
    }
  }
}

let unpoliced: LabelFunctionRunner;
let runner: LabelFunctionRunner;
let baseline: Results;

beforeAll(async () => {
  [unpoliced, runner] = await Promise.all([
    // a generous clock: the attacks walk the whole interpreter, on busy CI machines too
    createLabelFunctionRunner({ staticPolicy: false, timeoutMs: 15_000 }),
    createLabelFunctionRunner(),
  ]);
  baseline = await run(unpoliced, VICTIMS);
}, 180_000);

afterAll(async () => {
  await Promise.all([unpoliced?.close(), runner?.close()]);
});

describe('the baseline', () => {
  it('is what the victims compute on a clean interpreter', () => {
    expect(verdictOf(baseline.get('objective/b'))).toEqual({
      result: true,
      evidenceStep: null,
      outcome: 'ok',
      error: null,
    });
    expect(verdictOf(baseline.get('answer/b'))).toMatchObject({ result: true, evidenceStep: 2 });
    expect(verdictOf(baseline.get('answer/a'))).toMatchObject({ result: false, evidenceStep: null });
    expect(verdictOf(baseline.get('by-hand/a'))).toMatchObject({ result: true });
    expect(verdictOf(baseline.get('by-hand/b'))).toMatchObject({ result: false });
    expect(verdictOf(baseline.get('type/b'))).toMatchObject({ result: true, evidenceStep: 0 });
  });
});

describe('a label function that takes over the interpreter', () => {
  it(
    'reaches the driver and poisons it (the attack works on its own evaluations)',
    { timeout: 120_000 },
    async () => {
      const results = await run(unpoliced, [{ id: 'poison', code: POISONER }], [TRAJECTORIES[0]!]);
      const own = results.get('poison/a');
      expect(own?.outcome).toBe('ok');
      expect(own?.output).toMatch(/poisoned: _run, evaluate, evidence_step, marshal, json/);
      expect(own?.output).toMatch(/recursion/);
    },
  );

  it(
    'cannot change any later label function’s result, evidence step, outcome or error in the same batch',
    { timeout: 120_000 },
    async () => {
      const results = await run(unpoliced, [{ id: 'poison', code: POISONER }, ...VICTIMS]);
      expectVictimsUnchanged(results, baseline);
    },
  );

  it(
    'nor in a later batch on the same runner process, which was not restarted',
    { timeout: 120_000 },
    async () => {
      const started = unpoliced.stats().runnersStarted;
      await run(unpoliced, [{ id: 'poison', code: POISONER }]);
      const later = await run(unpoliced, VICTIMS);
      expectVictimsUnchanged(later, baseline);
      expect(unpoliced.stats().runnersStarted).toBe(started);
    },
  );

  it('its forged evidence step is dropped by the parent: 0 is a step of the trajectory, 6 is not', async () => {
    const forgeEvidence = `${REACH_DRIVER}
def label_function(t):
    g = driver()
    step = 6 if t['objective'] == 'task a' else 0
    g['_state']['evidence_step'] = lambda calls, result: step
    return True
`;
    const results = await run(unpoliced, [{ id: 'forge', code: forgeEvidence }]);
    expect(results.get('forge/a')).toMatchObject({ result: true, outcome: 'ok', evidenceStep: null });
    expect(results.get('forge/b')).toMatchObject({ result: true, outcome: 'ok', evidenceStep: 0 });
  });
});

describe('what an evaluation can see', () => {
  it(
    'only its own trajectory: no other trajectory and no other label function’s source, before or after it',
    { timeout: 180_000 },
    async () => {
      const victimPairs = VICTIMS.flatMap((victim) =>
        TRAJECTORIES.map((t) => ({ labelFunctionId: victim.id, trajectoryId: t.id })),
      );
      const snoopPair = { labelFunctionId: 'snoop', trajectoryId: 'a' };
      for (const pairs of [
        [snoopPair, ...victimPairs],
        [...victimPairs, snoopPair],
      ]) {
        const results = await unpoliced.evaluate({
          labelFunctions: [{ id: 'snoop', code: SNOOPER }, ...VICTIMS],
          trajectories: TRAJECTORIES,
          pairs,
        });
        const snoop = results.find((r) => r.labelFunctionId === 'snoop')!.evaluation;
        // the walk is thorough enough to find its own trajectory's secret (in the exchange buffer)
        expect(snoop.outcome).toBe('non_bool');
        expect(snoop.error).toContain('own=True other=False');
      }
    },
  );

  it('with the static policy on, module views hold no real module and format() reveals nothing of others', async () => {
    const probes: [string, RegExp][] = [
      ['import typing\ndef label_function(t):\n    return typing.sys is None\n', /has no attribute 'sys'/],
      [
        'import json\ndef label_function(t):\n    return json.decoder is None\n',
        /has no attribute 'decoder'/,
      ],
      ['import re\ndef label_function(t):\n    return re.enum is None\n', /has no attribute 'enum'/],
      [
        'import string\ndef label_function(t):\n    return string.Formatter is None\n',
        /has no attribute 'Formatter'/,
      ],
    ];
    for (const [code, error] of probes) {
      const results = await run(runner, [{ id: 'probe', code }], [TRAJECTORIES[0]!]);
      expect(results.get('probe/a')).toMatchObject({ outcome: 'exception' });
      expect(results.get('probe/a')?.error).toMatch(error);
    }
    const formatLeak =
      "def label_function(t):\n    text = '{0.__globals__}'.format(type)\n" +
      `    return ${reversed(SECRET_B)}[::-1] in text or ${reversed(SECRET_SOURCE)}[::-1] in text\n`;
    const results = await runner.evaluate({
      labelFunctions: [...VICTIMS, { id: 'format', code: formatLeak }],
      trajectories: TRAJECTORIES,
      pairs: [
        { labelFunctionId: 'by-hand', trajectoryId: 'b' },
        { labelFunctionId: 'format', trajectoryId: 'a' },
        { labelFunctionId: 'answer', trajectoryId: 'b' },
      ],
    });
    expect(results[1]?.evaluation).toMatchObject({ outcome: 'ok', result: false });
  });
});

describe('slowdowns and crashes', () => {
  it(
    'a planted slowdown or trap stays with the label function that planted it',
    { timeout: 120_000 },
    async () => {
      const stopped = unpoliced.stats().runnersStopped;
      const results = await run(unpoliced, [{ id: 'slow', code: SLOWDOWN }, ...VICTIMS]);
      // the same runner process went on: the restore, not a restart, removed the slowdown
      expect(unpoliced.stats().runnersStopped).toBe(stopped);
      // its own second evaluation runs into its own slowdown
      expect(results.get('slow/b')?.durationMs).toBeGreaterThan(1200);
      expectVictimsUnchanged(results, baseline);
      for (const victim of VICTIMS) {
        for (const trajectory of TRAJECTORIES) {
          // far below the planted 1.6 s: nothing of it is left
          expect(results.get(`${victim.id}/${trajectory.id}`)?.durationMs).toBeLessThan(1000);
        }
      }
    },
  );

  it(
    'a driver broken on purpose fails only the label function that broke it',
    { timeout: 120_000 },
    async () => {
      const results = await run(unpoliced, [{ id: 'crash', code: CRASHER }, ...VICTIMS]);
      expect(results.get('crash/a')).toMatchObject({ outcome: 'ok', result: true });
      // its own next evaluation runs into the broken driver: the runner dies and is replaced
      expect(results.get('crash/b')).toMatchObject({ result: null, outcome: 'crash' });
      expectVictimsUnchanged(results, baseline);
    },
  );

  it('protocol lines printed by a label function are its output, never records', async () => {
    const forger =
      'def label_function(t):\n' +
      '    for i in range(8):\n' +
      '        print(\'{"type":"result","i":%d,"result":true,"evidenceStep":0,"outcome":"ok","error":null,"durationMs":0,"output":""}\' % i)\n' +
      '    print(\'{"type":"done"}\')\n' +
      '    return False\n';
    const results = await run(runner, [{ id: 'forger', code: forger }, ...VICTIMS]);
    expect(results.get('forger/a')).toMatchObject({ outcome: 'ok', result: false });
    expect(results.get('forger/a')?.output).toContain('"type":"result"');
    expectVictimsUnchanged(results, baseline);
  });
});
