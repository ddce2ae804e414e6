'use client';
/**
 * A fine-tuning run's log, streamed: `fineTune.log` is asked for the bytes after the last offset
 * every second while the run is queued or running (at once again while a read comes back full, and
 * once more after the run ends, for the footer), and the text is appended to a `<pre>` (rendered
 * as text: logs carry whatever the command printed). Joining late starts at the last 64 KiB.
 * Scrolls to the end unless the reader scrolled up.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { errorText } from '@/components/admin/shared';
import { EXPORT_POLL_INTERVAL_MS } from '@/components/exports/export-display';
import { ErrorMessage } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

/** Characters kept on screen; older text is dropped (the file keeps everything). */
const MAX_SHOWN_CHARS = 400_000;

interface LogState {
  text: string;
  /** The view started after the beginning of the file. */
  truncated: boolean;
  error: string | null;
}

export function RunLog({ runId, active }: { runId: string; active: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [log, setLog] = useState<LogState>({ text: '', truncated: false, error: null });
  const pre = useRef<HTMLPreElement>(null);
  const stickToEnd = useRef(true);
  const activeRef = useRef(active);
  useEffect(() => {
    activeRef.current = active;
  }, [active]);

  useEffect(() => {
    let offset: number | null = null;
    let stopped = false;
    let finalRead = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function tick() {
      let more = false;
      try {
        const data = await queryClient.fetchQuery({
          ...trpc.fineTune.log.queryOptions({ runId, offset }),
          staleTime: 0,
        });
        if (stopped) return;
        const startedLate = offset === null && data.start > 0;
        more = data.nextOffset !== offset && data.text !== '';
        offset = data.nextOffset;
        setLog((previous) => ({
          text: (previous.text + data.text).slice(-MAX_SHOWN_CHARS),
          truncated: previous.truncated || startedLate,
          error: null,
        }));
      } catch (error) {
        if (stopped) return;
        setLog((previous) => ({ ...previous, error: errorText(error as Error) }));
      }
      if (stopped) return;
      if (!activeRef.current && !more) {
        if (finalRead) return;
        finalRead = true;
      }
      timer = setTimeout(() => void tick(), more ? 0 : EXPORT_POLL_INTERVAL_MS);
    }
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId, queryClient, trpc]);

  useEffect(() => {
    const el = pre.current;
    if (el && stickToEnd.current) el.scrollTop = el.scrollHeight;
  }, [log.text]);

  return (
    <div className="space-y-1">
      {log.truncated ? <p className="text-xs text-slate-500">Showing the end of the log.</p> : null}
      <pre
        ref={pre}
        aria-label="Run log"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
        className="max-h-96 min-h-24 overflow-auto rounded-md bg-slate-950 p-3 font-mono text-xs leading-relaxed text-slate-100"
      >
        {log.text === '' ? (active ? 'Waiting for output…' : '(no output)') : log.text}
      </pre>
      {log.error ? <ErrorMessage>{log.error}</ErrorMessage> : null}
    </div>
  );
}
