/**
 * The sample shape of a fine-tuning export: one example per step, the next action given the task,
 * the history and the current screenshot (DESIGN.md › Formats › Fine-tuning exports, "next-action
 * prediction").
 *
 * The prompt is the one the `openai` rollout policy sends (`prompts/next_action.md`, rendered by
 * `renderMessages`), so a model fine-tuned on an export sees at training time exactly the
 * observation layout it is asked with during the next iteration's rollouts. The target is the
 * WebVoyager reply `Thought: … Action: …` that `parseWebVoyagerAction` reads back.
 */
import type {
  ExampleContentPart,
  ExampleMessage,
  ExportSource,
  NeutralExample,
} from '@/lib/core/export/types';
import { renderMessages } from '@/lib/core/llm/messages';
import type { PromptTemplate } from '@/lib/core/llm/types';
import { formatElementList } from '@/lib/core/rollouts/elements';
import type { Category, Environment, ObservedElement, StepAction } from '@/lib/core/types';

/** URL shown in the prompt for steps whose harness did not record one (WebVoyager runs). */
export const UNRECORDED_URL = 'unknown';

/** One step as the export reads it from the database. */
export interface ExportStep {
  index: number;
  url: string | null;
  title: string | null;
  elementsText: string | null;
  elements: readonly ObservedElement[];
  /**
   * The image the example shows: the one a model acting on the step is sent (the screenshot with
   * the set-of-marks drawn, when the runner stored one), else the recorded screenshot.
   */
  screenshotHash: string | null;
  screenshotMime: string | null;
  action: StepAction;
  actionDescription: string;
  thought: string | null;
}

/** One trajectory to export, under the intent it is exported with (relabelled for some sources). */
export interface ExportTrajectory {
  trajectoryId: string;
  taskId: string;
  intent: string;
  environment: Environment;
  source: ExportSource;
  category: Category | null;
  steps: readonly ExportStep[];
  /**
   * Steps with a lower index are history only, never targets: a correction's replayed steps (its
   * `takeoverStep`). Absent or 0: every step is a target.
   */
  firstTargetStep?: number;
}

/** Why a step produced no example. */
export type SkippedStepReason = 'unparsed_action' | 'unformattable_action';

function formatScroll(action: StepAction): string | null {
  if (action.direction !== 'up' && action.direction !== 'down') return null;
  return `Scroll [${action.elementId ?? 'WINDOW'}]; ${action.direction}`;
}

/**
 * The WebVoyager action text of a structured action (`Click [5]`, `Type [3]; red mug`,
 * `Scroll [WINDOW]; down`, `Wait`, `GoBack`, `Google`, `ANSWER; 42`), the inverse of
 * `parseWebVoyagerAction`. Actions outside WebVoyager's space (WebArena `goto`, Android
 * `open_app`, …) keep the harness's own action text (`raw`); null when there is none, or for
 * `unknown` actions (the model's reply could not be read, so there is nothing to learn from).
 */
export function formatWebVoyagerAction(action: StepAction): string | null {
  const raw = action.raw.trim() === '' ? null : action.raw.trim();
  switch (action.type) {
    case 'click':
      return action.elementId === undefined ? raw : `Click [${action.elementId}]`;
    case 'type':
      return action.elementId === undefined || action.text === undefined
        ? raw
        : `Type [${action.elementId}]; ${action.text}`;
    case 'scroll':
      return formatScroll(action) ?? raw;
    case 'wait':
      return 'Wait';
    case 'go_back':
      return 'GoBack';
    case 'google':
      return 'Google';
    case 'answer':
      return `ANSWER; ${action.answer ?? ''}`.trimEnd();
    case 'unknown':
      return null;
    default:
      return raw;
  }
}

/** The assistant target of a step: `Thought: …\nAction: …`, or `Action: …` without a thought. */
export function formatTarget(thought: string | null, actionText: string): string {
  const trimmed = thought?.trim() ?? '';
  return trimmed === '' ? `Action: ${actionText}` : `Thought: ${trimmed}\nAction: ${actionText}`;
}

/**
 * The examples of one trajectory, one per step in step order, each with the steps before it as
 * history. A step without a screenshot gets a text-only user turn. Steps whose action cannot be
 * written as a reply are skipped and reported. Steps before `firstTargetStep` (a correction's
 * replayed steps) make no example and are not reported: they appear only in the later examples'
 * history.
 *
 * @param template the `next_action` prompt (the service loads `prompts/next_action.md`).
 * @returns examples and the skipped steps with their reason.
 */
export function buildStepExamples(
  template: PromptTemplate,
  trajectory: ExportTrajectory,
): { examples: NeutralExample[]; skipped: { stepIndex: number; reason: SkippedStepReason }[] } {
  const examples: NeutralExample[] = [];
  const skipped: { stepIndex: number; reason: SkippedStepReason }[] = [];
  const history: { index: number; actionDescription: string; url: string }[] = [];
  const firstTarget = trajectory.firstTargetStep ?? 0;
  for (const step of trajectory.steps) {
    const url = step.url ?? UNRECORDED_URL;
    const actionText = formatWebVoyagerAction(step.action);
    if (step.index < firstTarget) {
      // History only (a correction's replayed step).
    } else if (actionText === null) {
      skipped.push({
        stepIndex: step.index,
        reason: step.action.type === 'unknown' ? 'unparsed_action' : 'unformattable_action',
      });
    } else {
      const rendered = renderMessages(template, {
        purpose: 'next_action',
        intent: trajectory.intent,
        environment: trajectory.environment,
        url,
        title: step.title ?? '',
        elementsText: step.elementsText ?? formatElementList(step.elements),
        history: [...history],
        screenshot: { mediaHash: step.screenshotHash ?? '', mime: step.screenshotMime ?? 'image/png' },
        previousError: null,
      });
      const messages: ExampleMessage[] = rendered.map((message): ExampleMessage => {
        if (message.role === 'user') {
          const parts =
            typeof message.content === 'string'
              ? [{ type: 'text' as const, text: message.content }]
              : message.content;
          return {
            role: 'user',
            content: parts.flatMap((part): ExampleContentPart[] => {
              if (part.type === 'text') return [part];
              if (!step.screenshotHash) return [];
              return [{ type: 'image', image: { mediaHash: part.mediaHash, mime: part.mime } }];
            }),
          };
        }
        const text =
          typeof message.content === 'string'
            ? message.content
            : message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
        return message.role === 'system'
          ? { role: 'system', content: text }
          : { role: 'assistant', content: text };
      });
      messages.push({ role: 'assistant', content: formatTarget(step.thought, actionText) });
      examples.push({
        messages,
        meta: {
          trajectoryId: trajectory.trajectoryId,
          taskId: trajectory.taskId,
          stepIndex: step.index,
          source: trajectory.source,
          category: trajectory.category,
        },
      });
    }
    history.push({ index: step.index, actionDescription: step.actionDescription, url });
  }
  return { examples, skipped };
}
