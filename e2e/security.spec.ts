/**
 * Sign-in redirects, cross-origin requests and security headers against the production build:
 * hostile `next` values never leave the site, state-changing requests from another origin (even a
 * same-site one, which carries the session cookie) are refused, and every page runs under its
 * Content-Security-Policy without a single violation — Cytoscape, CodeMirror, screenshots, SSE and
 * charts included.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { E2E_DATA_DIR } from '../playwright.config';
import { E2E_ACCOUNTS, E2E_PASSWORD } from './accounts';
import { signIn, WEBVOYAGER_EXAMPLES } from './helpers';

const isEvil = (url: URL) => url.hostname.endsWith('evil.example');

/** `next` values as they appear in the query string (already percent-encoded where needed). */
const HOSTILE_NEXT = [
  '%2F%2Fevil.example', // //evil.example
  '/%5Cevil.example', // /\evil.example
  '/%09/evil.example', // decodes to /<tab>/evil.example, which a browser reads as //evil.example
  '%2F%0A%2Fevil.example', // /<LF>/evil.example
  '%5C%2Fevil.example', // \/evil.example
  '%20%2F%2Fevil.example', // leading space
  '/.%2F%2Fevil.example', // /.//evil.example normalises to //evil.example
  'https%3A%2F%2Fevil.example',
  'http%3Aevil.example',
  'javascript%3Aalert(document.domain)',
];

/** Counts requests to the attacker's host (and aborts them). */
async function watchEvil(page: Page): Promise<{ hits: string[] }> {
  const seen = { hits: [] as string[] };
  await page.context().route(isEvil, async (route) => {
    seen.hits.push(route.request().url());
    await route.abort();
  });
  return seen;
}

async function expectOnDashboard(page: Page, baseURL: string) {
  await expect(page.getByTestId('current-user')).toBeVisible();
  expect(new URL(page.url()).origin).toBe(new URL(baseURL).origin);
  expect(new URL(page.url()).pathname).toBe('/');
}

test('signing in with a hostile next lands on the dashboard (form and server redirect)', async ({
  page,
  baseURL,
}) => {
  const evil = await watchEvil(page);
  // The form: sign in from a page whose next points off-site.
  await page.goto(`/sign-in?next=${HOSTILE_NEXT[2]}`);
  await page.getByLabel('Email').fill(E2E_ACCOUNTS.pi.email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectOnDashboard(page, baseURL!);
  // The server: a signed-in visitor to /sign-in is redirected to next at once.
  for (const next of HOSTILE_NEXT) {
    await page.goto(`/sign-in?next=${next}`);
    await expectOnDashboard(page, baseURL!);
  }
  expect(evil.hits).toEqual([]);
  // A same-origin next still works.
  await page.goto('/sign-in?next=%2Ftasks%3Fq%3DGitHub');
  await expect(page).toHaveURL(/\/tasks\?q=GitHub$/);
});

test('each hostile next through the sign-in form stays on the site', async ({ browser, baseURL }) => {
  for (const next of HOSTILE_NEXT.slice(0, 4)) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const evil = await watchEvil(page);
    await page.goto(`/sign-in?next=${next}`);
    await page.getByLabel('Email').fill(E2E_ACCOUNTS.annotator.email);
    await page.getByLabel('Password').fill(E2E_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectOnDashboard(page, baseURL!);
    expect(evil.hits, next).toEqual([]);
    await context.close();
  }
});

test('state-changing requests from another origin are refused; the dashboard itself gets through', async ({
  page,
  baseURL,
}) => {
  await signIn(page, 'pi');
  const invite = (email: string, headers: Record<string, string>) =>
    page.request.post('/api/trpc/users.invite?batch=1', {
      headers: { 'content-type': 'application/json', ...headers },
      data: { 0: { json: { email, role: 'annotator' } } },
    });
  const stamp = Date.now();
  const evil = await invite(`csrf-${stamp}@e2e.test`, { origin: 'http://evil.example' });
  expect(evil.status()).toBe(403);
  expect(await evil.text()).toContain('must come from the dashboard itself');
  expect((await invite(`csrf2-${stamp}@e2e.test`, { 'sec-fetch-site': 'cross-site' })).status()).toBe(403);
  expect((await invite(`csrf3-${stamp}@e2e.test`, {})).status()).toBe(403);
  expect((await invite(`ok-${stamp}@e2e.test`, { origin: new URL(baseURL!).origin })).status()).toBe(200);
  // Queries are reads: not checked.
  expect(
    (await page.request.get('/api/trpc/users.list', { headers: { origin: 'http://evil.example' } })).status(),
  ).toBe(200);
  // The upload route: refused before the body is read.
  const upload = await page.request.post('/api/import', {
    headers: { origin: 'http://evil.example' },
    multipart: { format: 'webvoyager' },
  });
  expect(upload.status()).toBe(403);
  const ownUpload = await page.request.post('/api/import', {
    headers: { origin: new URL(baseURL!).origin },
    multipart: { format: 'webvoyager' },
  });
  expect(ownUpload.status()).toBe(400); // past the origin check; no files chosen
});

test('a page on another port of the same host (same-site: cookies ride along) cannot post to the dashboard', async ({
  page,
  baseURL,
}) => {
  await signIn(page, 'pi');
  const target = `${new URL(baseURL!).origin}/api/import`;
  const attacker = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(
      `<form method="POST" action="${target}" enctype="multipart/form-data">` +
        `<input name="format" value="webvoyager"></form><script>document.forms[0].submit()</script>`,
    );
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  try {
    const port = (attacker.address() as AddressInfo).port;
    const response = page.waitForResponse((r) => r.url() === target);
    await page.goto(`http://127.0.0.1:${port}/`);
    const refused = await response;
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('same-site request');
  } finally {
    await new Promise((resolve) => attacker.close(resolve));
  }
});

/** The demo this spec gives a graph (one no other spec gives one) and its one key node's description. */
const CSP_RUN = 'taskBooking--1';
const CSP_NODE = 'CSP tour: the agent answered';

/** Seeds the Booking demo with a one-node CORE graph through the CLI (idempotent). */
function seedGraph(): void {
  const cli = (...args: string[]) =>
    execFileSync('node', ['bin/core-curator.mjs', '--data-dir', E2E_DATA_DIR, ...args], { stdio: 'pipe' });
  cli('import', 'webvoyager', path.join(WEBVOYAGER_EXAMPLES, CSP_RUN));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-csp-e2e-'));
  fs.writeFileSync(
    path.join(dir, 'key_nodes.json'),
    JSON.stringify([
      {
        id: '8901',
        description: CSP_NODE,
        label_function: 'def label_function(trajectory):\n    return len(trajectory) > 0\n',
      },
    ]),
  );
  fs.writeFileSync(
    path.join(dir, 'tasks.json'),
    JSON.stringify({
      'webvoyager:Booking--1': {
        objective: 'Booking search',
        template: null,
        key_nodes: { '8901': { parent_node_id: ['0'], child_node_id: ['-1'] } },
      },
    }),
  );
  cli('import', 'core', dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

test('every page runs under its CSP with no violation: graph, editor, screenshots, live, charts', async ({
  page,
}) => {
  test.setTimeout(180_000);
  seedGraph();
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|frame)/i.test(message.text()))
      violations.push(message.text());
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });

  const nonces = new Set<string>();
  const checkPage = async (url: string) => {
    const response = await page.goto(url);
    const csp = response!.headers()['content-security-policy'] ?? '';
    expect(csp, url).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response!.headers()['x-content-type-options']).toBe('nosniff');
    expect(response!.headers()['x-frame-options']).toBe('DENY');
    nonces.add(/'nonce-([^']+)'/.exec(csp)![1]!);
  };

  await checkPage('/sign-in');
  await signIn(page, 'pi');
  await checkPage('/');
  await checkPage('/tasks?q=Booking--1');
  await page.locator('main a[href^="/tasks/"]').first().click();
  // Cytoscape draws the graph (its chunk is loaded by a nonce-tagged script: strict-dynamic).
  await expect(page.getByTestId('graph-canvas')).toHaveAttribute('data-node-count', '3');
  await expect(page.getByTestId('graph-canvas').locator('canvas').first()).toBeVisible();

  // A trajectory: screenshots come from /api/media.
  await page.locator('a[href^="/trajectories/"]').first().click();
  const screenshot = page.locator('img[src^="/api/media/"]').first();
  await expect(screenshot).toBeVisible();
  await expect
    .poll(() => screenshot.evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  const media = await page.request.get((await screenshot.getAttribute('src'))!);
  expect(media.status()).toBe(200);
  expect(media.headers()['x-content-type-options']).toBe('nosniff');
  expect(media.headers()['content-type']).toMatch(/^image\//);
  expect(media.headers()['content-security-policy']).toContain("default-src 'none'");

  // The label-function editor (CodeMirror injects its styles).
  const db = new Database(path.join(E2E_DATA_DIR, 'core-curator.db'), { readonly: true });
  const node = db.prepare('select id from pool_node where description = ?').get(CSP_NODE) as { id: string };
  db.close();
  await checkPage(`/label-functions/${node.id}`);
  await expect(page.locator('.cm-editor').first()).toBeVisible();
  await expect(page.locator('.cm-content').first()).toContainText('label_function');

  // Live (SSE to this origin), charts, and the rest of the PI's pages.
  for (const url of [
    '/live',
    '/growth',
    '/quality',
    '/review',
    '/admin/users',
    '/import',
    '/settings/models',
    '/audit',
  ])
    await checkPage(url);
  await page.goto('/live');
  await expect(page.getByRole('heading').first()).toBeVisible();

  expect(nonces.size).toBeGreaterThanOrEqual(10); // a fresh nonce per response
  expect(violations).toEqual([]);
  // Hydration text mismatches (React #418) on some pages happen with and without the CSP
  // (checked with bypassCSP); they are listed here, not failed on.
  for (const error of pageErrors) test.info().annotations.push({ type: 'page error', description: error });
});
