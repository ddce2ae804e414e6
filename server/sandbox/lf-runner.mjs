// Label-function runner: the child process that runs untrusted label functions in Pyodide.
//
// Started by `label-function-runner.ts` (never inside the server process), normally under
// bubblewrap with no network, its own pid namespace and read-only binds of only the node binary,
// its libraries, this file and Pyodide. See that module's comment for all layers; this file
// implements the JavaScript layer:
//
// 1. Pyodide is loaded with `jsglobals: {}` (the Python `js` module sees an empty object), stdin
//    disabled and stdout/stderr captured per evaluation with a byte cap.
// 2. The Python driver (`lf_driver.py`, sent by the parent) installs the predefined API and then
//    hardens the interpreter (bridges removed, deny-by-default audit hook).
// 3. Host APIs the runner no longer needs are neutered before any untrusted code runs: the
//    Pyodide API object (mountNodeFS, runPython, loadPackage, …), `fs`, `child_process`, `net`,
//    `dgram`, `http(s)`, `tls`, `worker_threads`, `vm`, `module`, `inspector`, `process.binding` /
//    `dlopen` / `kill` / …; `globalThis.process`, `fetch`, `WebSocket` … are deleted. The parent
//    also starts node with `--disallow-code-generation-from-strings`, so a JS `Function` reached
//    from Python cannot compile `return process`.
//
// Protocol (newline-delimited JSON; stdin from the parent, stdout to it; stderr is diagnostics):
//   parent → runner: {"type":"init","driver":str,"api":str,"outputLimitBytes":n,"staticPolicy":bool}
//                    {"type":"batch","trajectories":[{"id","json"}],"labelFunctions":[{"id","code"}],
//                     "pairs":[[lfId, trajectoryId], …]}
//                    {"type":"start"}  (after batch_loaded: the parent has measured the memory baseline)
//   runner → parent: {"type":"loaded","loadMs":n}  (Pyodide loaded, waiting for init)
//                    {"type":"ready"}                (hardened; untrusted code may now run)
//                    {"type":"batch_loaded"}         (batch stored; waiting for start)
//                    {"type":"result","i":n,"result","evidenceStep","outcome","error","durationMs","output"}
//                    {"type":"done"}                 (end of a batch)
//                    {"type":"fatal","error":str}    (then the runner exits)
/* global process, Buffer, performance */
import module from 'node:module';

const syncBuiltinESMExports = module.syncBuiltinESMExports;

const startedAt = performance.now();
const PYODIDE_DIR = process.argv[2] ?? '/sandbox/pyodide';

// Everything the runner keeps from the host, captured before neutering.
const stdin = process.stdin;
const stdout = process.stdout;
const reallyExit = process.reallyExit.bind(process);
const exitProcess = (code) => reallyExit(code);
const JSON_stringify = JSON.stringify;
const JSON_parse = JSON.parse;

function send(message) {
  stdout.write(`${JSON_stringify(message)}\n`);
}

function fail(error) {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    send({ type: 'fatal', error: text.slice(0, 4000) });
  } finally {
    stdout.write('', () => exitProcess(70));
  }
}

// ---------------------------------------------------------------------------------------------
// Captured output (print / stderr of label functions), capped per evaluation
// ---------------------------------------------------------------------------------------------

let outputLimitBytes = 16 * 1024;
let outputChunks = [];
let outputBytes = 0;
let outputDropped = 0;

function captureOutput(bytes) {
  const room = outputLimitBytes - outputBytes;
  if (room > 0) {
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
    outputChunks.push(Buffer.from(kept));
    outputBytes += kept.length;
  }
  if (bytes.length > room) outputDropped += bytes.length - Math.max(room, 0);
  return bytes.length;
}

function takeOutput() {
  let text = Buffer.concat(outputChunks).toString('utf8');
  if (outputDropped > 0) text += `\n… [${outputDropped} more bytes of output dropped]`;
  outputChunks = [];
  outputBytes = 0;
  outputDropped = 0;
  return text;
}

// ---------------------------------------------------------------------------------------------
// Neutering host APIs (after Pyodide and the driver are set up)
// ---------------------------------------------------------------------------------------------

function blocked(name) {
  // A plain function, so `new Stub()` throws the same message as a call.
  return function stub() {
    throw new Error(`sandbox: ${name} is disabled in the label-function runner`);
  };
}

function neuterObject(target, label, keep = []) {
  if (!target) return;
  for (const key of Object.getOwnPropertyNames(target)) {
    if (keep.includes(key)) continue;
    let descriptor;
    try {
      descriptor = Object.getOwnPropertyDescriptor(target, key);
    } catch {
      continue;
    }
    if (!descriptor) continue;
    if (typeof descriptor.value === 'function' || descriptor.get) {
      try {
        Object.defineProperty(target, key, {
          value: blocked(`${label}.${key}`),
          writable: false,
          configurable: false,
        });
      } catch {
        // non-configurable: leave it (tested below that nothing dangerous is left reachable)
      }
    }
  }
}

async function neuterHost(pyodide) {
  // The Pyodide API object: everything a JsProxy of `pyodide_js` could reach.
  for (const key of ['_module', '_api', 'FS', 'PATH', 'ERRNO_CODES', 'globals', 'pyodide_py', 'canvas']) {
    try {
      delete pyodide[key];
    } catch {
      // ignore
    }
  }
  neuterObject(pyodide, 'pyodide');
  const prototype = Object.getPrototypeOf(pyodide);
  if (prototype && prototype !== Object.prototype) neuterObject(prototype, 'pyodide');

  const names = [
    'fs',
    'fs/promises',
    'child_process',
    'net',
    'tls',
    'dgram',
    'dns',
    'http',
    'https',
    'http2',
    'worker_threads',
    'cluster',
    'vm',
    'inspector',
    'v8',
    'wasi',
    'repl',
  ];
  // Load them all first: some build on others (tls extends net.Socket).
  const modules = [];
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {}; // node:wasi warns that it is experimental
  for (const name of names) modules.push([name, await import(`node:${name}`)]);
  process.emitWarning = emitWarning;
  for (const [name, mod] of modules) neuterObject(mod.default, name);
  neuterObject(module, 'module');
  syncBuiltinESMExports();

  const proc = globalThis.process;
  for (const key of [
    'binding',
    '_linkedBinding',
    'dlopen',
    'kill',
    'chdir',
    'setuid',
    'setgid',
    'seteuid',
    'setegid',
    'setgroups',
    'initgroups',
    'abort',
    'reallyExit',
    '_kill',
    'exit',
    'openStdin',
    'send',
    'getBuiltinModule',
  ]) {
    try {
      Object.defineProperty(proc, key, {
        value: blocked(`process.${key}`),
        writable: false,
        configurable: false,
      });
    } catch {
      // ignore
    }
  }
  proc.env = {};
  for (const key of [
    'process',
    'require',
    'module',
    'fetch',
    'WebSocket',
    'EventSource',
    'XMLHttpRequest',
    'Worker',
    'SharedWorker',
    'importScripts',
    'navigator',
    'Deno',
    'Bun',
    'global',
    'Request',
    'Response',
  ]) {
    try {
      delete globalThis[key];
    } catch {
      // ignore
    }
  }
  verifyNeutered(modules);
}

/** Fail closed: refuse to become ready if any of the host APIs above still works. */
function verifyNeutered(modules) {
  const mod = Object.fromEntries(modules.map(([name, value]) => [name, value.default]));
  const stillWorking = [];
  if (typeof globalThis.process !== 'undefined') stillWorking.push('globalThis.process');
  if (typeof globalThis.fetch !== 'undefined') stillWorking.push('globalThis.fetch');
  const probes = [
    ['fs.readFileSync', () => mod.fs.readFileSync('/proc/self/status')],
    ['fs/promises.readFile', () => mod['fs/promises'].readFile],
    ['child_process.spawnSync', () => mod.child_process.spawnSync('true')],
    ['net.connect', () => mod.net.connect(9)],
    ['vm.runInThisContext', () => mod.vm.runInThisContext('1')],
    ['worker_threads.Worker', () => new mod.worker_threads.Worker('')],
    ['module.createRequire', () => module.createRequire('/')],
  ];
  for (const [name, probe] of probes) {
    try {
      const value = probe();
      if (!(typeof value === 'function' && String(value).includes('sandbox:'))) stillWorking.push(name);
    } catch (error) {
      if (!String(error?.message).startsWith('sandbox:')) stillWorking.push(name);
    }
  }
  try {
    Function('return 1');
    stillWorking.push('code generation from strings');
  } catch {
    // expected: EvalError
  }
  if (stillWorking.length > 0) throw new Error(`host APIs still reachable: ${stillWorking.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main() {
  const { loadPyodide } = await import(`${PYODIDE_DIR}/pyodide.mjs`);
  const pyodide = await loadPyodide({
    indexURL: `${PYODIDE_DIR}/`,
    jsglobals: {},
    env: { HOME: '/home/pyodide' },
    stdin: () => null,
  });
  pyodide.setStdin({ error: true });
  pyodide.setStdout({ write: captureOutput });
  pyodide.setStderr({ write: captureOutput });
  send({ type: 'loaded', loadMs: Math.round(performance.now() - startedAt) });

  let driver = null;
  let pending = Buffer.alloc(0);
  let busy = Promise.resolve();

  async function initialise(message) {
    outputLimitBytes = message.outputLimitBytes;
    pyodide.runPython(message.driver, { filename: '<lf_driver>' });
    const globals = pyodide.globals;
    globals.get('setup')(message.api, message.staticPolicy !== false);
    driver = {
      reset: globals.get('reset'),
      putTrajectory: globals.get('put_trajectory'),
      putLabelFunction: globals.get('put_label_function'),
      evaluate: globals.get('evaluate'),
    };
    globals.get('harden')();
    takeOutput();
    await neuterHost(pyodide);
    send({ type: 'ready' });
  }

  let pendingPairs = null;

  function loadBatch(message) {
    driver.reset();
    for (const item of message.trajectories) driver.putTrajectory(item.id, item.json);
    for (const item of message.labelFunctions) driver.putLabelFunction(item.id, item.code);
    takeOutput();
    pendingPairs = message.pairs;
    send({ type: 'batch_loaded' });
  }

  function evaluatePairs() {
    const pairs = pendingPairs;
    pendingPairs = null;
    pairs.forEach(([lfId, trajectoryId], i) => {
      const text = driver.evaluate(lfId, trajectoryId);
      const evaluation = JSON_parse(text);
      send({ type: 'result', i, ...evaluation, output: takeOutput() });
    });
    driver.reset();
    send({ type: 'done' });
  }

  async function handle(line) {
    const message = JSON_parse(line);
    if (message.type === 'init') await initialise(message);
    else if (message.type === 'batch') {
      if (!driver) throw new Error('batch before init');
      loadBatch(message);
    } else if (message.type === 'start') {
      if (!pendingPairs) throw new Error('start before batch');
      evaluatePairs();
    } else throw new Error(`unknown message type '${message.type}'`);
  }

  stdin.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let newline = pending.indexOf(10);
    while (newline >= 0) {
      const line = pending.subarray(0, newline).toString('utf8');
      pending = pending.subarray(newline + 1);
      busy = busy.then(() => handle(line)).catch(fail);
      newline = pending.indexOf(10);
    }
  });
  stdin.on('end', () => {
    busy.then(() => exitProcess(0)).catch(fail);
  });
}

main().catch(fail);
