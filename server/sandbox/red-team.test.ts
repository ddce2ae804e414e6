/**
 * Red-team suite: label functions that try to escape the sandbox or harm the runner. Every attempt
 * must fail safely — recorded as exception / timeout / memory / crash / non_bool with `result:
 * null` — and a benign "canary" label function evaluated right after it, in the same batch, must
 * still pass. Each case also asserts whether the runner survived or was killed and replaced.
 *
 * Two runners: `runner` is the production configuration; `unpoliced` has the static AST policy
 * turned off, to prove that the deeper layers (restricted builtins, deny-by-default audit hook,
 * removed bridges, V8 code-generation flag, neutered host APIs, bubblewrap) hold on their own.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import {
  createLabelFunctionRunner,
  DEFAULT_LF_OUTPUT_LIMIT_BYTES,
  type LabelFunctionRunner,
  type SandboxedLfEvaluation,
} from '@/server/sandbox/label-function-runner';
import { loadWebVoyagerTrajectoryDicts } from '@/server/sandbox/test-trajectories';

const CANARY = "def label_function(trajectory):\n    return validate_answer(trajectory, 'resource-watch')\n";

/**
 * Finds a name in the globals of any function of any class (only possible without the static
 * policy); `module_globals('os')` finds a module's globals by its name.
 */
const REACH = `
def all_globals():
    seen = set()
    stack = list(object.__subclasses__())
    found_globals = []
    while stack:
        cls = stack.pop()
        try:
            stack.extend(cls.__subclasses__())
        except TypeError:
            pass
        for value in list(cls.__dict__.values()):
            try:
                found = value.__globals__
            except AttributeError:
                continue
            if id(found) not in seen:
                seen.add(id(found))
                found_globals.append(found)
    # then the dicts of every module those globals hold (C modules such as _pyodide_core too)
    k = 0
    while k < len(found_globals):
        found = found_globals[k]
        k += 1
        yield found
        for value in list(found.values()):
            if type(value).__name__ == 'module' and id(value.__dict__) not in seen:
                seen.add(id(value.__dict__))
                found_globals.append(value.__dict__)

def reach(name):
    for found in all_globals():
        if name in found:
            return found[name]
    raise LookupError(name)

def module_globals(module):
    for found in all_globals():
        if found.get('__name__') == module:
            return found
    raise LookupError(module)
`;

let trajectory: TrajectoryDict;
let runner: LabelFunctionRunner;
let unpoliced: LabelFunctionRunner;

beforeAll(async () => {
  trajectory = (await loadWebVoyagerTrajectoryDicts()).get('taskGitHub--0')!;
  [runner, unpoliced] = await Promise.all([
    createLabelFunctionRunner(),
    createLabelFunctionRunner({ staticPolicy: false }),
  ]);
}, 120_000);

/** What each attempt hit; printed with `LF_RED_TEAM_REPORT=1` (for reviewing which layer held). */
const report: { test: string; policy: boolean; outcome: string; replaced: boolean; error: string }[] = [];

afterAll(async () => {
  await Promise.all([runner?.close(), unpoliced?.close()]);
  if (process.env.LF_RED_TEAM_REPORT) console.table(report);
});

interface Attempt {
  attack: SandboxedLfEvaluation;
  /** True when the runner was killed and replaced during the attack. */
  wasReplaced: boolean;
}

/** Runs `code` then the canary in one batch; asserts the canary still passes. */
async function attempt(code: string, on: LabelFunctionRunner = runner): Promise<Attempt> {
  const stoppedBefore = on.stats().runnersStopped;
  const [attack, canary] = await on.evaluate({
    labelFunctions: [
      { id: 'attack', code },
      { id: 'canary', code: CANARY },
    ],
    trajectories: [{ id: 'github-0', trajectory }],
  });
  expect(canary?.evaluation).toMatchObject({ result: true, outcome: 'ok', evidenceStep: 4 });
  const result = { attack: attack!.evaluation, wasReplaced: on.stats().runnersStopped > stoppedBefore };
  report.push({
    test: expect.getState().currentTestName ?? '',
    policy: on === runner,
    outcome: result.attack.outcome,
    replaced: result.wasReplaced,
    error: (result.attack.error ?? '').slice(0, 90),
  });
  return result;
}

function expectRefused(result: Attempt, outcome: string, error: RegExp): void {
  expect(result.attack.result).toBeNull();
  expect(result.attack.outcome).toBe(outcome);
  expect(result.attack.error).toMatch(error);
}

describe('imports of dangerous modules', () => {
  it.each([
    'os',
    'subprocess',
    'socket',
    'ctypes',
    'js',
    'pyodide_js',
    'pyodide.ffi',
    'gc',
    'sys',
    'builtins',
  ])('import %s is refused by the static policy, and by the import guard without it', async (module) => {
    const code = `import ${module}\ndef label_function(t):\n    return True\n`;
    const policed = await attempt(code);
    expectRefused(
      policed,
      'exception',
      new RegExp(`PolicyError: line 1: import of '${module}' is not allowed`),
    );
    expect(policed.wasReplaced).toBe(false);
    const guarded = await attempt(code, unpoliced);
    expectRefused(
      guarded,
      'exception',
      new RegExp(`ImportError: sandbox: import of '${module}' is not allowed`),
    );
  });

  it("the real __import__, reached through __globals__, cannot load a module: the audit hook denies 'import'", async () => {
    const code = `${REACH}\ndef label_function(t):\n    reach('__builtins__')['__import__']('sqlite3')\n    return True\n`;
    expectRefused(
      await attempt(code, unpoliced),
      'exception',
      /PermissionError: sandbox: '(import|open|os\.\w+)' is not allowed/,
    );
  });

  it('from pyodide.ffi import to_js and __import__ are refused too', async () => {
    expectRefused(
      await attempt('from pyodide.ffi import to_js\ndef label_function(t):\n    return True\n'),
      'exception',
      /PolicyError: line 1: import from 'pyodide.ffi'/,
    );
    expectRefused(
      await attempt("def label_function(t):\n    return __import__('os').system('id') == 0\n"),
      'exception',
      /PolicyError: line 2: name '__import__'/,
    );
  });
});

describe('host processes, files and network', () => {
  it("os.system('id') reached through object.__subclasses__ is denied by the audit hook", async () => {
    const code = `${REACH}\ndef label_function(t):\n    return reach('system')('id') == 0\n`;
    expectRefused(await attempt(code), 'exception', /PolicyError: line \d+: attribute '__subclasses__'/);
    const result = await attempt(code, unpoliced);
    expectRefused(result, 'exception', /PermissionError: sandbox: 'os.system' is not allowed/);
    expect(result.wasReplaced).toBe(false);
  });

  it("open('/etc/passwd') fails: no open builtin, and the audit hook denies every other way to open", async () => {
    expectRefused(
      await attempt("def label_function(t):\n    return len(open('/etc/passwd').read()) > 0\n"),
      'exception',
      /NameError: name 'open' is not defined/,
    );
    expectRefused(
      await attempt(
        `${REACH}\ndef label_function(t):\n    return module_globals('os')['open']('/etc/passwd', 0) >= 0\n`,
        unpoliced,
      ),
      'exception',
      /PermissionError: sandbox: 'open' is not allowed/,
    );
  });

  it('files of the repository and of a data directory are unreachable', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-red-team-'));
    const secret = path.join(dataDir, 'core-curator.db');
    fs.writeFileSync(secret, 'secret');
    try {
      for (const file of [secret, path.resolve('package.json'), path.resolve('server/env.ts')]) {
        const code = `${REACH}\nimport io\ndef label_function(t):\n    return 'secret' in reach('FileIO')(${JSON.stringify(file)}).read().decode()\n`;
        expectRefused(await attempt(code, unpoliced), 'exception', /ImportError: sandbox: import of 'io'/);
        // os.open is audited ('open'); os.stat is not, but no host directory is mounted in Pyodide's
        // in-memory file system (and under bubblewrap the host's files are not there either).
        const viaOpen = `${REACH}\ndef label_function(t):\n    return module_globals('os')['open'](${JSON.stringify(file)}, 0) >= 0\n`;
        expectRefused(
          await attempt(viaOpen, unpoliced),
          'exception',
          /PermissionError: sandbox: 'open' is not allowed/,
        );
        const viaStat = `${REACH}\ndef label_function(t):\n    return module_globals('os')['stat'](${JSON.stringify(file)}) is not None\n`;
        expectRefused(await attempt(viaStat, unpoliced), 'exception', /FileNotFoundError/);
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a socket to a loopback port opened by the test never connects', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const direct = `import socket\ndef label_function(t):\n    socket.create_connection(('127.0.0.1', ${port}))\n    return True\n`;
      expectRefused(await attempt(direct), 'exception', /PolicyError: line 1: import of 'socket'/);
      const reached = `${REACH}\ndef label_function(t):\n    imp = reach('__builtins__')['__import__']\n    imp('socket').create_connection(('127.0.0.1', ${port}))\n    return True\n`;
      expectRefused(
        await attempt(reached, unpoliced),
        'exception',
        /PermissionError: sandbox: '(import|socket\.\w+)' is not allowed/,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe('the JavaScript bridges', () => {
  it('a JsProxy found by walking __subclasses__/__globals__ cannot compile `return process`', async () => {
    const code = `${REACH}\ndef label_function(t):\n    js_function = reach('scheduleCallback')\n    process = js_function.constructor('return process')()\n    return process is not None\n`;
    expectRefused(await attempt(code), 'exception', /PolicyError/);
    expectRefused(
      await attempt(code, unpoliced),
      'exception',
      /EvalError: Code generation from strings disallowed/,
    );
  });

  it('the pyodide_js module is gone from sys.modules and its API object is neutered', async () => {
    const code = `${REACH}\ndef label_function(t):\n    modules = reach('__builtins__')['__import__']('sys').modules\n    return 'pyodide_js' in modules or 'js' in modules\n`;
    const result = await attempt(code, unpoliced);
    expect(result.attack).toMatchObject({ result: false, outcome: 'ok' });
  });

  it('gc.get_objects() is denied by the audit hook', async () => {
    const code = `${REACH}\ndef label_function(t):\n    gc = reach('__builtins__')['__import__']('gc')\n    return len(gc.get_objects()) > 0\n`;
    expectRefused(
      await attempt('import gc\ndef label_function(t):\n    return True\n'),
      'exception',
      /PolicyError/,
    );
    expectRefused(
      await attempt(code, unpoliced),
      'exception',
      /PermissionError: sandbox: 'gc.get_objects' is not allowed/,
    );
  });

  it('frames stay out of reach: gi_frame is refused statically and audited at runtime', async () => {
    const code =
      'def label_function(t):\n    def g():\n        yield 1\n    return g().gi_frame.f_back is None\n';
    expectRefused(await attempt(code), 'exception', /PolicyError: line 4: attribute '(gi_frame|f_back)'/);
    expectRefused(
      await attempt(code, unpoliced),
      'exception',
      /PermissionError: sandbox: 'object.__getattr__' is not allowed/,
    );
  });

  it('pyodide.ffi.to_js reached through __globals__ makes JS objects, but their Function cannot compile', async () => {
    const code = `${REACH}\ndef label_function(t):\n    obj = module_globals('_pyodide_core')['to_js']([1])\n    return obj.constructor.constructor('return process')() is not None\n`;
    expectRefused(
      await attempt(code, unpoliced),
      'exception',
      /EvalError: Code generation from strings disallowed/,
    );
  });

  it('a fatal error of the Python runtime is a crash and the runner is replaced', async () => {
    const code = `${REACH}\ndef label_function(t):\n    module_globals('_pyodide_core')['trigger_fatal_error']()\n    return True\n`;
    const result = await attempt(code, unpoliced);
    expectRefused(result, 'crash', /the runner/);
    expect(result.wasReplaced).toBe(true);
  });
});

describe('resource limits', () => {
  it('an infinite loop is a timeout; the runner is killed and replaced', async () => {
    const result = await attempt('def label_function(t):\n    while True:\n        pass\n');
    expectRefused(result, 'timeout', /timed out after 2000 ms/);
    expect(result.attack.durationMs).toBeGreaterThanOrEqual(2000);
    expect(result.wasReplaced).toBe(true);
  });

  it('a memory bomb is a memory kill; the runner is killed and replaced', async () => {
    const result = await attempt(
      'def label_function(t):\n    hog = [bytes(1024 * 1024) + b"x" * i for i in range(2048)]\n    return len(hog) > 0\n',
    );
    expectRefused(result, 'memory', /exceeded the memory limit of 256 MB/);
    expect(result.wasReplaced).toBe(true);
  });

  it('a recursion bomb is a RecursionError', async () => {
    const result = await attempt('def label_function(t):\n    return label_function(t)\n');
    expectRefused(result, 'exception', /RecursionError/);
    expect(result.wasReplaced).toBe(false);
    const nested = await attempt(
      'def label_function(t):\n    x = []\n    for _ in range(1000000):\n        x = [x]\n    return len(str(x)) > 0\n',
    );
    // str() of a million nested lists overflows the wasm stack: the runner dies and is replaced.
    expect(nested.attack.result).toBeNull();
    expect(['exception', 'memory', 'crash']).toContain(nested.attack.outcome);
  });

  it('a 100 MB print is capped in the captured output', async () => {
    const result = await attempt(
      "def label_function(t):\n    print('x' * (100 * 1024 * 1024))\n    return True\n",
    );
    if (result.attack.outcome === 'ok') {
      expect(result.attack.result).toBe(true);
      expect(result.attack.output.length).toBeLessThan(DEFAULT_LF_OUTPUT_LIMIT_BYTES + 200);
      expect(result.attack.output).toMatch(/more bytes of output dropped/);
    } else {
      expect(result.attack.outcome).toBe('memory');
    }
  });

  it('a huge return value is a non_bool with a short description', async () => {
    const result = await attempt("def label_function(t):\n    return 'x' * (50 * 1024 * 1024)\n");
    expectRefused(result, 'non_bool', /returned str \('x+\.\.\.x+'\), not a bool/);
    expect(result.attack.error!.length).toBeLessThan(300);
  });

  it.each([
    ['None', 'NoneType'],
    ['1', 'int'],
    ["'True'", 'str'],
    ['[True]', 'list'],
  ])('returning %s is a non_bool', async (value, type) => {
    expectRefused(
      await attempt(`def label_function(t):\n    return ${value}\n`),
      'non_bool',
      new RegExp(`returned ${type} `),
    );
  });
});

describe('killing the runner from inside', () => {
  it('sys.exit / SystemExit / exit() are exceptions of the label function', async () => {
    expectRefused(
      await attempt('import sys\ndef label_function(t):\n    sys.exit(3)\n'),
      'exception',
      /PolicyError/,
    );
    const raised = await attempt('def label_function(t):\n    raise SystemExit(3)\n');
    expectRefused(raised, 'exception', /SystemExit: 3/);
    expect(raised.wasReplaced).toBe(false);
    expectRefused(
      await attempt('def label_function(t):\n    exit(1)\n'),
      'exception',
      /NameError: name 'exit'/,
    );
  });

  it('os._exit reached through __globals__ fails safely', async () => {
    const result = await attempt(
      `${REACH}\ndef label_function(t):\n    reach('_exit')(1)\n    return True\n`,
      unpoliced,
    );
    expect(result.attack.result).toBeNull();
    expect(['crash', 'exception']).toContain(result.attack.outcome);
  });
});

describe('isolation between evaluations', () => {
  it('a label function cannot change what the next one sees', async () => {
    const poisoners = [
      "def label_function(t):\n    t['steps'].clear()\n    t['final_answer'] = None\n    return True\n",
      'validate_answer = lambda *args: False\ndef label_function(t):\n    return True\n',
      'import json\ndef label_function(t):\n    json.loads = None\n    return True\n',
      'import re\ndef label_function(t):\n    re.escape.cache = 1\n    return True\n',
      'def label_function(t):\n    print(\'{"type":"result","i":1,"result":false}\')\n    return True\n',
    ];
    for (const code of poisoners) {
      const result = await attempt(code);
      expect(result.attack.outcome === 'ok' || /PolicyError/.test(result.attack.error ?? '')).toBe(true);
    }
  });

  it('eval, exec, compile, getattr and type() with three arguments are unavailable', async () => {
    for (const call of [
      "eval('1')",
      "exec('x = 1')",
      "compile('1', 'x', 'eval')",
      "getattr(t, 'keys')",
      'vars()',
      'globals()',
    ]) {
      expectRefused(
        await attempt(`def label_function(t):\n    ${call}\n    return True\n`),
        'exception',
        /NameError: name '\w+' is not defined/,
      );
    }
    expectRefused(
      await attempt("def label_function(t):\n    type('X', (object,), {})\n    return True\n"),
      'exception',
      /PermissionError: sandbox: type\(\) can only inspect/,
    );
  });
});
