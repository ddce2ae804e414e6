// The evaluator is node-free; this test (in node/) reads the original edge-case configs from disk.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { DomainError } from '@/lib/core/errors';

import {
  cleanAnswer,
  compareInequality,
  evaluateProgramHtml,
  evaluateStringMatch,
  evaluateUrlMatch,
  evaluateWebArenaTask,
  isUnsupported,
  mustInclude,
  parseHelperCall,
  parseWebArenaEval,
  redditGetPostUrl,
  resolveSitePlaceholders,
  tokenizeWords,
  type EvaluatorResult,
  type PageProbe,
} from '@/lib/core/evaluators/webarena';

const DATA = path.resolve(process.cwd(), '../shared/data');
const CONFIG_DIR = path.join(DATA, 'visualwebarena', 'evaluator-configs');
const CONFIG_FILES = readdirSync(CONFIG_DIR).filter((file) => file.endsWith('.json'));

const SITES = {
  SHOPPING: 'http://shop.test:7770/',
  REDDIT: 'http://reddit.test:9999',
  GITLAB: 'http://gitlab.test:8023',
};

function readEval(file: string): unknown {
  return (JSON.parse(readFileSync(path.join(CONFIG_DIR, file), 'utf8')) as { eval: unknown }).eval;
}

// ---------------------------------------------------------------------------------------------
// Fake page: a URL per page, its HTML, and the elements its selectors return. `evaluate` really
// runs the JS expression against a stub `document`, so the helpers' JS is exercised.
// ---------------------------------------------------------------------------------------------

type FakeElement = Record<string, unknown>;

interface FakePage {
  html?: string;
  one?: Record<string, FakeElement>;
  all?: Record<string, FakeElement[]>;
}

class FakeProbe implements PageProbe {
  readonly visited: string[] = [];
  readonly evaluated: string[] = [];

  constructor(
    private url: string,
    private readonly pages: Record<string, FakePage>,
  ) {}

  currentUrl(): Promise<string> {
    return Promise.resolve(this.url);
  }

  goto(url: string): Promise<void> {
    this.visited.push(url);
    this.url = url;
    return Promise.resolve();
  }

  content(): Promise<string> {
    return Promise.resolve(this.page().html ?? '<html><body></body></html>');
  }

  evaluate(jsExpression: string): Promise<string> {
    this.evaluated.push(jsExpression);
    const page = this.page();
    const document = {
      querySelector: (selector: string) => page.one?.[selector] ?? null,
      querySelectorAll: (selector: string) => page.all?.[selector] ?? [],
    };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the fake browser runs the probe's JS
    const run = new Function('document', `return (${jsExpression});`) as (doc: unknown) => unknown;
    try {
      const value = run(document);
      return Promise.resolve(value === null || value === undefined ? '' : String(value as string));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private page(): FakePage {
    return this.pages[this.url] ?? {};
  }
}

const FORM_GOOD: FakePage = {
  one: {
    '[id="form-name"': { value: 'Hello World' },
    '[id="form-email"': { value: 'alexisxy@hotmail.com' },
  },
};
const FORM_BAD: FakePage = {
  one: {
    '[id="form-name"': { value: 'Goodbye World' },
    '[id="form-email"': { value: 'alexisxy@gmail.com' },
  },
};

const CAMERA_URL = `http://shop.test:7770/olympus-om-d-e-m1.html`;
const PRICE_SELECTOR =
  '#maincontent > div.columns > div > div.product-info-main > div.product-info-price > div.price-box.price-final_price > span > span';
function cameraPage(price: string, brand: string, reviews: string): FakePage {
  const row = (name: string, value: string) => ({ children: [{ outerText: name }, { outerText: value }] });
  return {
    one: {
      '#tab-label-reviews-title': { outerText: reviews },
      [PRICE_SELECTOR]: { outerText: price },
      '#productDetails_detailBullets_sections1 > tbody': {
        children: [row('Product Dimensions', '5 x 3 in'), row('Manufacturer', brand)],
      },
    },
  };
}

function gitlabMembers(roles: Record<string, string>): FakePage {
  const names = Object.keys(roles);
  return {
    all: {
      "td[data-label='Account'] span.gl-avatar-labeled-sublabel": names.map((n) => ({ outerText: `@${n}` })),
      'td.col-max-role span': names.map((n) => ({ outerText: roles[n] })),
    },
  };
}

const REDDIT_COMMENT_URL = 'http://reddit.test:9999/f/funny/123/my-post/-/comment/77';
const REDDIT_POST_URL = 'http://reddit.test:9999/f/funny/123/';
const GITLAB_MEMBERS_URL = 'http://gitlab.test:8023/primer/design/-/project_members';

interface Scenario {
  name: string;
  answer?: string;
  probe: () => FakeProbe;
  expected: 'pass' | 'fail' | 'unsupported';
}

/** Every file of evaluator-configs with the pages that should pass or fail it. */
const SCENARIOS: Record<string, Scenario[]> = {
  'string_match.json': [
    {
      name: 'answer with the date',
      answer: '"The date is 1985/04/18."',
      probe: () => new FakeProbe('', {}),
      expected: 'pass',
    },
    { name: 'wrong day', answer: '1985/04/17', probe: () => new FakeProbe('', {}), expected: 'fail' },
    {
      name: 'both dates',
      answer: '1985/04/18 or 1985/04/17',
      probe: () => new FakeProbe('', {}),
      expected: 'fail',
    },
  ],
  'url_exact_match.json': [
    {
      name: 'same URL without slash',
      probe: () => new FakeProbe('https://www.google.com', {}),
      expected: 'pass',
    },
    {
      name: 'extra query',
      probe: () => new FakeProbe('https://www.google.com/?hl=en', {}),
      expected: 'fail',
    },
  ],
  'html_content_element_exact_match.json': [
    {
      name: 'form filled',
      probe: () => new FakeProbe('http://form.test/', { 'http://form.test/': FORM_GOOD }),
      expected: 'pass',
    },
    {
      name: 'form wrong',
      probe: () => new FakeProbe('http://form.test/', { 'http://form.test/': FORM_BAD }),
      expected: 'fail',
    },
  ],
  'html_content_exact_match.json': [
    {
      name: 'question on last page, Google Search on google.com',
      probe: () =>
        new FakeProbe('http://q.test/', {
          'http://q.test/': { html: '<h1>What are mammals?</h1>' },
          'https://www.google.com/': { html: '<input value="Google Search">' },
        }),
      expected: 'pass',
    },
    {
      name: 'wrong question',
      probe: () =>
        new FakeProbe('http://q.test/', {
          'http://q.test/': { html: '<h1>What are birds?</h1>' },
          'https://www.google.com/': { html: '<input value="Google Search">' },
        }),
      expected: 'fail',
    },
  ],
  'html_content_url_comb.json': [
    {
      name: 'form on the right site',
      probe: () =>
        new FakeProbe('https://russmaxdesign.github.io/exercise/', {
          'https://russmaxdesign.github.io/exercise/': FORM_GOOD,
        }),
      expected: 'pass',
    },
    {
      name: 'form on another site',
      probe: () => new FakeProbe('https://example.com/form', { 'https://example.com/form': FORM_GOOD }),
      expected: 'fail',
    },
  ],
  'html_required_values_success_1.json': [
    {
      name: 'Olympus, $649.99, 12 reviews',
      probe: () =>
        new FakeProbe(CAMERA_URL, { [CAMERA_URL]: cameraPage('$649.99', 'Olympus', 'Reviews 12') }),
      expected: 'pass',
    },
    {
      name: 'Canon',
      probe: () => new FakeProbe(CAMERA_URL, { [CAMERA_URL]: cameraPage('$649.99', 'Canon', 'Reviews 12') }),
      expected: 'fail',
    },
  ],
  'html_required_values_failure_1.json': [
    {
      name: 'same page, but the config wants < 600',
      probe: () =>
        new FakeProbe(CAMERA_URL, { [CAMERA_URL]: cameraPage('$649.99', 'Olympus', 'Reviews 12') }),
      expected: 'fail',
    },
  ],
  'func_url_func_1.json': [
    {
      name: 'post text with the zero-width marker',
      probe: () =>
        new FakeProbe(REDDIT_COMMENT_URL, {
          [REDDIT_POST_URL]: { one: { '.submission__inner': { outerText: 'Line one\n&#x200B;\nLine two' } } },
        }),
      expected: 'pass',
    },
    {
      name: 'post text without it',
      probe: () =>
        new FakeProbe(REDDIT_COMMENT_URL, {
          [REDDIT_POST_URL]: { one: { '.submission__inner': { outerText: 'Line one' } } },
        }),
      expected: 'fail',
    },
  ],
  'func_url_func_2.json': [
    {
      name: 'byteblaze Developer, primer Owner',
      probe: () =>
        new FakeProbe('http://gitlab.test:8023/', {
          [GITLAB_MEMBERS_URL]: gitlabMembers({ primer: 'Owner', byteblaze: 'Developer' }),
        }),
      expected: 'pass',
    },
    {
      name: 'byteblaze Maintainer',
      probe: () =>
        new FakeProbe('http://gitlab.test:8023/', {
          [GITLAB_MEMBERS_URL]: gitlabMembers({ primer: 'Owner', byteblaze: 'Maintainer' }),
        }),
      expected: 'fail',
    },
  ],
  // Latest review by SKU comes from the shopping admin REST API: unsupported.
  'func_eval_success.json': [
    { name: 'admin API helper', probe: () => new FakeProbe('', {}), expected: 'unsupported' },
  ],
  'func_eval_fail.json': [
    { name: 'admin API helper', probe: () => new FakeProbe('', {}), expected: 'unsupported' },
  ],
  // page_image_query needs a vision model / SSIM: unsupported, unless the URL part already fails.
  'exact_image_success.json': [
    {
      name: 'on the reference post',
      probe: () => new FakeProbe('http://reddit.test:9999/f/funny/125684/neighborhood-watch', {}),
      expected: 'unsupported',
    },
  ],
  'exact_image_failure.json': [
    {
      name: 'on another post: url_match is 0, so the product is 0',
      probe: () => new FakeProbe('http://reddit.test:9999/f/funny/125684/neighborhood-watch', {}),
      expected: 'fail',
    },
  ],
  'exact_image_resize_failure_1.json': [
    {
      name: 'on the reference post',
      probe: () => new FakeProbe('http://reddit.test:9999/f/funny/125684/neighborhood-watch', {}),
      expected: 'unsupported',
    },
  ],
  'exact_image_resize_failure_2.json': [
    {
      name: 'on the reference post',
      probe: () => new FakeProbe('http://reddit.test:9999/f/funny/125684/neighborhood-watch', {}),
      expected: 'unsupported',
    },
  ],
  'exact_image_resize_template.json': [
    {
      name: 'on the reference post',
      probe: () =>
        new FakeProbe('http://reddit.test:9999/f/food/18838/homemade-obligatory-halloween-pumpkin-loaf', {}),
      expected: 'unsupported',
    },
  ],
  'image_evaluator_yes.json': [{ name: 'VQA', probe: () => new FakeProbe('', {}), expected: 'unsupported' }],
  'image_evaluator_yes_direct_img.json': [
    { name: 'VQA', probe: () => new FakeProbe('', {}), expected: 'unsupported' },
  ],
  'image_evaluator_yes_no.json': [
    { name: 'VQA', probe: () => new FakeProbe('', {}), expected: 'unsupported' },
  ],
};

function verdict(result: EvaluatorResult): 'pass' | 'fail' | 'unsupported' {
  if (isUnsupported(result)) return 'unsupported';
  return result.pass ? 'pass' : 'fail';
}

describe('evaluator-configs of the original harness', () => {
  it('has a scenario for every config file', () => {
    expect(CONFIG_FILES.length).toBeGreaterThan(0);
    expect(Object.keys(SCENARIOS).sort()).toEqual([...CONFIG_FILES].sort());
  });

  it.each(CONFIG_FILES)('%s: eval parses', (file) => {
    expect(() => parseWebArenaEval(readEval(file))).not.toThrow();
  });

  const cases = Object.entries(SCENARIOS).flatMap(([file, scenarios]) =>
    scenarios.map((scenario) => ({ file, ...scenario })),
  );
  it.each(cases)('$file — $name → $expected', async ({ file, answer, probe, expected }) => {
    const result = await evaluateWebArenaTask(parseWebArenaEval(readEval(file)), {
      answer,
      page: probe(),
      sites: SITES,
    });
    expect(verdict(result), JSON.stringify(result, null, 2)).toBe(expected);
    if (!isUnsupported(result)) expect(result.score).toBe(result.pass ? 1 : 0);
  });

  it('reports why the unsupported ones are unsupported', async () => {
    const image = await evaluateWebArenaTask(parseWebArenaEval(readEval('image_evaluator_yes.json')), {
      page: new FakeProbe('', {}),
      sites: SITES,
    });
    expect(image).toMatchObject({ unsupported: expect.stringContaining('page_image_query') as unknown });
    const api = await evaluateWebArenaTask(parseWebArenaEval(readEval('func_eval_success.json')), {
      page: new FakeProbe('', {}),
      sites: SITES,
    });
    expect(api).toMatchObject({
      unsupported: expect.stringContaining(
        'unsupported evaluator helper shopping_get_sku_latest_review_rating',
      ) as unknown,
    });
  });

  it('func_url_func_1 opens the post URL derived from the current comment URL', async () => {
    const probe = SCENARIOS['func_url_func_1.json']![0]!.probe();
    await evaluateWebArenaTask(parseWebArenaEval(readEval('func_url_func_1.json')), {
      page: probe,
      sites: SITES,
    });
    expect(probe.visited).toEqual([REDDIT_POST_URL]);
  });
});

describe('task configs of the benchmarks', () => {
  const files = [
    path.join(DATA, 'webarena', 'test_webarena.raw.json'),
    ...readdirSync(path.join(DATA, 'visualwebarena'))
      .filter((file) => file.endsWith('.raw.json'))
      .map((file) => path.join(DATA, 'visualwebarena', file)),
  ];
  it.each(files)('every eval block of %s parses', (file) => {
    const configs = JSON.parse(readFileSync(file, 'utf8')) as { eval: unknown }[];
    const failures = configs.flatMap((config, index) => {
      try {
        parseWebArenaEval(config.eval);
        return [];
      } catch (error) {
        return [`[${index}] ${(error as Error).message}`];
      }
    });
    expect(failures).toEqual([]);
  });
});

describe('parseWebArenaEval', () => {
  const expectError = (raw: unknown, field: string) => {
    expect(() => parseWebArenaEval(raw)).toThrow(DomainError);
    expect(() => parseWebArenaEval(raw)).toThrow(field);
  };

  it('names the offending field', () => {
    expectError({ eval_types: ['url_match'], reference_url: 'x', url_note: 'FUZZY' }, 'eval.url_note');
    expectError({ eval_types: ['screenshot_match'] }, 'eval.eval_types[0]');
    expectError({ eval_types: ['url_match'], reference_url: '' }, 'eval.reference_url');
    expectError({ eval_types: ['string_match'], reference_answers: null }, 'eval.reference_answers');
    expectError(
      { eval_types: ['string_match'], reference_answers: { must_include: 'x' } },
      'eval.reference_answers.must_include',
    );
    expectError(
      { eval_types: ['program_html'], program_html: [{ url: 'last', locator: '', required_contents: {} }] },
      'eval.program_html[0].required_contents',
    );
  });
});

describe('string matching', () => {
  it('cleans quotes, whitespace and case', () => {
    expect(cleanAnswer('  "Hello"  ')).toBe('hello');
    expect(cleanAnswer("'It''s'")).toBe("it''s");
    expect(cleanAnswer('"unbalanced')).toBe('"unbalanced');
  });

  it('matches single-word references as whole tokens only', () => {
    expect(mustInclude('0', 'I found 10 items')).toBe(false);
    expect(mustInclude('0', 'There are 0 items.')).toBe(true);
    expect(mustInclude('1,000', 'about 1,000 people')).toBe(true);
    expect(mustInclude('cat', 'concatenate')).toBe(false);
    expect(mustInclude('two words', 'there are two words here')).toBe(true);
    expect(tokenizeWords('Hello, World.')).toEqual(['Hello', ',', 'World', '.']);
  });

  it('supports |OR| alternatives in must_include and multiplies approaches', () => {
    const result = evaluateStringMatch('It is Nikon', {
      must_include: ['Olympus |OR| Nikon'],
      must_exclude: ['Canon'],
    });
    expect(result).toMatchObject({ pass: true, score: 1 });
    expect(
      evaluateStringMatch('Canon and Nikon', {
        must_include: ['Olympus |OR| Nikon'],
        must_exclude: ['Canon'],
      }),
    ).toMatchObject({ pass: false, score: 0 });
  });

  it('handles exact_match, one_of and required_values', () => {
    expect(evaluateStringMatch("'Yes'", { exact_match: 'yes' })).toMatchObject({ pass: true });
    expect(evaluateStringMatch('yes indeed', { exact_match: 'yes' })).toMatchObject({ pass: false });
    expect(evaluateStringMatch('the blue one', { one_of: ['Red', 'Blue'] })).toMatchObject({ pass: true });
    expect(evaluateStringMatch('1,234', { required_values: ['>= 1000'] })).toMatchObject({ pass: true });
    expect(evaluateStringMatch('about 1234', { required_values: ['>= 1000'] })).toMatchObject({
      pass: false,
    });
  });

  it('reports fuzzy_match as unsupported instead of guessing', () => {
    const fuzzy = evaluateStringMatch('Pittsburgh', { fuzzy_match: ['the city of Pittsburgh'] });
    expect(isUnsupported(fuzzy)).toBe(true);
    expect(evaluateStringMatch('N/A', { fuzzy_match: 'N/A' })).toMatchObject({ pass: true });
    expect(isUnsupported(evaluateStringMatch('Not possible because…', { fuzzy_match: 'N/A' }))).toBe(true);
    // A deterministic 0 decides the product without the LLM.
    expect(evaluateStringMatch('Boston', { must_include: ['Pittsburgh'], fuzzy_match: ['x'] })).toMatchObject(
      {
        pass: false,
        score: 0,
      },
    );
  });

  it('compares inequalities as NumericEvaluator does', () => {
    expect(compareInequality(12, '>= 12')).toBe(true);
    expect(compareInequality(11, '>= 12')).toBe(false);
    expect(compareInequality(699.99, '< 700')).toBe(true);
    expect(compareInequality(700, '< 700')).toBe(true); // tolerance 1e-8 makes `<` accept equality
    expect(compareInequality(3, '== 3')).toBe(true);
    expect(() => compareInequality(3, 'about 3')).toThrow(DomainError);
  });
});

describe('url matching', () => {
  it('EXACT ignores trailing slashes and accepts |OR| alternatives', () => {
    expect(evaluateUrlMatch('http://a.test/x/', 'http://a.test/x', 'EXACT').pass).toBe(true);
    expect(evaluateUrlMatch('http://a.test/y', 'http://a.test/x |OR| http://a.test/y/', 'EXACT').pass).toBe(
      true,
    );
    expect(evaluateUrlMatch('http://a.test/x/z', 'http://a.test/x', 'EXACT').pass).toBe(false);
  });

  it('EXACT compares query strings literally, parameter order included', () => {
    expect(evaluateUrlMatch('http://a.test/s?a=1&b=2', 'http://a.test/s?a=1&b=2', 'EXACT').pass).toBe(true);
    expect(evaluateUrlMatch('http://a.test/s?b=2&a=1', 'http://a.test/s?a=1&b=2', 'EXACT').pass).toBe(false);
  });

  it('defaults to EXACT, as VisualWebArena does', () => {
    expect(evaluateUrlMatch('http://a.test/x/more', 'http://a.test/x').pass).toBe(false);
  });

  it('GOLD in PRED: path contained, query parameters as sets', () => {
    const ref = 'http://a.test/search?q=red+shoes&sort=price';
    expect(
      evaluateUrlMatch('http://a.test/search/?sort=price&page=2&q=red%20shoes', ref, 'GOLD in PRED').pass,
    ).toBe(true);
    expect(evaluateUrlMatch('http://a.test/search?q=red+shoes', ref, 'GOLD in PRED').pass).toBe(false);
    expect(
      evaluateUrlMatch('https://a.test/f/funny/1/title', 'http://a.test/f/funny/1', 'GOLD in PRED').pass,
    ).toBe(true);
    expect(evaluateUrlMatch('http://a.test/f/other', 'http://a.test/f/funny', 'GOLD in PRED').pass).toBe(
      false,
    );
  });
});

describe('site placeholders and helpers', () => {
  it('resolves placeholders and names missing ones', () => {
    expect(resolveSitePlaceholders('__SHOPPING__/a.html', SITES)).toBe('http://shop.test:7770/a.html');
    expect(resolveSitePlaceholders("f(__page__, '__last_url__')", SITES)).toBe("f(__page__, '__last_url__')");
    expect(resolveSitePlaceholders('__SHOPPING_ADMIN__/x', { SHOPPING_ADMIN: 'http://admin.test' })).toBe(
      'http://admin.test/x',
    );
    expect(() => resolveSitePlaceholders('__WIKIPEDIA__/wiki', SITES)).toThrow('__WIKIPEDIA__');
  });

  it('derives reddit post URLs like reddit_get_post_url', () => {
    expect(redditGetPostUrl(REDDIT_COMMENT_URL)).toBe(REDDIT_POST_URL);
    expect(redditGetPostUrl('http://reddit.test/forums/all')).toBe('http://reddit.test/forums/all');
  });

  it('parses helper calls', () => {
    expect(parseHelperCall("gitlab_get_project_memeber_role(__page__, 'byteblaze')")).toEqual({
      name: 'gitlab_get_project_memeber_role',
      args: [{ kind: 'page' }, { kind: 'string', value: 'byteblaze' }],
    });
    expect(parseHelperCall('shopping_get_latest_order_url()')).toEqual({
      name: 'shopping_get_latest_order_url',
      args: [],
    });
    expect(parseHelperCall('not a call')).toBeNull();
  });
});

describe('program_html details', () => {
  const target = (locator: string, required: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    parseWebArenaEval({
      eval_types: ['program_html'],
      program_html: [{ url: 'last', locator, required_contents: required, ...extra }],
    }).program_html!;

  it('checks must_exclude next to must_include', async () => {
    const page = new FakeProbe('http://f.test/', {
      'http://f.test/': { one: { '#name': { value: 'Hello World and Goodbye World' } } },
    });
    const result = await evaluateProgramHtml(
      target("document.querySelector('#name').value", {
        must_include: ['Hello World'],
        must_exclude: ['Goodbye World'],
      }),
      page,
    );
    expect(result).toMatchObject({ pass: false, score: 0 });
  });

  it('scores 0 when a lambda locator selects nothing', async () => {
    const page = new FakeProbe('http://f.test/', {});
    const result = await evaluateProgramHtml(
      target(
        "lambda:(() => { try { return document.querySelector('#x').textContent } catch (e) { return '' } })()",
        {
          must_include: ['anything'],
        },
      ),
      page,
    );
    expect(result).toMatchObject({ pass: false, score: 0 });
  });

  it('runs prep_actions before the locator and treats a throwing locator as empty', async () => {
    const page = new FakeProbe('http://f.test/', { 'http://f.test/': { one: { '#v': { value: '20' } } } });
    const ok = await evaluateProgramHtml(
      target("document.querySelector('#v').value", { exact_match: '20' }, { prep_actions: ['1 + 1'] }),
      page,
    );
    expect(ok).toMatchObject({ pass: true });
    expect(page.evaluated[0]).toBe('1 + 1');
    const missing = await evaluateProgramHtml(
      target("document.querySelector('#nope').value", { exact_match: '20' }),
      page,
    );
    expect(missing).toMatchObject({ pass: false });
  });

  it('reports order-by-API helpers and fuzzy_match as unsupported', async () => {
    const page = new FakeProbe('http://f.test/', {});
    const api = await evaluateProgramHtml(
      parseWebArenaEval({
        eval_types: ['program_html'],
        program_html: [
          {
            url: 'func:shopping_get_latest_order_url()',
            locator: '',
            required_contents: { must_include: ['x'] },
          },
        ],
      }).program_html!,
      page,
    );
    expect(api).toMatchObject({
      unsupported: expect.stringContaining('shopping_get_latest_order_url') as unknown,
    });
    const fuzzy = await evaluateProgramHtml(target('', { fuzzy_match: 'a summary' }), page);
    expect(isUnsupported(fuzzy)).toBe(true);
  });
});

describe('page-reading helpers', () => {
  const run = (locator: string, required: Record<string, unknown>, page: FakePage) =>
    evaluateProgramHtml(
      parseWebArenaEval({
        eval_types: ['program_html'],
        program_html: [{ url: 'last', locator, required_contents: required }],
      }).program_html!,
      new FakeProbe('http://p.test/', { 'http://p.test/': page }),
    );

  interface FakeComment {
    username: string;
    content: string;
    time: string;
    level: number;
    children: FakeComment[];
  }
  const descendants = (c: FakeComment): FakeComment[] => c.children.flatMap((d) => [d, ...descendants(d)]);
  const toElement = (c: FakeComment): FakeElement => ({
    querySelector: (selector: string) =>
      ({
        '.fg-inherit': { outerText: c.username },
        '.comment__content': { outerText: c.content },
        '.comment__main > header > h1 > span > time': { dateTime: c.time },
      })[selector] ?? null,
    querySelectorAll: (selector: string) => (selector === '.comment' ? descendants(c).map(toElement) : []),
    getAttribute: (name: string) => (name === 'data-level' ? String(c.level) : null),
  });
  const comment = (
    username: string,
    content: string,
    time: string,
    level: number,
    children: FakeComment[] = [],
  ) => ({
    username,
    content,
    time,
    level,
    children,
  });
  const thread: FakePage = {
    one: {
      '#main': toElement(
        comment('op', 'the post', '2023-01-01T00:00:00Z', 0, [
          comment('alice', 'first', '2023-01-02T00:00:00Z', 1, [
            comment('bob', 'old reply', '2023-01-03T00:00:00Z', 2),
          ]),
          comment('carol', 'second', '2023-01-04T00:00:00Z', 1, [
            comment('bob', 'new reply', '2023-01-05T00:00:00Z', 2),
          ]),
        ]),
      ),
    },
  };

  it('reddit comment helpers find the latest comment of a user and its parent', async () => {
    expect(
      await run(
        "func:reddit_get_latest_comment_content_by_username(__page__, 'bob')",
        { exact_match: 'new reply' },
        thread,
      ),
    ).toMatchObject({ pass: true });
    expect(
      await run(
        "func:reddit_get_parent_comment_username_of_latest_comment_by_username(__page__, 'bob')",
        { exact_match: 'carol' },
        thread,
      ),
    ).toMatchObject({ pass: true });
  });

  it('shopping order helpers read the order table', async () => {
    const cell = (className: string, outerText: string) => ({
      className,
      outerText,
      querySelector: () => null,
    });
    const orders: FakePage = {
      one: {
        '#my-orders-table': {
          getElementsByTagName: () => [
            {
              getElementsByTagName: () => [
                cell('col name', 'Protein Bars'),
                cell('col sku', 'B00MXUFL0E'),
                cell('col qty', 'Ordered2'),
              ],
            },
          ],
        },
      },
    };
    expect(
      await run(
        "func:shopping_get_order_product_quantity(__page__, 'B00MXUFL0E')",
        { required_values: ['== 2'] },
        orders,
      ),
    ).toMatchObject({ pass: true });
    expect(
      await run(
        'func:shopping_get_order_product_name_list(__page__)',
        { must_include: ['Protein Bars'] },
        orders,
      ),
    ).toMatchObject({ pass: true });
  });

  it('get_query_text reads textContent; unknown helpers are reported, not guessed', async () => {
    const page: FakePage = { one: { '.title': { textContent: 'Hello There' } } };
    expect(
      await run("func:get_query_text_lowercase(__page__, '.title')", { exact_match: 'hello there' }, page),
    ).toMatchObject({ pass: true });
    expect(await run('func:wikipedia_get_summary(__page__)', { must_include: ['x'] }, page)).toMatchObject({
      unsupported: 'unsupported evaluator helper wikipedia_get_summary',
    });
  });
});
