'use client';
/**
 * Proposed path review: the task's strategy graph with the proposed path overlaid (nodes the graph
 * already has, pool nodes new to it, brand-new nodes, the edges approving would add, where the
 * path branches off and rejoins), and per path node its label function's code and its result on
 * the rollout. A result's evidence step moves the filmstrip there; clicking a graph node selects
 * its row.
 */
import dynamic from 'next/dynamic';
import { useMemo, useState } from 'react';
import type { ElementDefinition } from 'cytoscape';
import { resultBadge } from '@/components/review/review-display';
import { CodeBlock, ModelCallRef, Section } from '@/components/review/review-parts';
import type { SubjectOf } from '@/components/review/review-types';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import type { Role } from '@/lib/core/roles';
import { buildCytoscapeElements, type NodeStatus } from '@/lib/core/strategy-graph/cytoscape';
import { applyPathOverlay, type PathNodeKind } from '@/lib/core/strategy-graph/path-overlay';

const GraphCanvas = dynamic(() => import('@/components/strategy-graph/graph-canvas'), {
  ssr: false,
  loading: () => <div className="h-[420px] animate-pulse rounded-md bg-slate-100" />,
});

const KIND_BADGE: Record<PathNodeKind, { label: string; tone: BadgeTone; title: string }> = {
  reused: { label: 'in graph', tone: 'slate', title: 'A node this strategy graph already has' },
  pool: {
    label: 'from pool',
    tone: 'indigo',
    title: 'A pool node (another task’s) that is new to this graph',
  },
  new: {
    label: 'new',
    tone: 'amber',
    title: 'A new node: approving adds it to the pool with this label function',
  },
};

type Subject = SubjectOf<'proposed_path'>;

function describeNode(subject: Subject, id: string | null): string {
  if (id === null) return '—';
  if (id === '0') return 'the start';
  if (id === '-1') return 'the end';
  const onPath = subject.pathNodes.find((n) => n.overlayId === id);
  if (onPath) return `“${onPath.description}”`;
  const inGraph = subject.graphNodes.find((n) => n.id === id);
  return inGraph ? `“${inGraph.description}”` : `#${id}`;
}

/** One sentence: where the path leaves the graph and comes back, and what approving adds. */
function OverlaySummary({ subject }: { subject: Subject }) {
  const { overlay } = subject;
  if (subject.mergedInto) {
    return (
      <p className="text-sm text-slate-700" data-testid="overlay-summary">
        Approved and merged as graph v{subject.mergedInto.version}
        {subject.graph
          ? `; shown on v${subject.graph.version}, the version it was merged into.`
          : ' (the first version).'}
      </p>
    );
  }
  if (overlay.alreadyInGraph) {
    return (
      <p className="text-sm text-slate-700" data-testid="overlay-summary">
        Every node and edge of this path is already in the graph: approving changes nothing.
      </p>
    );
  }
  const newNodes = subject.pathNodes.filter((n) => n.kind === 'new').length;
  const poolNodes = subject.pathNodes.filter((n) => n.kind === 'pool').length;
  return (
    <p className="text-sm text-slate-700" data-testid="overlay-summary">
      {subject.graph ? (
        <>
          Branches off after {describeNode(subject, overlay.branchPoint)} and rejoins at{' '}
          {describeNode(subject, overlay.rejoinPoint)}
          {overlay.detours.length > 1 ? ` (${overlay.detours.length} detours)` : ''}.{' '}
        </>
      ) : (
        <>This task has no strategy graph yet: approving makes this path version 1. </>
      )}
      Approving adds {newNodes} new node{newNodes === 1 ? '' : 's'}, {poolNodes} pool node
      {poolNodes === 1 ? '' : 's'} and {overlay.newEdges.length} edge
      {overlay.newEdges.length === 1 ? '' : 's'}.
    </p>
  );
}

export function ProposedPathView({
  subject,
  role,
  onStep,
}: {
  subject: Subject;
  role: Role;
  onStep: (index: number) => void;
}) {
  const [selected, setSelected] = useState<string | null>(null);
  const elements = useMemo<ElementDefinition[]>(() => {
    const status: Record<string, NodeStatus> = {};
    for (const node of subject.pathNodes) {
      if (!node.result || !node.nodeId) continue;
      status[node.overlayId] =
        node.result.outcome !== 'ok' ? 'error' : node.result.result ? 'passed' : 'failed';
    }
    const base = buildCytoscapeElements({
      graph: subject.graph?.graph ?? {},
      pool: subject.graphNodes.map((n) => ({ id: n.id, description: n.description, label_function: '' })),
      status,
    });
    return applyPathOverlay(base, subject.overlay);
  }, [subject]);

  return (
    <div className="space-y-3">
      <Section
        title={`Strategy graph${subject.graph ? ` v${subject.graph.version}` : ''} with the proposed path`}
        actions={
          <ul className="flex flex-wrap gap-3 text-xs text-slate-600" aria-label="Legend">
            <li className="flex items-center gap-1">
              <span className="inline-block h-3 w-5 rounded-sm border-[3px] border-sky-600 bg-slate-100" /> in
              graph
            </li>
            <li className="flex items-center gap-1">
              <span className="inline-block h-3 w-5 rounded-sm border-[3px] border-violet-600 bg-sky-100" />{' '}
              from pool
            </li>
            <li className="flex items-center gap-1">
              <span className="inline-block h-3 w-5 rounded-sm border-[3px] border-dashed border-violet-600 bg-violet-100" />{' '}
              new
            </li>
            <li className="flex items-center gap-1">
              <span className="inline-block h-3 w-5 rounded-sm border-4 border-double border-amber-600" />{' '}
              branch / rejoin
            </li>
          </ul>
        }
      >
        <OverlaySummary subject={subject} />
        <div className="mt-2">
          <GraphCanvas
            elements={elements}
            layoutKey={`${subject.item.id}:${subject.graph?.versionId ?? 'none'}`}
            heightClass="h-[420px]"
            focusNodeId={selected}
            onSelectNode={(id) => {
              setSelected(id);
              const node = subject.pathNodes.find((n) => n.overlayId === id);
              if (node?.result?.evidenceStep != null) onStep(node.result.evidenceStep);
            }}
          />
        </div>
      </Section>

      <Section
        title={`Path · ${subject.pathNodes.length} node${subject.pathNodes.length === 1 ? '' : 's'}`}
        actions={
          <span className="text-xs text-slate-600">
            by {subject.producedBy}
            {subject.keyStepsCallId ? (
              <>
                {' · '}
                <ModelCallRef id={subject.keyStepsCallId} role={role} label="key-steps call" />
              </>
            ) : null}
          </span>
        }
      >
        <ol className="space-y-2" data-testid="path-nodes">
          {subject.pathNodes.map((node) => {
            const kind = KIND_BADGE[node.kind];
            const badge = resultBadge(node.result);
            const isSelected = selected === node.overlayId;
            return (
              <li
                key={node.position}
                className={`rounded-md p-2 ring-1 ${isSelected ? 'bg-indigo-50 ring-indigo-300' : 'ring-slate-200'}`}
                data-kind={node.kind}
              >
                <div className="flex flex-wrap items-center gap-2 text-sm">
                  <span className="w-5 text-right font-mono text-xs text-slate-500">{node.position + 1}</span>
                  <Badge tone={kind.tone} title={kind.title}>
                    {kind.label}
                  </Badge>
                  {node.overlayId === subject.overlay.branchPoint ? (
                    <Badge tone="amber">branches here</Badge>
                  ) : null}
                  {node.overlayId === subject.overlay.rejoinPoint ? (
                    <Badge tone="amber">rejoins here</Badge>
                  ) : null}
                  <button
                    type="button"
                    className="min-w-0 flex-1 text-left font-medium text-slate-900 hover:underline"
                    onClick={() => setSelected(node.overlayId)}
                  >
                    {node.description}
                  </button>
                  <Badge tone={badge.tone} title={node.result?.error ?? undefined}>
                    {badge.label}
                  </Badge>
                  {node.result?.evidenceStep != null ? (
                    <button
                      type="button"
                      className={`text-xs ${'text-indigo-700 hover:underline'}`}
                      onClick={() => onStep(node.result!.evidenceStep!)}
                      title="Show the evidence step in the filmstrip"
                    >
                      step {node.result.evidenceStep + 1}
                    </button>
                  ) : null}
                </div>
                <p className="ml-7 mt-0.5 text-xs text-slate-500">
                  {node.nodeId ? `node ${node.nodeId}` : 'new node'}
                  {node.lfVersion ? ` · LF v${node.lfVersion}` : ''}
                  {node.resolvedByDescription ? ' · matched to the pool by its description' : ''}
                  {node.result
                    ? node.result.source === 'lf_result'
                      ? ' · result from scoring'
                      : ` · result of synthesis attempt ${node.result.attempt ?? '?'}`
                    : ' · no result on this rollout'}
                  {node.result?.modelCallId ? (
                    <>
                      {' · '}
                      <ModelCallRef id={node.result.modelCallId} role={role} label="coder call" />
                    </>
                  ) : null}
                </p>
                {node.result?.error ? (
                  <pre className="ml-7 mt-1 max-h-24 overflow-auto whitespace-pre-wrap rounded bg-amber-50 p-1.5 font-mono text-xs text-amber-900">
                    {node.result.error}
                  </pre>
                ) : null}
                {node.kind === 'reused' ? (
                  <details className="ml-7 mt-1">
                    <summary className="cursor-pointer text-xs text-slate-600">Label function</summary>
                    <CodeBlock code={node.code} label={`Label function of node ${node.position + 1}`} />
                  </details>
                ) : (
                  <div className="ml-7 mt-1">
                    <CodeBlock code={node.code} label={`Label function of node ${node.position + 1}`} />
                  </div>
                )}
                {node.proposedCode ? (
                  <details className="ml-7 mt-1">
                    <summary className="cursor-pointer text-xs text-slate-600">
                      Code the model wrote (dropped: the pool node keeps its own)
                    </summary>
                    <CodeBlock code={node.proposedCode} />
                  </details>
                ) : null}
              </li>
            );
          })}
        </ol>
      </Section>
    </div>
  );
}
