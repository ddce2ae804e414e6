import { describe, expect, it } from 'vitest';

import { extractPythonCode, MAX_LF_CODE_BYTES } from '@/lib/core/abstraction/extract-code';

const FN = 'def label_function(trajectory):\n    return True';

describe('extractPythonCode', () => {
  it('takes the first ```python block', () => {
    const reply = `Here you go:\n\n\`\`\`python\n${FN}\n\`\`\`\n\nand another:\n\`\`\`python\nx = 1\n\`\`\``;
    expect(extractPythonCode(reply)).toEqual({ code: FN, error: null });
  });

  it.each(['python', 'Python', 'py', 'python3', 'PY'])('accepts the info string %s', (info) => {
    expect(extractPythonCode(`\`\`\`${info}\n${FN}\n\`\`\``).code).toBe(FN);
  });

  it('prefers a python block over an earlier bare block, and falls back to a bare block', () => {
    expect(extractPythonCode(`\`\`\`\nbare = 1\n\`\`\`\n\`\`\`python\n${FN}\n\`\`\``).code).toBe(FN);
    expect(extractPythonCode(`\`\`\`\n${FN}\n\`\`\``).code).toBe(FN);
  });

  it('never takes a block tagged with another language', () => {
    expect(extractPythonCode('```json\n{"a": 1}\n```')).toEqual({
      code: null,
      error: 'no fenced ```python code block in the reply',
    });
  });

  it('handles tildes, longer fences, indented fences, CRLF and info text after the language', () => {
    expect(extractPythonCode(`~~~python\n${FN}\n~~~`).code).toBe(FN);
    expect(extractPythonCode(`\`\`\`\`python\n\`\`\`\n${FN}\n\`\`\`\``).code).toBe(`\`\`\`\n${FN}`);
    expect(extractPythonCode(`  \`\`\`python\n${FN}\n  \`\`\``).code).toBe(FN);
    expect(extractPythonCode(`\`\`\`python\r\n${FN.replace('\n', '\r\n')}\r\n\`\`\``).code).toBe(FN);
    expect(extractPythonCode(`\`\`\`python title="lf.py"\n${FN}\n\`\`\``).code).toBe(FN);
  });

  it('returns null with a reason for no block, an unclosed block or an empty block', () => {
    expect(extractPythonCode(FN).code).toBeNull();
    expect(extractPythonCode(`\`\`\`python\n${FN}`).code).toBeNull();
    expect(extractPythonCode('```python\n\n```')).toEqual({
      code: null,
      error: 'the ```python code block is empty',
    });
  });

  it('rejects a block over the sandbox source limit with a clear error', () => {
    const big = `\`\`\`python\n${FN}\n# ${'x'.repeat(MAX_LF_CODE_BYTES)}\n\`\`\``;
    const result = extractPythonCode(big);
    expect(result.code).toBeNull();
    expect(result.error).toMatch(/KiB, over the sandbox's 256 KiB source limit/);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const chars = Math.floor(MAX_LF_CODE_BYTES / 3);
    const block = (body: string) => `\`\`\`python\n${body}\n\`\`\``;
    expect(extractPythonCode(block('€'.repeat(chars))).code).not.toBeNull();
    expect(extractPythonCode(block('€'.repeat(chars + 1))).code).toBeNull();
  });

  it('scans a 1 MB hostile reply quickly', () => {
    const hostile = [
      '```' + 'x'.repeat(1_000_000) + '`',
      ' '.repeat(1_000_000) + 'a',
      '```python',
      FN,
      ' '.repeat(500_000),
      '```',
    ].join('\n');
    const started = Date.now();
    expect(extractPythonCode(hostile).code).toBe(FN);
    const noBlock = '```python\n' + 'a\n'.repeat(500_000);
    expect(extractPythonCode(noBlock).code).toBeNull();
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
