import { describe, expect, it } from 'vitest';
import { DEFAULT_NEXT_PATH, MAX_NEXT_LENGTH, toSafeNextPath } from '@/lib/core/safe-redirect';

/** Where a browser on `origin` would go when handed `location` (a Location header, router.push). */
function browserResolves(location: string, origin: string): string {
  return new URL(location, `${origin}/sign-in?next=x`).origin;
}

const SITES = ['http://gpu-box.lab:3000', 'https://curator.example'];

describe('toSafeNextPath', () => {
  it.each([
    ['/tasks', '/tasks'],
    ['/tasks?status=open&page=2', '/tasks?status=open&page=2'],
    ['/trajectories/abc#step-3', '/trajectories/abc#step-3'],
    ['/review/adjudication', '/review/adjudication'],
    ['/a/../tasks', '/tasks'],
    ['/a/b/../../../tasks', '/tasks'],
    ['/tasks/ü', '/tasks/%C3%BC'],
    ['/tasks with space', '/tasks%20with%20space'],
    ['/%09/evil.example', '/%09/evil.example'],
    ['/%5Cevil.example', '/%5Cevil.example'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/%2f/evil.example', '/%2f/evil.example'],
    ['/tasks?next=//evil.example', '/tasks?next=//evil.example'],
    // What the URL parser strips anyway: the rest is a plain path.
    [' /tasks', '/tasks'],
    ['\u0000/tasks', '/tasks'],
    ['/tasks\n', '/tasks'],
    ['/ta\tsks', '/tasks'],
  ])('keeps the same-origin path %j as %j', (next, expected) => {
    expect(toSafeNextPath(next)).toBe(expected);
  });

  it.each([
    // Scheme-relative and look-alikes.
    '//evil.example',
    '//evil.example/tasks',
    '///evil.example',
    '////evil.example',
    '/\\evil.example',
    '\\/evil.example',
    '\\\\evil.example',
    '/\\/evil.example',
    '//\\evil.example',
    // Tabs and newlines the parser removes, turning the value into `//host`.
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '\t//evil.example',
    // Leading whitespace and controls the parser trims.
    ' //evil.example',
    '\u0000//evil.example',
    '\u001f/\\evil.example',
    '  \t /\\evil.example',
    // Dot segments that normalise to `//host`.
    '/.//evil.example',
    '/..//evil.example',
    '/a/..//evil.example',
    '/./\\evil.example',
    // Absolute URLs and other schemes.
    'https://evil.example',
    'http://evil.example/tasks',
    'HTTPS://evil.example',
    'http:evil.example',
    'https:evil.example',
    'http:/evil.example',
    'http:\\\\evil.example',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'mailto:x@evil.example',
    'ftp://evil.example',
    // Not a path at all.
    'tasks',
    'evil.example',
    '.',
    '..',
    '?next=/tasks',
    '#top',
    '',
    '   ',
    '\t',
    // The auth pages themselves (a signed-in visitor would loop).
    '/sign-in',
    '/sign-in/',
    '/sign-in?next=/sign-in',
    '/sign-up?invite=abc',
    '/./sign-in',
  ])('refuses %j', (next) => {
    expect(toSafeNextPath(next)).toBe(DEFAULT_NEXT_PATH);
  });

  it('refuses values that are not strings, and over-long ones', () => {
    for (const value of [undefined, null, 42, ['/tasks'], { toString: () => '/tasks' }])
      expect(toSafeNextPath(value)).toBe('/');
    expect(toSafeNextPath('/' + 'a'.repeat(MAX_NEXT_LENGTH))).toBe('/');
    expect(toSafeNextPath('/' + 'a'.repeat(MAX_NEXT_LENGTH - 1))).toBe('/' + 'a'.repeat(MAX_NEXT_LENGTH - 1));
  });

  it('every answer, handed to a browser on http or https, stays on that site (generated inputs)', () => {
    const alphabet = [
      '/',
      '\\',
      '.',
      ':',
      '\t',
      '\n',
      ' ',
      '\u0000',
      '%',
      '09',
      '2F',
      '5C',
      'evil',
      'http',
      'https',
      '@',
      '?',
      '#',
      'a',
    ];
    let seed = 14;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const failures: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      const length = 1 + Math.floor(random() * 8);
      let input = '';
      for (let i = 0; i < length; i++) input += alphabet[Math.floor(random() * alphabet.length)];
      const out = toSafeNextPath(input);
      const ok =
        out.startsWith('/') &&
        !out.startsWith('//') &&
        SITES.every((site) => browserResolves(out, site) === site) &&
        toSafeNextPath(out) === out; // idempotent: the answer is its own safe form
      if (!ok) failures.push(`${JSON.stringify(input)} → ${JSON.stringify(out)}`);
    }
    expect(failures).toEqual([]);
  });
});
