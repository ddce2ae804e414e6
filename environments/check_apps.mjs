#!/usr/bin/env node
/*
 * check_apps.mjs — self-check for the bundled State-API demo apps (shop, contacts, mail).
 *
 * For each app: serves the folder with a tiny State API server that answers as
 * WebArena-Infinity's server.py (GET/PUT /api/state, 404 before any state; POST /api/reset;
 * GET /api/events SSE that announces `data: reset`; seed = seed-state.json when the folder has
 * one, else the first state the app PUTs), and for every task of real-tasks.json and
 * function-tasks.json:
 *   1. resets, opens the app (which may PUT its seed), runs the verifier on the untouched seed
 *      (must be False — except the tasks listed in EXPECTED_SEED_PASS, deliberate fixtures that
 *      must be True),
 *   2. replays the expert demo (`<id>` or `function:<id>` in expert-demos.json) in headless
 *      Chromium, resolving each target with the naming rule of som-reference.js
 *      (role + accessible name [+ nth]) among the elements a person can see at that moment
 *      (viewport, scroll panels, not covered by a dialog or menu), as the runner's set-of-marks
 *      lists them; a demo must scroll to what is out of view,
 *   3. runs the verifier again (must be True; answer tasks get final_answer),
 *   4. for answer tasks also checks that a wrong answer is rejected,
 *   5. for apps listening on /api/events: POSTs /api/reset with the page open and checks that the
 *      app reloads its seed and PUTs it again.
 * Console errors / page errors fail the run. Screenshots go to /tmp/env-shots/.
 *
 * Usage: node environments/check_apps.mjs [shop|contacts|mail ...]   (exit code 0 = all pass)
 *        node environments/check_apps.mjs mail --som '#/settings'  (prints the marks of a page)
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, '..', 'package.json'));
const { chromium } = require('playwright-core');

const SOM = fs.readFileSync(path.join(HERE, 'som-reference.js'), 'utf8');
const SHOT_DIR = '/tmp/env-shots';
const args = process.argv.slice(2);
const somIndex = args.indexOf('--som');
const SOM_HASH = somIndex >= 0 ? args.splice(somIndex, 2)[1] || '' : null;
const APPS = args.filter((a) => !a.startsWith('--')).length
  ? args.filter((a) => !a.startsWith('--'))
  : ['shop', 'contacts', 'mail'];
/** Deliberate fixtures: tasks whose verifier passes on the untouched seed (see the app's README). */
const EXPECTED_SEED_PASS = { mail: ['mail-014'] };
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// ---------- State API server (as WebArena-Infinity's server.py) ----------
function startServer(root) {
  const seedFile = path.join(root, 'seed-state.json');
  let seed = fs.existsSync(seedFile) ? fs.readFileSync(seedFile, 'utf8') : null;
  let current = seed;
  let puts = 0;
  const clients = new Set();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (code, body, type = 'application/json; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/api/state' && req.method === 'GET') {
      if (current === null)
        return send(404, '{"error":"No state available. Open the app in a browser first."}');
      return send(200, current);
    }
    if (url.pathname === '/api/state' && req.method === 'PUT') {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        try {
          JSON.parse(body);
          current = body;
          if (seed === null) seed = body;
          puts++;
          send(200, '{"status":"ok"}');
        } catch {
          send(400, '{"error":"invalid JSON"}');
        }
      });
      return undefined;
    }
    if (url.pathname === '/api/reset' && req.method === 'POST') {
      current = seed;
      for (const c of clients) c.write('data: reset\n\n');
      // The answers of WebArena-Infinity's server.py (and of server/rollouts/state-api-server.ts).
      return send(
        200,
        JSON.stringify({
          status: 'ok',
          action: 'reset',
          seed_restored: seed !== null,
          clients_notified: clients.size,
        }),
      );
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
      });
      res.write('data: connected\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return undefined;
    }
    if (req.method !== 'GET') return send(405, '{"error":"method not allowed"}');
    let p = decodeURIComponent(url.pathname);
    if (p === '/') p = '/index.html';
    const file = path.normalize(path.join(root, p));
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory())
      return send(404, 'not found', 'text/plain');
    return send(200, fs.readFileSync(file), TYPES[path.extname(file)] || 'application/octet-stream');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${server.address().port}`,
        hasState: () => current !== null,
        seedText: () => seed,
        stateText: () => current,
        putCount: () => puts,
        eventClients: () => clients.size,
        close: () => {
          for (const c of clients) c.end();
          server.close();
        },
      }),
    ),
  );
}

// ---------- verifier (python3, standard library only) ----------
const PY = `
import importlib.util, inspect, json, sys
path, url, fa = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
spec = importlib.util.spec_from_file_location("verifier", path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
if "final_answer" in inspect.signature(mod.verify).parameters:
    ok, reason = mod.verify(url, final_answer=fa)
else:
    ok, reason = mod.verify(url)
print(json.dumps({"ok": bool(ok), "reason": str(reason)}))
`;
function runVerifier(file, url, finalAnswer) {
  return new Promise((resolve) => {
    execFile(
      'python3',
      ['-c', PY, file, url, JSON.stringify(finalAnswer ?? null)],
      { timeout: 30000 },
      (err, stdout, stderr) => {
        if (err)
          return resolve({
            ok: false,
            reason: 'verifier crashed: ' + (stderr || err.message).trim().split('\n').pop(),
          });
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop()));
        } catch {
          resolve({ ok: false, reason: 'bad verifier output: ' + stdout });
        }
      },
    );
  });
}

// ---------- demo replay ----------
async function target(page, act) {
  const r = await page.evaluate(
    ({ role, name, nth, inView }) => {
      document.querySelectorAll('[data-som-hit]').forEach((e) => e.removeAttribute('data-som-hit'));
      const f = window.__som.find(role, name, nth, { inView });
      if (f.error) return f;
      f.el.setAttribute('data-som-hit', '1');
      return { count: f.count };
    },
    { role: act.role, name: act.name, nth: act.nth, inView: true },
  );
  if (r.error) throw new Error(`${r.error}\n      candidates: ${r.candidates.join(' | ')}`);
  const warn =
    r.count > 1 && act.nth === undefined ? `ambiguous: ${r.count} × ${act.role} "${act.name}"` : null;
  return { loc: page.locator('[data-som-hit="1"]'), warn };
}
async function settle(page) {
  await page.waitForTimeout(150);
  await page.waitForFunction(() => !window.__pendingSaves, null, { timeout: 5000 });
  // Apps that PUT without telling (WebArena-Infinity style): wait for their requests to end.
  const until = Date.now() + 5000;
  while (page.__statePuts.size > 0 && Date.now() < until) await page.waitForTimeout(25);
}
async function replay(page, demo, warnings) {
  let answer = null;
  for (const act of demo) {
    if (act.type === 'answer') {
      answer = act.answer;
      continue;
    }
    if (act.type === 'key_press') {
      await page.keyboard.press(act.key);
      await settle(page);
      continue;
    }
    if (act.type === 'scroll') {
      await page.mouse.move(640, 450);
      await page.mouse.wheel(0, act.direction === 'up' ? -500 : 500);
      await settle(page);
      continue;
    }
    const { loc, warn } = await target(page, act);
    if (warn) warnings.push(warn);
    if (act.type === 'click') await loc.click({ timeout: 5000 });
    else if (act.type === 'type') await loc.fill(act.text, { timeout: 5000 });
    else if (act.type === 'select') await loc.selectOption({ label: act.option }, { timeout: 5000 });
    else throw new Error('unknown action type ' + act.type);
    await settle(page);
  }
  return answer;
}

async function newPage(browser, app, errors) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.__statePuts = new Set();
  const isPut = (r) => r.method() === 'PUT' && new URL(r.url()).pathname === '/api/state';
  page.on('request', (r) => {
    if (isPut(r)) page.__statePuts.add(r);
  });
  const done = (r) => page.__statePuts.delete(r);
  // The server stores the state before it answers: the response is enough (an app that never reads
  // the body leaves 'requestfinished' pending).
  page.on('response', (r) => done(r.request()));
  await page.addInitScript({ content: SOM });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push('console: ' + m.text());
  });
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('requestfailed', (r) => {
    done(r);
    // An event stream cut when the page closes is not an error.
    if (new URL(r.url()).pathname !== '/api/events') errors.push('requestfailed: ' + r.url());
  });
  await page.goto(app.url + '/');
  await page.waitForFunction(() => !document.querySelector('#main .loading'));
  // Apps without seed-state.json PUT their seed on load: wait for it.
  const until = Date.now() + 5000;
  while (!app.hasState() && Date.now() < until) await page.waitForTimeout(25);
  await settle(page);
  return { context, page };
}

/** After POST /api/reset with the page open: the app must hear `reset` and PUT its seed again. */
async function checkReset(app, page) {
  const before = app.putCount();
  const res = await fetch(app.url + '/api/reset', { method: 'POST' });
  const body = await res.json();
  const until = Date.now() + 5000;
  while (app.putCount() === before && Date.now() < until) await page.waitForTimeout(25);
  await settle(page);
  if (body.clients_notified < 1) return 'reset notified no /api/events client';
  if (app.putCount() === before) return 'the app did not PUT its state again after a reset';
  if (JSON.stringify(JSON.parse(app.stateText())) !== JSON.stringify(JSON.parse(app.seedText())))
    return 'the state the app PUT after a reset differs from its seed';
  return null;
}

// ---------- main ----------
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
fs.mkdirSync(SHOT_DIR, { recursive: true });
const rows = [];
let failures = 0;
const readTasks = (root, file) =>
  fs.existsSync(path.join(root, file)) ? JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) : [];

if (SOM_HASH !== null) {
  // Authoring aid: print the marks of one page (role "name", in view or not).
  const root = path.join(HERE, APPS[0]);
  const srv = await startServer(root);
  const app = { name: APPS[0], ...srv };
  const { context, page } = await newPage(browser, app, []);
  if (SOM_HASH) {
    await page.evaluate((h) => {
      location.hash = h;
    }, SOM_HASH);
    await page.waitForTimeout(300);
  }
  const marks = await page.evaluate(() =>
    window.__som.collect().map((i) => `${i.inView ? ' ' : '~'} ${i.role} "${i.name}"`),
  );
  console.log(marks.join('\n') + '\n(~ = out of view)');
  await context.close();
  srv.close();
  await browser.close();
  process.exit(0);
}

for (const appName of APPS) {
  const root = path.join(HERE, appName);
  const tasks = [
    ...readTasks(root, 'real-tasks.json').map((t) => ({ ...t, key: t.id })),
    ...readTasks(root, 'function-tasks.json').map((t) => ({ ...t, key: `function:${t.id}` })),
  ];
  const demos = JSON.parse(fs.readFileSync(path.join(root, 'expert-demos.json'), 'utf8'));
  const srv = await startServer(root);
  const app = { name: appName, ...srv };
  const { url } = app;
  const reset = () => fetch(url + '/api/reset', { method: 'POST' });
  const seedPass = new Set(EXPECTED_SEED_PASS[appName] || []);
  for (const task of tasks) {
    const demo = demos[task.key];
    const vfile = path.join(root, task.verify);
    const isAnswer = Array.isArray(demo) && demo.some((a) => a.type === 'answer');
    const errors = [];
    const warnings = [];
    await reset();
    let seed = { ok: false, reason: 'not run' };
    let after = { ok: false, reason: 'demo not run' };
    let wrong = null;
    let resetError = null;
    try {
      if (!demo) throw new Error('no expert demo');
      if (demo.length < 3 || demo.length > 10) warnings.push(`demo has ${demo.length} actions`);
      const { context, page } = await newPage(browser, app, errors);
      seed = await runVerifier(vfile, url, null);
      const answer = await replay(page, demo, warnings);
      await settle(page);
      after = await runVerifier(vfile, url, answer);
      if (isAnswer) wrong = await runVerifier(vfile, url, 'I could not find it');
      if (app.eventClients() > 0) resetError = await checkReset(app, page);
      await context.close();
    } catch (e) {
      after = { ok: false, reason: 'demo failed: ' + e.message };
    }
    if (resetError) errors.push('reset: ' + resetError);
    process.stderr.write(`${appName} ${task.key}: ${after.ok ? 'ok' : after.reason}\n`);
    const expectSeed = seedPass.has(task.id);
    const pass =
      seed.ok === expectSeed && after.ok && (!isAnswer || (wrong && !wrong.ok)) && errors.length === 0;
    if (!pass) failures++;
    rows.push({
      id: task.key.startsWith('function:') ? `fn:${task.id}` : task.id,
      diff: task.difficulty || '-',
      kind: isAnswer ? 'answer' : 'state',
      steps: demo ? demo.length : 0,
      seed: seed.ok,
      expectSeed,
      after: after.ok,
      wrong: wrong ? wrong.ok : null,
      pass,
      seedReason: seed.reason,
      afterReason: after.reason,
      errors,
      warnings,
    });
  }
  await reset();
  {
    const app0 = appName;
    const shots =
      app0 === 'shop'
        ? [
            ['home', '#/'],
            ['category', '#/category/footwear'],
            ['product', '#/products/1'],
            ['cart', '#/cart'],
            ['checkout', '#/checkout'],
            ['order', '#/orders/NW-10420'],
          ]
        : app0 === 'contacts'
          ? [
              ['list', '#/contacts'],
              ['detail', '#/contact/3'],
              ['edit', '#/contact/3/edit'],
              ['label', '#/label/family'],
            ]
          : [
              ['inbox', '#/inbox'],
              ['inbox-menu', '#/inbox', 'More'],
              ['message', '#/mail/104'],
              ['message-menu', '#/mail/104', 'More'],
              ['settings', '#/settings'],
              ['settings-blocked', '#/settings/blocked'],
              ['compose', '#/inbox', 'Compose'],
            ];
    const errors = [];
    const { context, page } = await newPage(browser, app, errors);
    for (const [name, hash, click] of shots) {
      await page.evaluate((h) => {
        location.hash = h;
      }, hash);
      await page.waitForTimeout(200);
      if (click) await page.getByText(click, { exact: true }).first().click();
      await page.waitForTimeout(100);
      await page.screenshot({ path: `${SHOT_DIR}/${app0}-${name}.png` });
      await page.keyboard.press('Escape');
      await page.mouse.move(5, 795);
    }
    if (errors.length) {
      failures++;
      console.log(`${app0} screenshot pass errors: ${errors.join('; ')}`);
    }
    await context.close();
  }
  await reset();
  app.close();
}
await browser.close();

const yn = (v) => (v === null ? '   -  ' : v ? ' True ' : ' False');
console.log('\ntask          diff    kind    steps  seed    demo    wrong   result');
for (const r of rows) {
  console.log(
    `${r.id.padEnd(13)} ${r.diff.padEnd(7)} ${r.kind.padEnd(7)} ${String(r.steps).padStart(5)}  ${yn(r.seed)}  ${yn(r.after)}  ${yn(r.wrong)}  ${r.pass ? 'PASS' : 'FAIL'}` +
      (r.expectSeed ? '  (fixture: passes on the seed by design)' : ''),
  );
  if (!r.pass || process.env.VERBOSE)
    console.log(`      seed: ${r.seedReason}\n      demo: ${r.afterReason}`);
  for (const e of r.errors) console.log('      error: ' + e);
  for (const w of r.warnings) console.log('      warning: ' + w);
}
console.log(
  `\n${rows.length - failures}/${rows.length} tasks pass` + (failures ? ` — ${failures} FAILURE(S)` : ''),
);
process.exit(failures ? 1 : 0);
