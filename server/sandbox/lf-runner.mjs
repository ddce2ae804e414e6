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
// 4. Every label function runs on a clean interpreter: after hardening, the whole wasm memory is
//    copied once; after each label function's last evaluation of a batch it is copied back (and
//    memory the interpreter grew into since is zeroed, on that label function's clock), so
//    nothing a label function did to the interpreter is left for the next one. The batch
//    (trajectories, sources) stays here, out of the interpreter's reach; the interpreter
//    receives one label function's source and then one
//    trajectory at a time (marshal bytes written into its exchange buffer). The driver returns a
//    small int or an `exception:` / `non_bool:` text; this file decodes and checks it, measures
//    the duration and writes the result record. The parent validates every record again.
//
// Protocol (newline-delimited JSON; stdin from the parent, stdout to it; stderr is diagnostics):
//   parent → runner: {"type":"init","driver":str,"api":str,"outputLimitBytes":n,"staticPolicy":bool,
//                     "bufferBytes":n}
//                    {"type":"batch","trajectories":[{"id","marshal":base64} | {"id","json"}],
//                     "labelFunctions":[{"id","code"}],"pairs":[[lfId, trajectoryId], …]}
//                    {"type":"start"}  (after batch_loaded: the parent has measured the memory baseline)
//   runner → parent: {"type":"loaded","loadMs":n}  (Pyodide loaded, waiting for init)
//                    {"type":"ready"}                (hardened; untrusted code may now run)
//                    {"type":"batch_loaded"}         (batch stored; waiting for start)
//                    {"type":"result","i":n,"result","evidenceStep","outcome","error","durationMs","output"}
//                    {"type":"done"}                 (end of a batch)
//                    {"type":"fatal","error":str}    (then the runner exits)
// Result lines are written in bursts at least every FLUSH_INTERVAL_MS.
/* global process, Buffer, performance, TextEncoder */
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

// Result lines wait here and are written in bursts (`flushLines`); a fatal error writes them first,
// so every evaluation that finished before it is reported, and the failure is charged to the next.
let queuedLines = [];

function queueLine(message) {
  queuedLines.push(`${JSON_stringify(message)}\n`);
}

function flushLines() {
  if (queuedLines.length > 0) stdout.write(queuedLines.join(''));
  queuedLines = [];
}

function send(message) {
  flushLines();
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
// The clean interpreter state, restored for every label function
// ---------------------------------------------------------------------------------------------

/** Longest error text taken from the driver (the parent accepts 4000). */
const MAX_ERROR_CHARS = 2000;
const OUTCOME_PREFIXES = ['exception', 'non_bool'];
/** Longest time result lines wait in the runner before they are written to the parent. */
const FLUSH_INTERVAL_MS = 5;

/**
 * The wasm memory of the hardened interpreter, copied once, and what must hold whenever it is
 * restored. `restore()` copies it back over the whole linear memory and zeroes everything the
 * interpreter grew into since, so no byte a previous label function wrote or read survives.
 */
function makeCleanState(Module) {
  const bytes = Module.HEAPU8.slice();
  const stackPointer = Module.stackSave();
  const FS = Module.FS;
  const cwd = FS.cwd();
  const nextInode = FS.nextInode;
  return {
    bytes,
    restore() {
      if (Module.stackSave() !== stackPointer)
        throw new Error('wasm stack pointer moved between evaluations');
      const heap = Module.HEAPU8;
      heap.set(bytes);
      if (heap.length > bytes.length) heap.fill(0, bytes.length);
    },
    /** Host-side state Python cannot reach through the audit hook; checked after each evaluation. */
    intact() {
      return FS.cwd() === cwd && FS.nextInode === nextInode;
    },
  };
}

/**
 * Turns what the driver returned into a result record's fields, or null when it is malformed. The
 * driver returns `2 * (evidence + 1) + result` for a bool result, else `'exception:…'` /
 * `'non_bool:…'` (see `lf_driver.py` › `_run`).
 */
function decodeOutcome(raw) {
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw < 0) return null;
    const evidencePlusOne = Math.floor(raw / 2);
    return {
      result: raw % 2 === 1,
      evidenceStep: evidencePlusOne === 0 ? null : evidencePlusOne - 1,
      outcome: 'ok',
      error: null,
    };
  }
  if (typeof raw === 'string') {
    const colon = raw.indexOf(':');
    const outcome = raw.slice(0, colon);
    if (colon < 0 || !OUTCOME_PREFIXES.includes(outcome)) return null;
    const error = raw.slice(colon + 1, colon + 1 + MAX_ERROR_CHARS) || outcome;
    return { result: null, evidenceStep: null, outcome, error };
  }
  return null;
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
  const Module = pyodide._module; // kept privately: neuterHost removes it from the API object
  send({ type: 'loaded', loadMs: Math.round(performance.now() - startedAt) });

  const encoder = new TextEncoder();
  let driver = null;
  let clean = null;
  let bufferOffset = 0;
  let bufferBytes = 0;
  let busy = Promise.resolve();

  async function initialise(message) {
    outputLimitBytes = message.outputLimitBytes;
    pyodide.runPython(message.driver, { filename: '<lf_driver>' });
    const globals = pyodide.globals;
    globals.get('setup')(message.api, message.staticPolicy !== false, message.bufferBytes);
    // The exchange buffer stays exported for the runner's life, so Python cannot resize or move it.
    const exported = globals.get('exchange_buffer')().getBuffer('u8');
    bufferOffset = exported.data.byteOffset;
    bufferBytes = exported.data.byteLength;
    driver = {
      install: globals.get('install'),
      evaluate: globals.get('evaluate'),
      evaluateJson: globals.get('evaluate_json'),
    };
    globals.get('harden')();
    takeOutput();
    clean = makeCleanState(Module);
    await neuterHost(pyodide);
    send({ type: 'ready' });
  }

  /** Writes `bytes` (or a string as UTF-8) to the exchange buffer; returns the length or -1 when it does not fit. */
  function writeBuffer(data) {
    const view = Module.HEAPU8.subarray(bufferOffset, bufferOffset + bufferBytes);
    if (typeof data === 'string') {
      const { read, written } = encoder.encodeInto(data, view);
      return read === data.length ? written : -1;
    }
    if (data.length > bufferBytes) return -1;
    view.set(data);
    return data.length;
  }

  // The batch lives here, on the JavaScript side, out of the interpreter's reach; the interpreter
  // only ever holds the one trajectory being evaluated and the one label function being run.
  let batch = null;

  function loadBatch(message) {
    const trajectories = new Map();
    for (const item of message.trajectories) {
      trajectories.set(
        item.id,
        typeof item.marshal === 'string'
          ? { json: null, marshal: Buffer.from(item.marshal, 'base64') }
          : { json: String(item.json), marshal: null },
      );
    }
    batch = {
      trajectories,
      labelFunctions: new Map(message.labelFunctions.map((item) => [item.id, item.code])),
      pairs: message.pairs,
    };
    send({ type: 'batch_loaded' });
  }

  /**
   * Runs one evaluation; returns the record's fields (the caller adds the index and the output).
   * After a label function's last evaluation of the batch (`lastOfLabelFunction`) the clean state
   * is restored within that evaluation's clock, so the cost of undoing what a label function did
   * (zeroing memory it grew into) is charged to it, never to the next one.
   */
  function evaluateOne(lfId, trajectoryId, installed, lastOfLabelFunction) {
    const startedAt = performance.now();
    let raw;
    if (installed.lfId !== lfId) {
      if (installed.dirty) clean.restore(); // not reached: each label function cleans up after itself
      installed.lfId = lfId;
      installed.dirty = true;
      const source = batch.labelFunctions.get(lfId);
      const sourceLength = source === undefined ? -1 : writeBuffer(source);
      if (sourceLength < 0) throw new Error(`label function '${lfId}' is missing or too large`);
      driver.install(sourceLength);
    }
    const trajectory = batch.trajectories.get(trajectoryId);
    if (!trajectory) throw new Error(`unknown trajectory '${trajectoryId}'`);
    const length = trajectory.marshal ? writeBuffer(trajectory.marshal) : -1;
    if (length >= 0) raw = driver.evaluate(length);
    else raw = driver.evaluateJson(trajectory.json);
    const decoded = decodeOutcome(raw);
    if (raw !== null && typeof raw === 'object' && typeof raw.destroy === 'function') raw.destroy();
    if (!clean.intact())
      throw new Error('the interpreter changed host-side state (file system or working directory)');
    if (lastOfLabelFunction) {
      // Nothing this label function did to the interpreter is left for the next one.
      clean.restore();
      installed.dirty = false;
    }
    const durationMs = Math.round((performance.now() - startedAt) * 1000) / 1000;
    if (!decoded) {
      return {
        result: null,
        evidenceStep: null,
        outcome: 'exception',
        error: 'the driver returned a malformed result (the label function tampered with the interpreter)',
        durationMs,
      };
    }
    return { ...decoded, durationMs };
  }

  function evaluatePairs() {
    const { pairs } = batch;
    const installed = { lfId: null, dirty: false };
    // Result lines are written in bursts, at least every FLUSH_INTERVAL_MS, so the parent's clock
    // (which runs from the last line it received) never lags by more than that.
    let flushedAt = performance.now();
    pairs.forEach(([lfId, trajectoryId], i) => {
      const last = i === pairs.length - 1 || pairs[i + 1][0] !== lfId;
      const fields = evaluateOne(lfId, trajectoryId, installed, last);
      queueLine({
        type: 'result',
        i,
        result: fields.result,
        evidenceStep: fields.evidenceStep,
        outcome: fields.outcome,
        error: fields.error,
        durationMs: fields.durationMs,
        output: takeOutput(),
      });
      if (performance.now() - flushedAt >= FLUSH_INTERVAL_MS) {
        flushLines();
        flushedAt = performance.now();
      }
    });
    batch = null;
    if (installed.dirty) clean.restore();
    send({ type: 'done' });
  }

  async function handle(line) {
    const message = JSON_parse(line);
    if (message.type === 'init') await initialise(message);
    else if (message.type === 'batch') {
      if (!driver) throw new Error('batch before init');
      loadBatch(message);
    } else if (message.type === 'start') {
      if (!batch) throw new Error('start before batch');
      evaluatePairs();
    } else throw new Error(`unknown message type '${message.type}'`);
  }

  // A batch line is megabytes long: keep its chunks and join them once, when its newline arrives.
  let pendingChunks = [];
  stdin.on('data', (chunk) => {
    let rest = chunk;
    let newline = rest.indexOf(10);
    while (newline >= 0) {
      pendingChunks.push(rest.subarray(0, newline));
      const line = Buffer.concat(pendingChunks).toString('utf8');
      pendingChunks = [];
      rest = rest.subarray(newline + 1);
      busy = busy.then(() => handle(line)).catch(fail);
      newline = rest.indexOf(10);
    }
    if (rest.length > 0) pendingChunks.push(rest);
  });
  stdin.on('end', () => {
    busy.then(() => exitProcess(0)).catch(fail);
  });
}

main().catch(fail);
