import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearPromptCache, listPromptVersions, loadPrompt } from '@/server/llm/prompts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prompts-'));
  clearPromptCache();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string, mtime?: Date) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  if (mtime) fs.utimesSync(file, mtime, mtime);
}

const GOOD = `---\nid: hello\nversion: 2\n---\n\nA note.\n\n## system\n\nBe brief.\n\n## user\n\nSay {{word}}.\n`;

describe('prompt files', () => {
  it('loads front matter and sections; a numeric version becomes a string', () => {
    write('hello.md', GOOD);
    expect(loadPrompt('hello', dir)).toEqual({
      id: 'hello',
      version: '2',
      system: 'Be brief.',
      user: 'Say {{word}}.',
    });
  });

  it('re-reads a file whose mtime changed', () => {
    write('hello.md', GOOD, new Date(2020, 0, 1));
    expect(loadPrompt('hello', dir).version).toBe('2');
    write('hello.md', GOOD.replace('version: 2', "version: '3'"), new Date(2021, 0, 1));
    expect(loadPrompt('hello', dir).version).toBe('3');
  });

  it.each([
    ['missing version', GOOD.replace('version: 2\n', ''), /hello\.md: invalid front matter \(version:/],
    [
      'id differs from the file name',
      GOOD.replace('id: hello', 'id: other'),
      /hello\.md: front matter id 'other' differs/,
    ],
    ['missing user section', GOOD.replace('## user', '## notes'), /hello\.md: .*missing section '## user'/],
    [
      'bad YAML',
      '---\nid: [hello\n---\n## system\nx\n## user\ny\n',
      /hello\.md: front matter is not valid YAML/,
    ],
  ])('names the file on a bad prompt: %s', (_name, text, message) => {
    write('hello.md', text);
    expect(() => loadPrompt('hello', dir)).toThrow(message);
  });

  it('refuses a missing file and a path-like id', () => {
    expect(() => loadPrompt('nope', dir)).toThrow(/nope\.md not found/);
    expect(() => loadPrompt('../etc/passwd', dir)).toThrow(/Invalid prompt id/);
  });

  it('lists versions of every prompt file, skipping README.md', () => {
    write('hello.md', GOOD);
    write('bye.md', GOOD.replace('id: hello', 'id: bye').replace('version: 2', "version: '2024-05-01'"));
    write('README.md', '# Prompts\n');
    expect(listPromptVersions(dir)).toEqual({ bye: '2024-05-01', hello: '2' });
  });

  it("the repository's prompt files all load", () => {
    const versions = listPromptVersions();
    expect(Object.keys(versions)).toContain('ping');
    expect(loadPrompt('ping').id).toBe('ping');
  });
});
