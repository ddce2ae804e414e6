import { describe, expect, it } from 'vitest';

import {
  buildCytoscapeElements,
  LABEL_MAX_CHARS,
  type CytoscapeEdgeElement,
  type CytoscapeElement,
  type CytoscapeNodeElement,
  type NodeStatus,
} from '@/lib/core/strategy-graph/cytoscape';
import { linearPath, mergePath } from '@/lib/core/strategy-graph/merge';
import { createMergedGraph, createRandom } from '@/lib/core/strategy-graph/sample-graphs';
import type { PoolNode, StrategyGraph } from '@/lib/core/strategy-graph/types';
import { computeVerdict } from '@/lib/core/strategy-graph/verdict';

const nodesOf = (elements: CytoscapeElement[]) =>
  elements.filter((e): e is CytoscapeNodeElement => e.group === 'nodes');
const edgesOf = (elements: CytoscapeElement[]) =>
  elements.filter((e): e is CytoscapeEdgeElement => e.group === 'edges');
const byId = (elements: CytoscapeElement[], id: string) => elements.find((e) => e.data.id === id)!;
const edge = (elements: CytoscapeElement[], from: string, to: string) =>
  edgesOf(elements).find((e) => e.data.source === from && e.data.target === to);

const POOL: PoolNode[] = [
  { id: '1', description: "Open an app named 'Clock'.", label_function: '' },
  { id: '2', description: "Click on a UI element 'Timer' on the screen.", label_function: '' },
  { id: '3', description: `Type text '${'x'.repeat(80)}' into the 'Search'`, label_function: '' },
];

describe('buildCytoscapeElements', () => {
  const graph = linearPath(['1', '2', '3']);

  it('draws sentinels as start / end, real nodes with labels, and one edge per link', () => {
    const elements = buildCytoscapeElements({ graph, pool: POOL });
    expect(nodesOf(elements).map((e) => [e.data.id, e.data.kind, e.classes])).toEqual([
      ['0', 'start', 'sentinel start'],
      ['1', 'node', ''],
      ['2', 'node', ''],
      ['3', 'node', ''],
      ['-1', 'end', 'sentinel end'],
    ]);
    expect(byId(elements, '1').data).toEqual({
      id: '1',
      label: "Open an app named 'Clock'.",
      description: "Open an app named 'Clock'.",
      kind: 'node',
      status: null,
    });
    const long = byId(elements, '3').data as CytoscapeNodeElement['data'];
    expect(long.label).toHaveLength(LABEL_MAX_CHARS);
    expect(long.label.endsWith('…')).toBe(true);
    expect(long.description).toBe(POOL[2]!.description);
    expect(edgesOf(elements).map((e) => `${e.data.source}>${e.data.target}`)).toEqual([
      '1>2',
      '0>1',
      '2>3',
      '3>-1',
    ]);
  });

  it('labels nodes missing from the pool by id', () => {
    expect(byId(buildCytoscapeElements({ graph }), '2').data).toMatchObject({
      label: '#2',
      description: null,
    });
  });

  it('adds status classes, unknown for nodes without a status', () => {
    const status: Record<string, NodeStatus> = { 1: 'passed', 2: 'error' };
    const elements = buildCytoscapeElements({ graph, pool: POOL, status });
    expect(['1', '2', '3'].map((id) => byId(elements, id).classes)).toEqual(['passed', 'error', 'unknown']);
    expect(byId(elements, '3').data).toMatchObject({ status: 'unknown' });
    expect(byId(elements, '0').data).toMatchObject({ status: null });
  });

  it('marks the matched path, its sentinel edges and both sentinels', () => {
    const branched = mergePath(graph, linearPath(['1', '4', '3'])).graph;
    const { path } = computeVerdict(branched, { 1: true, 4: true, 3: true });
    const elements = buildCytoscapeElements({ graph: branched, matchedPath: path });
    expect(
      nodesOf(elements)
        .filter((e) => e.classes.includes('matched'))
        .map((e) => e.data.id),
    ).toEqual(['0', '1', '3', '4', '-1']);
    const matchedEdges = edgesOf(elements)
      .filter((e) => e.classes.includes('matched'))
      .map((e) => `${e.data.source}>${e.data.target}`);
    expect(matchedEdges.sort()).toEqual(['0>1', '1>4', '3>-1', '4>3']);
    expect(edge(elements, '1', '2')!.classes).toBe('');
    expect(
      buildCytoscapeElements({ graph: branched, matchedPath: null }).some((e) =>
        e.classes.includes('matched'),
      ),
    ).toBe(false);
  });

  it("marks what a merge added, from mergePath's diff", () => {
    const { graph: next, diff } = mergePath(graph, linearPath(['1', '4', '3']));
    const elements = buildCytoscapeElements({ graph: next, added: diff });
    expect(
      nodesOf(elements)
        .filter((e) => e.classes.includes('added'))
        .map((e) => e.data.id),
    ).toEqual(['4']);
    expect(
      edgesOf(elements)
        .filter((e) => e.classes === 'added')
        .map((e) => `${e.data.source}>${e.data.target}`),
    ).toEqual(['1>4', '4>3']);
  });

  it('shows dangling ids as nodes so the edges to them still draw', () => {
    const broken: StrategyGraph = {
      1: { parent_node_id: ['0'], child_node_id: ['99', '-1'] },
    };
    const elements = buildCytoscapeElements({ graph: broken });
    expect(byId(elements, '99')).toMatchObject({ data: { kind: 'dangling' }, classes: 'dangling' });
    expect(edge(elements, '1', '99')).toBeDefined();
  });

  it('builds 300+ nodes with unique ids and edges whose ends exist, quickly', () => {
    const { graph: big, paths } = createMergedGraph({ nodeCount: 300, seed: 2, swap: 0.05 });
    const pool: PoolNode[] = Object.keys(big).map((id) => ({
      id,
      description: `Click on a UI element 'Button ${id}' on the screen.`,
      label_function: '',
    }));
    const random = createRandom(1);
    const status = Object.fromEntries(
      Object.keys(big).map((id) => [id, random() < 0.6 ? 'passed' : 'failed']),
    ) as Record<string, NodeStatus>;
    const last = paths[paths.length - 1]!;
    const previous = paths
      .slice(0, -1)
      .reduce((g, ids) => mergePath(g, linearPath(ids)).graph, {} as StrategyGraph);
    const { diff } = mergePath(previous, linearPath(last));

    const started = performance.now();
    const elements = buildCytoscapeElements({ graph: big, pool, status, matchedPath: last, added: diff });
    const elapsed = performance.now() - started;

    const nodes = nodesOf(elements);
    const edges = edgesOf(elements);
    expect(nodes).toHaveLength(Object.keys(big).length + 2);
    expect(new Set(elements.map((e) => e.data.id)).size).toBe(elements.length);
    const nodeIds = new Set(nodes.map((n) => n.data.id));
    for (const e of edges) {
      expect(nodeIds.has(e.data.source)).toBe(true);
      expect(nodeIds.has(e.data.target)).toBe(true);
    }
    const childLinks = Object.values(big).reduce((sum, entry) => sum + new Set(entry.child_node_id).size, 0);
    const startLinks = Object.values(big).filter((entry) => entry.parent_node_id.includes('0')).length;
    expect(edges).toHaveLength(childLinks + startLinks);
    expect(nodes.filter((n) => n.classes.includes('matched'))).toHaveLength(last.length + 2);
    expect(elapsed).toBeLessThan(100);
  });
});
