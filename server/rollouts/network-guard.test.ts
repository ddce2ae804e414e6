/**
 * The rollout network boundary, attacked as an outsider would (README › Security › Rollout
 * network). A hostile app on one loopback port tries every way a page (and a task file) has to
 * reach a second loopback "secret" server on another port — subresources, fetch, beacons,
 * EventSource, WebSockets, workers, shared workers, service workers, iframes, popups, forms,
 * `<meta refresh>`, prefetch / prerender, redirects, WebRTC (STUN over UDP, TURN over TCP),
 * downloads, `file:` URLs — while a real rollout (the runner, real Chromium) plays on it. The secret
 * servers must see nothing, and every refusal must be on the trajectory's steps.
 */
import { createHash, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUrlPolicy, type BlockedRequest } from '@/lib/core/rollouts/url-policy';
import type { Observation, PolicyDecision, RolloutPolicy } from '@/lib/core/rollouts/types';
import type { StepAction } from '@/lib/core/types';
import { step, task, trajectory } from '@/server/db/schema';
import { launchRolloutBrowser } from '@/server/rollouts/browser';
import { BlockedRequestLog, openGuardedContext } from '@/server/rollouts/network-guard';
import { runRollouts, type RolloutEpisode } from '@/server/rollouts/runner';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

/** Everything the secret servers saw (HTTP requests, upgrades, TCP connections, UDP datagrams). */
const secretHits: string[] = [];
let secretHttp: http.Server;
let secretTcp: net.Server;
let secretUdp: dgram.Socket;
let hostile: http.Server;
let SECRET = '';
let APP = '';
let tcpPort = 0;
let udpPort = 0;

function listen(server: http.Server | net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** The hostile app's first page: every attack fires on load. */
function attackPage(): string {
  const s = SECRET;
  const sharedWorker = `fetch('${s}/shared-worker-fetch').catch(() => {})`;
  const worker = `fetch('${s}/worker-fetch').catch(() => {}); importScripts('${s}/worker-import');`;
  return `<!doctype html><html><head><title>Hostile app</title>
<link rel="stylesheet" href="${s}/css">
<link rel="prefetch" href="${s}/prefetch">
<link rel="preload" as="script" href="${s}/preload">
<link rel="icon" href="${s}/favicon">
<script type="speculationrules">{"prerender":[{"source":"list","urls":["${s}/prerender"]}],"prefetch":[{"source":"list","urls":["${s}/spec-prefetch"]}]}</script>
<style>@font-face { font-family: x; src: url('${s}/font'); } body { font-family: x; }</style>
</head><body>
<h1>Hostile app</h1>
<a href="${s}/clicked">Secret link</a>
<a href="/download" download>Download</a>
<img src="${s}/img">
<img src="http://127.1:${new URL(s).port}/img-short-form">
<img src="http://0x7f.0.0.1:${new URL(s).port}/img-hex-form">
<img src="file:///etc/passwd">
<video src="${s}/video"></video>
<object data="${s}/object"></object>
<iframe src="${s}/iframe"></iframe>
<iframe src="/redirect-secret?frame"></iframe>
<iframe srcdoc="<form id=f method=post action='${s}/form'><input name=a value=1></form><script>f.submit()</script>"></iframe>
<iframe src="data:text/html,<script>fetch('${s}/data-iframe-fetch').catch(()=>{})</script>"></iframe>
<script>
fetch('${s}/fetch', { mode: 'no-cors' }).catch(() => {});
fetch('/redirect-secret?fetch').catch(() => {});
navigator.sendBeacon('${s}/beacon', 'stolen');
new EventSource('${s}/sse');
try { new WebSocket('ws://127.0.0.1:${new URL(s).port}/ws'); } catch (e) {}
new Worker(URL.createObjectURL(new Blob([${JSON.stringify(worker)}], { type: 'text/javascript' })));
try { new SharedWorker(URL.createObjectURL(new Blob([${JSON.stringify(sharedWorker)}], { type: 'text/javascript' }))); } catch (e) {}
navigator.serviceWorker && navigator.serviceWorker.register('/sw.js').catch(() => {});
try {
  const pc = new RTCPeerConnection({ iceServers: [
    { urls: 'stun:127.0.0.1:${udpPort}' },
    { urls: 'turn:127.0.0.1:${tcpPort}?transport=tcp', username: 'u', credential: 'c' },
  ] });
  pc.createDataChannel('x');
  pc.createOffer().then((o) => pc.setLocalDescription(o));
} catch (e) {}
window.open('${s}/popup');
window.open('file:///etc/passwd');
const x = new XMLHttpRequest(); x.open('GET', '${s}/xhr'); x.send();
document.querySelector('a[download]').click();
</script></body></html>`;
}

beforeAll(async () => {
  secretHttp = http.createServer((req, res) => {
    secretHits.push(`HTTP ${req.method} ${req.url}`);
    res.end('secret');
  });
  secretHttp.on('upgrade', (req, socket) => {
    secretHits.push(`UPGRADE ${req.url}`);
    socket.destroy();
  });
  secretHttp.on('connect', (req, socket) => {
    secretHits.push(`CONNECT ${req.url}`);
    socket.destroy();
  });
  SECRET = `http://127.0.0.1:${await listen(secretHttp)}`;
  secretTcp = net.createServer((socket) => {
    secretHits.push('TCP connection');
    socket.destroy();
  });
  tcpPort = await listen(secretTcp);
  secretUdp = dgram.createSocket('udp4');
  secretUdp.on('message', (message) => secretHits.push(`UDP ${message.length} bytes`));
  await new Promise<void>((resolve) => secretUdp.bind(0, '127.0.0.1', resolve));
  udpPort = secretUdp.address().port;

  hostile = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage());
    } else if (url.pathname === '/redirect-secret') {
      res.writeHead(302, { location: `${SECRET}/redirected${url.search}` }).end();
    } else if (url.pathname === '/redirect-file') {
      res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    } else if (url.pathname === '/meta') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<meta http-equiv="refresh" content="0;url=${SECRET}/meta-refresh"><p>refreshing</p>`);
    } else if (url.pathname === '/download') {
      res.writeHead(200, { 'content-disposition': 'attachment; filename=loot.bin' }).end('loot');
    } else if (url.pathname === '/sw.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(`fetch('${SECRET}/sw-fetch')`);
    } else {
      res.writeHead(404).end();
    }
  });
  APP = `http://127.0.0.1:${await listen(hostile)}`;
});

afterAll(async () => {
  await Promise.all(
    [secretHttp, secretTcp, hostile].map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    ),
  );
  secretUdp.close();
});

/** A policy that plays a fixed list of actions; `click` names its element by accessible name. */
type ScriptedAction = Omit<StepAction, 'raw'> | { clickName: string };

function scriptedPolicy(actions: ScriptedAction[]): RolloutPolicy {
  let next = 0;
  return {
    name: 'test-script',
    model: null,
    decide(observation: Observation): Promise<PolicyDecision> {
      const planned: ScriptedAction = actions[next++] ?? { type: 'answer', answer: 'done' };
      let action: StepAction;
      if ('clickName' in planned) {
        const element = observation.elements.find((e) => e.name === planned.clickName);
        action = { type: 'click', elementId: element?.id ?? 'missing', raw: `click ${planned.clickName}` };
      } else {
        action = { ...planned, raw: JSON.stringify(planned) };
      }
      return Promise.resolve({ action, thought: null, rawOutput: JSON.stringify(action) });
    },
  };
}

function insertUrlTask(world: TestWorld, startUrl: string): RolloutEpisode['task'] {
  const id = randomUUID();
  world.db
    .insert(task)
    .values({
      id,
      externalId: `test:${id}`,
      source: 'test',
      intent: 'Steal the secret',
      startUrl,
      createdBy: 'test',
    })
    .run();
  return {
    id,
    externalId: `test:${id}`,
    intent: 'Steal the secret',
    source: 'test',
    startUrl,
    evalSpec: null,
    meta: {},
    appFolder: null,
  };
}

function stepsOf(world: TestWorld, trajectoryId: string) {
  return world.db
    .select({
      index: step.index,
      url: step.url,
      blocked: step.blockedRequests,
      count: step.blockedRequestCount,
    })
    .from(step)
    .where(eq(step.trajectoryId, trajectoryId))
    .orderBy(asc(step.index))
    .all();
}

const wait: ScriptedAction = { type: 'wait' };

describe('rollout network boundary in Chromium', () => {
  it(
    'a hostile page reaches nothing outside its origin, and every refusal is recorded on a step',
    { timeout: 120_000 },
    async () => {
      const world = createTestWorld();
      try {
        const episode: RolloutEpisode = {
          task: insertUrlTask(world, `${APP}/`),
          sampleIndex: 0,
          kind: 'rollout',
          policy: scriptedPolicy([
            wait,
            { clickName: 'Secret link' },
            { type: 'goto', url: `${APP}/meta` },
            wait,
            { type: 'goto', url: `${APP}/redirect-secret?top` },
            // Refused actions are interleaved with waits: three failures in a row end an episode.
            { type: 'goto', url: `${APP}/redirect-file` },
            wait,
            { type: 'goto', url: 'file:///etc/passwd' },
            wait,
            { type: 'goto', url: 'view-source:http://127.0.0.1:1/' },
            wait,
            { type: 'goto', url: `${SECRET}/goto` },
            { type: 'answer', answer: 'nothing' },
          ]),
        };
        const summary = await runRollouts([episode], {
          db: world.db,
          dataDir: world.dataDir,
          parallel: 1,
          maxSteps: 15,
          stepTimeoutMs: 20_000,
          siteUrls: {},
          allowedHosts: [APP],
          createdBy: 'test',
        });
        const [result] = summary.episodes;
        expect(result, JSON.stringify(summary)).toMatchObject({ status: 'complete', end: 'answered' });

        // The secret servers saw nothing at all.
        expect(secretHits).toEqual([]);

        const steps = stepsOf(world, result!.trajectoryId);
        const all: BlockedRequest[] = steps.flatMap((s) => s.blocked);
        const total = steps.reduce((sum, s) => sum + s.count, 0);
        expect(total).toBeGreaterThanOrEqual(all.length);
        const blockedPaths = new Set(
          all.map((r) => {
            try {
              return new URL(r.url).pathname;
            } catch {
              return r.url;
            }
          }),
        );
        // Page loads on step 0 (routes, WebSocket route, proxy, Chromium's own file: refusal, downloads).
        for (const path of [
          '/css',
          '/img',
          '/img-short-form',
          '/img-hex-form',
          '/iframe',
          '/form',
          '/data-iframe-fetch',
          '/fetch',
          '/beacon',
          '/sse',
          '/ws',
          '/worker-fetch',
          '/shared-worker-fetch',
          '/popup',
          '/xhr',
          '/redirected',
          '/etc/passwd',
          '/download',
          // Agent actions: a clicked link, a meta refresh, a goto the runner refuses.
          '/clicked',
          '/meta-refresh',
          '/goto',
        ]) {
          expect(blockedPaths, `${path} in ${JSON.stringify([...blockedPaths])}`).toContain(path);
        }
        const byLayer = (layer: string) => all.filter((r) => r.layer === layer).map((r) => r.url);
        expect(byLayer('websocket')).toContain(`ws://127.0.0.1:${new URL(SECRET).port}/ws`);
        expect(byLayer('proxy').some((u) => u.includes('/redirected'))).toBe(true);
        expect(byLayer('proxy').some((u) => u.includes('/shared-worker-fetch'))).toBe(true);
        expect(byLayer('download')).toContain(`${APP}/download`);
        expect(byLayer('chromium')).toContain('file:///etc/passwd');
        expect(byLayer('runner')).toEqual(
          expect.arrayContaining(['file:///etc/passwd', 'view-source:http://127.0.0.1:1/', `${SECRET}/goto`]),
        );
        // TURN over TCP is tunnelled through the proxy, which refuses it.
        expect(all.some((r) => r.method === 'CONNECT' && r.url === `127.0.0.1:${tcpPort}`)).toBe(true);
        // Each refusal has its method, resource type and reason.
        for (const r of all) {
          expect(r.method).toMatch(/^[A-Z]+$/);
          expect(r.resourceType).not.toBe('');
          expect(['scheme', 'origin', 'download', 'local-file', 'unparsable']).toContain(r.reason);
        }
        // The refusals are on the step the agent was on: the clicked link on step 1, the meta
        // refresh after the goto of step 2, the refused goto on step 11.
        const stepWith = (path: string) =>
          steps.find((s) => s.blocked.some((r) => r.url.includes(path)))?.index;
        expect(stepWith('/css')).toBe(0);
        expect(stepWith('/clicked')).toBe(1);
        // (The refresh fires on its own timer: on step 2, or a later one on a loaded machine.)
        expect(stepWith('/meta-refresh')).toBeGreaterThanOrEqual(2);
        expect(stepWith(`${SECRET}/goto`)).toBe(11);
        // No step ever showed a page of another origin's content.
        for (const s of steps) expect(s.url ?? '').not.toContain('/etc/passwd');
      } finally {
        await world.cleanup();
      }
    },
  );

  it(
    'refuses a file: start URL and a start URL on another port before opening anything',
    { timeout: 60_000 },
    async () => {
      const world = createTestWorld();
      try {
        const episodes: RolloutEpisode[] = [
          'file:///etc/passwd',
          `${SECRET}/start`,
          `${APP}/redirect-secret?start`,
        ].map((startUrl) => ({
          task: insertUrlTask(world, startUrl),
          sampleIndex: 0,
          kind: 'rollout',
          policy: scriptedPolicy([{ type: 'answer', answer: 'x' }]),
        }));
        const summary = await runRollouts(episodes, {
          db: world.db,
          dataDir: world.dataDir,
          parallel: 1,
          maxSteps: 3,
          stepTimeoutMs: 15_000,
          siteUrls: {},
          allowedHosts: [APP],
          createdBy: 'test',
        });
        const rows = summary.episodes.map((e) =>
          world.db
            .select({ status: trajectory.status, error: trajectory.error, steps: trajectory.stepCount })
            .from(trajectory)
            .where(eq(trajectory.id, e.trajectoryId))
            .get(),
        );
        expect(rows[0]).toMatchObject({ status: 'errored', steps: 0 });
        expect(rows[0]?.error).toMatch(/start URL file:\/\/\/etc\/passwd: 'file:' URLs cannot be opened/);
        expect(rows[1]).toMatchObject({ status: 'errored', steps: 0 });
        expect(rows[1]?.error).toMatch(
          /Start URL http:\/\/127\.0\.0\.1:\d+\/start refused: .* is not an allowed origin/,
        );
        // A start URL that redirects elsewhere: the hop is refused by the proxy and recorded on step 0.
        expect(rows[2]).toMatchObject({ status: 'complete' });
        const [first] = stepsOf(world, summary.episodes[2]!.trajectoryId);
        expect(first?.blocked.map((r) => r.url)).toContain(`${SECRET}/redirected?start`);
        expect(secretHits).toEqual([]);
      } finally {
        await world.cleanup();
      }
    },
  );
});

describe('what the app may do still works', () => {
  it(
    'same-origin fetch, redirects within the origin, WebSockets and data:/blob: images pass; nothing is recorded',
    { timeout: 60_000 },
    async () => {
      const app = http.createServer((req, res) => {
        if (req.url === '/') {
          res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>ok</title>
<img id=d src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
<script>
window.results = {};
fetch('/hop').then((r) => r.text()).then((t) => (results.redirect = t));
const ws = new WebSocket('ws://' + location.host + '/ws');
ws.onopen = () => (results.ws = 'open');
ws.onerror = () => (results.ws = 'error');
const img = new Image();
img.onload = () => (results.blob = 'loaded');
img.onerror = () => (results.blob = 'error');
window.onload = () => (results.data = document.getElementById('d').naturalWidth === 1 ? 'loaded' : 'error');
img.src = URL.createObjectURL(new Blob([Uint8Array.from(atob('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'), (c) => c.charCodeAt(0))], { type: 'image/gif' }));
</script>`);
        } else if (req.url === '/hop') {
          res.writeHead(302, { location: '/landed' }).end();
        } else {
          res.end('landed');
        }
      });
      const upgraded: Duplex[] = [];
      app.on('upgrade', (req, socket: Duplex) => {
        upgraded.push(socket);
        // A bare WebSocket handshake (RFC 6455 §4.2.2) is enough for the page's `open` event.
        const accept = createHash('sha1')
          .update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
      });
      const origin = `http://127.0.0.1:${await listen(app)}`;
      const browser = await launchRolloutBrowser();
      const log = new BlockedRequestLog();
      const guarded = await openGuardedContext(browser.browser, createUrlPolicy([origin]), log);
      try {
        const page = await guarded.context.newPage();
        await page.goto(`${origin}/`);
        await page
          .waitForFunction(
            () => {
              const r = (window as unknown as { results: Record<string, string> }).results;
              return r.redirect && r.ws && r.blob && r.data;
            },
            undefined,
            { timeout: 10_000 },
          )
          .catch(() => undefined);
        expect(await page.evaluate(() => (window as unknown as { results: unknown }).results)).toEqual({
          redirect: 'landed',
          ws: 'open',
          blob: 'loaded',
          data: 'loaded',
        });
        expect(log.drain()).toEqual({ requests: [], count: 0 });
      } finally {
        await guarded.close();
        await browser.close();
        await new Promise<void>((resolve) => {
          app.closeAllConnections();
          for (const socket of upgraded) socket.destroy();
          app.close(() => resolve());
        });
      }
    },
  );
});
