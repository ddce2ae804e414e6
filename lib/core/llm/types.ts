/**
 * The model interface of the abstraction and extrapolation pipelines (DESIGN.md › Semantics).
 * Framework-free: the pipelines in `lib/core/abstraction` ask an {@link LlmClient} for text and
 * parse it; the server implements the client with the `openai` SDK (any OpenAI-compatible server)
 * or with the offline, deterministic `heuristic` provider (`lib/core/llm/heuristic.ts`), and records
 * every call.
 *
 * A request carries both the chat messages (rendered from the versioned prompt files in
 * `prompts/`) and the structured {@link LlmTask} they were rendered from, so an offline provider
 * can answer without reading prose. Both providers answer in the same text shape (a numbered list,
 * a fenced Python block, one line of intent), so one parser serves both.
 */
import type { Environment, StepAction } from '@/lib/core/types';

/** `coder` writes label functions (stage S); `agent` is the vision model (K, intents, refinement, augmentation). */
export const LLM_ROLES = ['coder', 'agent'] as const;
export type LlmRole = (typeof LLM_ROLES)[number];

export const LLM_PROVIDERS = ['heuristic', 'openai'] as const;
export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

/**
 * Sampling parameters. Defaults per DESIGN.md › Sampling defaults (temperature 1.0, top_p 0.9,
 * top_k 50); `top_k` is sent as an extra body field, which vLLM / SGLang accept and OpenAI rejects
 * (set it to null for OpenAI itself).
 */
export interface SamplingParams {
  temperature: number | null;
  top_p: number | null;
  top_k: number | null;
  max_tokens: number | null;
}

/** A text or image part. Images are referenced by media hash; the provider inlines them as data URIs. */
export type LlmContentPart =
  { type: 'text'; text: string } | { type: 'image'; mediaHash: string; mime: string };

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | LlmContentPart[];
}

/** One step as the models see it. */
export interface LlmStepView {
  /** 0-based step index. */
  index: number;
  /** Templated description (stage D, `lib/core/step-descriptions.ts`). */
  description: string;
  action: StepAction;
  url: string | null;
  title: string | null;
  /** Element list / accessibility-tree text, possibly truncated. */
  observation: string | null;
  screenshot: { mediaHash: string; mime: string } | null;
}

export const LLM_PURPOSES = [
  'key_steps',
  'label_function',
  'intent_candidate',
  'intent_refine',
  'augment',
  'ping',
  'next_action',
] as const;
export type LlmPurpose = (typeof LLM_PURPOSES)[number];

/** What a call is for, with the structured input its prompt was rendered from. */
export type LlmTask =
  | {
      /** Stage K: pick the key steps of a trajectory from its numbered descriptions. */
      purpose: 'key_steps';
      objective: string;
      environment: Environment;
      steps: LlmStepView[];
    }
  | {
      /** Stage S: write `label_function(trajectory) -> bool` checking one key step. */
      purpose: 'label_function';
      objective: string;
      environment: Environment;
      keyStep: string;
      /** The step the key step was snapped to; null when it has none (synthetic status step). */
      step: LlmStepView | null;
      /** 1-based attempt number (1..5). */
      attempt: number;
      /** What went wrong with the previous attempt (error or "returned False"), for attempts > 1. */
      previousFeedback: string | null;
    }
  | {
      /** Failure-driven intent inference, first (vision) call. */
      purpose: 'intent_candidate';
      objective: string;
      environment: Environment;
      steps: LlmStepView[];
    }
  | {
      /** Failure-driven intent inference, second (text-only) call. */
      purpose: 'intent_refine';
      candidate: string;
    }
  | {
      /** Success-based augmentation: task variants from a Fully Passed rollout. */
      purpose: 'augment';
      objective: string;
      environment: Environment;
      template: string | null;
      params: Record<string, unknown> | null;
      /** Parameters of other tasks with the same template (candidates for new instantiations). */
      siblingParams: Record<string, unknown>[];
      steps: LlmStepView[];
      /** How many variants to ask for. */
      count: number;
    }
  | { purpose: 'ping' }
  | {
      /**
       * The `openai` rollout policy: pick the next browser action from a screenshot, the
       * set-of-marks element list and the previous actions (WebVoyager's action space and
       * `Thought: … Action: …` reply, parsed by `parseWebVoyagerAction`).
       */
      purpose: 'next_action';
      intent: string;
      environment: Environment;
      url: string;
      title: string;
      /** The set-of-marks element list (`formatElementList`). */
      elementsText: string;
      /** Steps taken so far, oldest first (the prompt shows the last few). */
      history: { index: number; actionDescription: string; url: string; error?: string }[];
      screenshot: { mediaHash: string; mime: string };
      /** What was wrong with the previous reply to this same observation; null for the first reply. */
      previousError: string | null;
    };

export interface LlmRequest {
  role: LlmRole;
  task: LlmTask;
  /** Rendered chat messages (images by reference). */
  messages: LlmMessage[];
  promptId: string;
  promptVersion: string;
  /** Pipeline run the call belongs to, for the call log. */
  runId?: string | null;
  signal?: AbortSignal;
}

export interface LlmCompletion {
  text: string;
  /** Id of the stored model call. */
  callId: string;
  provider: LlmProviderName;
  model: string;
  promptVersion: string;
}

/**
 * A failed call (after retries): the call is stored with its error, and `callId` names it so the
 * UI can show "the model call that failed".
 */
export class LlmCallError extends Error {
  constructor(
    message: string,
    readonly callId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmCallError';
  }
}

/** Answers requests for one role and records each call. Implemented in `server/llm`. */
export interface LlmClient {
  readonly role: LlmRole;
  readonly provider: LlmProviderName;
  readonly model: string;
  /** @throws LlmCallError when the call failed after retries (the failure is recorded). */
  complete(request: Omit<LlmRequest, 'role'>): Promise<LlmCompletion>;
}

/**
 * A prompt file (`prompts/<id>.md`): `id` and `version` from its front matter, `system` and `user`
 * templates with `{{name}}` placeholders.
 */
export interface PromptTemplate {
  id: string;
  version: string;
  system: string;
  user: string;
}
