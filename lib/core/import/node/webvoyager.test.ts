import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ImportFormatError } from '@/lib/core/errors';
import { readWebVoyagerRuns } from '@/lib/core/import/node/webvoyager';
import type { ImportBundle, ParsedTrajectory } from '@/lib/core/import/types';
import { parseWebVoyagerReferenceAnswers, parseWebVoyagerTasksJsonl } from '@/lib/core/import/webvoyager';

const DATA = path.resolve(process.cwd(), '../shared/data');
const WEBVOYAGER = path.join(DATA, 'webvoyager');
const EXAMPLES = path.join(WEBVOYAGER, 'examples');

/** Screenshots per run folder = steps per run (the harness saves one screenshot per user turn). */
const EXPECTED_STEPS: Record<string, number> = {
  'taskAllrecipes--4': 6,
  'taskAmazon--0': 3,
  'taskApple--17': 6,
  'taskArXiv--11': 7,
  'taskBBC News--9': 3,
  'taskBooking--1': 9,
  'taskCoursera--16': 5,
  'taskGitHub--0': 5,
  'taskGoogle Map--4': 4,
  'taskGoogle Search--3': 5,
};

/** Action types per run, read off the `Action:` lines of the real files. */
const EXPECTED_ACTIONS: Record<string, string[]> = {
  'taskAllrecipes--4': ['click', 'type', 'scroll', 'click', 'scroll', 'answer'],
  'taskAmazon--0': ['type', 'click', 'answer'],
  'taskApple--17': ['click', 'type', 'click', 'click', 'type', 'answer'],
  'taskArXiv--11': ['click', 'click', 'click', 'click', 'click', 'click', 'answer'],
  'taskBBC News--9': ['click', 'click', 'answer'],
  'taskBooking--1': ['type', 'click', 'click', 'click', 'scroll', 'scroll', 'click', 'click', 'answer'],
  'taskCoursera--16': ['click', 'type', 'click', 'type', 'answer'],
  'taskGitHub--0': ['click', 'type', 'click', 'click', 'answer'],
  'taskGoogle Map--4': ['click', 'type', 'type', 'answer'],
  'taskGoogle Search--3': ['type', 'click', 'scroll', 'scroll', 'answer'],
};

/**
 * Element-list sizes per step (null = turn clipped by the harness, which keeps the full text only
 * for the last three user turns, plus the first turn when it is among them).
 */
const EXPECTED_ELEMENT_COUNTS: Record<string, (number | null)[]> = {
  'taskAllrecipes--4': [null, null, null, 4, 16, 8],
  'taskAmazon--0': [22, 45, 45],
  'taskApple--17': [null, null, null, 19, 23, 21],
  'taskArXiv--11': [null, null, null, null, 18, 32, 8],
  'taskBBC News--9': [15, 23, 22],
  'taskBooking--1': [null, null, null, null, null, null, 43, 52, 43],
  'taskCoursera--16': [null, null, 17, 13, 17],
  'taskGitHub--0': [null, null, 51, 52, 52],
  'taskGoogle Map--4': [null, 28, 28, 44],
  'taskGoogle Search--3': [null, null, 26, 14, 15],
};

function getTrajectory(bundle: ImportBundle, runName: string): ParsedTrajectory {
  const trajectory = bundle.trajectories.find((t) => t.externalId === `webvoyager:${runName}`);
  if (!trajectory) throw new Error(`no trajectory ${runName}`);
  return trajectory;
}

function step(trajectory: ParsedTrajectory, index: number) {
  const found = trajectory.steps[index];
  if (!found) throw new Error(`no step ${index}`);
  return found;
}

describe('readWebVoyagerRuns on the 10 real runs', () => {
  let bundle: ImportBundle;
  beforeAll(async () => {
    bundle = await readWebVoyagerRuns(EXAMPLES);
  });

  it('reads every run folder, sorted by name, one task each', async () => {
    const folders = (await readdir(EXAMPLES)).sort();
    expect(folders).toHaveLength(10);
    expect(bundle.trajectories.map((t) => t.externalId)).toEqual(folders.map((f) => `webvoyager:${f}`));
    expect(bundle.tasks.map((t) => t.externalId)).toEqual(folders.map((f) => `webvoyager:${f.slice(4)}`));
    expect(bundle.warnings).toEqual([]);
    for (const trajectory of bundle.trajectories) {
      expect(trajectory.kind).toBe('expert');
      expect(trajectory.source).toBe('webvoyager');
      expect(trajectory.envSuccess).toBeNull();
      expect(trajectory.taskExternalId).toBe(trajectory.externalId.replace('webvoyager:task', 'webvoyager:'));
    }
  });

  it.each(Object.keys(EXPECTED_STEPS))(
    '%s: steps = screenshots, actions and elements as in the file',
    async (run) => {
      const trajectory = getTrajectory(bundle, run);
      const screenshots = (await readdir(path.join(EXAMPLES, run))).filter((f) =>
        /^screenshot\d+\.png$/.test(f),
      );
      expect(trajectory.steps).toHaveLength(screenshots.length);
      expect(trajectory.steps).toHaveLength(EXPECTED_STEPS[run] ?? -1);
      expect(trajectory.steps.map((s) => s.action.type)).toEqual(EXPECTED_ACTIONS[run]);
      expect(trajectory.steps.map((s) => (s.elementsText === null ? null : s.elements.length))).toEqual(
        EXPECTED_ELEMENT_COUNTS[run],
      );
      trajectory.steps.forEach((s, i) => {
        expect(s.index).toBe(i);
        expect(s.screenshotFile).toBe(path.join(EXAMPLES, run, `screenshot${i + 1}.png`));
        expect(path.isAbsolute(s.screenshotFile ?? '')).toBe(true);
        expect(s.thought).toMatch(/\S/);
        expect(s.rawOutput).toContain('Action:');
        expect(s.actionDescription).toMatch(/\.$|^Type text|^Answer user's question/);
        expect(s.url).toBeNull();
        expect(s.title).toBeNull();
      });
      const last = trajectory.steps.at(-1);
      expect(last?.action.type).toBe('answer');
      expect(trajectory.finalAnswer).toBe(last?.action.answer);
    },
  );

  it('taskGitHub--0: clicks, typing, element lookup and the final answer', () => {
    const github = getTrajectory(bundle, 'taskGitHub--0');
    const first = step(github, 0);
    expect(first.action).toEqual({ type: 'click', elementId: '5', raw: 'Click [5]' });
    expect(first.elementsText).toBeNull();
    expect(first.elements).toEqual([]);
    expect(first.actionDescription).toBe("Click on a UI element 'element [5]' on the screen.");
    expect(first.thought).toBe(
      'The search functionality is available in element [5] labeled "Search or jump to...". ' +
        "I will use this to search for open-source projects related to 'climate change data visualization'.",
    );

    const typed = step(github, 1);
    expect(typed.action).toEqual({
      type: 'type',
      elementId: '0',
      text: 'climate change data visualization',
      raw: 'Type [0]; climate change data visualization',
    });
    expect(typed.actionDescription).toBe(
      "Type text 'climate change data visualization' into the 'element [0]'",
    );

    const sort = step(github, 2);
    expect(sort.elements[0]).toEqual({ id: '1', role: 'button', name: 'Product', box: null });
    expect(sort.elements.find((e) => e.id === '33')).toEqual({ id: '33', role: null, name: '5', box: null });
    expect(sort.elementsText?.startsWith('[1]: <button> "Product";\t[2]: <button> "Solutions";')).toBe(true);
    expect(sort.action).toMatchObject({
      type: 'click',
      elementId: '29',
      elementRole: 'button',
      elementName: 'Sort by: Best match',
    });
    expect(sort.actionDescription).toBe("Click on a UI element 'Sort by: Best match' on the screen.");

    const mostStars = step(github, 3);
    expect(mostStars.action).toEqual({
      type: 'click',
      elementId: '52',
      elementName: 'Most stars',
      raw: 'Click [52]',
    });
    expect(mostStars.actionDescription).toBe("Click on a UI element 'Most stars' on the screen.");

    const answer = step(github, 4);
    expect(answer.action).toEqual({
      type: 'answer',
      answer: 'resource-watch/resource-watch with 63 stars',
      raw: 'ANSWER; resource-watch/resource-watch with 63 stars',
    });
    expect(answer.actionDescription).toBe(
      "Answer user's question with text: 'resource-watch/resource-watch with 63 stars'",
    );
    expect(github.finalAnswer).toBe('resource-watch/resource-watch with 63 stars');
  });

  it('taskAllrecipes--4: scrolls of the window and a click resolved against the element list', () => {
    const recipes = getTrajectory(bundle, 'taskAllrecipes--4');
    expect(step(recipes, 1).actionDescription).toBe("Type text 'Baked Salmon' into the 'element [2]'");
    expect(step(recipes, 2).action).toEqual({
      type: 'scroll',
      direction: 'down',
      raw: 'Scroll [WINDOW]; down',
    });
    expect(step(recipes, 2).actionDescription).toBe('Scroll down on the screen.');
    expect(step(recipes, 3).elements.slice(0, 4)).toEqual([
      { id: '0', role: 'button', name: 'Main menu for Allrecipes', box: null },
      { id: '1', role: null, name: 'Allrecipes', box: null },
      { id: '2', role: 'button', name: 'search', box: null },
      { id: '3', role: null, name: 'Log In', box: null },
    ]);
    expect(recipes.finalAnswer).toBe(
      'The "Baked Dijon Salmon" recipe meets the user\'s criteria, with a 4.6-star rating and a preparation time of 15 minutes.',
    );
  });

  it('taskAmazon--0: the first user turn carries both the task and an element list', () => {
    const amazon = getTrajectory(bundle, 'taskAmazon--0');
    const first = step(amazon, 0);
    expect(first.elements.find((e) => e.id === '2')).toEqual({
      id: '2',
      role: 'input',
      name: 'Search Amazon',
      box: null,
    });
    expect(first.action).toMatchObject({
      type: 'type',
      elementId: '2',
      elementRole: 'input',
      elementName: 'Search Amazon',
    });
    expect(first.actionDescription).toBe(
      "Type text 'green Xbox Wireless controller 4 stars' into the 'Search Amazon'",
    );
    // `[0]: ".us", "Amazon"`: visible text first, aria-label second.
    expect(first.elements[0]).toEqual({ id: '0', role: null, name: '.us', box: null });
  });

  it('taskArXiv--11: names with newlines are kept as given and collapsed in descriptions', () => {
    const arxiv = getTrajectory(bundle, 'taskArXiv--11');
    expect(step(arxiv, 4).elements.find((e) => e.id === '19')?.name).toBe('current local\ntime');
    const click34 = step(arxiv, 5);
    expect(click34.action.elementName).toBe(
      'Submissions in languages other than English\nand multiple language submissions',
    );
    expect(click34.actionDescription).toBe(
      "Click on a UI element 'Submissions in languages other than English and multiple language submissions' on the screen.",
    );
    expect(step(arxiv, 6).elements.find((e) => e.id === '10')).toEqual({
      id: '10',
      role: 'button',
      name: '',
      box: null,
    });
    expect(arxiv.finalAnswer).toBe('Line ("-----")');
  });

  it('taskBooking--1 and taskGoogle Search--3: scroll up with a trailing newline, a multi-line answer', () => {
    const booking = getTrajectory(bundle, 'taskBooking--1');
    expect(step(booking, 5).action).toEqual({ type: 'scroll', direction: 'up', raw: 'Scroll [WINDOW]; up' });
    const search = getTrajectory(bundle, 'taskGoogle Search--3');
    expect(search.finalAnswer).toBe(
      'The Top 5 comedy movies sorted by user ratings are:\n1. Life Is Beautiful\n2. Back to the Future\n3. The Intouchables\n4. City Lights\n5. Modern Times',
    );
    expect(step(search, 4).actionDescription).toBe(
      "Answer user's question with text: 'The Top 5 comedy movies sorted by user ratings are: 1. Life Is Beautiful 2. Back to the Future 3. The Intouchables 4. City Lights 5. Modern Times'",
    );
  });

  it('joins WebVoyager_data.jsonl and reference_answer.json found beside examples/', () => {
    const recipes = bundle.tasks.find((t) => t.externalId === 'webvoyager:Allrecipes--4');
    expect(recipes).toEqual({
      externalId: 'webvoyager:Allrecipes--4',
      source: 'webvoyager',
      intent:
        'Find a recipe for Baked Salmon that takes less than 30 minutes to prepare and has at least a 4 star rating based on user reviews.',
      startUrl: 'https://www.allrecipes.com/',
      environment: 'web',
      site: 'Allrecipes',
      template: null,
      params: null,
      origin: 'seed',
      evalSpec: {
        reference_answers: [
          { id: 4, type: 'possible', ans: "'Baked Dijon Salmon', 4.6-star, prep time 15 mins" },
        ],
        notice: 'note that review information is real-time',
      },
      meta: { webvoyager_id: 'Allrecipes--4' },
    });
    const github = bundle.tasks.find((t) => t.externalId === 'webvoyager:GitHub--0');
    expect(github?.evalSpec).toEqual({
      reference_answers: [{ id: 0, type: 'golden', ans: 'resource-watch/resource-watch' }],
      notice: 'repos are real-time',
    });
    const search = bundle.tasks.find((t) => t.externalId === 'webvoyager:Google Search--3');
    expect(search?.site).toBe('Google Search');
    expect(search?.startUrl).toBe('https://www.google.com/');
    expect(search?.evalSpec).toEqual({
      reference_answers: [
        {
          id: 3,
          type: 'golden',
          ans: 'Life Is Beautiful, Back to the Future, The Intouchables, City Lights, Modern Times',
        },
      ],
      notice: null,
    });
    const maps = bundle.tasks.find((t) => t.externalId === 'webvoyager:Google Map--4');
    expect(maps?.startUrl).toBe('https://www.google.com/maps/');
    expect(bundle.tasks.every((t) => t.evalSpec !== null)).toBe(true);
  });

  it('reads a single run folder, finding the task files two levels up, as a rollout', async () => {
    const single = await readWebVoyagerRuns(path.join(EXAMPLES, 'taskBBC News--9'), { kind: 'rollout' });
    expect(single.trajectories).toHaveLength(1);
    expect(single.trajectories[0]?.kind).toBe('rollout');
    expect(single.trajectories[0]?.externalId).toBe('webvoyager:taskBBC News--9');
    expect(single.trajectories[0]?.finalAnswer).toBe(
      'The musician who made the headlines in Music News is Taylor Swift.',
    );
    expect(single.tasks).toHaveLength(1);
    expect(single.tasks[0]).toMatchObject({
      externalId: 'webvoyager:BBC News--9',
      intent: 'Find out which musician made the headlines in Music News.',
      startUrl: 'https://www.bbc.com/news/',
      site: 'BBC News',
    });
    const evalSpec = single.tasks[0]?.evalSpec as { reference_answers: { id: number }[] } | null;
    expect(evalSpec?.reference_answers.map((answer) => answer.id)).toEqual([9]);
  });
});

describe('WebVoyager task files (real data)', () => {
  it('parses all 643 tasks of WebVoyager_data.jsonl', async () => {
    const file = path.join(WEBVOYAGER, 'WebVoyager_data.jsonl');
    const records = parseWebVoyagerTasksJsonl(await readFile(file, 'utf8'), file);
    expect(records.size).toBe(643);
    expect(records.get('Allrecipes--0')).toEqual({
      web_name: 'Allrecipes',
      id: 'Allrecipes--0',
      ques: 'Provide a recipe for vegetarian lasagna with more than 100 reviews and a rating of at least 4.5 stars suitable for 6 people.',
      web: 'https://www.allrecipes.com/',
    });
    expect(new Set([...records.values()].map((r) => r.web_name)).size).toBe(15);
  });
  it('parses reference_answer.json for all 15 sites', async () => {
    const file = path.join(WEBVOYAGER, 'reference_answer.json');
    const refs = parseWebVoyagerReferenceAnswers(await readFile(file, 'utf8'), file);
    expect(Object.keys(refs)).toHaveLength(15);
    expect(refs['Allrecipes']?.answers).toHaveLength(45);
    expect(Object.values(refs).reduce((n, site) => n + site.answers.length, 0)).toBe(643);
  });
});

describe('readWebVoyagerRuns on malformed folders (temp dir)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'webvoyager-import-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('raises for a folder with no runs', async () => {
    const empty = path.join(tmp, 'empty');
    await mkdir(path.join(empty, 'not a run'), { recursive: true });
    await expect(readWebVoyagerRuns(empty)).rejects.toThrow(
      `${empty}: no WebVoyager runs (folders holding interact_messages.json) found`,
    );
    await expect(readWebVoyagerRuns(path.join(tmp, 'absent'))).rejects.toBeInstanceOf(ImportFormatError);
  });

  it('raises naming the run file and field for a malformed interact_messages.json', async () => {
    const runs = path.join(tmp, 'bad-run');
    const run = path.join(runs, 'taskBad--0');
    await mkdir(run, { recursive: true });
    const file = path.join(run, 'interact_messages.json');
    await writeFile(
      file,
      JSON.stringify([
        { role: 'system', content: 's' },
        { role: 'user', content: 'x' },
        { role: 'assistant', content: 'y' },
        { role: 'user', content: 'z' },
        { role: 'assistant', content: null },
      ]),
    );
    await expect(readWebVoyagerRuns(runs)).rejects.toThrow(`${file} (field [4].content): `);
    await writeFile(file, '{ nope');
    await expect(readWebVoyagerRuns(runs)).rejects.toThrow(`${file}: invalid JSON`);
  });

  it('keeps a step whose screenshot is missing, with a warning, and uses task files beside the runs', async () => {
    const runs = path.join(tmp, 'partial');
    const run = path.join(runs, 'taskGitHub--0');
    await mkdir(run, { recursive: true });
    await copyFile(
      path.join(EXAMPLES, 'taskGitHub--0', 'interact_messages.json'),
      path.join(run, 'interact_messages.json'),
    );
    await copyFile(
      path.join(EXAMPLES, 'taskGitHub--0', 'screenshot1.png'),
      path.join(run, 'screenshot1.png'),
    );
    await writeFile(
      path.join(runs, 'WebVoyager_data.jsonl'),
      '{"web_name": "GitHub", "id": "GitHub--0", "ques": "Overridden intent.", "web": "https://github.com/x"}\n',
    );
    const bundle = await readWebVoyagerRuns(runs);
    const trajectory = bundle.trajectories[0];
    expect(trajectory?.steps).toHaveLength(5);
    expect(trajectory?.steps.map((s) => s.screenshotFile)).toEqual([
      path.join(run, 'screenshot1.png'),
      null,
      null,
      null,
      null,
    ]);
    expect(bundle.warnings).toHaveLength(4);
    expect(bundle.warnings[0]).toContain('screenshot2.png is missing for step 1');
    // reference_answer.json is absent here and in tmp: evalSpec stays null; the local JSONL wins.
    expect(bundle.tasks[0]).toMatchObject({
      intent: 'Overridden intent.',
      startUrl: 'https://github.com/x',
      evalSpec: null,
    });
  });

  it('names file and line of a malformed WebVoyager_data.jsonl beside the runs', async () => {
    const runs = path.join(tmp, 'bad-jsonl');
    const run = path.join(runs, 'taskGitHub--0');
    await mkdir(run, { recursive: true });
    await copyFile(
      path.join(EXAMPLES, 'taskGitHub--0', 'interact_messages.json'),
      path.join(run, 'interact_messages.json'),
    );
    const jsonl = path.join(runs, 'WebVoyager_data.jsonl');
    await writeFile(
      jsonl,
      '{"web_name": "GitHub", "id": "GitHub--0", "ques": "q", "web": "https://github.com/"}\n{"web_name": 3}\n',
    );
    await expect(readWebVoyagerRuns(runs)).rejects.toThrow(`${jsonl} (line 2, field web_name): `);
    await expect(readWebVoyagerRuns(run, { tasksFile: path.join(tmp, 'nope.jsonl') })).rejects.toThrow(
      `${path.join(tmp, 'nope.jsonl')}: cannot read file`,
    );
  });
});
