'use client';
/**
 * The Cytoscape canvas of a strategy graph (dagre layout, left to right). It owns only the
 * viewport and gestures (STYLE.md §9): the elements come from `toCytoscapeElements` in
 * `lib/core/strategy-graph`, and a click on a node reports its id. Loaded with
 * `next/dynamic(…, { ssr: false })` by `StrategyGraphPanel`, since Cytoscape needs the DOM.
 */
import cytoscape, { type Core, type ElementDefinition, type StylesheetJson } from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { useEffect, useRef } from 'react';

cytoscape.use(dagre);

const STYLE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'text-wrap': 'wrap',
      'text-max-width': '160px',
      'font-size': 11,
      'text-valign': 'center',
      'text-halign': 'center',
      shape: 'round-rectangle',
      width: 180,
      height: 54,
      'background-color': '#f1f5f9',
      'border-width': 1,
      'border-color': '#94a3b8',
      color: '#0f172a',
    },
  },
  {
    selector: 'node.sentinel',
    style: { shape: 'ellipse', width: 56, height: 56, 'background-color': '#e2e8f0', 'font-weight': 'bold' },
  },
  { selector: 'node.passed', style: { 'background-color': '#d1fae5', 'border-color': '#059669' } },
  { selector: 'node.failed', style: { 'background-color': '#ffe4e6', 'border-color': '#e11d48' } },
  {
    selector: 'node.error',
    style: { 'background-color': '#fef3c7', 'border-color': '#d97706', 'border-style': 'dashed' },
  },
  { selector: 'node.added', style: { 'border-width': 3, 'border-color': '#6366f1' } },
  { selector: 'node.matched', style: { 'border-width': 4, 'border-color': '#047857' } },
  { selector: 'node:selected', style: { 'overlay-color': '#6366f1', 'overlay-opacity': 0.15 } },
  {
    selector: 'edge',
    style: {
      width: 1.5,
      'line-color': '#94a3b8',
      'target-arrow-color': '#94a3b8',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
    },
  },
  { selector: 'edge.added', style: { 'line-color': '#6366f1', 'target-arrow-color': '#6366f1', width: 2.5 } },
  {
    selector: 'edge.matched',
    style: { 'line-color': '#047857', 'target-arrow-color': '#047857', width: 3.5 },
  },
  // A proposed path overlaid for review (`applyPathOverlay` in lib/core/strategy-graph/path-overlay.ts).
  { selector: '.off-path', style: { opacity: 0.35 } },
  { selector: 'node.path-reused', style: { 'border-width': 3, 'border-color': '#0284c7' } },
  {
    selector: 'node.path-pool',
    style: { 'background-color': '#e0f2fe', 'border-width': 3, 'border-color': '#7c3aed' },
  },
  {
    selector: 'node.path-new',
    style: {
      'background-color': '#ede9fe',
      'border-width': 3,
      'border-color': '#7c3aed',
      'border-style': 'dashed',
    },
  },
  {
    selector: 'edge.on-path',
    style: { 'line-color': '#0284c7', 'target-arrow-color': '#0284c7', width: 2.5 },
  },
  {
    selector: 'edge.path-new-edge',
    style: { 'line-color': '#7c3aed', 'target-arrow-color': '#7c3aed', 'line-style': 'dashed', width: 3 },
  },
  {
    selector: 'node.branch-point, node.rejoin-point',
    style: { 'border-width': 6, 'border-style': 'double', 'border-color': '#d97706' },
  },
];

export interface GraphCanvasProps {
  elements: ElementDefinition[];
  /** Changes when the graph's structure changes (re-run the layout); styling-only changes keep positions. */
  layoutKey: string;
  onSelectNode: (id: string | null) => void;
  /** A node to select and bring into view (e.g. picked with "Find node"); null for none. */
  focusNodeId?: string | null;
  /** Tailwind height class of the canvas (default `h-[520px]`). */
  heightClass?: string;
}

export default function GraphCanvas({
  elements,
  layoutKey,
  onSelectNode,
  focusNodeId = null,
  heightClass = 'h-[520px]',
}: GraphCanvasProps) {
  const container = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const onSelect = useRef(onSelectNode);
  useEffect(() => {
    onSelect.current = onSelectNode;
  }, [onSelectNode]);

  useEffect(() => {
    if (!container.current) return;
    const instance = cytoscape({
      container: container.current,
      style: STYLE,
      minZoom: 0.05,
      maxZoom: 3,
      boxSelectionEnabled: false,
      textureOnViewport: true,
      hideEdgesOnViewport: true,
    });
    instance.on('tap', 'node', (e) => onSelect.current((e.target as cytoscape.NodeSingular).id()));
    instance.on('tap', (e) => {
      if (e.target === instance) onSelect.current(null);
    });
    cy.current = instance;
    return () => {
      instance.destroy();
      cy.current = null;
    };
  }, []);

  // Structure changed: replace the elements and lay out again.
  useEffect(() => {
    const instance = cy.current;
    if (!instance) return;
    instance.batch(() => {
      instance.elements().remove();
      instance.add(elements);
    });
    instance
      .layout({
        name: 'dagre',
        rankDir: 'LR',
        nodeSep: 24,
        rankSep: 70,
        animate: false,
      } as cytoscape.LayoutOptions)
      .run();
    instance.fit(undefined, 24);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- elements are applied below when only their classes change
  }, [layoutKey]);

  // Same structure, new styling (selected trajectory, version highlights): update classes in place.
  useEffect(() => {
    const instance = cy.current;
    if (!instance) return;
    instance.batch(() => {
      for (const el of elements) {
        const id = el.data.id;
        if (!id) continue;
        const existing = instance.getElementById(id);
        if (existing.nonempty()) {
          existing.classes(el.classes ?? '');
          existing.data(el.data);
        }
      }
    });
  }, [elements]);

  // Bring a picked node into view at a readable zoom, and select it.
  useEffect(() => {
    const instance = cy.current;
    if (!instance || !focusNodeId) return;
    const target = instance.getElementById(focusNodeId);
    if (target.empty()) return;
    instance.elements().unselect();
    target.select();
    instance.animate({ center: { eles: target }, zoom: Math.max(instance.zoom(), 1) }, { duration: 250 });
  }, [focusNodeId, layoutKey]);

  // What the canvas shows as matched, as text, for assistive tech and tests (a canvas has no DOM).
  const matched = elements
    .filter((el) => {
      const classes = Array.isArray(el.classes) ? el.classes : (el.classes ?? '').split(' ');
      return el.group === 'nodes' && classes.includes('matched');
    })
    .map((el) => String(el.data.id))
    .filter((id) => id !== '0' && id !== '-1');
  return (
    <div
      ref={container}
      className={`${heightClass} w-full rounded-md bg-white`}
      data-testid="graph-canvas"
      data-node-count={elements.filter((el) => el.group === 'nodes').length}
      data-matched-path={matched.join(',')}
      role="img"
      aria-label={`Strategy graph${matched.length ? `, matched path ${matched.join(' → ')}` : ''}`}
    />
  );
}
