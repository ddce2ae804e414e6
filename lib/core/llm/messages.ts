/**
 * Prompt files and chat messages (DESIGN.md › Semantics; the file format is documented in
 * `prompts/README.md`). Pure: the server's loader (`server/llm/prompts.ts`) reads the files and
 * their YAML front matter, then calls {@link parsePromptBody}; the pipelines call
 * {@link renderMessages} for every model call.
 */
import type { LlmContentPart, LlmMessage, LlmStepView, LlmTask, PromptTemplate } from '@/lib/core/llm/types';

// ---------------------------------------------------------------------------------------------
// Prompt files
// ---------------------------------------------------------------------------------------------

/** The section headings of a prompt body (a level-2 Markdown heading, case-insensitive). */
export const PROMPT_SECTIONS = ['system', 'user'] as const;
export type PromptSection = (typeof PROMPT_SECTIONS)[number];

const SECTION_HEADING = /^##[ \t]+(system|user)[ \t]*$/i;

/**
 * Splits a prompt file's body (the Markdown after the YAML front matter) into its system and user
 * templates.
 *
 * Format (ours, see `prompts/README.md`): a line `## system` starts the system template and a line
 * `## user` the user template (exactly these words after `## `, any case, nothing else on the line;
 * other headings such as `## Rules` or `### system` are ordinary template text). Each section runs to
 * the next section heading or the end of the body and is trimmed. Text above the first section
 * heading is a note for prompt editors and is not sent to the model.
 *
 * @throws Error naming the prompt id when a section is missing, appears twice, or is empty.
 */
export function parsePromptBody(id: string, version: string, body: string): PromptTemplate {
  const sections: Partial<Record<PromptSection, string[]>> = {};
  let current: string[] | null = null;
  for (const line of body.split(/\r\n|\r|\n/)) {
    const heading = SECTION_HEADING.exec(line);
    if (heading) {
      const name = heading[1]!.toLowerCase() as PromptSection;
      if (sections[name]) throw new Error(`prompt '${id}': section '## ${name}' appears twice`);
      current = [];
      sections[name] = current;
      continue;
    }
    current?.push(line);
  }
  const read = (name: PromptSection): string => {
    const lines = sections[name];
    if (!lines) throw new Error(`prompt '${id}': missing section '## ${name}'`);
    const text = lines.join('\n').trim();
    if (text === '') throw new Error(`prompt '${id}': section '## ${name}' is empty`);
    return text;
  };
  return { id, version, system: read('system'), user: read('user') };
}

// ---------------------------------------------------------------------------------------------
// Placeholders
// ---------------------------------------------------------------------------------------------

const PLACEHOLDER = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/gi;

/**
 * Replaces every `{{name}}` (spaces inside the braces allowed) with `variables[name]`, in one pass:
 * a value that itself contains `{{…}}` is inserted as it is, never expanded.
 *
 * @throws Error naming the prompt id and the placeholder when `variables` has no such name (a typo
 *   in a prompt file fails on its first use instead of sending a raw `{{…}}` to the model).
 */
export function fillTemplate(promptId: string, template: string, variables: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    if (!Object.hasOwn(variables, name)) {
      const known = Object.keys(variables).sort().join(', ') || 'none';
      throw new Error(`prompt '${promptId}': unknown placeholder '{{${name}}}' (available: ${known})`);
    }
    return variables[name]!;
  });
}

// ---------------------------------------------------------------------------------------------
// Variables per purpose
// ---------------------------------------------------------------------------------------------

/**
 * Longest observation text sent per step in the intent-candidate message (our choice): 2,000
 * characters keep a 20-step trajectory near 40k characters of observations; longer text (WebArena
 * accessibility trees run to tens of thousands) is cut and marked `… [N more characters]`.
 */
export const MAX_OBSERVATION_CHARS_PER_STEP = 2000;

/** Longest sibling-parameter list rendered for augmentation (our choice); the rest is left out. */
export const MAX_SIBLING_PARAMS_RENDERED = 20;

/** Previous actions listed in a next-action prompt, the newest kept (our choice, as the issue asks). */
export const MAX_NEXT_ACTION_HISTORY_STEPS = 10;

/**
 * Longest element list sent in a next-action prompt (our choice): 30,000 characters hold about 250
 * elements at the 100-character name cap of `formatElementList`; longer lists are cut and marked.
 */
export const MAX_NEXT_ACTION_ELEMENTS_CHARS = 30_000;

/** `text` cut to `max` characters with a marker naming how much was left out. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/** `1. <description>` lines, 1-based, one per step in the given order. */
export function renderNumberedDescriptions(steps: readonly LlmStepView[]): string {
  return steps.map((step, k) => `${k + 1}. ${step.description}`).join('\n');
}

/** The action fields of a step that apply to it, as `key: value` lines (for the coder). */
export function renderStepDetails(step: LlmStepView | null): string {
  if (!step) return '(no step: this key step is the final task status)';
  const { action } = step;
  const fields: [string, string | undefined | null][] = [
    ['step index', String(step.index)],
    ['action type', action.type],
    ['element id', action.elementId],
    ['element role', action.elementRole],
    ['element name', action.elementName],
    ['text', action.text],
    ['key', action.key],
    ['direction', action.direction],
    ['answer', action.answer],
    ['url (goto target)', action.url],
    ['app', action.app],
    ['status', action.status],
    ['raw action', action.raw],
    ['page url', step.url],
    ['page title', step.title],
  ];
  return fields
    .filter((field): field is [string, string] => typeof field[1] === 'string' && field[1] !== '')
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n');
}

/**
 * The previous actions of a rollout as `Step <n>: <description> (on <url>)` lines, 1-based, oldest
 * first, with ` — FAILED: <why>` when the action could not be done (so the model can recover), only the last {@link MAX_NEXT_ACTION_HISTORY_STEPS} (a first line counts the ones left
 * out); `none (this is the first step)` when there are none.
 */
export function renderActionHistory(
  history: readonly { index: number; actionDescription: string; url: string; error?: string }[],
): string {
  if (history.length === 0) return 'none (this is the first step)';
  const shown = history.slice(-MAX_NEXT_ACTION_HISTORY_STEPS);
  const lines = shown.map(
    (step) =>
      `Step ${step.index + 1}: ${step.actionDescription.replace(/\s+/g, ' ').trim()} (on ${step.url})${
        step.error ? ` — FAILED: ${step.error.replace(/\s+/g, ' ').trim()}` : ''
      }`,
  );
  const hidden = history.length - shown.length;
  if (hidden > 0) lines.unshift(`(${hidden} earlier step${hidden === 1 ? '' : 's'} not shown)`);
  return lines.join('\n');
}

function renderJson(value: unknown): string {
  return value === null || value === undefined ? 'none' : JSON.stringify(value);
}

/**
 * The placeholder values a task offers its prompt (the names are documented per prompt in
 * `prompts/README.md`). Every value is a string; absent values read `none`.
 */
export function getPromptVariables(task: LlmTask): Record<string, string> {
  switch (task.purpose) {
    case 'key_steps':
      return {
        objective: task.objective,
        environment: task.environment,
        step_count: String(task.steps.length),
        steps: renderNumberedDescriptions(task.steps),
      };
    case 'label_function':
      return {
        objective: task.objective,
        environment: task.environment,
        key_step: task.keyStep,
        step: renderStepDetails(task.step),
        attempt: String(task.attempt),
        previous_feedback: task.previousFeedback ?? 'none (first attempt)',
      };
    case 'intent_candidate':
      return {
        objective: task.objective,
        environment: task.environment,
        step_count: String(task.steps.length),
      };
    case 'intent_refine':
      return { candidate: task.candidate };
    case 'augment':
      return {
        objective: task.objective,
        environment: task.environment,
        template: task.template ?? 'none',
        params: renderJson(task.params),
        sibling_params:
          task.siblingParams.length === 0
            ? 'none'
            : task.siblingParams
                .slice(0, MAX_SIBLING_PARAMS_RENDERED)
                .map((params) => `- ${JSON.stringify(params)}`)
                .join('\n'),
        count: String(task.count),
        steps: renderNumberedDescriptions(task.steps),
      };
    case 'ping':
      return {};
    case 'next_action':
      return {
        intent: task.intent,
        environment: task.environment,
        url: task.url,
        title: task.title.trim() === '' ? 'none' : task.title,
        elements:
          task.elementsText.trim() === ''
            ? 'none (no labelled elements in view)'
            : truncateText(task.elementsText, MAX_NEXT_ACTION_ELEMENTS_CHARS),
        history: renderActionHistory(task.history),
        previous_error: task.previousError ?? 'none (first reply)',
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/** The `OBSERVATION: … ACTION: …` text of one step (observation capped per step). */
export function renderStepObservation(step: LlmStepView): string {
  const parts: string[] = [];
  if (step.url) parts.push(`URL: ${step.url}`);
  if (step.title) parts.push(`Title: ${step.title}`);
  if (step.observation) parts.push(truncateText(step.observation, MAX_OBSERVATION_CHARS_PER_STEP));
  const observation = parts.length === 0 ? '(none recorded)' : parts.join('\n');
  return `OBSERVATION: ${observation}\nACTION: ${step.description}`;
}

/**
 * The trajectory parts of the intent-candidate message — DESIGN.md › Failure-driven intent
 * inference: `Trajectory:`, then per step a text `SCREENSHOT:`, the image (by media hash) and a text
 * `OBSERVATION: … ACTION: …` ({@link renderStepObservation}), ending with `New task intent:`. A
 * step without a screenshot has no `SCREENSHOT:` text and no image part.
 */
export function renderTrajectoryParts(steps: readonly LlmStepView[]): LlmContentPart[] {
  const parts: LlmContentPart[] = [{ type: 'text', text: 'Trajectory:' }];
  for (const step of steps) {
    if (step.screenshot) {
      parts.push({ type: 'text', text: 'SCREENSHOT:' });
      parts.push({ type: 'image', mediaHash: step.screenshot.mediaHash, mime: step.screenshot.mime });
    }
    parts.push({ type: 'text', text: renderStepObservation(step) });
  }
  parts.push({ type: 'text', text: 'New task intent:' });
  return parts;
}

/**
 * Renders a prompt for a task: a system message (the system template) and one user message (the
 * user template), placeholders filled from {@link getPromptVariables} by {@link fillTemplate}.
 *
 * For `intent_candidate` the user message is the vision layout DESIGN.md pins: its content parts
 * are the rendered user template (the instructions) followed by {@link renderTrajectoryParts}.
 * For `next_action` it is WebVoyager's observation layout: the rendered user template (task, URL,
 * title, element list, history), then the screenshot image (by media hash).
 * Every other purpose gets a plain-text user message.
 *
 * @throws Error naming the prompt id when a template uses a placeholder the task does not offer.
 */
export function renderMessages(template: PromptTemplate, task: LlmTask): LlmMessage[] {
  const variables = getPromptVariables(task);
  const system = fillTemplate(template.id, template.system, variables);
  const user = fillTemplate(template.id, template.user, variables);
  const messages: LlmMessage[] = [{ role: 'system', content: system }];
  if (task.purpose === 'intent_candidate') {
    messages.push({
      role: 'user',
      content: [{ type: 'text', text: user }, ...renderTrajectoryParts(task.steps)],
    });
  } else if (task.purpose === 'next_action') {
    messages.push({
      role: 'user',
      content: [
        { type: 'text', text: user },
        { type: 'image', mediaHash: task.screenshot.mediaHash, mime: task.screenshot.mime },
      ],
    });
  } else {
    messages.push({ role: 'user', content: user });
  }
  return messages;
}
