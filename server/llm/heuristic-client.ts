/**
 * The `heuristic` provider: offline and deterministic. Answers with `respondHeuristically`
 * (`lib/core/llm/heuristic.ts`) from the request's structured task, records the call like any other
 * (latency measured, token counts null, no sampling parameters since none apply).
 */
import { HEURISTIC_MODEL, respondHeuristically } from '@/lib/core/llm/heuristic';
import { LlmCallError, type LlmClient, type LlmCompletion, type LlmRole } from '@/lib/core/llm/types';
import type { Db } from '@/server/db/client';
import { recordModelCall } from '@/server/llm/record-call';

export function createHeuristicClient(db: Db, role: LlmRole): LlmClient {
  return {
    role,
    provider: 'heuristic',
    model: HEURISTIC_MODEL,
    complete(request): Promise<LlmCompletion> {
      const started = performance.now();
      let text: string | null = null;
      let error: string | null = null;
      let cause: unknown;
      if (request.signal?.aborted) {
        error = 'Cancelled';
      } else {
        try {
          text = respondHeuristically(request.task);
          if (typeof text !== 'string' || text.trim() === '') {
            error = 'The heuristic provider returned no text';
            text = null;
          }
        } catch (e) {
          cause = e;
          error = e instanceof Error ? e.message : String(e);
        }
      }
      const callId = recordModelCall(db, {
        runId: request.runId ?? null,
        role,
        provider: 'heuristic',
        model: HEURISTIC_MODEL,
        purpose: request.task.purpose,
        promptId: request.promptId,
        promptVersion: request.promptVersion,
        messages: request.messages,
        params: {},
        response: text,
        latencyMs: performance.now() - started,
        promptTokens: null,
        completionTokens: null,
        error,
      });
      if (error !== null || text === null) {
        return Promise.reject(
          new LlmCallError(`${role} model ${HEURISTIC_MODEL}: ${error ?? 'no text'}`, callId, { cause }),
        );
      }
      return Promise.resolve({
        text,
        callId,
        provider: 'heuristic',
        model: HEURISTIC_MODEL,
        promptVersion: request.promptVersion,
      });
    },
  };
}
