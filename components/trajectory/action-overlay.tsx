/**
 * Draws a step's action on its screenshot: a box around the target element when its box is
 * known, a marker at the pointer position when the harness recorded one, and otherwise a caption
 * naming the set-of-marks label the action targeted (WebVoyager screenshots carry the labels).
 * Coordinates are screenshot pixels, converted to percentages of the natural size.
 */
import { computeActionMarks } from '@/lib/core/action-geometry';
import type { ObservedElement, StepAction } from '@/lib/core/types';

export function ActionOverlay({
  action,
  elements,
  width,
  height,
}: {
  action: StepAction;
  elements: ObservedElement[];
  width: number | null;
  height: number | null;
}) {
  const { target, box, point } = computeActionMarks(action, elements, width, height);
  return (
    <div className="pointer-events-none absolute inset-0" data-testid="action-overlay">
      {box ? (
        <div
          className="absolute rounded-sm border-2 border-rose-500 bg-rose-500/10 shadow-[0_0_0_2px_rgba(255,255,255,0.7)]"
          style={{
            left: `${box.left}%`,
            top: `${box.top}%`,
            width: `${box.width}%`,
            height: `${box.height}%`,
          }}
        />
      ) : null}
      {point ? (
        <div
          className="absolute -ml-3 -mt-3 h-6 w-6 rounded-full border-2 border-rose-500 bg-rose-500/20"
          style={{ left: `${point.left}%`, top: `${point.top}%` }}
        />
      ) : null}
      <div
        className="absolute left-2 top-2 max-w-[70%] rounded bg-slate-900/85 px-2 py-1 font-mono text-xs text-white shadow"
        data-testid="action-caption"
      >
        {action.raw || action.type}
        {target ? (
          <span className="text-slate-300">
            {' '}
            → {target.role ? `<${target.role}> ` : ''}
            {target.name ? `“${target.name}”` : ''}
          </span>
        ) : null}
      </div>
    </div>
  );
}
