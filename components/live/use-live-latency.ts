'use client';
/**
 * Capture-to-screen latency probe for the e2e test. When a step arrives through the `live.events`
 * subscription, the component calls `track({trajectoryId, stepIndex, capturedAt})`; after the next
 * commit that puts the step in the DOM (checked in a `useEffect`, then once per animation frame for
 * a virtualized list that renders it a frame later) one record is pushed to `window.__liveLatency`
 * (created if missing):
 *
 *   { trajectoryId, stepIndex, capturedAt, publishedAt, renderedAt }   // ms since the epoch
 *
 * `capturedAt` is the screenshot's capture time, `publishedAt` when the server stored and pushed the
 * step (so `renderedAt - publishedAt` is the push-and-render part), `renderedAt = Date.now()`.
 *
 * "In the DOM" means: `target: 'live-tile'` — the tile `[data-testid="live-tile"][data-trajectory-id]`
 * has `data-step-count > stepIndex`; `target: 'filmstrip'` — a `[data-step-index="<stepIndex>"]`
 * element exists. Steps that never show within `MAX_WAIT_FRAMES` are dropped.
 */
import { useCallback, useEffect, useRef } from 'react';

export interface LiveLatencyRecord {
  trajectoryId: string;
  stepIndex: number;
  /** When the step's screenshot was captured (from the event). */
  capturedAt: number;
  /** When the server stored and published the step (the event's `at`). */
  publishedAt: number;
  /** When the step was found in the DOM, after the React commit. */
  renderedAt: number;
}

declare global {
  interface Window {
    __liveLatency?: LiveLatencyRecord[];
  }
}

export type LatencyTarget = 'live-tile' | 'filmstrip';
type PendingLatency = Omit<LiveLatencyRecord, 'renderedAt'> & { frames: number };

/** About two seconds at 60 fps. */
const MAX_WAIT_FRAMES = 120;

function isRendered(target: LatencyTarget, p: PendingLatency): boolean {
  if (target === 'filmstrip') return document.querySelector(`[data-step-index="${p.stepIndex}"]`) !== null;
  const tile = document.querySelector(
    `[data-testid="live-tile"][data-trajectory-id="${CSS.escape(p.trajectoryId)}"]`,
  );
  return tile !== null && Number(tile.getAttribute('data-step-count')) > p.stepIndex;
}

interface Probe {
  pending: PendingLatency[];
  /** The animation frame a re-check is scheduled in. */
  frame: number | null;
}

/** Records the pending steps now in the DOM; re-checks the others on the next frames. */
function flush(target: LatencyTarget, probe: Probe): void {
  if (probe.frame !== null) cancelAnimationFrame(probe.frame);
  probe.frame = null;
  const waiting: PendingLatency[] = [];
  for (const p of probe.pending) {
    if (isRendered(target, p)) {
      const { frames: _frames, ...record } = p;
      (window.__liveLatency ??= []).push({ ...record, renderedAt: Date.now() });
    } else if (p.frames < MAX_WAIT_FRAMES) {
      waiting.push({ ...p, frames: p.frames + 1 });
    }
  }
  probe.pending = waiting;
  if (waiting.length > 0) probe.frame = requestAnimationFrame(() => flush(target, probe));
}

/** @returns `track`, to call from the subscription's `onData` for each step event. */
export function useLiveLatency(target: LatencyTarget) {
  const probe = useRef<Probe>({ pending: [], frame: null });

  // After every commit of the host component: record the steps that are now on screen.
  useEffect(() => {
    if (probe.current.pending.length > 0) flush(target, probe.current);
  });

  useEffect(() => {
    const current = probe.current;
    return () => {
      if (current.frame !== null) cancelAnimationFrame(current.frame);
    };
  }, []);

  return useCallback((record: Omit<LiveLatencyRecord, 'renderedAt'>) => {
    probe.current.pending.push({ ...record, frames: 0 });
  }, []);
}
