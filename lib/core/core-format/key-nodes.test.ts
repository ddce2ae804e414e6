import { describe, expect, it } from 'vitest';

import { parseKeyNodes, parseKeyNodesText, serializeKeyNodes } from '@/lib/core/core-format/key-nodes';
import { catchImportFormatError, KEY_NODES_TEXT } from '@/lib/core/core-format/test-fixtures';
import type { PoolNode } from '@/lib/core/strategy-graph/types';

describe('key_nodes.json', () => {
  it('parses the reference file into pool nodes in file order', () => {
    const nodes = parseKeyNodesText(KEY_NODES_TEXT);
    expect(nodes).toHaveLength(9);
    expect(nodes[0]).toEqual({
      id: '1',
      description: "Open an app named 'Clock'.",
      label_function: "def label_function(trajectory):\n    return validate_open_app(trajectory, 'Clock')\n",
    });
    expect(nodes[5]!.description).toBe("Type text 'crème brûlée' into the 'Search in ALL RECIPES'");
  });

  it('writes the reference file back byte for byte', () => {
    expect(serializeKeyNodes(parseKeyNodesText(KEY_NODES_TEXT))).toBe(KEY_NODES_TEXT);
  });

  it('round-trips: parse(serialize(x)) deep-equals x, extra fields included', () => {
    const nodes: PoolNode[] = [
      {
        id: '3',
        description: 'Navigate to the home screen.',
        label_function: 'def label_function(t):\n    return True',
      },
      {
        id: '12',
        description: 'Scroll down — “quoted” 😀',
        label_function: '',
        origin: 'synthesis',
      } as PoolNode,
    ];
    expect(parseKeyNodesText(serializeKeyNodes(nodes))).toEqual(nodes);
  });

  it('reads numeric ids as strings (and writes them back as strings)', () => {
    const nodes = parseKeyNodes([{ id: 7, description: 'a', label_function: 'b' }]);
    expect(nodes).toEqual([{ id: '7', description: 'a', label_function: 'b' }]);
    expect(JSON.parse(serializeKeyNodes(nodes))).toEqual([
      { id: '7', description: 'a', label_function: 'b' },
    ]);
  });

  it('names the file and the field of a shape error', () => {
    const error = catchImportFormatError(() =>
      parseKeyNodes([
        { id: '1', description: 'a', label_function: 'b' },
        { id: '2', description: 'c' },
      ]),
    );
    expect(error.file).toBe('key_nodes.json');
    expect(error.field).toBe('[1].label_function');
    expect(error.message).toMatch(/^key_nodes\.json \(field \[1\]\.label_function\): /);
    expect(catchImportFormatError(() => parseKeyNodes({}, 'run/key_nodes.json')).message).toMatch(
      /^run\/key_nodes\.json: /,
    );
    expect(
      catchImportFormatError(() => parseKeyNodes([{ id: 1.5, description: '', label_function: '' }])).field,
    ).toBe('[0].id');
    expect(
      catchImportFormatError(() => parseKeyNodes([{ id: '', description: '', label_function: '' }])).field,
    ).toBe('[0].id');
  });

  it('rejects duplicate ids, naming both places', () => {
    const error = catchImportFormatError(() =>
      parseKeyNodes([
        { id: '1', description: 'a', label_function: '' },
        { id: 2, description: 'b', label_function: '' },
        { id: '2', description: 'c', label_function: '' },
      ]),
    );
    expect(error.field).toBe('[2].id');
    expect(error.message).toContain('duplicate id "2" (first used at [1].id)');
  });

  it('reports invalid JSON as an ImportFormatError', () => {
    const error = catchImportFormatError(() => parseKeyNodesText('[{"id": "1",'));
    expect(error.message).toMatch(/^key_nodes\.json: invalid JSON/);
  });
});
