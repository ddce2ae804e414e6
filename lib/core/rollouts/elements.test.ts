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
