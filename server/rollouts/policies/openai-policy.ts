/**
 * The `openai` rollout policy: a vision model behind any OpenAI-compatible server picks the next
 * browser action (DESIGN.md › The CORE loop, "sample rollouts").
 *
 * - **Request**: the `agent` role's client (`createLlmClient`), prompt `prompts/next_action.md`
 *   (WebVoyager's system prompt and action space without `Google`), one user message holding the
 *   task, URL, title, the set-of-marks element list (`formatElementList`), the last 10 previous
 *   actions, and the screenshot by media hash (the client inlines it as a data URI; the call log
 *   keeps the hash). Every call is recorded in `model_call` with provider and model by the client.
 * - **Sampling**: the agent role's stored sampling settings, sent by the client as top-level body
 *   fields. Their defaults are `DEFAULT_SAMPLING` in `server/llm/settings-service.ts`: temperature
 *   1.0, top_p 0.9, top_k 50 (DESIGN.md › Sampling defaults), editable on the Models page. The 5
 *   samples per task are the runner's business (`PolicyContext.sampleIndex`); each sample calls
 *   this policy independently, so the sampling temperature alone makes them differ.
 * - **Reply**: parsed with `parseWebVoyagerAction`, then validated by {@link findActionProblem}.
 *   An invalid reply is asked again, with `previousError` saying what was wrong, up to
 *   {@link MAX_INVALID_REPLIES_RETRIES} more times; then the decision fails with
 *   `DomainError('BAD_INPUT')` and the runner ends that rollout as errored. A failed call
 *   (`LlmCallError`: HTTP error, timeout after the SDK's retries, cancellation) is not asked again
 *   here and propagates as it is.
 * - **Heuristic provider**: it cannot read screenshots, so {@link createOpenAiPolicy} refuses it with
 *   `DomainError('CONFLICT')` before any browser opens.
 */
import { DomainError } from '@/lib/core/errors';
import { parseWebVoyagerAction } from '@/lib/core/import/webvoyager';
import { HEURISTIC_CANNOT_ACT_MESSAGE } from '@/lib/core/llm/heuristic';
import { renderMessages } from '@/lib/core/llm/messages';
import type { LlmTask } from '@/lib/core/llm/types';
import { formatElementList } from '@/lib/core/rollouts/elements';
import type { Observation, PolicyContext, PolicyDecision, RolloutPolicy } from '@/lib/core/rollouts/types';
import type { ActionType, ObservedElement, StepAction } from '@/lib/core/types';
import type { Db } from '@/server/db/client';
import { createLlmClient, type LlmClientOptions } from '@/server/llm/clients';
import { loadPrompt } from '@/server/llm/prompts';

/** Further replies asked for after an invalid one (so at most 3 replies per step). */
export const MAX_INVALID_REPLIES_RETRIES = 2;

/** Action types the policy may return: WebVoyager's action space without `google`. */
export const OPENAI_POLICY_ACTION_TYPES = [
  'click',
  'type',
  'scroll',
  'wait',
  'go_back',
  'answer',
] as const satisfies readonly ActionType[];

/** The prompt file the policy renders (`prompts/next_action.md`). */
export const NEXT_ACTION_PROMPT_ID = 'next_action';

/** Longest piece of an invalid reply quoted back to the model, in characters. */
const MAX_QUOTED_REPLY_CHARS = 200;

const ACTION_FORMATS =
  'Click [n], Type [n]; text, Scroll [n or WINDOW]; up or down, Wait, GoBack, ANSWER; text';

export type OpenAiPolicyOptions = LlmClientOptions;

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(
    flat.length > MAX_QUOTED_REPLY_CHARS ? `${flat.slice(0, MAX_QUOTED_REPLY_CHARS)}…` : flat,
  );
}

function describeLabels(elements: readonly ObservedElement[]): string {
  if (elements.length === 0) return 'the current page has no labelled elements';
  const ids = elements.map((e) => e.id);
  return ids.length <= 20
    ? `the labels on this page are ${ids.join(', ')}`
    : `the labels on this page are ${ids.slice(0, 20).join(', ')}, … (${ids.length} in all)`;
}

function findElementProblem(
  action: StepAction,
  elements: readonly ObservedElement[],
  verb: string,
): string | null {
  const id = action.elementId;
  if (id === undefined) return `${verb} needs a numerical label from the element list.`;
  if (elements.some((e) => e.id === id)) return null;
  return `Element [${id}] is not in the element list of the current page (${describeLabels(elements)}).`;
}

/**
 * What is wrong with a parsed action for this observation, as a sentence the model can act on;
 * null when the action is valid: a type of {@link OPENAI_POLICY_ACTION_TYPES}; click and type name
 * an element of `elements`; type has non-blank text; scroll has a direction and, when it names an
 * element, an existing one; answer has non-blank text.
 */
export function findActionProblem(action: StepAction, elements: readonly ObservedElement[]): string | null {
  switch (action.type) {
    case 'click':
      return findElementProblem(action, elements, 'Click');
    case 'type':
      return (
        findElementProblem(action, elements, 'Type') ??
        (action.text === undefined || action.text.trim() === ''
          ? 'Type needs the text to type after the label: Type [n]; text.'
          : null)
      );
    case 'scroll':
      if (!action.direction) return 'Scroll needs a direction: Scroll [n or WINDOW]; up or down.';
      return action.elementId === undefined ? null : findElementProblem(action, elements, 'Scroll');
    case 'wait':
    case 'go_back':
      return null;
    case 'answer':
      return action.answer === undefined || action.answer.trim() === ''
        ? 'ANSWER needs the answer text: ANSWER; text.'
        : null;
    case 'google':
      return 'There is no Google action here: stay on the current website and use one of the other actions.';
    case 'unknown':
      return `No action could be read from ${quote(action.raw)}. End your reply with one line "Action: …" in one of these formats: ${ACTION_FORMATS}.`;
    default:
      return `${action.type} is not an action you can use here; use one of: ${ACTION_FORMATS}.`;
  }
}

/** The structured next-action task for one observation (the prompt's input). */
export function buildNextActionTask(
  observation: Observation,
  context: PolicyContext,
  previousError: string | null,
): Extract<LlmTask, { purpose: 'next_action' }> {
  return {
    purpose: 'next_action',
    intent: context.intent,
    environment: 'web',
    url: observation.url,
    title: observation.title,
    elementsText: formatElementList(observation.elements),
    history: context.history.map((step) => ({
      index: step.index,
      actionDescription: step.actionDescription,
      url: step.url,
      ...(step.error ? { error: step.error } : {}),
    })),
    // The model sees the marks drawn on the screenshot, as the system prompt says.
    screenshot: {
      mediaHash: (observation.markedScreenshot ?? observation.screenshot).mediaHash,
      mime: (observation.markedScreenshot ?? observation.screenshot).mime,
    },
    previousError,
  };
}

/**
 * The `openai` policy over the `agent` role's stored settings (read once, here, like a job's
 * clients), its model name the configured one.
 * @throws DomainError('CONFLICT') when the agent role uses the heuristic provider, has no base URL,
 *   or its key cannot be decrypted; DomainError('NOT_FOUND' | 'BAD_INPUT') for a missing or broken
 *   `prompts/next_action.md`.
 */
export function createOpenAiPolicy(
  db: Db,
  dataDir: string,
  options: OpenAiPolicyOptions = {},
): RolloutPolicy {
  const client = createLlmClient(db, dataDir, 'agent', options);
  if (client.provider === 'heuristic') throw new DomainError('CONFLICT', HEURISTIC_CANNOT_ACT_MESSAGE);
  // Loaded now so a broken prompt file fails the job before any browser opens.
  loadPrompt(NEXT_ACTION_PROMPT_ID);

  return {
    name: 'openai',
    model: client.model,
    async decide(observation: Observation, context: PolicyContext): Promise<PolicyDecision> {
      let previousError: string | null = null;
      let lastProblem = '';
      for (let reply = 0; reply <= MAX_INVALID_REPLIES_RETRIES; reply += 1) {
        context.signal.throwIfAborted();
        const task = buildNextActionTask(observation, context, previousError);
        // Re-read per call: the loader caches by mtime, so an edited prompt applies to the next step.
        const template = loadPrompt(NEXT_ACTION_PROMPT_ID);
        const completion = await client.complete({
          task,
          messages: renderMessages(template, task),
          promptId: template.id,
          promptVersion: template.version,
          signal: context.signal,
        });
        const { action, thought } = parseWebVoyagerAction(completion.text, observation.elements);
        const problem = findActionProblem(action, observation.elements);
        if (problem === null) {
          return { action, thought, rawOutput: completion.text, modelCallId: completion.callId };
        }
        previousError = problem;
        lastProblem = problem;
      }
      throw new DomainError(
        'BAD_INPUT',
        `The model gave no valid action after ${MAX_INVALID_REPLIES_RETRIES + 1} replies: ${lastProblem}`,
      );
    },
  };
}
