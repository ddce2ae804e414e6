/**
 * Test helper: a local HTTP server speaking the OpenAI chat-completions protocol
 * (`POST <base>/chat/completions`), recording every request. Each request is answered by the
 * test's `respond` function (by default a fixed completion); `'hang'` never answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body (null when it was not JSON). */
  body: Record<string, unknown> | null;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body: unknown;
}

export type Responder = (
  request: RecordedRequest,
  index: number,
) => FakeReply | 'hang' | Promise<FakeReply | 'hang'>;

export interface FakeOpenAiServer {
  /** Base URL to configure, e.g. `http://127.0.0.1:1234/v1`. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Most requests in flight at once. */
  maxInFlight: () => number;
  respond: Responder;
  close: () => Promise<void>;
}

/** A chat-completions body with `content` as the first choice. */
export function completionBody(content: string | null, usage = { prompt_tokens: 11, completion_tokens: 7 }) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

export async function startFakeOpenAiServer(respond?: Responder): Promise<FakeOpenAiServer> {
  let inFlight = 0;
  let maxInFlight = 0;
  const state: FakeOpenAiServer = {
    baseUrl: '',
    requests: [],
    maxInFlight: () => maxInFlight,
    respond: respond ?? (() => ({ body: completionBody('pong') })),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | null = null;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = null;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
      };
      const index = state.requests.length;
      state.requests.push(recorded);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => {
        inFlight -= 1;
      });
      void Promise.resolve(state.respond(recorded, index)).then((reply) => {
        if (reply === 'hang') return;
        const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, {
          'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
          ...reply.headers,
        });
        res.end(payload);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://127.0.0.1:${port}/v1`;
  return state;
}
