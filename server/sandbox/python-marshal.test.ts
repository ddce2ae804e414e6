/**
 * `jsonToMarshal` against CPython itself: every value must come out of native `marshal.loads`
 * exactly as `json.loads` reads the same JSON text.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

import { jsonToMarshal, MarshalDepthError } from '@/server/sandbox/python-marshal';
import { loadWebVoyagerTrajectoryDicts } from '@/server/sandbox/test-trajectories';

/** For each case: does `marshal.loads(bytes)` equal `json.loads(text)` (same types, recursively)? */
const CHECK = `
import json, marshal, sys
def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b
out = []
for case in json.load(sys.stdin):
    try:
        out.append(same(marshal.loads(bytes.fromhex(case['hex'])), json.loads(case['json'])))
    except Exception as error:
        out.append(repr(error))
print(json.dumps(out))
`;

function checkInCPython(texts: string[]): unknown[] {
  const input = JSON.stringify(texts.map((json) => ({ json, hex: jsonToMarshal(json).toString('hex') })));
  const run = spawnSync('python3', ['-c', CHECK], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as unknown[];
}

describe('jsonToMarshal', () => {
  it('reads back in CPython exactly as json.loads reads the same text', () => {
    const values: unknown[] = [
      null,
      true,
      false,
      0,
      -0,
      1,
      -1,
      2 ** 31 - 1,
      2 ** 31,
      -(2 ** 31),
      -(2 ** 31) - 1,
      2 ** 53,
      -(2 ** 60),
      2 ** 70,
      -(2 ** 53) - 2,
      1e20 - 1e5,
      1.2345678901234569e23,
      1e21,
      1.5,
      -2.25e-300,
      Number.MAX_VALUE,
      NaN,
      '',
      'ascii',
      'x'.repeat(255),
      'y'.repeat(256),
      'z'.repeat(70000),
      'é — ünïcødé',
      '😀 astral',
      'lone \ud800 high',
      'lone \udc00 low',
      'pair \ud83d\ude00 ok',
      'nul \u0000 byte',
      [],
      {},
      [1, [2, [3, [4]]]],
      { a: 1, b: [true, null, 'x'], '': { nested: {} }, ключ: 'значение' },
      { __proto__: 'x', constructor: 1 },
      Array.from({ length: 1000 }, (_, k) => ({ k, s: String(k) })),
    ];
    const texts = values.map((value) => JSON.stringify(value));
    expect(checkInCPython(texts)).toEqual(texts.map(() => true));
  });

  it('reads back the shared WebVoyager trajectory dicts exactly', async () => {
    const dicts = await loadWebVoyagerTrajectoryDicts();
    const texts = [...dicts.values()].map((dict) => JSON.stringify(dict));
    expect(texts.length).toBeGreaterThan(5);
    expect(checkInCPython(texts)).toEqual(texts.map(() => true));
  });

  it('refuses invalid JSON and absurd nesting', () => {
    expect(() => jsonToMarshal('{"a":')).toThrow(SyntaxError);
    expect(() => jsonToMarshal(`${'['.repeat(20_000)}${']'.repeat(20_000)}`)).toThrow(MarshalDepthError);
  });
});
