import { describe, expect, it } from 'vitest';
import { parseWebVoyagerElements } from '@/lib/core/import/webvoyager';
import { formatElementList } from '@/lib/core/rollouts/elements';

describe('formatElementList', () => {
  it('prints WebVoyager set-of-marks text that the WebVoyager parser reads back', () => {
    const elements = [
      { id: '0', role: 'link', name: 'Home', box: null },
      { id: '1', role: 'button', name: 'Add "Alpine" tent\n to cart', box: null },
      { id: '2', role: null, name: '', box: null },
    ];
    const text = formatElementList(elements);
    expect(text).toBe(`[0]: <link> "Home";\t[1]: <button> "Add 'Alpine' tent to cart";\t[2]: ""`);
    expect(parseWebVoyagerElements(text).map((e) => [e.id, e.role, e.name])).toEqual([
      ['0', 'link', 'Home'],
      ['1', 'button', "Add 'Alpine' tent to cart"],
      ['2', null, ''],
    ]);
  });

  it('is empty for no elements and clips long names', () => {
    expect(formatElementList([])).toBe('');
    const text = formatElementList([{ id: '0', role: 'link', name: 'x'.repeat(300), box: null }]);
    expect(text.length).toBeLessThan(120);
    expect(text).toContain('…');
  });
});

describe('formatElementList with states and context', () => {
  it('prints states and context after the name, and the parser reads them back', () => {
    const elements = [
      { id: '0', role: 'button', name: '☆ star', box: null, context: 'Dana Wu "Q3" numbers 9:14' },
      { id: '1', role: 'switch', name: 'Weekly digest', box: null, states: ['checked'] },
      { id: '2', role: 'combobox', name: 'Density', box: null, states: ['value: "Compact (dense)"'] },
      { id: '3', role: 'textbox', name: 'Subject', box: null, states: ['value: "Hi"'], context: 'Compose' },
    ];
    const text = formatElementList(elements);
    expect(text).toBe(
      [
        `[0]: <button> "☆ star" — in "Dana Wu 'Q3' numbers 9:14";`,
        `[1]: <switch> "Weekly digest" (checked);`,
        `[2]: <combobox> "Density" (value: 'Compact [dense]');`,
        `[3]: <textbox> "Subject" (value: 'Hi') — in "Compose"`,
      ].join('\t'),
    );
    expect(parseWebVoyagerElements(text)).toEqual([
      { id: '0', role: 'button', name: '☆ star', box: null, context: "Dana Wu 'Q3' numbers 9:14" },
      { id: '1', role: 'switch', name: 'Weekly digest', box: null, states: ['checked'] },
      { id: '2', role: 'combobox', name: 'Density', box: null, states: ["value: 'Compact [dense]'"] },
      { id: '3', role: 'textbox', name: 'Subject', box: null, states: ["value: 'Hi'"], context: 'Compose' },
    ]);
  });

  it('leaves WebVoyager entries with two quoted strings as before', () => {
    expect(parseWebVoyagerElements('[33]: "5", "5 stars";\t[34]: <a> "(see all)"')).toEqual([
      { id: '33', role: null, name: '5', box: null },
      { id: '34', role: 'a', name: '(see all)', box: null },
    ]);
  });
});
