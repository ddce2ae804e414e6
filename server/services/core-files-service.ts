/**
 * CORE pipeline files in and out (DESIGN.md › Formats): `key_nodes.json` (the node pool),
 * `tasks.json` (each task's strategy graph) and `label_function_results.json` (graph-verdict
 * metrics before/after merges). A task named like an existing task's id (`webvoyager:GitHub--0`)
 * gets the graph attached; other names become `core:<name>` tasks. Import is one transaction;
 * export writes each file to a temporary
 * name and renames it. Importing a CORE export and exporting it again gives equal JSON: tasks keep
 * their CORE name and any extra fields (in `task.meta.coreEntry`), nodes and tasks keep file order.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { asc, eq, isNull, sql } from 'drizzle-orm';
import { parseKeyNodesText, serializeKeyNodes } from '@/lib/core/core-format/key-nodes';
import {
  parseLabelFunctionResultsText,
  serializeLabelFunctionResults,
  type LabelFunctionResult,
} from '@/lib/core/core-format/label-function-results';
import { KEY_NODES_FILE, LABEL_FUNCTION_RESULTS_FILE, TASKS_FILE } from '@/lib/core/core-format/schemas';
import { parseCoreTasksText, serializeCoreTasks, type CoreTasks } from '@/lib/core/core-format/tasks';
import { DomainError, ImportFormatError } from '@/lib/core/errors';
import { listGraphEdges, edgeKey } from '@/lib/core/strategy-graph/graph-index';
import type { PoolNode, StrategyGraph } from '@/lib/core/strategy-graph/types';
import type { Db } from '@/server/db/client';
import { auditLog, labelFunctionVersion, metricsSnapshot, poolNode, task } from '@/server/db/schema';
import { addGraphVersion, getLatestGraphVersion, graphNodeIds } from '@/server/services/graph-service';
import { getOrCreateOpenIteration } from '@/server/services/iteration-service';
import { upsertPoolNode } from '@/server/services/label-function-service';
import { writeFileAtomic } from '@/server/services/write-atomic';

export interface CoreImportSummary {
  nodes: { created: number; updated: number; unchanged: number };
  tasks: { created: number; updated: number; unchanged: number };
  graphVersions: number;
  metricsSnapshots: number;
}

const CORE_SOURCE = 'core';
const coreExternalId = (name: string) => `${CORE_SOURCE}:${name}`;

function readOptional(file: string): string | null {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

/**
 * Equal as JSON, key order included: a graph re-imported with its keys in another order is a new
 * version, so that an export writes the order the latest file had (the round trip is exact).
 */
function stableEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What `next` adds to `previous` (nodes and edges), for a graph version's diff. */
function diffGraphs(previous: StrategyGraph | null, next: StrategyGraph) {
  const before = new Set(previous ? graphNodeIds(previous) : []);
  const beforeEdges = new Set(previous ? listGraphEdges(previous).map((e) => edgeKey(e.from, e.to)) : []);
  return {
    addedNodes: graphNodeIds(next).filter((id) => !before.has(id)),
    addedEdges: listGraphEdges(next)
      .filter((e) => !beforeEdges.has(edgeKey(e.from, e.to)))
      .map((e) => ({ from: e.from, to: e.to })),
  };
}

/**
 * Imports a folder holding `key_nodes.json` and `tasks.json` (required) and
 * `label_function_results.json` (optional). Tasks become `core:<name>` tasks; a graph that
 * differs from the task's newest version becomes a new version (reason `import`).
 * @throws ImportFormatError naming the file and field; DomainError CONFLICT for pool clashes.
 */
export function importCoreDir(
  db: Db,
  dir: string,
  actor: { userId: string | null; label: string },
): CoreImportSummary {
  const keyNodesFile = path.join(dir, KEY_NODES_FILE);
  const tasksFile = path.join(dir, TASKS_FILE);
  for (const f of [keyNodesFile, tasksFile]) {
    if (!fs.existsSync(f))
      throw new DomainError(
        'BAD_INPUT',
        `${f}: missing (a CORE export has ${KEY_NODES_FILE} and ${TASKS_FILE})`,
      );
  }
  const pool = parseKeyNodesText(fs.readFileSync(keyNodesFile, 'utf8'), keyNodesFile);
  const tasks = parseCoreTasksText(fs.readFileSync(tasksFile, 'utf8'), tasksFile);
  const resultsText = readOptional(path.join(dir, LABEL_FUNCTION_RESULTS_FILE));
  const results = resultsText
    ? parseLabelFunctionResultsText(resultsText, path.join(dir, LABEL_FUNCTION_RESULTS_FILE))
    : [];

  const poolIds = new Set(pool.map((n) => n.id));
  for (const [name, entry] of Object.entries(tasks)) {
    for (const id of graphNodeIds(entry.key_nodes)) {
      if (!poolIds.has(id)) {
        throw new ImportFormatError({
          file: tasksFile,
          field: `${JSON.stringify(name)}.key_nodes`,
          reason: `node ${id} is not in ${KEY_NODES_FILE}`,
        });
      }
    }
  }

  const author = actor.userId ?? 'import:core';
  return db.transaction((tx) => {
    const t = tx as unknown as Db;
    const iterationId = getOrCreateOpenIteration(t);
    const summary: CoreImportSummary = {
      nodes: { created: 0, updated: 0, unchanged: 0 },
      tasks: { created: 0, updated: 0, unchanged: 0 },
      graphVersions: 0,
      metricsSnapshots: 0,
    };
    for (const node of pool) {
      const outcome = upsertPoolNode(t, {
        id: node.id,
        description: node.description,
        code: node.label_function,
        author,
        iterationId,
      });
      summary.nodes[outcome]++;
    }
    for (const [name, entry] of Object.entries(tasks)) {
      const { key_nodes: graph, ...coreEntry } = entry;
      // A task name that is an existing task's id (e.g. `webvoyager:GitHub--0`) attaches the graph to
      // that task; any other name is a CORE task of its own (`core:<name>`).
      const attached = t.select().from(task).where(eq(task.externalId, name)).get();
      const existing =
        attached ??
        t
          .select()
          .from(task)
          .where(eq(task.externalId, coreExternalId(name)))
          .get();
      let taskId: string;
      const meta = { coreName: name, coreEntry };
      if (!existing) {
        taskId = randomUUID();
        t.insert(task)
          .values({
            id: taskId,
            externalId: coreExternalId(name),
            source: CORE_SOURCE,
            origin: 'seed',
            iterationId,
            createdBy: author,
            intent: entry.objective,
            template: entry.template ?? null,
            meta,
          })
          .run();
        summary.tasks.created++;
      } else {
        taskId = existing.id;
        // A CORE task follows its file; a task from elsewhere keeps its own intent and template.
        const values =
          existing.source === CORE_SOURCE
            ? { intent: entry.objective, template: entry.template ?? null, meta }
            : { meta: { ...existing.meta, ...meta } };
        const same = Object.entries(values).every(([k, v]) =>
          stableEqual(existing[k as keyof typeof existing], v),
        );
        if (!same) t.update(task).set(values).where(eq(task.id, taskId)).run();
        summary.tasks[same ? 'unchanged' : 'updated']++;
      }
      const latest = getLatestGraphVersion(t, taskId);
      if (!latest || !stableEqual(latest.graph, graph)) {
        addGraphVersion(t, {
          taskId,
          graph,
          diff: diffGraphs(latest?.graph ?? null, graph),
          reason: latest ? 'import' : 'init',
          createdBy: author,
          iterationId,
        });
        summary.graphVersions++;
      }
    }
    const known = t
      .select({ time: metricsSnapshot.time, type: metricsSnapshot.type, metrics: metricsSnapshot.metrics })
      .from(metricsSnapshot)
      .where(isNull(metricsSnapshot.taskId))
      .all();
    for (const r of results) {
      const time = String(r.time);
      if (known.some((k) => k.time === time && k.type === r.type && stableEqual(k.metrics, r.metrics)))
        continue;
      t.insert(metricsSnapshot)
        .values({
          id: randomUUID(),
          taskId: null,
          type: r.type,
          time,
          metrics: r.metrics as unknown as Record<string, number>,
          record: r as Record<string, unknown>,
          iterationId,
        })
        .run();
      summary.metricsSnapshots++;
    }
    t.insert(auditLog)
      .values({
        userId: actor.userId,
        actor: actor.label,
        action: 'import',
        objectType: 'import',
        objectId: 'core',
        after: summary,
      })
      .run();
    return summary;
  });
}

/**
 * Writes the node pool, every task's newest graph and the overall metrics snapshots as CORE files
 * into `dir` (created if needed). @returns the files written.
 */
export function exportCoreDir(db: Db, dir: string): string[] {
  const nodes: PoolNode[] = db
    .select({ id: poolNode.id, description: poolNode.description, label_function: labelFunctionVersion.code })
    .from(poolNode)
    .innerJoin(labelFunctionVersion, eq(labelFunctionVersion.id, poolNode.currentVersionId))
    .orderBy(sql`${poolNode}.rowid`)
    .all();
  const taskRows = db
    .select({
      id: task.id,
      externalId: task.externalId,
      intent: task.intent,
      template: task.template,
      meta: task.meta,
    })
    .from(task)
    .orderBy(sql`${task}.rowid`)
    .all();
  const tasks: CoreTasks = {};
  for (const row of taskRows) {
    const latest = getLatestGraphVersion(db, row.id);
    if (!latest) continue;
    const meta = row.meta as { coreName?: string; coreEntry?: Record<string, unknown> };
    const name = meta.coreName ?? row.externalId;
    const base = meta.coreEntry ?? { objective: row.intent, template: row.template };
    const isCoreTask = row.externalId === coreExternalId(name);
    tasks[name] = {
      ...base,
      // A CORE task's text may have been edited here; an attached task exports what it was given.
      objective: isCoreTask ? row.intent : ((base.objective as string | undefined) ?? row.intent),
      ...('template' in base
        ? { template: isCoreTask ? row.template : (base.template as string | null) }
        : {}),
      key_nodes: latest.graph,
    };
  }
  const results: LabelFunctionResult[] = db
    .select({
      time: metricsSnapshot.time,
      type: metricsSnapshot.type,
      metrics: metricsSnapshot.metrics,
      record: metricsSnapshot.record,
    })
    .from(metricsSnapshot)
    .where(isNull(metricsSnapshot.taskId))
    .orderBy(asc(metricsSnapshot.createdAt), sql`${metricsSnapshot}.rowid`)
    .all()
    // The record as imported when there is one (lossless), else rebuilt from the columns.
    .map(
      (r) =>
        (r.record as LabelFunctionResult | null) ?? {
          time: r.time,
          type: r.type,
          metrics: r.metrics as unknown as LabelFunctionResult['metrics'],
        },
    );

  fs.mkdirSync(dir, { recursive: true });
  const written = [
    [path.join(dir, KEY_NODES_FILE), serializeKeyNodes(nodes)],
    [path.join(dir, TASKS_FILE), serializeCoreTasks(tasks)],
    [path.join(dir, LABEL_FUNCTION_RESULTS_FILE), serializeLabelFunctionResults(results)],
  ] as const;
  for (const [file, text] of written) writeFileAtomic(file, text);
  return written.map(([file]) => file);
}
