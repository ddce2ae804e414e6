/**
 * Test helpers for the pipelines: a fake {@link LlmClient} around a responder function, recording
 * every request. Framework-free (no vitest import), so server tests can reuse it.
 */
import { respondHeuristically, HEURISTIC_MODEL } from '@/lib/core/llm/heuristic';
import type { LlmClient, LlmCompletion, LlmRequest, LlmRole, LlmTask } from '@/lib/core/llm/types';

/**
 * What a responder may return: the reply text, or an Error to throw (e.g.
 * `new LlmCallError('rate limited', callId)`). `callId` is the id this call consumes.
 */
export type FakeResponder = (
  task: LlmTask,
  request: Omit<LlmRequest, 'role'>,
  callId: string,
) => string | Error;

export interface FakeLlmClient extends LlmClient {
  /** Every request received, in order. */
  readonly requests: Omit<LlmRequest, 'role'>[];
  /** Call ids handed out (also for thrown errors' requests), in order. */
  readonly callIds: string[];
  /** The next call id this client will hand out. */
  peekNextCallId(): string;
}

export interface CreateFakeLlmClientOptions {
  role?: LlmRole;
  /** Call ids are `${prefix}${n}`, n = 1, 2, …; default `call-`. */
  callIdPrefix?: string;
  model?: string;
}

/**
 * Wraps `respond` into an {@link LlmClient} with provider `heuristic` and incrementing call ids
 * (`call-1`, `call-2`, …). When `respond` returns an Error, `complete` rejects with it (the call id
 * is still consumed); an aborted `signal` rejects with its reason before `respond` is called.
 */
export function createFakeLlmClient(
  respond: FakeResponder,
  options: CreateFakeLlmClientOptions = {},
): FakeLlmClient {
  const prefix = options.callIdPrefix ?? 'call-';
  const requests: Omit<LlmRequest, 'role'>[] = [];
  const callIds: string[] = [];
  let next = 1;
  return {
    role: options.role ?? 'agent',
    provider: 'heuristic',
    model: options.model ?? 'fake',
    requests,
    callIds,
    peekNextCallId: () => `${prefix}${next}`,
    complete(request): Promise<LlmCompletion> {
      requests.push(request);
      const callId = `${prefix}${next++}`;
      callIds.push(callId);
      if (request.signal?.aborted) {
        return Promise.reject(
          request.signal.reason instanceof Error ? request.signal.reason : new Error('aborted'),
        );
      }
      let reply: string | Error;
      try {
        reply = respond(request.task, request, callId);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      if (reply instanceof Error) return Promise.reject(reply);
      return Promise.resolve({
        text: reply,
        callId,
        provider: 'heuristic',
        model: options.model ?? 'fake',
        promptVersion: request.promptVersion,
      });
    },
  };
}

/** A fake client answering with the heuristic provider (model {@link HEURISTIC_MODEL}). */
export function createHeuristicTestClient(role: LlmRole, callIdPrefix = `${role}-`): FakeLlmClient {
  return createFakeLlmClient((task) => respondHeuristically(task), {
    role,
    callIdPrefix,
    model: HEURISTIC_MODEL,
  });
}
