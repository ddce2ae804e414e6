#!/usr/bin/env node
/*
 * check_apps.mjs — self-check for the bundled State-API demo apps (shop, contacts).
 *
 * For each app: serves the folder with a tiny State API server (GET/PUT /api/state,
 * POST /api/reset, seed = seed-state.json), and for every task in real-tasks.json:
 *   1. resets, runs the verifier on the untouched seed (must be False),
 *   2. replays the expert demo in headless Chromium, resolving each target with the naming
 *      rule of som-reference.js (role + accessible name [+ nth]),
 *   3. runs the verifier again (must be True; answer tasks get final_answer),
 *   4. for answer tasks also checks that a wrong answer is rejected.
 * Console errors / page errors fail the run. Screenshots go to /tmp/env-shots/.
 *
 * Usage: node environments/check_apps.mjs [shop|contacts ...]   (exit code 0 = all pass)
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
const APPS = args.filter((a) => !a.startsWith('--')).length
  ? args.filter((a) => !a.startsWith('--'))
  : ['shop', 'contacts'];
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// ---------- State API server ----------
function startServer(root) {
  const seed = fs.readFileSync(path.join(root, 'seed-state.json'), 'utf8');
  let current = seed;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (code, body, type = 'application/json; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/api/state' && req.method === 'GET') return send(200, current);
    if (url.pathname === '/api/state' && req.method === 'PUT') {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        try {
          JSON.parse(body);
          current = body;
          send(200, '{"status":"ok"}');
        } catch {
          send(400, '{"error":"invalid JSON"}');
        }
      });
      return undefined;
    }
    if (url.pathname === '/api/reset' && req.method === 'POST') {
      current = seed;
      // The answers of WebArena-Infinity's server.py (and of server/rollouts/state-api-server.ts).
      return send(200, '{"status":"ok","action":"reset","seed_restored":true,"clients_notified":0}');
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
      resolve({ server, url: `http://127.0.0.1:${server.address().port}` }),
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
    ({ role, name, nth }) => {
      document.querySelectorAll('[data-som-hit]').forEach((e) => e.removeAttribute('data-som-hit'));
      const f = window.__som.find(role, name, nth);
      if (f.error) return f;
      f.el.setAttribute('data-som-hit', '1');
      return { count: f.count };
    },
    { role: act.role, name: act.name, nth: act.nth },
  );
  if (r.error) throw new Error(`${r.error}\n      candidates: ${r.candidates.join(' | ')}`);
  const warn =
    r.count > 1 && act.nth === undefined ? `ambiguous: ${r.count} × ${act.role} "${act.name}"` : null;
  return { loc: page.locator('[data-som-hit="1"]'), warn };
}
async function settle(page) {
  await page.waitForTimeout(150);
  await page.waitForFunction(() => !window.__pendingSaves, null, { timeout: 5000 });
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

async function newPage(browser, url, errors) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript({ content: SOM });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push('console: ' + m.text());
  });
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('requestfailed', (r) => errors.push('requestfailed: ' + r.url()));
  await page.goto(url + '/');
  await page.waitForFunction(() => !document.querySelector('#main .loading'));
  return { context, page };
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
for (const app of APPS) {
  const root = path.join(HERE, app);
  const tasks = JSON.parse(fs.readFileSync(path.join(root, 'real-tasks.json'), 'utf8'));
  const demos = JSON.parse(fs.readFileSync(path.join(root, 'expert-demos.json'), 'utf8'));
  const { server, url } = await startServer(root);
  const reset = () => fetch(url + '/api/reset', { method: 'POST' });
  for (const task of tasks) {
    const demo = demos[task.id];
    const vfile = path.join(root, task.verify);
    const isAnswer = Array.isArray(demo) && demo.some((a) => a.type === 'answer');
    const errors = [];
    const warnings = [];
    await reset();
    const seed = await runVerifier(vfile, url, null);
    let after = { ok: false, reason: 'demo not run' };
    let wrong = null;
    try {
      if (!demo) throw new Error('no expert demo');
      if (demo.length < 3 || demo.length > 10) warnings.push(`demo has ${demo.length} actions`);
      const { context, page } = await newPage(browser, url, errors);
      const answer = await replay(page, demo, warnings);
      await settle(page);
      after = await runVerifier(vfile, url, answer);
      if (isAnswer) wrong = await runVerifier(vfile, url, 'I could not find it');
      await context.close();
    } catch (e) {
      after = { ok: false, reason: 'demo failed: ' + e.message };
    }
    const pass = !seed.ok && after.ok && (!isAnswer || (wrong && !wrong.ok)) && errors.length === 0;
    if (!pass) failures++;
    rows.push({
      id: task.id,
      diff: task.difficulty,
      kind: isAnswer ? 'answer' : 'state',
      steps: demo ? demo.length : 0,
      seed: seed.ok,
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
    const shots =
      app === 'shop'
        ? [
            ['home', '#/'],
            ['category', '#/category/footwear'],
            ['product', '#/products/1'],
            ['cart', '#/cart'],
            ['checkout', '#/checkout'],
            ['order', '#/orders/NW-10420'],
          ]
        : [
            ['list', '#/contacts'],
            ['detail', '#/contact/3'],
            ['edit', '#/contact/3/edit'],
            ['label', '#/label/family'],
          ];
    const errors = [];
    const { context, page } = await newPage(browser, url, errors);
    for (const [name, hash] of shots) {
      await page.evaluate((h) => {
        location.hash = h;
      }, hash);
      await page.waitForTimeout(200);
      await page.screenshot({ path: `${SHOT_DIR}/${app}-${name}.png` });
    }
    if (errors.length) {
      failures++;
      console.log(`${app} screenshot pass errors: ${errors.join('; ')}`);
    }
    await context.close();
  }
  server.close();
}
await browser.close();

const yn = (v) => (v === null ? '   -  ' : v ? ' True ' : ' False');
console.log('\ntask          diff    kind    steps  seed    demo    wrong   result');
for (const r of rows) {
  console.log(
    `${r.id.padEnd(13)} ${r.diff.padEnd(7)} ${r.kind.padEnd(7)} ${String(r.steps).padStart(5)}  ${yn(r.seed)}  ${yn(r.after)}  ${yn(r.wrong)}  ${r.pass ? 'PASS' : 'FAIL'}`,
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
