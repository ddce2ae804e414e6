'use client';
/**
 * The strategy graph of a task: a version selector (what each merge added is outlined), a
 * trajectory selector that colours nodes by their label function's result on it and highlights
 * the matched path, graph stats and validation warnings, a "Score now" button for researchers,
 * and a node panel (description, read-only code, pass rate, the trajectories it passed and failed).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import type { ElementDefinition } from 'cytoscape';
import { Badge, type BadgeTone } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Input, Select } from '@/components/ui/field';
import { EmptyState, ErrorMessage, ProgressBar } from '@/components/ui/states';
import { hasScope, type Role } from '@/lib/core/roles';
import { buildCytoscapeElements } from '@/lib/core/strategy-graph/cytoscape';
import { useTRPC } from '@/lib/trpc/client';

const GraphCanvas = dynamic(() => import('@/components/strategy-graph/graph-canvas'), {
  ssr: false,
  loading: () => <div className="h-[520px] animate-pulse rounded-md bg-slate-100" />,
});

const CATEGORY_TONE: Record<string, BadgeTone> = {
  fully_passed: 'green',
  partially_passed: 'amber',
  failed: 'red',
};

/**
 * The node a "Find node" entry names: an exact id, the `id · description` the datalist offers, the
 * node whose description equals the text, or the only one containing it (case-insensitive).
 * Null when nothing or several match.
 */
function findNode(nodes: readonly { id: string; description: string }[], text: string): string | null {
  const query = text.trim();
  if (!query) return null;
  const byId = nodes.find((n) => n.id === query || `${n.id} · ${n.description}` === query);
  if (byId) return byId.id;
  const lower = query.toLowerCase();
  const exact = nodes.find((n) => n.description.toLowerCase() === lower);
  if (exact) return exact.id;
  const matches = nodes.filter((n) => n.description.toLowerCase().includes(lower));
  return matches.length === 1 ? matches[0]!.id : null;
}

export interface GraphTrajectoryOption {
  id: string;
  label: string;
}

export function StrategyGraphPanel({
  taskId,
  role,
  trajectories,
}: {
  taskId: string;
  role: Role;
  trajectories: GraphTrajectoryOption[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [version, setVersion] = useState<number | undefined>(undefined);
  const [trajectoryId, setTrajectoryId] = useState<string>('');
  const [selectedNode, setSelectedNode] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [findText, setFindText] = useState('');
  /** The node "Find node" last picked: the canvas centres on it (clicks select without moving). */
  const [focusNode, setFocusNode] = useState<string | null>(null);

  const view = useQuery(
    trpc.graphs.view.queryOptions({ taskId, version, trajectoryId: trajectoryId || null }),
  );
  const node = useQuery({
    ...trpc.graphs.node.queryOptions({ taskId, nodeId: selectedNode ?? '' }),
    enabled: selectedNode !== null,
  });
  const score = useMutation(trpc.graphs.score.mutationOptions({ onSuccess: (r) => setJobId(r.jobId) }));
  const job = useQuery({
    ...trpc.jobs.get.queryOptions({ id: jobId ?? '' }),
    enabled: jobId !== null,
    refetchInterval: (q) => {
      const status = q.state.data?.status;
      if (status === 'succeeded' || status === 'failed' || status === 'cancelled') {
        void queryClient.invalidateQueries({ queryKey: trpc.graphs.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.tasks.get.queryKey({ id: taskId }) });
        return false;
      }
      return 500;
    },
  });

  const data = view.data;
  const current = data?.current ?? null;
  const elements = useMemo<ElementDefinition[]>(() => {
    if (!current || !data) return [];
    return buildCytoscapeElements({
      graph: current.graph,
      pool: data.nodes.map((n) => ({ id: n.id, description: n.description, label_function: n.code ?? '' })),
      status: data.trajectory?.status,
      matchedPath: data.trajectory?.matchedPath ?? null,
      added: current.version > 1 ? current.diff : null,
    });
  }, [current, data]);
  const layoutKey = current ? `${current.id}` : 'none';

  if (view.isPending)
    return (
      <Card title="Strategy graph">
        <p className="text-sm text-slate-600">Loading…</p>
      </Card>
    );
  if (view.isError)
    return (
      <Card title="Strategy graph">
        <ErrorMessage>{view.error.message}</ErrorMessage>
      </Card>
    );
  if (!current || !data) {
    return (
      <Card title="Strategy graph">
        <EmptyState title="No strategy graph yet">
          Import one with{' '}
          <code className="rounded bg-slate-100 px-1">npx core-curator import core &lt;dir&gt;</code> (a CORE
          export whose tasks.json names this task), or build it from expert demos once abstraction is
          available.
        </EmptyState>
      </Card>
    );
  }
  const t = data.trajectory;
  const validation = data.validation;
  const problems = validation
    ? [
        validation.cycles.length ? `${validation.cycles.length} cycle(s) (legal after merges)` : null,
        validation.danglingIds.length ? `${validation.danglingIds.length} dangling id(s)` : null,
        validation.asymmetricEdges.length ? `${validation.asymmetricEdges.length} one-sided edge(s)` : null,
        validation.unreachableFromSource.length
          ? `unreachable: ${validation.unreachableFromSource.join(', ')}`
          : null,
        validation.cannotReachSink.length
          ? `cannot reach the end: ${validation.cannotReachSink.join(', ')}`
          : null,
        validation.missingStartNode ? 'no start node' : null,
        validation.missingEndNode ? 'no end node' : null,
      ].filter((p): p is string => p !== null)
    : [];

  return (
    <Card
      title="Strategy graph"
      actions={
        hasScope(role, 'graphs:score') ? (
          <Button
            variant="secondary"
            disabled={score.isPending || job.data?.status === 'running' || job.data?.status === 'queued'}
            onClick={() => score.mutate({ taskIds: [taskId] })}
          >
            Score now
          </Button>
        ) : null
      }
    >
      <div className="mb-3 flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col">
          <span className="text-xs font-medium text-slate-500">Version</span>
          <Select
            aria-label="Graph version"
            className="w-64"
            value={current.version}
            onChange={(e) => setVersion(Number(e.target.value))}
          >
            {data.versions.map((v) => (
              <option key={v.id} value={v.version}>
                v{v.version} · {v.reason}
                {v.diff.addedNodes.length ? ` · +${v.diff.addedNodes.length} nodes` : ''}
              </option>
            ))}
          </Select>
        </label>
        <label className="flex flex-col">
          <span className="text-xs font-medium text-slate-500">Colour by trajectory</span>
          <Select
            aria-label="Trajectory to colour by"
            className="w-72"
            value={trajectoryId}
            onChange={(e) => setTrajectoryId(e.target.value)}
          >
            <option value="">none</option>
            {trajectories.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </Select>
        </label>
        <label className="flex flex-col">
          <span className="text-xs font-medium text-slate-500">Find node</span>
          <Input
            aria-label="Find node"
            className="w-64"
            list={`graph-nodes-${taskId}`}
            placeholder="id or description…"
            value={findText}
            onChange={(e) => {
              setFindText(e.target.value);
              const hit = findNode(data.nodes, e.target.value);
              if (hit) {
                setSelectedNode(hit);
                setFocusNode(hit);
              }
            }}
          />
          <datalist id={`graph-nodes-${taskId}`}>
            {data.nodes.map((n) => (
              <option key={n.id} value={`${n.id} · ${n.description}`} />
            ))}
          </datalist>
        </label>
        {data.stats ? (
          <p className="text-slate-600" data-testid="graph-stats">
            {data.stats.nodes} nodes · {data.stats.edges} edges · {data.stats.pathCount.toLocaleString()} path
            {data.stats.pathCount === 1 ? '' : 's'}
          </p>
        ) : null}
      </div>
      {t ? (
        <div className="mb-3 flex flex-wrap items-center gap-2 text-sm" data-testid="graph-verdict">
          {t.scored ? (
            <>
              <Badge tone={t.verdict ? 'green' : 'red'}>verdict {t.verdict ? 'true' : 'false'}</Badge>
              <Badge tone={CATEGORY_TONE[t.category]}>{t.category.replace('_', ' ')}</Badge>
              <span className="text-slate-600">progress {Math.round(t.progress.score * 100)}%</span>
              {t.matchedPath ? (
                <span className="text-slate-600">matched path {t.matchedPath.join(' → ')}</span>
              ) : null}
            </>
          ) : (
            <span className="text-slate-600">
              This trajectory has not been scored with these label functions yet.
            </span>
          )}
        </div>
      ) : null}
      {problems.length ? (
        <p className="mb-2 text-xs text-amber-800">Graph check: {problems.join(' · ')}</p>
      ) : null}
      {job.data && (job.data.status === 'queued' || job.data.status === 'running') ? (
        <div className="mb-3">
          <ProgressBar value={job.data.progress} label={job.data.progressMessage ?? 'Scoring'} />
        </div>
      ) : null}
      {job.data?.status === 'failed' ? (
        <div className="mb-3">
          <ErrorMessage>Scoring failed: {job.data.error}</ErrorMessage>
        </div>
      ) : null}
      {score.isError ? (
        <div className="mb-3">
          <ErrorMessage>{score.error.message}</ErrorMessage>
        </div>
      ) : null}
      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_360px]">
        <GraphCanvas
          elements={elements}
          layoutKey={layoutKey}
          focusNodeId={focusNode}
          onSelectNode={(id) => setSelectedNode(id === '0' || id === '-1' ? null : id)}
        />
        <aside className="min-w-0 text-sm" aria-label="Node details">
          {!selectedNode ? (
            <p className="text-slate-500">Click a node to see its label function and where it passed.</p>
          ) : node.isPending ? (
            <p className="text-slate-500">Loading…</p>
          ) : node.isError ? (
            <ErrorMessage>{node.error.message}</ErrorMessage>
          ) : (
            <div className="space-y-2" data-testid="node-panel">
              <p className="font-mono text-xs text-slate-500">
                node {node.data.id} · LF v{node.data.lfVersion ?? '—'}
              </p>
              <Link
                className="text-xs text-indigo-700 hover:underline"
                href={`/label-functions/${encodeURIComponent(node.data.id)}`}
              >
                {hasScope(role, 'label-functions:edit') ? 'Edit label function' : 'View label function'}
              </Link>
              <p className="font-medium text-slate-900">{node.data.description}</p>
              <pre className="max-h-56 overflow-auto rounded bg-slate-900 p-2 font-mono text-xs text-slate-100">
                {node.data.code ?? '(no label function)'}
              </pre>
              {node.data.results ? (
                <>
                  <p className="text-slate-700">
                    Pass rate:{' '}
                    {node.data.results.passRate === null
                      ? 'not run yet'
                      : `${Math.round(node.data.results.passRate * 100)}% (${node.data.results.passed} of ${node.data.results.total})`}
                  </p>
                  <ul className="max-h-56 space-y-1 overflow-auto">
                    {node.data.results.rows.map((r) => (
                      <li key={r.trajectoryId} className="flex items-center gap-2">
                        <Badge tone={r.outcome !== 'ok' ? 'amber' : r.result ? 'green' : 'red'}>
                          {r.outcome !== 'ok' ? r.outcome : r.result ? 'pass' : 'fail'}
                        </Badge>
                        <Link
                          className="truncate text-indigo-700 hover:underline"
                          href={`/trajectories/${r.trajectoryId}${r.evidenceStep !== null ? `?step=${r.evidenceStep + 1}` : ''}`}
                        >
                          {r.externalId ?? r.trajectoryId.slice(0, 8)}
                        </Link>
                        {r.evidenceStep !== null ? (
                          <span className="text-xs text-slate-500">step {r.evidenceStep + 1}</span>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </div>
          )}
        </aside>
      </div>
    </Card>
  );
}
