import { describe, expect, it } from 'vitest';
import { buildCytoscapeElements } from '@/lib/core/strategy-graph/cytoscape';
import { linearPath, mergePath } from '@/lib/core/strategy-graph/merge';
import {
  applyPathOverlay,
  overlayProposedPath,
  placeholderId,
  type ProposedPathNodeInput,
} from '@/lib/core/strategy-graph/path-overlay';
import { buildGraphFromPaths, createDiamondChain } from '@/lib/core/strategy-graph/sample-graphs';
import type { StrategyGraph } from '@/lib/core/strategy-graph/types';

const reuse = (nodeId: string, description = `node ${nodeId}`): ProposedPathNodeInput => ({
  description,
  code: 'def label_function(trajectory):\n    return True\n',
  nodeId,
});
const fresh = (description: string): ProposedPathNodeInput => ({
  description,
  code: 'def label_function(trajectory):\n    return True\n',
  nodeId: null,
});
const e = (from: string, to: string) => ({ from, to });

// 0 → 1 → 2 → 3 → -1
const LINE: StrategyGraph = linearPath(['1', '2', '3']);

describe('overlayProposedPath', () => {
  it('classifies reused, pool and new nodes', () => {
    const overlay = overlayProposedPath(LINE, [reuse('1'), reuse('9'), fresh('Click X'), reuse('3')]);
    expect(overlay.nodes.map((n) => [n.overlayId, n.kind])).toEqual([
      ['1', 'reused'],
      ['9', 'pool'],
      ['new:2', 'new'],
      ['3', 'reused'],
    ]);
    expect(overlay.nodes[2]).toMatchObject({ position: 2, nodeId: null, description: 'Click X' });
    expect(overlay.addedNodes).toEqual(['9', 'new:2']);
  });

  it('finds the branch point and where the path rejoins: a new node between two existing ones', () => {
    const overlay = overlayProposedPath(LINE, [reuse('1'), fresh('Type "x"'), reuse('3')]);
    expect(overlay.walk).toEqual(['0', '1', 'new:1', '3', '-1']);
    expect(overlay.newEdges).toEqual([e('1', 'new:1'), e('new:1', '3')]);
    expect(overlay.sharedEdges).toEqual([e('0', '1'), e('3', '-1')]);
    expect(overlay.branchPoint).toBe('1');
    expect(overlay.rejoinPoint).toBe('3');
    expect(overlay.detours).toEqual([{ from: '1', to: '3', nodes: ['new:1'] }]);
    expect(overlay.alreadyInGraph).toBe(false);
  });

  it('reports a shortcut (new edge between existing nodes) as a detour with no nodes', () => {
    const overlay = overlayProposedPath(LINE, [reuse('1'), reuse('3')]);
    expect(overlay.newEdges).toEqual([e('1', '3')]);
    expect(overlay.addedNodes).toEqual([]);
    expect(overlay).toMatchObject({ branchPoint: '1', rejoinPoint: '3', alreadyInGraph: false });
    expect(overlay.detours).toEqual([{ from: '1', to: '3', nodes: [] }]);
  });

  it('branches at the source and rejoins at the sink when nothing is shared', () => {
    const overlay = overlayProposedPath(LINE, [fresh('A'), fresh('B')]);
    expect(overlay).toMatchObject({ branchPoint: '0', rejoinPoint: '-1' });
    expect(overlay.newEdges).toEqual([e('0', 'new:0'), e('new:0', 'new:1'), e('new:1', '-1')]);
    expect(overlay.sharedEdges).toEqual([]);
  });

  it('lists every detour in walk order', () => {
    const overlay = overlayProposedPath(LINE, [fresh('A'), reuse('2'), fresh('B')]);
    expect(overlay.detours).toEqual([
      { from: '0', to: '2', nodes: ['new:0'] },
      { from: '2', to: '-1', nodes: ['new:2'] },
    ]);
    expect(overlay.branchPoint).toBe('0');
    expect(overlay.rejoinPoint).toBe('2');
  });

  it('says when the path is already in the graph', () => {
    const overlay = overlayProposedPath(LINE, [reuse('1'), reuse('2'), reuse('3')]);
    expect(overlay).toMatchObject({
      alreadyInGraph: true,
      branchPoint: null,
      rejoinPoint: null,
      newEdges: [],
      detours: [],
    });
    expect(overlay.nodes.every((n) => n.kind === 'reused')).toBe(true);
  });

  it('works on a task with no graph yet: everything is added', () => {
    const overlay = overlayProposedPath({}, [reuse('4'), fresh('B')]);
    expect(overlay.nodes.map((n) => n.kind)).toEqual(['pool', 'new']);
    expect(overlay).toMatchObject({ branchPoint: '0', rejoinPoint: '-1' });
    expect(overlay.newEdges).toHaveLength(3);
  });

  it('gives new nodes with the same description (case-insensitive) one placeholder, as the merge would', () => {
    const overlay = overlayProposedPath(LINE, [fresh('Click X'), reuse('2'), fresh('  click x ')]);
    expect(overlay.nodes.map((n) => n.overlayId)).toEqual(['new:0', '2', 'new:0']);
    expect(overlay.addedNodes).toEqual(['new:0']);
  });

  it('collapses consecutive repeats like linearPath, and counts a repeated edge once', () => {
    const overlay = overlayProposedPath(LINE, [reuse('1'), reuse('1'), fresh('A'), reuse('1'), fresh('A')]);
    expect(overlay.walk).toEqual(['0', '1', 'new:2', '1', 'new:2', '-1']);
    expect(overlay.newEdges).toEqual([e('1', 'new:2'), e('new:2', '1'), e('new:2', '-1')]);
  });

  it('matches what mergePath adds for the same ids', () => {
    const graph = createDiamondChain(3);
    const path = [reuse('1'), reuse('3'), fresh('X'), reuse('7'), reuse('99')];
    const overlay = overlayProposedPath(graph, path);
    const { diff } = mergePath(graph, linearPath(overlay.nodes.map((n) => n.overlayId)));
    expect(new Set(overlay.addedNodes)).toEqual(new Set(diff.addedNodes));
    expect(new Set(overlay.newEdges.map((x) => `${x.from}>${x.to}`))).toEqual(
      new Set(diff.addedEdges.map((x) => `${x.from}>${x.to}`)),
    );
  });

  it('avoids placeholder ids the graph already uses', () => {
    const graph = buildGraphFromPaths([['new:0', 'new:0:1']]);
    expect(placeholderId(graph, 0)).toBe('new:0:2');
    expect(overlayProposedPath(graph, [fresh('A')]).nodes[0]!.overlayId).toBe('new:0:2');
  });

  it('does not mutate its inputs and handles an empty path', () => {
    const graph = structuredClone(LINE);
    const path = [reuse('1'), fresh('A')];
    overlayProposedPath(graph, path);
    expect(graph).toEqual(LINE);
    expect(path[1]!.nodeId).toBeNull();
    expect(overlayProposedPath(LINE, [])).toMatchObject({ walk: [], nodes: [], alreadyInGraph: true });
  });
});

describe('applyPathOverlay', () => {
  const graph = buildGraphFromPaths([
    ['1', '2', '3'],
    ['1', '4', '3'],
  ]);
  const overlay = overlayProposedPath(graph, [
    reuse('1'),
    reuse('9', 'From the pool'),
    fresh('X'),
    reuse('3'),
  ]);
  const base = buildCytoscapeElements({
    graph,
    pool: [{ id: '1', description: 'Open the site', label_function: '' }],
  });
  const elements = applyPathOverlay(base, overlay);
  const classesOf = (id: string) => elements.find((el) => el.data.id === id)!.classes.split(' ');

  it('adds the nodes and edges the merge would add, nodes before edges', () => {
    const ids = elements.map((el) => el.data.id);
    expect(ids).toContain('9');
    expect(ids).toContain('new:2');
    const firstEdge = elements.findIndex((el) => el.group === 'edges');
    expect(elements.slice(firstEdge).every((el) => el.group === 'edges')).toBe(true);
    const added = elements.filter((el) => el.classes.includes('path-new-edge'));
    expect(added.map((el) => el.group === 'edges' && [el.data.source, el.data.target])).toEqual([
      ['1', '9'],
      ['9', 'new:2'],
      ['new:2', '3'],
    ]);
    expect(elements.find((el) => el.data.id === 'new:2')!.data).toMatchObject({ label: 'X', kind: 'node' });
  });

  it('classes reused, pool and new nodes, the branch and rejoin points, and fades the rest', () => {
    expect(classesOf('1')).toEqual(expect.arrayContaining(['on-path', 'path-reused', 'branch-point']));
    expect(classesOf('9')).toEqual(expect.arrayContaining(['on-path', 'path-pool']));
    expect(classesOf('new:2')).toEqual(expect.arrayContaining(['on-path', 'path-new']));
    expect(classesOf('3')).toEqual(expect.arrayContaining(['on-path', 'path-reused', 'rejoin-point']));
    expect(classesOf('2')).toContain('off-path');
    expect(classesOf('4')).toContain('off-path');
    expect(classesOf('0')).toEqual(expect.arrayContaining(['sentinel', 'start', 'on-path']));
    const edge = (from: string, to: string) =>
      elements.find((el) => el.group === 'edges' && el.data.source === from && el.data.target === to)!;
    expect(edge('0', '1').classes).toContain('on-path');
    expect(edge('1', '2').classes).toContain('off-path');
  });

  it('does not mutate the elements it is given', () => {
    const before = JSON.stringify(base);
    applyPathOverlay(base, overlay);
    expect(JSON.stringify(base)).toBe(before);
  });
});
