/**
 * Strategy-graph types (DESIGN.md › Domain terms, › Semantics). The canonical form is the CORE
 * reference pipeline's own: the `key_nodes` object of a `tasks.json` entry, mapping each node id
 * to its parent and child id lists, with the virtual source `"0"` and sink `"-1"` appearing only
 * inside those lists (a file may also carry entries for the sentinels; they are kept as given).
 */
export const SOURCE_ID = '0';
export const SINK_ID = '-1';

export type NodeId = string;

export interface GraphAdjacency {
  parent_node_id: NodeId[];
  child_node_id: NodeId[];
}

/** `{ "7": { parent_node_id: ["0"], child_node_id: ["1"] }, "1": { … child_node_id: ["-1"] } }` */
export type StrategyGraph = Record<NodeId, GraphAdjacency>;

/** One node of the shared node pool (`key_nodes.json` entry). Deduplicated by case-insensitive description. */
export interface PoolNode {
  id: NodeId;
  description: string;
  /** Python source defining `label_function(trajectory) -> bool`. */
  label_function: string;
}

/** The outcome of one label function on one trajectory. */
export interface NodeResult {
  passed: boolean;
  /** 0-based step index at which the LF's API checks matched; null when unknown or failed. */
  evidenceStep: number | null;
}
