'use client';
/**
 * One stored model call (`llm.modelCalls.get`): who answered (role, provider, model), which prompt
 * version, the parameters sent, latency, tokens, error, every message — text rendered as text (never
 * HTML), images shown from the media route by hash — and the response.
 */
import { useSuspenseQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Badge } from '@/components/ui/badge';
import { Card, PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { ErrorMessage } from '@/components/ui/states';
import type { LlmContentPart, LlmMessage } from '@/lib/core/llm/types';
import { mediaUrl } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';

const PRE =
  'whitespace-pre-wrap break-words rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-800 ring-1 ring-slate-200';

export function ModelCallView({ id }: { id: string }) {
  const trpc = useTRPC();
  const { data: call } = useSuspenseQuery(trpc.llm.modelCalls.get.queryOptions({ id }));
  const isTruncated =
    call.response !== null && call.responseChars !== null && call.responseChars > call.response.length;
  return (
    <div className="space-y-5">
      <PageHeader
        title={`Model call · ${call.purpose}`}
        subtitle={
          <>
            <DateTime value={call.createdAt} /> · <span className="font-mono text-xs">{call.id}</span>
          </>
        }
        actions={call.error ? <Badge tone="red">failed</Badge> : <Badge tone="green">succeeded</Badge>}
      />
      {call.error ? <ErrorMessage>{call.error}</ErrorMessage> : null}
      <Card title="Call">
        <dl
          className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-4"
          data-testid="model-call-facts"
        >
          <Fact label="Role">{call.role}</Fact>
          <Fact label="Provider">{call.provider}</Fact>
          <Fact label="Model">{call.model}</Fact>
          <Fact label="Prompt">
            {call.promptId} v{call.promptVersion}
          </Fact>
          <Fact label="Latency">{Math.round(call.latencyMs).toLocaleString()} ms</Fact>
          <Fact label="Prompt tokens">{call.promptTokens ?? '—'}</Fact>
          <Fact label="Completion tokens">{call.completionTokens ?? '—'}</Fact>
          <Fact label="Pipeline run">{call.runId ?? '—'}</Fact>
        </dl>
        <h3 className="mb-1 mt-4 text-xs font-medium uppercase text-slate-500">Parameters sent</h3>
        <pre className={PRE}>{JSON.stringify(call.params, null, 2)}</pre>
      </Card>
      <Card title={`Messages (${call.messages.length})`}>
        <ol className="space-y-4">
          {call.messages.map((message, i) => (
            <li key={i} data-testid="model-call-message">
              <MessageView message={message} />
            </li>
          ))}
        </ol>
      </Card>
      <Card title="Response">
        {call.response === null ? (
          <p className="text-sm text-slate-500">No response was recorded.</p>
        ) : (
          <>
            {isTruncated ? (
              <p className="mb-2 text-xs text-amber-800">
                Showing the first {call.response.length.toLocaleString()} of{' '}
                {call.responseChars?.toLocaleString()} characters (the log keeps 64 KiB).
              </p>
            ) : null}
            <pre className={PRE} data-testid="model-call-response">
              {call.response}
            </pre>
          </>
        )}
      </Card>
    </div>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="truncate font-medium text-slate-900">{children}</dd>
    </div>
  );
}

function MessageView({ message }: { message: LlmMessage }) {
  const parts: LlmContentPart[] =
    typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
  return (
    <div className="space-y-2">
      <Badge tone={message.role === 'system' ? 'slate' : message.role === 'user' ? 'indigo' : 'green'}>
        {message.role}
      </Badge>
      {parts.map((part, j) =>
        part.type === 'text' ? (
          <pre key={j} className={PRE}>
            {part.text}
          </pre>
        ) : (
          <figure key={j} className="max-w-2xl">
            {/* eslint-disable-next-line @next/next/no-img-element -- screenshots are served by our auth-checked route */}
            <img
              src={mediaUrl(part.mediaHash)}
              alt={`Image ${part.mediaHash.slice(0, 12)}`}
              loading="lazy"
              className="w-full rounded-md ring-1 ring-slate-200"
              data-testid="model-call-image"
            />
            <figcaption className="mt-1 font-mono text-[11px] text-slate-500">
              {part.mime} · {part.mediaHash}
            </figcaption>
          </figure>
        ),
      )}
    </div>
  );
}
