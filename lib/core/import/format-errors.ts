/**
 * Helpers shared by the import parsers to turn JSON / zod failures into {@link ImportFormatError}s
 * that name the file and the JSON field path (`[4].content`, `[17].eval.eval_types`,
 * `["BBC News"].answers[3].ans`).
 */
import type { z } from 'zod';

import { ImportFormatError } from '@/lib/core/errors';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Formats a JSON path as `[3].eval.eval_types`: numbers as `[n]`, identifier keys as `.key`
 * (no leading dot at the root), other keys as `["BBC News"]`. Returns null for the empty path
 * (the document itself).
 */
export function formatFieldPath(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null;
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * Parses JSON text. Raises {@link ImportFormatError} naming `file` (and `line`, when given, for a
 * JSON-lines record) with the parser's own message as the reason.
 */
export function parseJsonText(text: string, file: string, line?: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImportFormatError({ file, line: line ?? null, reason: `invalid JSON: ${reason}` });
  }
}

type Issue = z.core.$ZodIssue;

/**
 * The most telling issue with its full path: inside a failed union (`string | Part[]`), the branch
 * that got furthest into the value (longest nested path) explains the failure best; when no branch
 * got past the value itself, the branch messages are joined (`expected string | expected array`).
 */
function explainIssue(issue: Issue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) {
    return { path: [...issue.path], message: issue.message };
  }
  let best: Issue | null = null;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && (!best || first.path.length > best.path.length)) best = first;
  }
  if (best && best.path.length > 0) {
    const inner = explainIssue(best);
    return { path: [...issue.path, ...inner.path], message: inner.message };
  }
  const messages = issue.errors.flatMap((branch) => (branch[0] ? [branch[0].message] : []));
  return { path: [...issue.path], message: messages.length > 0 ? messages.join(' | ') : issue.message };
}

/**
 * Validates `value` with `schema`. On failure raises {@link ImportFormatError} naming `file`, the
 * field path of the first issue, prefixed by `basePath` (e.g. the config's index `[17]`), and
 * `line` when given.
 */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  value: unknown,
  params: { file: string; basePath?: readonly PropertyKey[]; line?: number },
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const explained = issue ? explainIssue(issue) : { path: [], message: 'invalid value' };
  throw new ImportFormatError({
    file: params.file,
    field: formatFieldPath([...(params.basePath ?? []), ...explained.path]),
    line: params.line ?? null,
    reason: explained.message,
  });
}
