/**
 * The set-of-marks walk, the marks drawn on the model's image and the action executor, in real
 * Chromium on `__fixtures__/real-world-patterns.html`: controls built the way third-party apps build
 * them (delegated listeners, `<a>` without href, icon fonts, rows of identical stars, custom
 * switches, hover menus, nested scroll panels, a web component, a modal).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUrlPolicy } from '@/lib/core/rollouts/url-policy';
import { DomainError } from '@/lib/core/errors';
import type { ObservedElement } from '@/lib/core/types';
import {
  CHROMIUM_ARGS,
  executeAction,
  observePage,
  PAGE_INIT_SCRIPT,
  resolveChromiumPath,
  VIEWPORT,
} from '@/server/rollouts/browser';
import { drawSetOfMarks, MARK_COLOURS } from '@/server/rollouts/marks-image';
import { auditMarks, LISTENER_REGISTRY_KEY, SOM_ATTRIBUTE } from '@/server/rollouts/som';
import { startStateApiServer } from '@/server/rollouts/state-api-server';

const FIXTURE = fs.readFileSync(path.join(__dirname, '__fixtures__', 'real-world-patterns.html'));

let server: http.Server;
let url = '';
let browser: Browser;
let context: BrowserContext;
let page: Page;
const navigation = { policy: createUrlPolicy([]), log: null };

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(FIXTURE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: resolveChromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS.filter((a) => !a.startsWith('--proxy')),
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(async () => {
  await context?.close();
  context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  await context.addInitScript(PAGE_INIT_SCRIPT);
  page = await context.newPage();
  await page.goto(url);
});

const find = (elements: ObservedElement[], role: string, name: string) =>
  elements.filter((e) => e.role === role && e.name === name);

describe('collectSetOfMarks on real-world patterns', () => {
  it('marks every control the fixture expects, with role and name, and nothing it must not', async () => {
    const observed = await observePage(page);
    const expected = await page.$$eval('[data-expect]', (els) =>
      els.map((el) => el.getAttribute('data-expect')!),
    );
    expect(expected.length).toBeGreaterThan(15);
    for (const spec of expected) {
      const [role, name] = spec.split('|') as [string, string];
      expect(find(observed.elements, role, name), `${role} "${name}"`).toHaveLength(1);
    }
    const unwanted = await page.$$eval(
      '[data-expect-none]',
      (els, attr) => els.filter((el) => el.hasAttribute(attr)).length,
      SOM_ATTRIBUTE,
    );
    expect(unwanted).toBe(0);
    // The web component's button lives in an open shadow root.
    expect(find(observed.elements, 'button', 'Remind me')).toHaveLength(1);
    // The switch tells its state and takes its setting's text as name; the select its choice.
    expect(find(observed.elements, 'switch', 'Weekly digest')[0]?.states).toEqual(['checked']);
    expect(find(observed.elements, 'switch', 'Enable Shop Promise')[0]?.states).toEqual(['unchecked']);
    // Controls that only show on hover (opacity 0) still take clicks: marked, and said so.
    const revokes = find(observed.elements, 'button', 'Revoke access');
    expect(revokes.map((r) => r.states)).toEqual([['hidden until hover'], ['hidden until hover']]);
    expect(revokes.map((r) => r.context)).toEqual(['Chrome on macOS · Lisbon', 'Firefox on Linux · Berlin']);
    // Look-alike buttons in plain div rows get their row's own text, not their neighbours' names.
    expect(find(observed.elements, 'button', 'Publish').map((b) => b.context)).toEqual(['Dawn', 'Sense']);
    // A row's own link (an issue title) stays in the context; only repeated controls' text goes.
    expect(find(observed.elements, 'button', 'Snooze').map((b) => b.context)).toEqual([
      'Priya Patel assigned you Fix login redirect',
      'Priya Patel assigned you Flaky upload test',
    ]);
    expect(find(observed.elements, 'combobox', 'Density')[0]?.states).toEqual(['value: "Default"']);
    expect(find(observed.elements, 'button', 'Auto-advance')[0]?.states).toEqual(['not pressed']);
  });

  it('leaves out no element with its own pointer cursor or a listener (delegation roots aside)', async () => {
    await observePage(page);
    const audit = await page.evaluate(auditMarks, {
      attribute: SOM_ATTRIBUTE,
      registryKey: LISTENER_REGISTRY_KEY,
    });
    expect(audit.actionable).toBeGreaterThan(20);
    expect(audit.missed).toEqual([]);
  });

  it('gives each of the identical star glyphs the row text that tells them apart', async () => {
    const observed = await observePage(page);
    const stars = find(observed.elements, 'button', '☆');
    expect(stars.length).toBeGreaterThanOrEqual(10);
    const contexts = stars.map((s) => s.context);
    expect(contexts.every((c) => typeof c === 'string' && /#\d+/.test(c))).toBe(true);
    expect(new Set(contexts).size).toBe(stars.length);
    // Rows are marks of their own, apart from their stars.
    const rows = observed.elements.filter((e) => e.role === 'button' && /☆ Dana Wu/.test(e.name));
    expect(rows.length).toBeGreaterThan(0);
  });

  it('lists rows scrolled out of the list panel as offscreen with a mark to scroll the panel by', async () => {
    const observed = await observePage(page);
    const hidden = observed.offscreen.filter((o) => o.name.includes('#29'));
    expect(hidden).not.toHaveLength(0);
    expect(hidden[0]?.direction).toBe('down');
    const anchor = hidden[0]?.anchorId;
    expect(anchor).toBeDefined();
    const before = await page.$eval('#list', (el) => el.scrollTop);
    await executeAction(
      page,
      { type: 'scroll', direction: 'down', elementId: anchor!, raw: '' },
      3_000,
      navigation,
      observed.elements,
    );
    expect(await page.$eval('#list', (el) => el.scrollTop)).toBeGreaterThan(before);
    // WINDOW scroll on a page whose body never scrolls moves the largest panel instead of nothing.
    await executeAction(page, { type: 'scroll', direction: 'up', raw: '' }, 3_000, navigation);
    expect(await page.$eval('#list', (el) => el.scrollTop)).toBe(0);
    await expect(
      executeAction(page, { type: 'scroll', direction: 'up', raw: '' }, 3_000, navigation),
    ).rejects.toThrow('Nothing on the page can scroll up any further.');
  });

  it('does not mark what a modal covers, and marks the modal', async () => {
    await page.click('#open-compose');
    const observed = await observePage(page);
    expect(find(observed.elements, 'button', 'Send')).toHaveLength(1);
    expect(find(observed.elements, 'textbox', 'To')).toHaveLength(1);
    expect(find(observed.elements, 'link', 'Inbox 12')).toHaveLength(0);
    expect(observed.stats.covered).toBeGreaterThan(10);
  });

  it('opens hover menus, so their items can be marked and clicked', async () => {
    let observed = await observePage(page);
    expect(find(observed.elements, 'button', 'Move to Work')).toHaveLength(0);
    const more = find(observed.elements, 'button', '⋮ More')[0]!;
    await executeAction(
      page,
      { type: 'hover', elementId: more.id, raw: '' },
      3_000,
      navigation,
      observed.elements,
    );
    observed = await observePage(page);
    const item = find(observed.elements, 'button', 'Move to Work')[0]!;
    await executeAction(
      page,
      { type: 'click', elementId: item.id, raw: '' },
      3_000,
      navigation,
      observed.elements,
    );
    expect(await page.evaluate(() => document.body.dataset.last)).toBe('move-to-work');
  });
});

describe('executeAction on real-world controls', () => {
  it('clicks delegated rows, stars, switches and checkboxes, and types into editing hosts and selects', async () => {
    let observed = await observePage(page);
    const star = find(observed.elements, 'button', '☆')[1]!;
    await executeAction(
      page,
      { type: 'click', elementId: star.id, raw: '' },
      3_000,
      navigation,
      observed.elements,
    );
    expect(
      await page.$$eval('.row .star', (s) => s.map((x) => x.textContent).filter((t) => t === '★').length),
    ).toBe(1);
    observed = await observePage(page);
    const toggle = find(observed.elements, 'switch', 'Weekly digest')[0]!;
    await executeAction(
      page,
      { type: 'click', elementId: toggle.id, raw: '' },
      3_000,
      navigation,
      observed.elements,
    );
    expect(await page.$eval('.switch input', (i) => (i as HTMLInputElement).checked)).toBe(false);
    observed = await observePage(page);
    expect(find(observed.elements, 'switch', 'Weekly digest')[0]?.states).toEqual(['unchecked']);
    const select = find(observed.elements, 'combobox', 'Density')[0]!;
    await executeAction(
      page,
      { type: 'type', elementId: select.id, text: 'compact', raw: '' },
      3_000,
      navigation,
      observed.elements,
    );
    expect(await page.$eval('select', (s) => s.value)).toBe('Compact');
    const editor = find(observed.elements, 'textbox', 'Signature')[0]!;
    await executeAction(
      page,
      { type: 'type', elementId: editor.id, text: 'Cheers, Sam', raw: '' },
      3_000,
      navigation,
      observed.elements,
    );
    expect(await page.$eval('.editor', (e) => (e as HTMLElement).innerText)).toBe('Cheers, Sam');
    const plain = find(observed.elements, 'button', 'Undo send')[0]!;
    await executeAction(
      page,
      { type: 'click', elementId: plain.id, raw: '' },
      3_000,
      navigation,
      observed.elements,
    );
    expect(await page.evaluate(() => document.body.dataset.undo)).toBe('1');
  });

  it('refuses a mark that vanished, an unknown mark and a missing option, in words the model can act on', async () => {
    const observed = await observePage(page);
    const chip = find(observed.elements, 'button', 'Label: Travel ×')[0]!;
    await page.focus('.chip');
    await page.keyboard.press('Enter');
    const gone = executeAction(
      page,
      { type: 'click', elementId: chip.id, raw: '' },
      3_000,
      navigation,
      observed.elements,
    );
    await expect(gone).rejects.toThrow(DomainError);
    await expect(gone).rejects.toThrow(
      `Element [${chip.id}] (<button> "Label: Travel ×") is no longer on the page: the page changed after it was observed. Choose an element from the new screenshot.`,
    );
    await expect(
      executeAction(page, { type: 'click', elementId: '999', raw: '' }, 3_000, navigation, observed.elements),
    ).rejects.toThrow('Element [999] is not in the element list of this page.');
    const select = find(observed.elements, 'combobox', 'Density')[0]!;
    await expect(
      executeAction(
        page,
        { type: 'type', elementId: select.id, text: 'Huge', raw: '' },
        3_000,
        navigation,
        observed.elements,
      ),
    ).rejects.toThrow(
      `is a drop-down without an option "Huge"; its options are: "Default", "Comfortable", "Compact".`,
    );
  });
});

describe('drawSetOfMarks', () => {
  it('draws each box and its number on a copy of the screenshot, same size, clean one untouched', async () => {
    const observed = await observePage(page, { drawMarks: true });
    expect(observed.markedPng).not.toBeNull();
    const clean = await sharp(observed.png).raw().toBuffer({ resolveWithObject: true });
    const marked = await sharp(observed.markedPng!).raw().toBuffer({ resolveWithObject: true });
    expect([marked.info.width, marked.info.height]).toEqual([clean.info.width, clean.info.height]);
    const pixel = (img: typeof clean, x: number, y: number) => {
      const i = (y * img.info.width + x) * img.info.channels;
      return [img.data[i], img.data[i + 1], img.data[i + 2]];
    };
    const hex = (c: string) => [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16));
    // Every box's outline carries its colour (on its left or right edge: a neighbour's tag may
    // cover one of them).
    observed.elements.slice(0, 30).forEach((e, i) => {
      const box = e.box!;
      const mid = box.y + Math.floor(box.height / 2);
      const edges = [pixel(marked, box.x + 1, mid), pixel(marked, box.x + box.width - 2, mid)];
      expect(edges, `mark ${e.id}`).toContainEqual(hex(MARK_COLOURS[i % MARK_COLOURS.length]!));
    });
    // Numbers are drawn as white text inside the tags.
    const first = observed.elements[0]!.box!;
    const tagTop = first.y >= 16 ? first.y - 16 : first.y;
    let white = 0;
    for (let x = first.x + 2; x < first.x + 12; x++)
      for (let y = tagTop + 2; y < tagTop + 14; y++)
        if (pixel(marked, x, y).every((v) => (v ?? 0) > 230)) white++;
    expect(white).toBeGreaterThan(3);
  });

  it('returns the screenshot as it is when there is nothing to mark, and refuses what is not an image', async () => {
    const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect(await drawSetOfMarks(png, [])).toBe(png);
    await expect(drawSetOfMarks(Buffer.from('not an image'), [])).rejects.toThrow();
  });
});

describe('the bundled apps', () => {
  it(
    'leave no element with its own pointer cursor or listener unmarked, on every page their nav links reach',
    { timeout: 180_000 },
    async () => {
      const envDir = path.resolve('environments');
      for (const app of ['shop', 'contacts', 'mail']) {
        const server = await startStateApiServer(path.join(envDir, app));
        try {
          await page.goto(`${server.url}/`);
          await page.waitForLoadState('networkidle', { timeout: 3_000 }).catch(() => undefined);
          const links = (await observePage(page)).elements
            .filter((e) => e.role === 'link')
            .map((e) => e.name);
          expect(links.length, app).toBeGreaterThan(2);
          for (const name of ['', ...links.slice(0, 6)]) {
            const observed = await observePage(page);
            const link = observed.elements.find((e) => e.role === 'link' && e.name === name);
            if (link)
              await executeAction(
                page,
                { type: 'click', elementId: link.id, raw: '' },
                5_000,
                navigation,
                observed.elements,
              );
            await observePage(page);
            const audit = await page.evaluate(auditMarks, {
              attribute: SOM_ATTRIBUTE,
              registryKey: LISTENER_REGISTRY_KEY,
            });
            expect(audit.actionable, `${app} ${name}`).toBeGreaterThan(5);
            expect(audit.missed, `${app} ${name}`).toEqual([]);
          }
        } finally {
          await server.close();
        }
      }
    },
  );
});
