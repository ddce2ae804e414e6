/**
 * A rollout's browser context, fenced by the rollout network policy (README › Security › Rollout
 * network). Layers, each recording what it refuses into the episode's {@link BlockedRequestLog}:
 *
 * 1. Playwright routes on the whole context (`route` on every URL, `routeWebSocket` on every
 *    WebSocket): a request or frame navigation whose URL the policy refuses is aborted
 *    (`blockedbyclient`); a WebSocket is closed before it connects.
 * 2. The context's own egress proxy (`egress-proxy.ts`), loopback included: what the routes do not
 *    see (redirect hops, shared workers, prefetch / prerender, TURN over TCP) is checked again
 *    there.
 * 3. Context options: `acceptDownloads: false` (every download is cancelled and recorded),
 *    `serviceWorkers: 'block'` (a service worker's fetches would bypass the routes).
 * 4. Chromium's own refusals that only show on the console ("Not allowed to load local resource:
 *    file:///…") are recorded too, so even a refusal that was not ours is never silent.
 *
 * The browser-wide flags (WebRTC UDP off, a refusing fallback proxy for traffic of no context)
 * are in `browser.ts`.
 */
import { DomainError } from '@/lib/core/errors';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import {
  MAX_BLOCKED_REQUESTS_PER_STEP,
  truncateUrl,
  type BlockedRequest,
  type BlockedRequestBatch,
  type BlockLayer,
  type BlockReason,
  type UrlPolicy,
} from '@/lib/core/rollouts/url-policy';
import { startEgressProxy, type EgressProxy } from '@/server/rollouts/egress-proxy';

/**
 * The refusals of one episode that are not yet on a step. The runner drains it onto the step the
 * agent is on (README › Security › Rollout network: which step gets a refusal).
 */
export class BlockedRequestLog {
  private pending: BlockedRequest[] = [];
  private pendingCount = 0;
  private total = 0;

  record(entry: Omit<BlockedRequest, 'at'> & { at?: number }): void {
    this.pendingCount++;
    this.total++;
    if (this.pending.length < MAX_BLOCKED_REQUESTS_PER_STEP) {
      this.pending.push({ ...entry, url: truncateUrl(entry.url), at: entry.at ?? Date.now() });
    }
  }

  /** Takes what is pending (empty batch when nothing is). */
  drain(): BlockedRequestBatch {
    const batch = { requests: this.pending, count: this.pendingCount };
    this.pending = [];
    this.pendingCount = 0;
    return batch;
  }

  /** Refusals recorded over the episode. */
  get totalCount(): number {
    return this.total;
  }
}

export interface GuardedContext {
  context: BrowserContext;
  /** Closes the context, then its proxy. */
  close(): Promise<void>;
}

/** Chromium's console line for a `file:` subresource it refused to a web page. */
const LOCAL_RESOURCE_MESSAGE = /^Not allowed to load local resource: (\S+)/;

function watchPage(page: Page, log: BlockedRequestLog): void {
  page.on('download', (download) => {
    log.record({
      url: download.url(),
      method: 'GET',
      resourceType: 'download',
      reason: 'download',
      layer: 'download',
    });
    // Nothing is saved (acceptDownloads: false); this settles Playwright's side of it.
    void download.cancel().catch(() => undefined);
  });
  page.on('console', (message) => {
    const match = LOCAL_RESOURCE_MESSAGE.exec(message.text());
    if (match?.[1]) {
      log.record({
        url: match[1],
        method: 'GET',
        resourceType: 'unknown',
        reason: 'local-file',
        layer: 'chromium',
      });
    }
  });
}

/**
 * Opens a browser context that may reach only the origins of `policy`, recording every refusal
 * in `log`. `options` are further context options (viewport …); the network ones are fixed here.
 */
export async function openGuardedContext(
  browser: Browser,
  policy: UrlPolicy,
  log: BlockedRequestLog,
  options: Omit<BrowserContextOptions, 'proxy' | 'acceptDownloads' | 'serviceWorkers'> = {},
): Promise<GuardedContext> {
  const record = (
    url: string,
    method: string,
    resourceType: string,
    reason: BlockReason,
    layer: BlockLayer,
  ) => log.record({ url, method, resourceType, reason, layer });
  const proxy: EgressProxy = await startEgressProxy(policy, (refused) =>
    record(refused.url, refused.method, 'unknown', refused.reason, 'proxy'),
  );
  let context: BrowserContext;
  try {
    context = await browser.newContext({
      ...options,
      acceptDownloads: false,
      serviceWorkers: 'block',
      proxy: { server: proxy.url, bypass: '<-loopback>' },
    });
  } catch (error) {
    await proxy.close();
    throw error;
  }
  try {
    context.on('page', (page) => watchPage(page, log));
    await context.route(
      () => true,
      async (route) => {
        const request = route.request();
        const verdict = policy.check(request.url(), { navigation: request.isNavigationRequest() });
        if (verdict.allowed) {
          await route.continue().catch(() => undefined);
          return;
        }
        record(request.url(), request.method(), request.resourceType(), verdict.reason, 'route');
        await route.abort('blockedbyclient').catch(() => undefined);
      },
    );
    await context.routeWebSocket(
      () => true,
      async (ws) => {
        const verdict = policy.check(ws.url());
        if (verdict.allowed) {
          // No handlers set: Playwright forwards every message both ways.
          ws.connectToServer();
          return;
        }
        record(ws.url(), 'GET', 'websocket', verdict.reason, 'websocket');
        await ws
          .close({ code: 1008, reason: 'Blocked by the rollout network policy' })
          .catch(() => undefined);
      },
    );
  } catch (error) {
    await context.close().catch(() => undefined);
    await proxy.close();
    throw error;
  }
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      await proxy.close();
    },
  };
}

/**
 * Opens `url` in `page` after the policy allows it as a navigation; a refusal is recorded (layer
 * `runner`) and thrown. Every navigation the runner starts itself (start URL, a `goto` action, an
 * evaluator's page) goes through here: Chromium lets such browser-initiated navigations open
 * `file:`, `chrome:` or `view-source:` URLs that no route ever sees.
 * @throws DomainError('BAD_INPUT') naming the URL and the reason.
 */
export function assertNavigationAllowed(policy: UrlPolicy, log: BlockedRequestLog | null, url: string): void {
  const verdict = policy.check(url, { navigation: true });
  if (verdict.allowed) return;
  log?.record({ url, method: 'GET', resourceType: 'document', reason: verdict.reason, layer: 'runner' });
  throw new DomainError('BAD_INPUT', `Refused to open ${truncateUrl(url)}: ${verdict.message}`);
}
