import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ImportFormatError } from '@/lib/core/errors';
import { readWebArenaTaskConfigs } from '@/lib/core/import/node/webarena';
import type { ImportBundle } from '@/lib/core/import/types';
import { WEBARENA_EVAL_TYPES } from '@/lib/core/import/webarena';

const DATA = path.resolve(process.cwd(), '../shared/data');
const WEBARENA_FILE = path.join(DATA, 'webarena', 'test_webarena.raw.json');
const VWA = path.join(DATA, 'visualwebarena');
const EVALUATOR_CONFIGS = path.join(VWA, 'evaluator-configs');

const TASK_FILES = [
  {
    file: WEBARENA_FILE,
    source: 'webarena',
    count: 812,
    firstId: 'webarena:shopping_admin:0',
    lastId: 'webarena:gitlab:811',
  },
  {
    file: path.join(VWA, 'test_classifieds.raw.json'),
    source: 'visualwebarena',
    count: 234,
    firstId: 'visualwebarena:classifieds:0',
    lastId: 'visualwebarena:classifieds:233',
  },
  {
    file: path.join(VWA, 'test_reddit.raw.json'),
    source: 'visualwebarena',
    count: 210,
    firstId: 'visualwebarena:reddit:0',
    lastId: 'visualwebarena:reddit+shopping:209',
  },
  {
    file: path.join(VWA, 'test_shopping.raw.json'),
    source: 'visualwebarena',
    count: 466,
    firstId: 'visualwebarena:shopping:0',
    lastId: 'visualwebarena:shopping:465',
  },
] as const;

describe('readWebArenaTaskConfigs on the real task files', () => {
  const bundles = new Map<string, ImportBundle>();
  beforeAll(async () => {
    for (const { file } of TASK_FILES) bundles.set(file, await readWebArenaTaskConfigs(file));
  });

  it.each(TASK_FILES)('$file: $count configs', ({ file, source, count, firstId, lastId }) => {
    const bundle = bundles.get(file);
    expect(bundle?.tasks).toHaveLength(count);
    expect(bundle?.trajectories).toEqual([]);
    expect(bundle?.warnings).toEqual([]);
    const tasks = bundle?.tasks ?? [];
    expect(tasks[0]?.externalId).toBe(firstId);
    expect(tasks.at(-1)?.externalId).toBe(lastId);
    expect(new Set(tasks.map((t) => t.externalId)).size).toBe(count);
    for (const task of tasks) {
      expect(task.source).toBe(source);
      expect(task.environment).toBe('web');
      expect(task.origin).toBe('seed');
      expect(task.intent.length).toBeGreaterThan(0);
      expect(task.startUrl).toMatch(/^__[A-Z_]+__/);
      expect(task.template).not.toBeNull();
      expect(task.params).not.toBeNull();
      const evalSpec = task.evalSpec as { eval_types: string[] };
      expect(evalSpec.eval_types.length).toBeGreaterThan(0);
      for (const type of evalSpec.eval_types) expect(WEBARENA_EVAL_TYPES).toContain(type);
      expect(task.meta).toHaveProperty('task_id');
      expect(task.meta).toHaveProperty('intent_template_id');
      expect(task.meta).not.toHaveProperty('intent');
      expect(task.meta).not.toHaveProperty('eval');
    }
  });

  it('keeps all 1,722 externalIds distinct across the four files', () => {
    const ids = [...bundles.values()].flatMap((b) => b.tasks.map((t) => t.externalId));
    expect(ids).toHaveLength(1722);
    expect(new Set(ids).size).toBe(1722);
  });

  it('maps WebArena task 0 field by field', () => {
    const task = bundles.get(WEBARENA_FILE)?.tasks[0];
    expect(task).toEqual({
      externalId: 'webarena:shopping_admin:0',
      source: 'webarena',
      intent: 'What is the top-1 best-selling product in 2022',
      difficulty: null,
      startUrl: '__SHOPPING_ADMIN__',
      environment: 'web',
      site: 'shopping_admin',
      template: 'What is the top-{{n}} best-selling product in {{year}}',
      params: { n: 1, year: 2022 },
      origin: 'seed',
      evalSpec: {
        eval_types: ['string_match'],
        reference_answers: { exact_match: 'Quest Lumaflex\u2122 Band' },
        reference_url: '',
        program_html: [],
        string_note: '',
        reference_answer_raw_annotation: 'Quest Lumaflex\u2122 Band',
      },
      meta: {
        sites: ['shopping_admin'],
        task_id: 0,
        require_login: true,
        storage_state: './.auth/shopping_admin_state.json',
        geolocation: null,
        require_reset: false,
        intent_template_id: 279,
      },
    });
  });

  it('maps WebArena task 17 (fuzzy string match on the map site)', () => {
    const task = bundles.get(WEBARENA_FILE)?.tasks[17];
    expect(task?.externalId).toBe('webarena:map:17');
    expect(task?.evalSpec).toMatchObject({
      eval_types: ['string_match'],
      reference_answers: { fuzzy_match: ['driving: 13min', 'walking: 1h 35min'] },
    });
    expect(task?.meta.storage_state).toBeNull();
  });

  it('keeps multi-site tasks: site joined by ",", externalId by "+", start URLs verbatim', () => {
    const reddit = bundles.get(path.join(VWA, 'test_reddit.raw.json'))?.tasks ?? [];
    const task = reddit.find((t) => t.meta.task_id === 43);
    expect(task?.externalId).toBe('visualwebarena:shopping+reddit:43');
    expect(task?.site).toBe('shopping,reddit');
    expect(task?.startUrl).toBe('__SHOPPING__ |AND| __REDDIT__/forums');
    expect(task?.params).toEqual({
      product: 'the cheapest yellow video projector in the "Video Projectors" category',
      subreddit: '/f/gadgets',
      post_title: 'Has anyone bought this product?',
    });
  });

  it('keeps VisualWebArena difficulty, image and comment fields in meta', () => {
    const task = bundles.get(path.join(VWA, 'test_reddit.raw.json'))?.tasks[0];
    expect(task?.meta).toMatchObject({
      task_id: 0,
      image: 'environment_docker/webarena-homepage/static/input_images/reddit/task_0/input_0.png',
      reasoning_difficulty: 'easy',
      visual_difficulty: 'medium',
      overall_difficulty: 'easy',
      comments: 'post is near the top, can be done without exact image understanding',
      intent_template_id: 0,
    });
    expect(task?.evalSpec).toEqual({
      eval_types: ['url_match'],
      reference_answers: null,
      reference_url: '__REDDIT__/f/food/82896',
      program_html: [],
      url_note: 'GOLD in PRED',
    });
    const classifieds = bundles.get(path.join(VWA, 'test_classifieds.raw.json'))?.tasks[0];
    expect(classifieds).toMatchObject({
      intent: 'Find me the cheapest blue kayak on this site.',
      template: 'Find me the {{attribute}} {{item}} on this site.',
      params: { attribute: 'cheapest', item: 'blue kayak' },
      meta: { image: null, visual_difficulty: 'easy' },
    });
  });
});

describe('readWebArenaTaskConfigs on every evaluator config (single objects)', async () => {
  const files = (await readdir(EVALUATOR_CONFIGS)).filter((f) => f.endsWith('.json')).sort();

  it('finds the 19 evaluator edge-case configs', () => {
    expect(files).toHaveLength(19);
  });

  it.each(files)('%s', async (name) => {
    const file = path.join(EVALUATOR_CONFIGS, name);
    const bundle = await readWebArenaTaskConfigs(file);
    expect(bundle.tasks).toHaveLength(1);
    const task = bundle.tasks[0];
    expect(task?.source).toBe('visualwebarena');
    expect(task?.externalId).toMatch(/^visualwebarena:(shopping|reddit|gitlab):0$/);
    expect((task?.evalSpec as { eval_types: string[] }).eval_types.length).toBeGreaterThan(0);
    // Nine of them test evaluators only and have `"intent": ""`: kept, with a warning.
    expect(bundle.warnings).toEqual(
      task?.intent === '' ? [`${file}: config (${task.externalId}) has an empty intent`] : [],
    );
  });

  it('maps a null start_url, string_match with must_include, and page_image_query specs', async () => {
    const stringMatch = (await readWebArenaTaskConfigs(path.join(EVALUATOR_CONFIGS, 'string_match.json')))
      .tasks[0];
    expect(stringMatch).toMatchObject({
      externalId: 'visualwebarena:reddit:0',
      startUrl: null,
      intent: '',
      evalSpec: {
        eval_types: ['string_match'],
        reference_answers: { must_include: ['1985/04/18'], must_exclude: ['1985/04/17'] },
        program_html: null,
      },
    });
    const image = (await readWebArenaTaskConfigs(path.join(EVALUATOR_CONFIGS, 'image_evaluator_yes_no.json')))
      .tasks[0];
    expect(image?.evalSpec).toMatchObject({
      eval_types: ['page_image_query'],
      page_image_query: [
        {
          eval_vqa: [
            { question: 'Is this a cactus? (yes/no)', answer: 'yes' },
            { question: 'Is this a potted plant? (yes/no)', answer: 'no' },
          ],
        },
      ],
    });
    const counts = await Promise.all(
      files.map(
        async (name) => (await readWebArenaTaskConfigs(path.join(EVALUATOR_CONFIGS, name))).warnings.length,
      ),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(9);
  });
});

describe('readWebArenaTaskConfigs: malformed files (temp dir)', () => {
  const good = (taskId: number) => ({
    sites: ['gitlab'],
    task_id: taskId,
    start_url: '__GITLAB__',
    intent: `task ${taskId}`,
    eval: { eval_types: ['url_match'] },
  });
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'webarena-import-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('names file and field path with the index for a bad eval type', async () => {
    const configs = Array.from({ length: 18 }, (_, i) => good(i));
    configs[17] = { ...good(17), eval: { eval_types: ['exact_match'] } };
    const file = path.join(tmp, 'test_webarena.raw.json');
    await writeFile(file, JSON.stringify(configs));
    await expect(readWebArenaTaskConfigs(file)).rejects.toBeInstanceOf(ImportFormatError);
    await expect(readWebArenaTaskConfigs(file)).rejects.toThrow(`${file} (field [17].eval.eval_types[0]): `);
    await expect(readWebArenaTaskConfigs(file)).rejects.toThrow(
      /test_webarena\.raw\.json \(field \[17\]\.eval\.eval_types/,
    );
  });

  it('names the file of bad JSON and of a file that cannot be read', async () => {
    const file = path.join(tmp, 'broken.json');
    await writeFile(file, '[{"intent": ');
    await expect(readWebArenaTaskConfigs(file)).rejects.toThrow(`${file}: invalid JSON`);
    await expect(readWebArenaTaskConfigs(path.join(tmp, 'absent.json'))).rejects.toThrow(
      `${path.join(tmp, 'absent.json')}: cannot read file`,
    );
  });
});
