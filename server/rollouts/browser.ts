/**
 * Chromium for rollouts, through `playwright-core` (STACK.md: Playwright cannot download browsers
 * here, so the machine's Chromium is used: `CHROMIUM_PATH` or `/usr/bin/chromium`).
 *
 * Each rollout worker owns one browser *server* process (`launchServer` + `connect`): the runner can
 * tell a crashed browser from a failed action (the connection drops), and tests can kill the process
 * to prove a crash ends only that rollout. Every rollout gets a fresh browser context (no cookies or
 * storage carried over) with a 1280×800 viewport.
 */
import fs from 'node:fs';
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import { DomainError } from '@/lib/core/errors';
import type { Observation } from '@/lib/core/rollouts/types';
import type { ObservedElement, StepAction } from '@/lib/core/types';
import { createUrlPolicy, type UrlPolicy } from '@/lib/core/rollouts/url-policy';
import { startEgressProxy } from '@/server/rollouts/egress-proxy';
import { assertNavigationAllowed, type BlockedRequestLog } from '@/server/rollouts/network-guard';
import { drawSetOfMarks } from '@/server/rollouts/marks-image';
import {
  collectSetOfMarks,
  LISTENER_PROBE_SCRIPT,
  SOM_ARGS,
  SOM_ATTRIBUTE,
  type SomResult,
  type SomStats,
} from '@/server/rollouts/som';

export const VIEWPORT = { width: 1280, height: 800 } as const;
/** Pause after an action for the page to settle (client-side renders, hash routes), in ms. */
export const SETTLE_MS = 150;

/** Flags from STACK.md: the machine's network is closed, so background services only make noise. */
export const CHROMIUM_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  // Rollout network policy (README › Security › Rollout network): WebRTC may not send UDP outside
  // a proxy (STUN / media to any host:port would bypass every other layer); TCP candidates then go
  // through the context's egress proxy, which refuses them.
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
  // Loopback is proxied too (Chromium bypasses proxies for it by default).
  '--proxy-bypass-list=<-loopback>',
];

/**
 * Run in every rollout page before its own scripts:
 * - functions handed to `page.evaluate` are serialised from our compiled code; tsx/esbuild (CLI,
 *   tests) wrap named functions in a `__name(...)` helper that does not exist in the page, so a
 *   no-op one is defined;
 * - the set-of-marks listener probe (`som.ts` LISTENER_PROBE_SCRIPT) records which elements get
 *   click / key / pointer listeners.
 */
export const PAGE_INIT_SCRIPT = `globalThis.__name = globalThis.__name || ((fn) => fn);\n${LISTENER_PROBE_SCRIPT}`;

/** The Chromium executable: `CHROMIUM_PATH`, else `/usr/bin/chromium`. */
export function resolveChromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/**
 * @throws DomainError('CONFLICT') with the fix when no Chromium is found.
 */
export function assertChromiumAvailable(): string {
  const executable = resolveChromiumPath();
  if (!fs.existsSync(executable)) {
    throw new DomainError(
      'CONFLICT',
      `No Chromium at ${executable}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable.`,
    );
  }
  return executable;
}

export interface RolloutBrowser {
  browser: Browser;
  /** The Chromium process id (absent for stand-ins in tests). */
  pid?: number;

  /** Kills the browser process (tests simulate a crash with it). */
  kill(): void;
  close(): Promise<void>;
}

/**
 * Starts Chromium for one rollout worker. Its browser-wide proxy refuses everything: each rollout
 * context brings its own egress proxy (`network-guard.ts`), so only Chromium's own background
 * traffic (update and sign-in checks) lands on this one, and nothing of it leaves the machine.
 */
export async function launchRolloutBrowser(): Promise<RolloutBrowser> {
  const executablePath = assertChromiumAvailable();
  const fallbackProxy = await startEgressProxy(createUrlPolicy([]));
  let server: BrowserServer;
  try {
    server = await chromium.launchServer({
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS, `--proxy-server=${fallbackProxy.url}`],
    });
  } catch (error) {
    await fallbackProxy.close();
    throw new DomainError(
      'CONFLICT',
      `Chromium at ${executablePath} did not start: ${(error as Error).message}`,
    );
  }
  const browser = await chromium.connect(server.wsEndpoint());
  return {
    browser,
    pid: server.process().pid,
    kill: () => server.process().kill('SIGKILL'),
    close: async () => {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      await fallbackProxy.close();
    },
  };
}

/** True for errors that mean the browser or page is gone (crash, kill), not a failed action. */
export function isBrowserGoneError(error: unknown): boolean {
  const message = (error as Error)?.message ?? '';
  return /Target (page, context or browser )?(has been )?closed|Browser (has been )?closed|browser has disconnected|Connection closed|WebSocket/i.test(
    message,
  );
}

/** Tries to read a page that keeps navigating before the step fails. */
export const OBSERVE_ATTEMPTS = 3;

export interface ObservedPage extends Omit<Observation, 'stepIndex' | 'screenshot' | 'markedScreenshot'> {
  /** The clean viewport screenshot. */
  png: Buffer;
  /** The same screenshot with the marks drawn (when asked for). */
  markedPng: Buffer | null;
  stats: SomStats;
  /** Time spent, in ms: the set-of-marks walk, the screenshot, drawing the marks. */
  timings: { marksMs: number; screenshotMs: number; drawMs: number };
}

/**
 * Numbers the viewport's interactive elements (`som.ts`), takes the screenshot, reads URL and
 * title; with `drawMarks`, also draws the marks on a copy of the screenshot (`marks-image.ts`).
 * A page that navigates while it is read is read again (at most {@link OBSERVE_ATTEMPTS} times).
 */
export async function observePage(page: Page, options: { drawMarks?: boolean } = {}): Promise<ObservedPage> {
  // A page that navigates while it is read (a late redirect, a meta refresh) destroys the
  // evaluation's context: read the new page instead, a few times at most.
  for (let attempt = 1; ; attempt++) {
    try {
      const t0 = performance.now();
      const som: SomResult = await page.evaluate(collectSetOfMarks, SOM_ARGS);
      const t1 = performance.now();
      const png = await page.screenshot({ type: 'png' });
      const t2 = performance.now();
      const markedPng = options.drawMarks ? await drawSetOfMarks(png, som.elements) : null;
      const t3 = performance.now();
      return {
        url: page.url(),
        title: await page.title(),
        elements: som.elements,
        offscreen: som.offscreen,
        png,
        markedPng,
        stats: som.stats,
        timings: { marksMs: t1 - t0, screenshotMs: t2 - t1, drawMs: t3 - t2 },
      };
    } catch (error) {
      if (attempt >= OBSERVE_ATTEMPTS || !/Execution context was destroyed/i.test((error as Error).message))
        throw error;
      await page.waitForLoadState('domcontentloaded').catch(() => undefined);
    }
  }
}

/** `[7] (<button> "Save")`: how refusals name an element. */
function describeMark(id: string, observed: readonly ObservedElement[] | undefined): string {
  const element = observed?.find((e) => e.id === id);
  if (!element) return `[${id}]`;
  const name = element.name.length > 60 ? `${element.name.slice(0, 59)}…` : element.name;
  return `[${id}] (${element.role ? `<${element.role}> ` : ''}"${name}")`;
}

/**
 * Scrolls by `dy` pixels: the element's nearest scrollable ancestor (itself included) when given,
 * else the window, or — when the window cannot move that way (apps whose body never scrolls) —
 * the largest scrollable panel in view. Runs in the page.
 * @returns what moved, or `null` when nothing could.
 */
function scrollInPage(args: { dy: number; target: unknown }): string | null {
  const canScroll = (el: Element) => {
    const s = getComputedStyle(el);
    if (!/(auto|scroll|overlay)/.test(s.overflowY)) return false;
    return args.dy > 0 ? el.scrollTop + el.clientHeight < el.scrollHeight - 1 : el.scrollTop > 0;
  };
  for (
    let el = args.target as Element | null;
    el && el !== document.body && el !== document.documentElement;
    el = el.parentElement
  ) {
    if (canScroll(el)) {
      el.scrollBy(0, args.dy);
      return 'panel';
    }
  }
  const before = window.scrollY;
  window.scrollBy(0, args.dy);
  if (window.scrollY !== before) return 'window';
  let best: Element | null = null;
  let bestArea = 0;
  for (const el of Array.from(document.querySelectorAll('*'))) {
    if (!canScroll(el)) continue;
    const r = el.getBoundingClientRect();
    const area =
      Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0)) *
      Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    if (area > bestArea) {
      best = el;
      bestArea = area;
    }
  }
  if (!best) return null;
  best.scrollBy(0, args.dy);
  return 'panel';
}

/**
 * Performs `action` on the page observed last (elements addressed by their set-of-marks id).
 * `answer` and `status` do nothing here. A `goto` opens only what `navigation` allows
 * (`assertNavigationAllowed`). `type` fills text fields and editing hosts, and picks a `select`'s
 * option by its label (then by value); `scroll` with an element scrolls the panel it sits in.
 * @param observed the observation's marks, to name elements in refusals.
 * @throws DomainError('BAD_INPUT') for an element id the observation did not list, a refused
 *   `goto`, or text for a select that matches no option (the message lists them);
 *   DomainError('CONFLICT') when the element is gone from the page since it was observed or
 *   nothing could scroll. Each message is written for the model to recover from. Playwright errors
 *   (an element covered, timeouts) propagate.
 */
export async function executeAction(
  page: Page,
  action: StepAction,
  timeoutMs: number,
  navigation: { policy: UrlPolicy; log: BlockedRequestLog | null },
  observed?: readonly ObservedElement[],
): Promise<void> {
  const element = async () => {
    if (action.elementId === undefined)
      throw new DomainError('BAD_INPUT', `${action.type} needs an element id`);
    const id = action.elementId.replace(/"/g, '');
    if (observed && !observed.some((e) => e.id === id))
      throw new DomainError('BAD_INPUT', `Element [${id}] is not in the element list of this page.`);
    const locator = page.locator(`[${SOM_ATTRIBUTE}="${id}"]`).first();
    if ((await locator.count()) === 0) {
      throw new DomainError(
        'CONFLICT',
        `Element ${describeMark(id, observed)} is no longer on the page: the page changed after it was observed. Choose an element from the new screenshot.`,
      );
    }
    return locator;
  };
  switch (action.type) {
    case 'click':
      await (await element()).click({ timeout: timeoutMs });
      break;
    case 'type': {
      const target = await element();
      const info = await target.evaluate(
        (el) => ({
          tag: el.tagName.toLowerCase(),
          options:
            el instanceof HTMLSelectElement ? Array.from(el.options).map((o) => o.label || o.text) : [],
        }),
        undefined,
        { timeout: timeoutMs },
      );
      if (info.tag === 'select') {
        const wanted = action.text ?? '';
        const byLabel = info.options.find((o) => o.trim() === wanted.trim());
        const byLabelLoose = info.options.find((o) => o.trim().toLowerCase() === wanted.trim().toLowerCase());
        const label = byLabel ?? byLabelLoose;
        if (label !== undefined) await target.selectOption({ label }, { timeout: timeoutMs });
        else {
          try {
            await target.selectOption({ value: wanted }, { timeout: Math.min(timeoutMs, 1_000) });
          } catch {
            throw new DomainError(
              'BAD_INPUT',
              `Element ${describeMark(action.elementId ?? '', observed)} is a drop-down without an option "${wanted.slice(0, 60)}"; its options are: ${info.options
                .slice(0, 15)
                .map((o) => `"${o.slice(0, 40)}"`)
                .join(', ')}${info.options.length > 15 ? ', …' : ''}.`,
            );
          }
        }
      } else await target.fill(action.text ?? '', { timeout: timeoutMs });
      break;
    }
    case 'key_press':
      await page.keyboard.press(action.key ?? 'Enter');
      break;
    case 'scroll': {
      const dy = (action.direction === 'up' ? -1 : 1) * Math.round(VIEWPORT.height * 0.7);
      const target = action.elementId !== undefined ? await element() : null;
      const handle = target ? await target.elementHandle({ timeout: timeoutMs }) : null;
      try {
        // Playwright passes the handle into the page as the element itself.
        const moved = await page.evaluate(scrollInPage, { dy, target: handle });
        if (moved === null)
          throw new DomainError(
            'CONFLICT',
            `Nothing on the page can scroll ${action.direction === 'up' ? 'up' : 'down'} any further.`,
          );
      } finally {
        await handle?.dispose();
      }
      break;
    }
    case 'go_back':
    case 'navigate_back':
      await page.goBack({ timeout: timeoutMs });
      break;
    case 'goto':
      if (action.url) {
        assertNavigationAllowed(navigation.policy, navigation.log, action.url);
        await page.goto(action.url, { timeout: timeoutMs });
      }
      break;
    case 'hover':
      await (await element()).hover({ timeout: timeoutMs });
      break;
    case 'wait':
      await page.waitForTimeout(1000);
      break;
    default:
      break;
  }
  await page.waitForLoadState('domcontentloaded', { timeout: timeoutMs }).catch(() => undefined);
  await page.waitForTimeout(SETTLE_MS);
}
