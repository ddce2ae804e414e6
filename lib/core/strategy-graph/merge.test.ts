import { describe, expect, it } from 'vitest';

import {
  findPoolNodeByDescription,
  getNextNodeId,
  linearPath,
  mergePath,
  normalizeDescription,
  reuseOrCreateNodes,
} from '@/lib/core/strategy-graph/merge';
import { computeVerdict } from '@/lib/core/strategy-graph/verdict';
import type { PoolNode, StrategyGraph } from '@/lib/core/strategy-graph/types';
import { validateGraph } from '@/lib/core/strategy-graph/validate';

/** Freezes a value and everything in it, so a mutation throws in strict mode. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const POOL: PoolNode[] = [
  {
    id: '1',
    description: "Open an app named 'Clock'.",
    label_function: 'def label_function(t): return True',
  },
  {
    id: '7',
    description: "Click on a UI element 'Timer' on the screen.",
    label_function: 'def label_function(t): ...',
  },
  { id: 'custom', description: 'Scroll down on the screen.', label_function: 'def label_function(t): ...' },
];

describe('findPoolNodeByDescription', () => {
  it('matches case-insensitively after trimming', () => {
    expect(findPoolNodeByDescription(POOL, "  click on a ui element 'TIMER' on the screen. ")?.id).toBe('7');
    expect(findPoolNodeByDescription(POOL, 'SCROLL DOWN ON THE SCREEN.')?.id).toBe('custom');
  });

  it('returns null when nothing matches (inner whitespace counts)', () => {
    expect(findPoolNodeByDescription(POOL, 'Scroll  down on the screen.')).toBeNull();
    expect(findPoolNodeByDescription([], 'x')).toBeNull();
  });

  it('normalizes descriptions by trimming and lower-casing', () => {
    expect(normalizeDescription('  Type Text  ')).toBe('type text');
  });
});

describe('getNextNodeId', () => {
  it('is the largest numeric id plus one, ignoring other ids; "1" for an empty pool', () => {
    expect(getNextNodeId(POOL)).toBe('8');
    expect(getNextNodeId([])).toBe('1');
    expect(getNextNodeId([{ id: 'a', description: 'a', label_function: '' }])).toBe('1');
  });
});

describe('reuseOrCreateNodes', () => {
  it('reuses matching nodes and creates the rest with fresh numeric ids', () => {
    const pool = deepFreeze(POOL.map((node) => ({ ...node })));
    const result = reuseOrCreateNodes(pool, [
      { description: "open an app named 'clock'.", label_function: 'new code, dropped' },
      { description: "Type text '5 minutes' into the 'Timer'", label_function: 'code A' },
      { description: 'Navigate to the home screen.', label_function: 'code B' },
      { description: "TYPE TEXT '5 minutes' INTO THE 'TIMER' ", label_function: 'code C' },
    ]);
    expect(result.ids).toEqual(['1', '8', '9', '8']);
    expect(result.created).toEqual([
      { id: '8', description: "Type text '5 minutes' into the 'Timer'", label_function: 'code A' },
      { id: '9', description: 'Navigate to the home screen.', label_function: 'code B' },
    ]);
    expect(result.pool).toEqual([...POOL, ...result.created]);
    expect(result.pool[0]!.label_function).toBe(POOL[0]!.label_function);
    expect(pool).toHaveLength(3);
  });

  it('starts at "1" on an empty pool', () => {
    const result = reuseOrCreateNodes([], [{ description: 'a', label_function: 'x' }]);
    expect(result.ids).toEqual(['1']);
  });
});

describe('linearPath', () => {
  it('links "0" → ids → "-1"', () => {
    expect(linearPath(['7', '1', '12'])).toEqual({
      7: { parent_node_id: ['0'], child_node_id: ['1'] },
      1: { parent_node_id: ['7'], child_node_id: ['12'] },
      12: { parent_node_id: ['1'], child_node_id: ['-1'] },
    });
  });

  it('gives a single node both sentinels and an empty list an empty graph', () => {
    expect(linearPath(['4'])).toEqual({ 4: { parent_node_id: ['0'], child_node_id: ['-1'] } });
    expect(linearPath([])).toEqual({});
  });

  it('collapses consecutive repeats, skips sentinels, and keeps a non-consecutive repeat as a cycle', () => {
    expect(linearPath(['0', '3', '3', '5', '-1'])).toEqual(linearPath(['3', '5']));
    const looped = linearPath(['1', '2', '1', '3']);
    expect(looped).toEqual({
      1: { parent_node_id: ['0', '2'], child_node_id: ['2', '3'] },
      2: { parent_node_id: ['1'], child_node_id: ['1'] },
      3: { parent_node_id: ['1'], child_node_id: ['-1'] },
    });
    expect(validateGraph(looped).cycles).toEqual([['1', '2']]);
  });
});

describe('mergePath', () => {
  const base = deepFreeze(linearPath(['1', '2', '3']));

  it('returns a new graph with the union of the lists and leaves the inputs untouched', () => {
    const path = deepFreeze(linearPath(['1', '4', '3']));
    const { graph, diff } = mergePath(base, path);
    expect(graph).toEqual({
      1: { parent_node_id: ['0'], child_node_id: ['2', '4'] },
      2: { parent_node_id: ['1'], child_node_id: ['3'] },
      3: { parent_node_id: ['2', '4'], child_node_id: ['-1'] },
      4: { parent_node_id: ['1'], child_node_id: ['3'] },
    });
    expect(diff).toEqual({
      addedNodes: ['4'],
      addedEdges: [
        { from: '1', to: '4' },
        { from: '4', to: '3' },
      ],
    });
    expect(base).toEqual(linearPath(['1', '2', '3']));
    expect(graph['1']!.child_node_id).not.toBe(base['1']!.child_node_id);
  });

  it('is a no-op with an empty diff for a path already in the graph', () => {
    const { graph, diff } = mergePath(base, linearPath(['1', '2', '3']));
    expect(graph).toEqual(base);
    expect(diff).toEqual({ addedNodes: [], addedEdges: [] });
  });

  it('reports sentinel edges as added and keeps existing duplicates and extra fields', () => {
    const graph: StrategyGraph = {
      5: { parent_node_id: ['0', '0'], child_node_id: ['-1'], note: 'kept' } as StrategyGraph[string],
    };
    const merged = mergePath(graph, linearPath(['6', '5']));
    expect(merged.graph['5']).toEqual({
      parent_node_id: ['0', '0', '6'],
      child_node_id: ['-1'],
      note: 'kept',
    });
    expect(merged.diff).toEqual({
      addedNodes: ['6'],
      // Path key order ("5" before "6"), each entry's child edges before its parent edges.
      addedEdges: [
        { from: '6', to: '5' },
        { from: '0', to: '6' },
      ],
    });
  });

  it('counts an edge recorded on only one side as existing', () => {
    const asymmetric: StrategyGraph = {
      1: { parent_node_id: ['0'], child_node_id: ['2'] },
      2: { parent_node_id: [], child_node_id: ['-1'] },
    };
    const { graph, diff } = mergePath(asymmetric, linearPath(['1', '2']));
    expect(diff.addedEdges).toEqual([]);
    expect(graph['2']!.parent_node_id).toEqual(['1']);
    expect(validateGraph(graph).asymmetricEdges).toEqual([]);
  });

  it('grows a graph the CORE way: reuse pool nodes, form a linear path, merge it', () => {
    let pool: PoolNode[] = [
      { id: '1', description: "Open an app named 'Clock'.", label_function: 'a' },
      { id: '2', description: "Click on a UI element 'Timer' on the screen.", label_function: 'b' },
      { id: '3', description: "Set the task's status as 'complete'.", label_function: 'c' },
    ];
    const v1 = linearPath(['1', '2', '3']);
    const drafts = [
      { description: "open an app named 'clock'.", label_function: 'x' },
      { description: "Click on a UI element 'Start' on the screen.", label_function: 'y' },
      { description: "Set the task's status as 'complete'.", label_function: 'z' },
    ];
    const created = reuseOrCreateNodes(pool, drafts);
    pool = created.pool;
    const { graph: v2, diff } = mergePath(v1, linearPath(created.ids));
    expect(created.ids).toEqual(['1', '4', '3']);
    expect(diff.addedNodes).toEqual(['4']);
    expect(computeVerdict(v2, { 1: true, 4: true, 3: true })).toEqual({
      verdict: true,
      path: ['1', '4', '3'],
    });
    expect(computeVerdict(v1, { 1: true, 4: true, 3: true }).verdict).toBe(false);
    expect(pool.map((node) => node.id)).toEqual(['1', '2', '3', '4']);
  });
});
