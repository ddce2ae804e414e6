'use client';
/**
 * One step's screenshot with its action drawn on it (ActionOverlay), sized to the screenshot's own
 * aspect ratio and never taller than `maxHeightCss` (a CSS length, e.g. `52vh`), so the filmstrip
 * below stays in view. Shared by the trajectory viewer and the review workspace.
 */
import { ActionOverlay } from '@/components/trajectory/action-overlay';
import type { ObservedElement, StepAction } from '@/lib/core/types';
import { mediaUrl } from '@/lib/format';

export interface ScreenshotStep {
  screenshotHash: string | null;
  screenshotWidth: number | null;
  screenshotHeight: number | null;
  action: StepAction;
  elements: ObservedElement[];
}

/** Width / height of the step's screenshot; 4:3 when unknown. */
export function screenshotAspect(step: Pick<ScreenshotStep, 'screenshotWidth' | 'screenshotHeight'> | null) {
  return step?.screenshotWidth && step.screenshotHeight
    ? step.screenshotWidth / step.screenshotHeight
    : 4 / 3;
}

export function StepScreenshot({
  step,
  stepNumber,
  maxHeightCss,
}: {
  step: ScreenshotStep;
  /** 1-based, for the alt text. */
  stepNumber: number;
  maxHeightCss: string;
}) {
  const aspect = screenshotAspect(step);
  return (
    <figure
      className="relative mx-auto w-full overflow-hidden rounded-lg bg-slate-900 shadow-sm ring-1 ring-slate-200"
      style={{ aspectRatio: `${aspect}`, maxWidth: `calc((${maxHeightCss}) * ${aspect})` }}
    >
      {step.screenshotHash ? (
        // eslint-disable-next-line @next/next/no-img-element -- screenshots are served by our auth-checked route
        <img
          key={step.screenshotHash}
          src={mediaUrl(step.screenshotHash)}
          alt={`Screenshot of step ${stepNumber}`}
          data-testid="step-screenshot"
          data-hash={step.screenshotHash}
          className="absolute inset-0 h-full w-full object-contain"
        />
      ) : (
        <div className="grid h-full place-items-center text-sm text-slate-400">
          No screenshot for this step
        </div>
      )}
      <ActionOverlay
        action={step.action}
        elements={step.elements}
        width={step.screenshotWidth}
        height={step.screenshotHeight}
      />
    </figure>
  );
}
