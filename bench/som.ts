/**
 * `npm run bench:som` — what a rollout step costs to observe, and how much of what a person can act
 * on the set-of-marks lists, on the bundled apps' pages (`environments/*`) and the third-party
 * idioms fixture (`server/rollouts/__fixtures__/real-world-patterns.html`).
 *
 * For each app: serve it (`startStateApiServer`), open it in Chromium as a rollout does, and visit
 * its start page plus the pages its `link` marks lead to (at most PAGES_PER_APP). On each page:
 * - time (median of RUNS): the bare `page.screenshot` (the baseline), the set-of-marks walk, and
 *   the marks drawn on a copy of the screenshot; the ratio of a full observation to the baseline;
 * - coverage: `auditMarks` counts the visible, unoccluded elements with their own pointer cursor or
 *   a click / key listener, and the ones no mark covers. The same audit is run for the rule this
 *   runner used before issue 15 (`a[href]`, native controls, `[role]`, `[onclick]`) as a baseline.
 * No assertions: numbers are for reading.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  executeAction,
  observePage,
  PAGE_INIT_SCRIPT,
  resolveChromiumPath,
  VIEWPORT,
} from '@/server/rollouts/browser';
import { drawSetOfMarks } from '@/server/rollouts/marks-image';
import {
  auditMarks,
  collectSetOfMarks,
  LISTENER_REGISTRY_KEY,
  SOM_ARGS,
  SOM_ATTRIBUTE,
} from '@/server/rollouts/som';
import { startStateApiServer } from '@/server/rollouts/state-api-server';
import { createUrlPolicy } from '@/lib/core/rollouts/url-policy';

const RUNS = 7;
const PAGES_PER_APP = 6;
const LEGACY_ATTRIBUTE = 'data-cc-legacy';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The pre-issue-15 rule, as a baseline: tags its elements with LEGACY_ATTRIBUTE. */
function markLegacy(attribute: string): number {
  for (const el of Array.from(document.querySelectorAll(`[${attribute}]`))) el.removeAttribute(attribute);
  const selector =
    'a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=link], [role=checkbox], [role=tab], [role=menuitem], [onclick]';
  let n = 0;
  for (const el of Array.from(document.querySelectorAll(selector))) {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || r.bottom <= 0 || r.top >= innerHeight) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    el.setAttribute(attribute, String(n++));
  }
  return n;
}

interface PageRow {
  app: string;
  page: string;
  marks: number;
  actionable: number;
  missed: number;
  legacyMissed: number;
  screenshotMs: number;
  marksMs: number;
  drawMs: number;
}

async function measure(page: Page, app: string, label: string): Promise<PageRow> {
  const shots: number[] = [];
  const walks: number[] = [];
  const draws: number[] = [];
  let observed = await observePage(page, { drawMarks: true });
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await page.screenshot({ type: 'png' });
    shots.push(performance.now() - t);
    t = performance.now();
    await page.evaluate(collectSetOfMarks, SOM_ARGS);
    walks.push(performance.now() - t);
    observed = await observePage(page);
    t = performance.now();
    await drawSetOfMarks(observed.png, observed.elements);
    draws.push(performance.now() - t);
  }
  const audit = await page.evaluate(auditMarks, {
    attribute: SOM_ATTRIBUTE,
    registryKey: LISTENER_REGISTRY_KEY,
  });
  await page.evaluate(markLegacy, LEGACY_ATTRIBUTE);
  const legacy = await page.evaluate(auditMarks, {
    attribute: LEGACY_ATTRIBUTE,
    registryKey: LISTENER_REGISTRY_KEY,
  });
  for (const miss of audit.missed)
    console.log(`    missed on ${app} ${label}: <${miss.tag} class="${miss.className}"> ${miss.text}`);
  return {
    app,
    page: label,
    marks: observed.elements.length,
    actionable: audit.actionable,
    missed: audit.missed.length,
    legacyMissed: legacy.missed.length,
    screenshotMs: median(shots),
    marksMs: median(walks),
    drawMs: median(draws),
  };
}

async function main(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: resolveChromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS.filter((a) => !a.startsWith('--proxy')),
  });
  const rows: PageRow[] = [];
  const navigation = { policy: createUrlPolicy([]), log: null };
  const envDir = path.resolve('environments');
  const apps = fs
    .readdirSync(envDir)
    .filter((name) => fs.existsSync(path.join(envDir, name, 'index.html')))
    .sort();
  const fixture = fs.readFileSync(path.resolve('server/rollouts/__fixtures__/real-world-patterns.html'));
  const fixtureServer = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(fixture),
  );
  await new Promise<void>((resolve) => fixtureServer.listen(0, '127.0.0.1', () => resolve()));
  const targets: { app: string; url: string; close: () => Promise<void> }[] = [
    {
      app: 'fixture',
      url: `http://127.0.0.1:${(fixtureServer.address() as AddressInfo).port}/`,
      close: () => new Promise<void>((resolve) => fixtureServer.close(() => resolve())),
    },
  ];
  for (const app of apps) {
    const server = await startStateApiServer(path.join(envDir, app));
    targets.push({ app, url: `${server.url}/`, close: () => server.close() });
  }
  try {
    for (const target of targets) {
      const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
      await context.addInitScript(PAGE_INIT_SCRIPT);
      const page = await context.newPage();
      await page.goto(target.url, { waitUntil: 'load' });
      await page.waitForLoadState('networkidle').catch(() => undefined);
      rows.push(await measure(page, target.app, 'start'));
      const links = (await observePage(page)).elements.filter((e) => e.role === 'link').map((e) => e.name);
      for (const name of links.slice(0, PAGES_PER_APP - 1)) {
        await page.goto(target.url, { waitUntil: 'load' });
        await page.waitForLoadState('networkidle').catch(() => undefined);
        const observed = await observePage(page);
        const link = observed.elements.find((e) => e.role === 'link' && e.name === name);
        if (!link) continue;
        try {
          await executeAction(
            page,
            { type: 'click', elementId: link.id, raw: '' },
            5_000,
            navigation,
            observed.elements,
          );
        } catch {
          continue;
        }
        rows.push(await measure(page, target.app, name.slice(0, 24)));
      }
      await context.close();
    }
  } finally {
    await browser.close();
    for (const target of targets) await target.close();
  }

  console.log(
    `\nSet-of-marks per page (median of ${RUNS} runs; viewport ${VIEWPORT.width}×${VIEWPORT.height})`,
  );
  console.log(
    'app        page                      marks  actionable  missed  missed(old rule)  screenshot ms  marks ms  draw ms  observe/screenshot',
  );
  for (const r of rows) {
    const ratio = (r.screenshotMs + r.marksMs + r.drawMs) / Math.max(r.screenshotMs, 0.01);
    console.log(
      `${r.app.padEnd(10)} ${r.page.padEnd(25)} ${String(r.marks).padStart(5)}  ${String(r.actionable).padStart(10)}  ${String(r.missed).padStart(6)}  ${String(r.legacyMissed).padStart(16)}  ${r.screenshotMs.toFixed(1).padStart(13)}  ${r.marksMs.toFixed(1).padStart(8)}  ${r.drawMs.toFixed(1).padStart(7)}  ${ratio.toFixed(2).padStart(18)}`,
    );
  }
  const actionable = rows.reduce((n, r) => n + r.actionable, 0);
  const missed = rows.reduce((n, r) => n + r.missed, 0);
  const legacyMissed = rows.reduce((n, r) => n + r.legacyMissed, 0);
  const observeMs = median(rows.map((r) => r.screenshotMs + r.marksMs + r.drawMs));
  const shotMs = median(rows.map((r) => r.screenshotMs));
  console.log(
    `\nShare of pointer-cursor / listener elements marked: ${(((actionable - missed) / Math.max(actionable, 1)) * 100).toFixed(1)} % (${actionable - missed} of ${actionable}); old rule: ${(((actionable - legacyMissed) / Math.max(actionable, 1)) * 100).toFixed(1)} %`,
  );
  console.log(
    `Observe (screenshot + marks + drawing), median per page: ${observeMs.toFixed(1)} ms; baseline screenshot alone: ${shotMs.toFixed(1)} ms; ratio observe/screenshot: ${(observeMs / Math.max(shotMs, 0.01)).toFixed(2)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
