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
import type { StepAction } from '@/lib/core/types';
import { createUrlPolicy, type UrlPolicy } from '@/lib/core/rollouts/url-policy';
import { startEgressProxy } from '@/server/rollouts/egress-proxy';
import { assertNavigationAllowed, type BlockedRequestLog } from '@/server/rollouts/network-guard';
import { collectSetOfMarks, MAX_SOM_ELEMENTS, SOM_ATTRIBUTE, type SomResult } from '@/server/rollouts/som';

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
 * Functions handed to `page.evaluate` are serialised from our compiled code; tsx/esbuild (CLI,
 * tests) wrap named functions in a `__name(...)` helper that does not exist in the page. Every
 * rollout context defines a no-op one first.
 */
export const PAGE_INIT_SCRIPT = 'globalThis.__name = globalThis.__name || ((fn) => fn);';

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

/** Numbers the viewport's interactive elements and reads URL and title. */
export async function observePage(
  page: Page,
): Promise<Omit<Observation, 'stepIndex' | 'screenshot'> & { png: Buffer }> {
  // A page that navigates while it is read (a late redirect, a meta refresh) destroys the
  // evaluation's context: read the new page instead, a few times at most.
  for (let attempt = 1; ; attempt++) {
    try {
      const som: SomResult = await page.evaluate(collectSetOfMarks, {
        attribute: SOM_ATTRIBUTE,
        max: MAX_SOM_ELEMENTS,
      });
      const png = await page.screenshot({ type: 'png' });
      return {
        url: page.url(),
        title: await page.title(),
        elements: som.elements,
        offscreen: som.offscreen,
        png,
      };
    } catch (error) {
      if (attempt >= OBSERVE_ATTEMPTS || !/Execution context was destroyed/i.test((error as Error).message))
        throw error;
      await page.waitForLoadState('domcontentloaded').catch(() => undefined);
    }
  }
}

/**
 * Performs `action` on the page observed last (elements addressed by their set-of-marks id).
 * `answer` and `status` do nothing here. A `goto` opens only what `navigation` allows
 * (`assertNavigationAllowed`). @throws DomainError('BAD_INPUT') for an element id the observation
 * did not list or a refused `goto`; Playwright errors (timeouts) propagate.
 */
export async function executeAction(
  page: Page,
  action: StepAction,
  timeoutMs: number,
  navigation: { policy: UrlPolicy; log: BlockedRequestLog | null },
): Promise<void> {
  const element = () => {
    if (action.elementId === undefined)
      throw new DomainError('BAD_INPUT', `${action.type} needs an element id`);
    return page.locator(`[${SOM_ATTRIBUTE}="${action.elementId.replace(/"/g, '')}"]`).first();
  };
  switch (action.type) {
    case 'click':
      await element().click({ timeout: timeoutMs });
      break;
    case 'type': {
      const target = element();
      const tag = await target.evaluate((el) => el.tagName.toLowerCase(), undefined, { timeout: timeoutMs });
      if (tag === 'select') await target.selectOption({ label: action.text ?? '' }, { timeout: timeoutMs });
      else await target.fill(action.text ?? '', { timeout: timeoutMs });
      break;
    }
    case 'key_press':
      await page.keyboard.press(action.key ?? 'Enter');
      break;
    case 'scroll': {
      const dy = (action.direction === 'up' ? -1 : 1) * Math.round(VIEWPORT.height * 0.7);
      if (action.elementId !== undefined) {
        await element().evaluate((el, d) => el.scrollBy(0, d), dy, { timeout: timeoutMs });
      } else {
        await page.mouse.wheel(0, dy);
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
      await element().hover({ timeout: timeoutMs });
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
