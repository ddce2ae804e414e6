/**
 * Code extraction for stage S (DESIGN.md › Semantics › Label-function synthesis: "extract the first
 * fenced Python block").
 */

/**
 * Largest label-function source accepted, in UTF-8 bytes: the sandbox's own limit
 * (`MAX_LF_SOURCE_BYTES` in `server/sandbox/label-function-runner.ts`, 256 KiB; a server test pins
 * that the two agree). A bigger block is rejected here with a clear error instead of reaching the
 * runner, which would refuse the whole batch.
 */
export const MAX_LF_CODE_BYTES = 256 * 1024;

/** Python info strings accepted on an opening fence (case-insensitive). */
const PYTHON_INFO = /^(python3?|py)$/i;

export type ExtractedCode = { code: string; error: null } | { code: null; error: string };

interface Fence {
  /** Line index of the opening fence. */
  open: number;
  /** Line index of the closing fence. */
  close: number;
  /** Info string (first word after the fence), lower-cased; '' for a bare fence. */
  info: string;
}

/** A fence line: its marker character, run length and the rest of the line; null otherwise. */
function readFenceLine(line: string): { char: string; length: number; rest: string } | null {
  let k = 0;
  while (k < 3 && line[k] === ' ') k++;
  const char = line[k];
  if (char !== '`' && char !== '~') return null;
  let end = k;
  while (line[end] === char) end++;
  if (end - k < 3) return null;
  return { char, length: end - k, rest: line.slice(end) };
}

/**
 * Every complete fenced block of `lines`, in order (CommonMark-style: an opening run of ≥ 3
 * backticks or tildes, indented at most 3 spaces, whose info string has no backtick; closed by a
 * run of the same character at least as long with nothing else on the line). An unclosed fence
 * ends the scan. No regular expressions: linear in the reply size, whatever the reply holds.
 */
function findFences(lines: readonly string[]): Fence[] {
  const fences: Fence[] = [];
  let k = 0;
  while (k < lines.length) {
    const open = readFenceLine(lines[k]!);
    if (!open || (open.char === '`' && open.rest.includes('`'))) {
      k++;
      continue;
    }
    let j = k + 1;
    for (; j < lines.length; j++) {
      const close = readFenceLine(lines[j]!);
      if (close && close.char === open.char && close.length >= open.length && close.rest.trim() === '') break;
    }
    if (j >= lines.length) break;
    const info = open.rest.trim().split(/\s/, 1)[0] ?? '';
    fences.push({ open: k, close: j, info: info.toLowerCase() });
    k = j + 1;
  }
  return fences;
}

/**
 * The label-function code of a coder reply.
 *
 * Rule (DESIGN.md: "the first fenced Python block"; the fallback is our choice): the first complete
 * fenced block whose info string is `python`, `python3` or `py` (any case); when the reply has no
 * such block, the first complete block with no info string at all (a bare ```` ``` ````). Blocks
 * tagged with another language (```` ```json ````) are never taken; an unclosed fence is not a
 * block. The code is returned without the fence lines and without trailing blank lines.
 *
 * Errors (as `{ code: null, error }`, never thrown): no block — `"no fenced ```python code block in
 * the reply"`; an empty block; a block over {@link MAX_LF_CODE_BYTES} UTF-8 bytes. A 1 MB reply is
 * scanned line by line in linear time.
 */
export function extractPythonCode(reply: string): ExtractedCode {
  const lines = reply.split(/\r\n|\r|\n/);
  const fences = findFences(lines);
  const fence = fences.find((f) => PYTHON_INFO.test(f.info)) ?? fences.find((f) => f.info === '');
  if (!fence) return { code: null, error: 'no fenced ```python code block in the reply' };
  const code = lines
    .slice(fence.open + 1, fence.close)
    .join('\n')
    .trimEnd();
  if (code.trim() === '') return { code: null, error: 'the ```python code block is empty' };
  const bytes = new TextEncoder().encode(code).length;
  if (bytes > MAX_LF_CODE_BYTES) {
    return {
      code: null,
      error: `the code block is ${Math.ceil(bytes / 1024)} KiB, over the sandbox's ${MAX_LF_CODE_BYTES / 1024} KiB source limit`,
    };
  }
  return { code, error: null };
}
