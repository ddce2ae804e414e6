import { describe, expect, it } from 'vitest';

import { MAX_AUGMENT_VARIANTS, parseAugmentReply } from '@/lib/core/abstraction/augment';

const OPTIONS = {
  originalIntent: 'What is the top-1 best selling product in 2022',
  template: 'What is the top-{{n}} best selling product in {{year}}',
  count: 5,
};

describe('parseAugmentReply', () => {
  it('reads a fenced json array of template variants and paraphrases', () => {
    const reply = [
      'Here are some variants:',
      '```json',
      JSON.stringify([
        { intent: 'What is the top-3 best selling product in 2023', params: { n: 3, year: 2023 } },
        { intent: 'Could you tell me the best selling product of 2022?', params: null },
      ]),
      '```',
    ].join('\n');
    expect(parseAugmentReply(reply, OPTIONS)).toEqual([
      {
        intent: 'What is the top-3 best selling product in 2023',
        params: { n: 3, year: 2023 },
        variant: 'template',
      },
      { intent: 'Could you tell me the best selling product of 2022?', params: null, variant: 'paraphrase' },
    ]);
  });

  it('tolerates JSON lines, a bare fence, no fence, {variants: [...]} and plain strings', () => {
    const lines =
      '```\n{"intent": "Find the top-2 product in 2021", "params": {"n": 2, "year": 2021}},\n{"intent": "Please find it"}\nnot json\n```';
    expect(parseAugmentReply(lines, OPTIONS).map((v) => v.intent)).toEqual([
      'Find the top-2 product in 2021',
      'Please find it',
    ]);
    expect(parseAugmentReply('[{"intent": "Show sales of 2021"}]', OPTIONS)).toHaveLength(1);
    expect(parseAugmentReply('{"variants": ["Show sales of 2021"]}', OPTIONS)).toEqual([
      { intent: 'Show sales of 2021', params: null, variant: 'paraphrase' },
    ]);
  });

  it('drops invalid entries, the original intent and duplicates (case-insensitively)', () => {
    const reply = JSON.stringify([
      { intent: '' },
      { intent: 42 },
      { nope: 'x' },
      null,
      { intent: 'x'.repeat(1001) },
      { intent: '  what is the TOP-1 best selling product in 2022 ' },
      { intent: 'Show sales of 2021', params: 'bad' },
      { intent: 'show  SALES of 2021' },
    ]);
    expect(parseAugmentReply(reply, OPTIONS)).toEqual([
      { intent: 'Show sales of 2021', params: null, variant: 'paraphrase' },
    ]);
  });

  it('makes params-bearing variants paraphrases when the task has no template', () => {
    const reply = '[{"intent": "Show sales of 2021", "params": {"year": 2021}}]';
    expect(parseAugmentReply(reply, { ...OPTIONS, template: null })).toEqual([
      { intent: 'Show sales of 2021', params: null, variant: 'paraphrase' },
    ]);
  });

  it(`caps at count and at ${MAX_AUGMENT_VARIANTS}`, () => {
    const reply = JSON.stringify(Array.from({ length: 50 }, (_, k) => ({ intent: `Variant number ${k}` })));
    expect(parseAugmentReply(reply, OPTIONS)).toHaveLength(5);
    expect(parseAugmentReply(reply, { ...OPTIONS, count: 100 })).toHaveLength(MAX_AUGMENT_VARIANTS);
    expect(parseAugmentReply(reply, { ...OPTIONS, count: 0 })).toHaveLength(0);
  });

  it('returns nothing for garbage', () => {
    expect(parseAugmentReply('I would not change anything.', OPTIONS)).toEqual([]);
    expect(parseAugmentReply('```json\n[{"intent": "unclosed"', OPTIONS)).toEqual([]);
  });
});
