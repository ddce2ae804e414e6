'use client';
/**
 * Horizontal filmstrip of step thumbnails, virtualized (@tanstack/react-virtual) so a
 * 300-step trajectory renders only the thumbnails in view. Keeps the current step in view.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { mediaUrl } from '@/lib/format';

export interface FilmstripStep {
  index: number;
  screenshotHash: string | null;
  actionType: string;
}

const ITEM_WIDTH = 132;

export function Filmstrip({
  steps,
  current,
  onSelect,
  commentedSteps,
}: {
  steps: FilmstripStep[];
  current: number;
  onSelect: (i: number) => void;
  /** 0-based indices of steps that have comments; each gets a small badge. */
  commentedSteps?: ReadonlySet<number>;
}) {
  const parentRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual returns functions by design
  const virtualizer = useVirtualizer({
    count: steps.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ITEM_WIDTH,
    horizontal: true,
    overscan: 6,
  });

  useEffect(() => {
    virtualizer.scrollToIndex(current, { align: 'auto' });
  }, [current, virtualizer]);

  return (
    <div
      ref={parentRef}
      className="overflow-x-auto rounded-lg bg-white p-2 shadow-sm ring-1 ring-slate-200"
      aria-label="Filmstrip"
      role="listbox"
      aria-orientation="horizontal"
    >
      <div style={{ width: virtualizer.getTotalSize(), height: 104, position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const s = steps[item.index]!;
          const isCurrent = item.index === current;
          const hasComments = commentedSteps?.has(item.index) ?? false;
          return (
            <button
              key={item.key}
              type="button"
              role="option"
              aria-selected={isCurrent}
              data-step-index={item.index}
              aria-label={`Step ${item.index + 1}: ${s.actionType}${hasComments ? ' (has comments)' : ''}`}
              onClick={() => onSelect(item.index)}
              className={`absolute top-0 flex h-[104px] flex-col items-center gap-1 rounded-md p-1 ${isCurrent ? 'bg-indigo-50 ring-2 ring-indigo-500' : 'hover:bg-slate-50'}`}
              style={{ left: item.start, width: ITEM_WIDTH - 8 }}
            >
              {s.screenshotHash ? (
                // eslint-disable-next-line @next/next/no-img-element -- thumbnails are served by our auth-checked route
                <img
                  src={mediaUrl(s.screenshotHash, true)}
                  alt=""
                  loading="lazy"
                  className="h-[72px] w-full rounded object-cover object-top ring-1 ring-slate-200"
                />
              ) : (
                <div className="grid h-[72px] w-full place-items-center rounded bg-slate-100 text-xs text-slate-400">
                  no screenshot
                </div>
              )}
              <span className="text-xs text-slate-600">
                <span className="font-medium tabular-nums">{item.index + 1}</span> · {s.actionType}
              </span>
              {hasComments ? (
                <span
                  className="absolute right-2 top-2 rounded bg-amber-400 px-1 text-[10px] font-semibold leading-4 text-amber-950 shadow-sm"
                  data-testid="filmstrip-comment-badge"
                  title="This step has comments"
                  aria-hidden
                >
                  comment
                </span>
              ) : null}
            </button>
          );
        })}
      </div>
    </div>
  );
}
