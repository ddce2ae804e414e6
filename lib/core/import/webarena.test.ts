import { describe, expect, it } from 'vitest';

import { ImportFormatError } from '@/lib/core/errors';
import { parseWebArenaTaskConfigs } from '@/lib/core/import/webarena';

describe('parseWebArenaTaskConfigs: sources and ids', () => {
  const config = {
    sites: ['shopping'],
    task_id: 3,
    start_url: '__SHOPPING__',
    intent: 'Buy a mug',
    intent_template: '',
    instantiation_dict: {},
    eval: { eval_types: ['program_html'] },
  };

  it('uses webarena unless a VisualWebArena field or path says otherwise', () => {
    expect(parseWebArenaTaskConfigs([config], 'x/test.json').tasks[0]).toMatchObject({
      source: 'webarena',
      externalId: 'webarena:shopping:3',
      template: null,
      params: {},
    });
    expect(parseWebArenaTaskConfigs([{ ...config, image: null }], 'x/test.json').tasks[0]?.source).toBe(
      'visualwebarena',
    );
    expect(parseWebArenaTaskConfigs(config, '/d/visualwebarena/one.json').tasks[0]?.externalId).toBe(
      'visualwebarena:shopping:3',
    );
  });

  it('takes the difficulty from overall_difficulty (lower-cased), else difficulty, else none', () => {
    const parse = (extra: Record<string, unknown>) =>
      parseWebArenaTaskConfigs([{ ...config, ...extra }], 'x/test.json').tasks[0]?.difficulty;
    expect(parse({ overall_difficulty: 'Medium', visual_difficulty: 'easy' })).toBe('medium');
    expect(parse({ difficulty: ' HARD ' })).toBe('hard');
    expect(parse({ overall_difficulty: 'unusual' })).toBe('unusual');
    expect(parse({})).toBeNull();
    expect(parse({ overall_difficulty: 3 })).toBeNull();
    // The raw value stays in meta as well.
    expect(
      parseWebArenaTaskConfigs([{ ...config, overall_difficulty: 'Medium' }], 'x.json').tasks[0]?.meta
        .overall_difficulty,
    ).toBe('Medium');
  });

  it('falls back to <source>:<task_id> without sites', () => {
    const { sites: _sites, ...noSites } = config;
    expect(parseWebArenaTaskConfigs(noSites, 't.json').tasks[0]).toMatchObject({
      externalId: 'webarena:3',
      site: null,
    });
  });
});

describe('parseWebArenaTaskConfigs: malformed input', () => {
  const good = (taskId: number) => ({
    sites: ['gitlab'],
    task_id: taskId,
    start_url: '__GITLAB__',
    intent: `task ${taskId}`,
    eval: { eval_types: ['url_match'] },
  });

  it.each([
    ['missing intent', [good(0), { ...good(1), intent: undefined }], '(field [1].intent)'],
    ['intent of the wrong type', [{ ...good(0), intent: 42 }], '(field [0].intent)'],
    ['missing eval', [{ ...good(0), eval: undefined }], '(field [0].eval)'],
    [
      'eval_types not a list',
      [{ ...good(0), eval: { eval_types: 'string_match' } }],
      '(field [0].eval.eval_types)',
    ],
    ['missing task_id', [{ ...good(0), task_id: undefined }], '(field [0].task_id)'],
    ['start_url of the wrong type', [{ ...good(0), start_url: 7 }], '(field [0].start_url)'],
    ['sites not strings', [{ ...good(0), sites: [1] }], '(field [0].sites[0])'],
    ['a config that is not an object', [good(0), 'nope'], '(field [1])'],
  ])('names the field for %s', (_name, json, where) => {
    expect(() => parseWebArenaTaskConfigs(json, 'configs.json')).toThrow(ImportFormatError);
    expect(() => parseWebArenaTaskConfigs(json, 'configs.json')).toThrow(`configs.json ${where}: `);
  });

  it('names the field without an index for a single config object', () => {
    expect(() => parseWebArenaTaskConfigs({ ...good(0), eval: {} }, 'one.json')).toThrow(
      'one.json (field eval.eval_types): ',
    );
  });

  it('rejects duplicate externalIds naming both indexes', () => {
    expect(() => parseWebArenaTaskConfigs([good(0), good(1), good(0)], 'dup.json')).toThrow(
      "dup.json (field [2].task_id): duplicate task 'webarena:gitlab:0' at [0] and [2]",
    );
  });

  it('rejects JSON that is neither an object nor a list', () => {
    expect(() => parseWebArenaTaskConfigs(3, 'n.json')).toThrow(
      'n.json: expected a task config object or a list of them',
    );
    expect(() => parseWebArenaTaskConfigs(null, 'n.json')).toThrow(ImportFormatError);
  });
});
