/**
 * The format rules of a written export record, one by one, for `openai` (images as data URIs) and
 * the tagged formats (`<image>` tags and image files measured through a callback), with the limits
 * at their boundary: exactly 10 images and exactly 10 MB pass, one more fails.
 */
import { describe, expect, it } from 'vitest';
import { EXPORT_LIMITS, IMAGE_TAG } from '@/lib/core/export/formats';
import { dataUriBytes, validateExportRecord, type FormatRule } from '@/lib/core/export/validate';

const MB = 1024 * 1024;

/** A base64 body (not a real image) that decodes to exactly `bytes` bytes, padding included. */
function base64OfSize(bytes: number): string {
  const padding = (3 - (bytes % 3)) % 3;
  return 'A'.repeat(Math.ceil(bytes / 3) * 4 - padding) + '='.repeat(padding);
}

function dataUri(bytes: number, mime = 'image/png'): string {
  return `data:${mime};base64,${base64OfSize(bytes)}`;
}

function openAiRecord(imageUrls: string[], extra: { role: string; content: unknown }[] = []) {
  return {
    messages: [
      { role: 'system', content: 'You are a browsing agent.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Task: buy a mug' },
          ...imageUrls.map((url) => ({ type: 'image_url', image_url: { url } })),
        ],
      },
      ...extra,
      { role: 'assistant', content: 'Thought: search first\nAction: Type [3]; mug' },
    ],
  };
}

function taggedRecord(images: string[], tags = images.length) {
  return {
    messages: [
      { role: 'system', content: 'You are a browsing agent.' },
      { role: 'user', content: `Task: buy a mug${`\n${IMAGE_TAG}`.repeat(tags)}` },
      { role: 'assistant', content: 'Action: Click [4]' },
    ],
    images,
  };
}

const rules = (problems: { rule: FormatRule }[]) => problems.map((p) => p.rule);
const small = () => 50_000;

describe('dataUriBytes', () => {
  it('gives the decoded size for padding 0, 1 and 2', () => {
    expect(btoa('abc')).toBe('YWJj');
    expect(dataUriBytes(`data:image/png;base64,${btoa('abc')}`)).toBe(3);
    expect(dataUriBytes(`data:image/png;base64,${btoa('abcd')}`)).toBe(4); // YWJjZA==
    expect(dataUriBytes(`data:image/png;base64,${btoa('abcde')}`)).toBe(5); // YWJjZGU=
    expect(dataUriBytes(`data:image/jpeg;base64,${btoa('abcdef')}`)).toBe(6);
    expect(dataUriBytes(`data:image/png;base64,`)).toBe(0);
    for (const n of [1, 2, 3, 10 * MB, 10 * MB + 1, 11 * MB]) expect(dataUriBytes(dataUri(n))).toBe(n);
  });

  it('is null for anything but a base64 image data URI', () => {
    expect(dataUriBytes('https://example.test/a.png')).toBeNull();
    expect(dataUriBytes('data:text/plain;base64,YWJj')).toBeNull();
    expect(dataUriBytes('data:image/png,raw')).toBeNull();
    expect(dataUriBytes('data:image/png;base64,YW Jj')).toBeNull();
  });
});

describe('validateExportRecord: openai', () => {
  it('accepts a record within the limits, exactly 10 images and exactly 10 MB included', () => {
    expect(validateExportRecord('openai', openAiRecord([dataUri(1000)]), small)).toEqual([]);
    const ten = Array.from({ length: EXPORT_LIMITS.maxImagesPerExample }, () => dataUri(100));
    expect(validateExportRecord('openai', openAiRecord(ten), small)).toEqual([]);
    expect(validateExportRecord('openai', openAiRecord([dataUri(10 * MB)]), small)).toEqual([]);
    expect(validateExportRecord('openai', openAiRecord([]), small)).toEqual([]);
  });

  it('image_count: 11 images', () => {
    const eleven = Array.from({ length: 11 }, () => dataUri(100));
    const problems = validateExportRecord('openai', openAiRecord(eleven), small);
    expect(rules(problems)).toEqual(['image_count']);
    expect(problems[0]!.message).toBe('11 images, over the limit of 10 per example');
  });

  it('image_size: an 11 MB data URI (and 10 MB + 1 byte)', () => {
    const problems = validateExportRecord('openai', openAiRecord([dataUri(11 * MB)]), small);
    expect(rules(problems)).toEqual(['image_size']);
    expect(problems[0]!.message).toContain(`${11 * MB} bytes`);
    expect(rules(validateExportRecord('openai', openAiRecord([dataUri(10 * MB + 1)]), small))).toEqual([
      'image_size',
    ]);
  });

  it('assistant_image: an image_url part in an assistant turn', () => {
    const record = openAiRecord(
      [],
      [
        {
          role: 'assistant',
          content: [{ type: 'image_url', image_url: { url: dataUri(10) } }],
        },
        { role: 'user', content: 'go on' },
      ],
    );
    const problems = validateExportRecord('openai', record, small);
    expect(rules(problems)).toEqual(['assistant_image']);
    expect(problems[0]!.message).toBe('messages.2 (assistant) holds an image');
  });

  it('target: the last turn is not an assistant turn with text', () => {
    const record = openAiRecord([dataUri(10)]);
    expect(rules(validateExportRecord('openai', { messages: record.messages.slice(0, 2) }, small))).toEqual([
      'target',
    ]);
    const blank = { messages: [...record.messages.slice(0, 2), { role: 'assistant', content: '  ' }] };
    expect(rules(validateExportRecord('openai', blank, small))).toEqual(['target']);
    const parts = {
      messages: [
        ...record.messages.slice(0, 2),
        { role: 'assistant', content: [{ type: 'text', text: 'x' }] },
      ],
    };
    expect(rules(validateExportRecord('openai', parts, small))).toEqual(['target']);
  });

  it('shape: a malformed record names the field; a non-data-URI image is a shape problem', () => {
    const badRole = openAiRecord([]);
    badRole.messages[0] = { role: 'tool', content: 'x' };
    const problems = validateExportRecord('openai', badRole, small);
    expect(rules(problems)).toEqual(['shape']);
    expect(problems[0]!.message).toMatch(/^messages\.0\.role: /);
    expect(validateExportRecord('openai', { messages: 'nope' }, small)[0]!.message).toMatch(/^messages: /);
    expect(validateExportRecord('openai', null, small)[0]!.message).toMatch(/^\(record\): /);
    const remote = validateExportRecord('openai', openAiRecord(['https://example.test/a.png']), small);
    expect(remote).toEqual([{ rule: 'shape', message: 'messages.1: image_url is not a base64 data URI' }]);
  });
});

describe.each(['llama-factory', 'ms-swift'] as const)('validateExportRecord: %s', (format) => {
  it('accepts a record within the limits, exactly 10 images and exactly 10 MB included', () => {
    expect(validateExportRecord(format, taggedRecord(['images/a.png']), small)).toEqual([]);
    const ten = Array.from({ length: 10 }, (_, i) => `images/${i}.png`);
    expect(validateExportRecord(format, taggedRecord(ten), small)).toEqual([]);
    expect(validateExportRecord(format, taggedRecord(['images/a.png']), () => 10 * MB)).toEqual([]);
    expect(validateExportRecord(format, taggedRecord([]), small)).toEqual([]);
  });

  it('image_count: 11 images', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `images/${i}.png`);
    expect(rules(validateExportRecord(format, taggedRecord(eleven), small))).toEqual(['image_count']);
  });

  it('image_size: an 11 MB file (and 10 MB + 1 byte), measured through the callback', () => {
    const sizes: Record<string, number> = { 'images/big.png': 11 * MB, 'images/ok.png': 1000 };
    const seen: string[] = [];
    const problems = validateExportRecord(
      format,
      taggedRecord(['images/ok.png', 'images/big.png']),
      (ref) => {
        seen.push(ref);
        return sizes[ref] ?? null;
      },
    );
    expect(seen).toEqual(['images/ok.png', 'images/big.png']);
    expect(problems).toEqual([
      {
        rule: 'image_size',
        message: `image images/big.png has ${11 * MB} bytes, over the ${10 * MB}-byte limit`,
      },
    ]);
    expect(rules(validateExportRecord(format, taggedRecord(['images/a.png']), () => 10 * MB + 1))).toEqual([
      'image_size',
    ]);
  });

  it('image_missing: the file does not exist', () => {
    expect(validateExportRecord(format, taggedRecord(['images/gone.png']), () => null)).toEqual([
      { rule: 'image_missing', message: 'image images/gone.png is missing' },
    ]);
  });

  it('image_tags: tags and images differ in number', () => {
    const problems = validateExportRecord(format, taggedRecord(['images/a.png', 'images/b.png'], 1), small);
    expect(problems).toEqual([{ rule: 'image_tags', message: `1 ${IMAGE_TAG} tags for 2 images` }]);
    expect(rules(validateExportRecord(format, taggedRecord([], 1), small))).toEqual(['image_tags']);
  });

  it('assistant_image: an <image> tag in an assistant turn', () => {
    const record = taggedRecord(['images/a.png', 'images/b.png'], 1);
    record.messages[2] = { role: 'assistant', content: `${IMAGE_TAG}\nAction: Click [4]` };
    const problems = validateExportRecord(format, record, small);
    expect(problems).toEqual([
      { rule: 'assistant_image', message: `messages.2 (assistant) holds ${IMAGE_TAG}` },
    ]);
  });

  it('target: the last turn is not an assistant turn', () => {
    const record = taggedRecord(['images/a.png']);
    record.messages.pop();
    record.messages.push({ role: 'user', content: 'and now?' });
    expect(rules(validateExportRecord(format, record, small))).toEqual(['target']);
  });

  it('shape: a malformed record names the field', () => {
    const record = { ...taggedRecord(['images/a.png']), images: ['images/a.png', ''] };
    const problems = validateExportRecord(format, record, small);
    expect(rules(problems)).toEqual(['shape']);
    expect(problems[0]!.message).toMatch(/^images\.1: /);
    const parts = {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: 'Wait' },
      ],
      images: [],
    };
    expect(validateExportRecord(format, parts, small)[0]!.message).toMatch(/^messages\.0\.content: /);
    expect(validateExportRecord(format, { messages: [] }, small)[0]!.rule).toBe('shape');
  });
});
