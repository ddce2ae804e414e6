/**
 * Versioned prompt files: `prompts/<id>.md` under the repository root (resolved from
 * `process.cwd()`, which is the repo root for `next start`, the CLI and vitest).
 *
 * Each file has YAML front matter with `id` (equal to the file name) and `version` (a string or
 * number, kept as a string), and a body with the system and user sections that
 * `parsePromptBody` (`lib/core/llm/messages.ts`) turns into a {@link PromptTemplate}.
 * Parsed templates are cached per file and re-read when the file's mtime changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { parsePromptBody } from '@/lib/core/llm/messages';
import type { PromptTemplate } from '@/lib/core/llm/types';

const PROMPT_ID_RE = /^[a-z0-9][a-z0-9_-]*$/;

const ZPromptFrontMatterSchema = z.object({
  id: z.string().regex(PROMPT_ID_RE, 'lower-case letters, digits, - and _'),
  version: z.union([z.string().trim().min(1), z.number()]).transform((v) => String(v)),
});

/** The prompts folder: `<cwd>/prompts`. */
export function defaultPromptsDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'prompts');
}

const cache = new Map<string, { mtimeMs: number; template: PromptTemplate }>();

/**
 * Loads and validates `prompts/<id>.md`.
 * @throws DomainError('NOT_FOUND') when the file is missing; DomainError('BAD_INPUT') naming the file
 *   when the front matter is invalid, its `id` differs from the file name, or the body does not parse.
 */
export function loadPrompt(id: string, dir: string = defaultPromptsDir()): PromptTemplate {
  if (!PROMPT_ID_RE.test(id)) throw new DomainError('BAD_INPUT', `Invalid prompt id '${id}'`);
  const file = path.join(dir, `${id}.md`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new DomainError('NOT_FOUND', `Prompt file ${file} not found`);
  }
  const cached = cache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs) return cached.template;
  const template = parsePromptFile(file, fs.readFileSync(file, 'utf8'), id);
  cache.set(file, { mtimeMs: stat.mtimeMs, template });
  return template;
}

/** Parses one prompt file's text; `file` only names it in errors. */
export function parsePromptFile(file: string, text: string, expectedId?: string): PromptTemplate {
  let parsed: matter.GrayMatterFile<string>;
  try {
    // A fresh options object: gray-matter caches by input when called without options.
    parsed = matter(text, {});
  } catch (error) {
    throw new DomainError(
      'BAD_INPUT',
      `${file}: front matter is not valid YAML (${(error as Error).message})`,
    );
  }
  const front = ZPromptFrontMatterSchema.safeParse(parsed.data);
  if (!front.success) {
    const issues = front.error.issues.map((i) => `${i.path.join('.') || 'front matter'}: ${i.message}`);
    throw new DomainError('BAD_INPUT', `${file}: invalid front matter (${issues.join('; ')})`);
  }
  if (expectedId !== undefined && front.data.id !== expectedId) {
    throw new DomainError(
      'BAD_INPUT',
      `${file}: front matter id '${front.data.id}' differs from the file name`,
    );
  }
  try {
    return parsePromptBody(front.data.id, front.data.version, parsed.content);
  } catch (error) {
    throw new DomainError('BAD_INPUT', `${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** `{id: version}` of every prompt file in the folder (each validated; a bad file throws). */
export function listPromptVersions(dir: string = defaultPromptsDir()): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const versions: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith('.md')) continue;
    const id = name.slice(0, -'.md'.length);
    if (!PROMPT_ID_RE.test(id)) continue; // README.md and the like
    versions[id] = loadPrompt(id, dir).version;
  }
  return versions;
}

/** Forgets cached templates (tests). */
export function clearPromptCache(): void {
  cache.clear();
}
