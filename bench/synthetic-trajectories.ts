/**
 * Synthetic rollouts for the benchmarks: tasks and complete, Fully Passed rollout trajectories
 * whose steps look like the `openai` policy's on a web store (a set-of-marks element list of
 * about 20 elements, a thought, a WebVoyager action, the templated description, a screenshot).
 *
 * Screenshots: a small pool of distinct 1280×720 PNGs (a coloured header, a search box and result
 * lines, 20–60 KB each) stored through the real media store and reused across steps, as a site's
 * pages repeat. Rows are inserted in batches inside transactions (tens of thousands of steps per
 * second). Deterministic for a given seed, apart from the row ids.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { createRandom, seedFrom } from '@/lib/core/rollouts/noisy-expert';
import { formatElementList } from '@/lib/core/rollouts/elements';
import { describeAction } from '@/lib/core/step-descriptions';
import type { ObservedElement, StepAction } from '@/lib/core/types';
import type { Db } from '@/server/db/client';
import { iteration, media, step, task, trajectory } from '@/server/db/schema';
import { storeImage } from '@/server/services/media-store';

export interface SyntheticScreenshot {
  hash: string;
  mime: string;
  bytes: number;
}

const SITES = ['Acme Store', 'Northwind Books', 'Cobalt Travel', 'Juniper Recipes', 'Atlas Maps'];
const PRODUCTS = ['red mug', 'hiking boots', 'usb-c hub', 'paperback atlas', 'cast iron pan', 'desk lamp'];
const ROLES = ['link', 'button', 'input', 'link', 'link', 'img', 'select', 'link', 'button', 'textarea'];
const WORDS = [
  'Home',
  'Deals',
  'Account',
  'Cart',
  'Help',
  'Sort by',
  'Price',
  'Rating',
  'Next page',
  'Filter',
  'Add to cart',
  'Details',
  'Reviews',
  'Shipping',
  'Returns',
  'Compare',
  'Wishlist',
  'Size',
  'Colour',
  'Brand',
];

/**
 * Renders `count` distinct screenshots and stores them (files through `storeImage`, rows in
 * `media`).
 */
export async function createSyntheticScreenshots(
  db: Db,
  dataDir: string,
  count: number,
): Promise<SyntheticScreenshot[]> {
  const shots: SyntheticScreenshot[] = [];
  for (let i = 0; i < count; i++) {
    const hue = (i * 47) % 360;
    const site = SITES[i % SITES.length]!;
    const lines = Array.from(
      { length: 6 + (i % 9) },
      (_, k) =>
        `<text x="${60 + (k % 3) * 10}" y="${150 + k * 34}" font-family="sans-serif" font-size="18" fill="#333">` +
        `[${k + 6}] ${PRODUCTS[(i + k) % PRODUCTS.length]} — item ${i}-${k}, lorem ipsum dolor sit amet, $${(k * 3.7 + i).toFixed(2)}</text>`,
    ).join('');
    const svg =
      `<svg width="1280" height="720" xmlns="http://www.w3.org/2000/svg">` +
      `<rect x="0" y="0" width="1280" height="80" fill="hsl(${hue},60%,40%)"/>` +
      `<text x="40" y="52" font-family="sans-serif" font-size="32" fill="white">${site} · page ${i}</text>` +
      `<rect x="420" y="22" width="360" height="36" fill="white" stroke="#888"/>${lines}</svg>`;
    const png = await sharp({
      create: { width: 1280, height: 720, channels: 3, background: `hsl(${hue},30%,96%)` },
    })
      .composite([{ input: Buffer.from(svg) }])
      .png({ palette: true, colours: 64, compressionLevel: 9 })
      .toBuffer();
    const stored = await storeImage(dataDir, png, `synthetic screenshot ${i}`);
    db.insert(media)
      .values({
        hash: stored.hash,
        mime: stored.mime,
        bytes: stored.bytes,
        width: stored.width,
        height: stored.height,
      })
      .onConflictDoNothing()
      .run();
    shots.push({ hash: stored.hash, mime: stored.mime, bytes: stored.bytes });
  }
  return shots;
}

function makeElements(random: () => number, count: number, product: string): ObservedElement[] {
  return Array.from({ length: count }, (_, i) => {
    const role = i === 3 ? 'input' : ROLES[Math.floor(random() * ROLES.length)]!;
    const name =
      i === 3
        ? 'Search products'
        : i >= 6 && i < 12
          ? `${product[0]!.toUpperCase()}${product.slice(1)}, model ${i} — $${(10 + random() * 90).toFixed(2)}`
          : WORDS[Math.floor(random() * WORDS.length)]!;
    return {
      id: String(i),
      role,
      name,
      box: {
        x: Math.round(random() * 1100),
        y: Math.round(80 + random() * 600),
        width: 40 + Math.round(random() * 300),
        height: 20 + Math.round(random() * 20),
      },
    };
  });
}

/** The k-th action of a trajectory: type the query, click through, scroll, answer at the end. */
function makeAction(k: number, steps: number, random: () => number, product: string): StepAction {
  if (k === steps - 1) {
    const answer = `$${(10 + random() * 90).toFixed(2)}`;
    return { type: 'answer', answer, raw: `ANSWER; ${answer}` };
  }
  if (k === 0) return { type: 'type', elementId: '3', text: product, raw: `Type [3]; ${product}` };
  const pick = random();
  if (pick < 0.15) {
    const direction = random() < 0.7 ? 'down' : 'up';
    return { type: 'scroll', direction, raw: `Scroll [WINDOW]; ${direction}` };
  }
  if (pick < 0.2) return { type: 'go_back', raw: 'GoBack' };
  if (pick < 0.23) return { type: 'wait', raw: 'Wait' };
  const id = String(4 + Math.floor(random() * 14));
  return { type: 'click', elementId: id, raw: `Click [${id}]` };
}

function withElement(action: StepAction, elements: readonly ObservedElement[]): StepAction {
  const element = elements.find((e) => e.id === action.elementId);
  if (!element) return action;
  return { ...action, elementRole: element.role ?? undefined, elementName: element.name };
}

const THOUGHTS = [
  'The results are listed; the first matching item looks right, I open it.',
  'I need the price, so I look at the product details.',
  'The list is long; I scroll to see more results.',
  'This page is not the one I need; I go back to the results.',
  'The page is still loading.',
];

export interface SeedSyntheticParams {
  screenshots: readonly SyntheticScreenshot[];
  trajectories: number;
  iterationId: number;
  /** Rollouts per task (CORE samples several per task). Default 5. */
  trajectoriesPerTask?: number;
  stepsPerTrajectory?: number;
  elementsPerStep?: number;
  seed?: number;
  /** Makes task external ids unique across calls on one database. */
  label: string;
}

const TRAJECTORIES_PER_TRANSACTION = 500;
const ROWS_PER_INSERT = 200;

function insertChunks<T>(rows: T[], insert: (chunk: T[]) => void) {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) insert(rows.slice(i, i + ROWS_PER_INSERT));
}

/**
 * Inserts the iteration row (if missing), tasks and complete Fully Passed rollouts of
 * `iterationId` with their steps.
 * @returns the number of trajectories and steps inserted.
 */
export function seedSyntheticTrajectories(db: Db, params: SeedSyntheticParams) {
  const perTask = params.trajectoriesPerTask ?? 5;
  const stepsPer = params.stepsPerTrajectory ?? 8;
  const elementsPer = params.elementsPerStep ?? 20;
  const random = createRandom(seedFrom('bench-export', params.seed ?? 1, params.label));
  db.insert(iteration).values({ id: params.iterationId, status: 'open' }).onConflictDoNothing().run();
  let steps = 0;
  for (let start = 0; start < params.trajectories; start += TRAJECTORIES_PER_TRANSACTION) {
    const end = Math.min(start + TRAJECTORIES_PER_TRANSACTION, params.trajectories);
    const taskRows: (typeof task.$inferInsert)[] = [];
    const trajectoryRows: (typeof trajectory.$inferInsert)[] = [];
    const stepRows: (typeof step.$inferInsert)[] = [];
    let taskId = '';
    let product = '';
    for (let t = start; t < end; t++) {
      if (t % perTask === 0 || taskId === '') {
        taskId = randomUUID();
        product = PRODUCTS[Math.floor(random() * PRODUCTS.length)]!;
        const site = SITES[Math.floor(random() * SITES.length)]!;
        taskRows.push({
          id: taskId,
          externalId: `bench:${params.label}:${t}`,
          source: 'bench',
          intent: `On ${site}, find the price of the cheapest ${product} with at least 4 stars.`,
          startUrl: `https://${site.toLowerCase().replace(/\s+/g, '-')}.test/`,
          site,
          iterationId: params.iterationId,
          createdBy: 'bench',
        });
      }
      const trajectoryId = randomUUID();
      trajectoryRows.push({
        id: trajectoryId,
        taskId,
        kind: 'rollout',
        source: 'bench',
        policy: 'openai (bench)',
        iterationId: params.iterationId,
        envSuccess: true,
        graphVerdict: true,
        category: 'fully_passed',
        progress: 1,
        stepCount: stepsPer,
        status: 'complete',
        sampleIndex: t % perTask,
        contentHash: trajectoryId,
        createdBy: 'bench',
      });
      for (let k = 0; k < stepsPer; k++) {
        const elements = makeElements(random, elementsPer, product);
        const action = withElement(makeAction(k, stepsPer, random, product), elements);
        const shot = params.screenshots[Math.floor(random() * params.screenshots.length)]!;
        stepRows.push({
          id: randomUUID(),
          trajectoryId,
          index: k,
          url:
            k === 0
              ? 'https://shop.test/'
              : `https://shop.test/search?q=${encodeURIComponent(product)}&p=${k}`,
          title: k === 0 ? 'Home' : `Results for "${product}" — page ${k}`,
          elementsText: formatElementList(elements),
          elements,
          screenshotHash: shot.hash,
          actionType: action.type,
          action,
          actionDescription: describeAction(action, 'web'),
          thought: k % 4 === 3 ? null : THOUGHTS[Math.floor(random() * THOUGHTS.length)]!,
          rawOutput: null,
        });
      }
    }
    db.transaction((tx) => {
      insertChunks(taskRows, (rows) => tx.insert(task).values(rows).run());
      insertChunks(trajectoryRows, (rows) => tx.insert(trajectory).values(rows).run());
      insertChunks(stepRows, (rows) => tx.insert(step).values(rows).run());
    });
    steps += stepRows.length;
  }
  return { trajectories: params.trajectories, steps };
}
