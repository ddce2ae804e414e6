import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DomainError } from '@/lib/core/errors';
import { readLogChunk, tailStartOffset } from '@/server/fine-tune/log-file';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-log-file-'));
  file = path.join(dir, 'run.log');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Reads from `offset` until the end of the file, `maxBytes` at a time. */
async function readToEnd(offset: number, maxBytes: number): Promise<{ text: string; nextOffset: number }> {
  let text = '';
  let next = offset;
  for (;;) {
    const chunk = await readLogChunk(file, next, maxBytes);
    text += chunk.text;
    if (chunk.nextOffset === next) return { text, nextOffset: next };
    next = chunk.nextOffset;
  }
}

describe('readLogChunk', () => {
  it('stops before a multi-byte character cut by the chunk end and reads it whole next time', async () => {
    fs.writeFileSync(file, 'ab€cd'); // € is E2 82 AC: bytes 2..4
    const first = await readLogChunk(file, 0, 4);
    expect(first).toEqual({ text: 'ab', nextOffset: 2, size: 7, missing: false });
    const second = await readLogChunk(file, first.nextOffset, 4);
    expect(second).toEqual({ text: '€c', nextOffset: 6, size: 7, missing: false });
    const third = await readLogChunk(file, second.nextOffset, 4);
    expect(third).toEqual({ text: 'd', nextOffset: 7, size: 7, missing: false });
  });

  it('gives the full text for any chunk size', async () => {
    const text = 'loss=0.25 ✓ €uro 😀 step 1\nΣ 2 — 漢字\n';
    fs.writeFileSync(file, text);
    for (let maxBytes = 4; maxBytes <= 12; maxBytes += 1) {
      expect(await readToEnd(0, maxBytes)).toEqual({ text, nextOffset: Buffer.byteLength(text) });
    }
  });

  it('reads a growing file in pieces, including a character written in two writes', async () => {
    const euro = Buffer.from('€');
    const writes = [
      Buffer.from('step 1 '),
      euro.subarray(0, 2),
      euro.subarray(2),
      Buffer.from(' 😀\nstep 2\n'),
    ];
    let text = '';
    let offset = 0;
    for (const bytes of writes) {
      fs.appendFileSync(file, bytes);
      const chunk = await readLogChunk(file, offset, 5);
      text += chunk.text;
      offset = chunk.nextOffset;
    }
    const rest = await readToEnd(offset, 5);
    expect(text + rest.text).toBe('step 1 € 😀\nstep 2\n');
    expect(rest.nextOffset).toBe(fs.statSync(file).size);
  });

  it('reports a missing file without moving the offset', async () => {
    expect(await readLogChunk(path.join(dir, 'not-yet.log'), 12)).toEqual({
      text: '',
      nextOffset: 12,
      size: 0,
      missing: true,
    });
  });

  it('returns empty text and the size for an offset past the end (truncated file)', async () => {
    fs.writeFileSync(file, 'short');
    expect(await readLogChunk(file, 100)).toEqual({ text: '', nextOffset: 5, size: 5, missing: false });
    expect(await readLogChunk(file, 5)).toEqual({ text: '', nextOffset: 5, size: 5, missing: false });
  });

  it('skips the rest of a character when the offset falls inside it', async () => {
    fs.writeFileSync(file, '€€€');
    expect(await readLogChunk(file, 1)).toEqual({ text: '€€', nextOffset: 9, size: 9, missing: false });
  });

  it('rejects a negative, fractional or non-numeric offset and a bad maxBytes', async () => {
    fs.writeFileSync(file, 'x');
    for (const offset of [-1, 1.5, Number.NaN]) {
      await expect(readLogChunk(file, offset)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    }
    await expect(readLogChunk(file, 0, 2)).rejects.toBeInstanceOf(DomainError);
    await expect(readLogChunk(file, 0, 64 * 1024 * 1024)).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('tailStartOffset', () => {
  it('starts maxBytes before the end, never before 0', () => {
    expect(tailStartOffset(100, 30)).toBe(70);
    expect(tailStartOffset(10, 30)).toBe(0);
    expect(tailStartOffset(0, 30)).toBe(0);
  });
});
