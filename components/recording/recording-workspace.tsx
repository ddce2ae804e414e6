'use client';
/**
 * The recording page (issue 16): the live screenshot with its numbered marks beside the element
 * list. The person clicks a mark on the screenshot (or picks it in the list), types into a field,
 * presses a key, scrolls, goes back, undoes, and finishes with an answer or discards. Every action
 * is carried out by the rollout browser on the server; the page follows the session's events
 * (`recordings.events`, SSE), which also tell the server the page is still open.
 *
 * Text from the page (names, contexts, titles, URLs) is rendered as text, never as HTML.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import {
  describeElement,
  filterElements,
  markAtPoint,
  RECORDING_SHORTCUTS,
  recordingKeyAction,
  recordingStatusLabel,
  takesText,
} from '@/components/recording/recording-display';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ErrorMessage, Kbd } from '@/components/ui/states';
import { formatEnvVerdict } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';
import type { ObservedElement } from '@/lib/core/types';
import type { TPersonAction } from '@/server/services/recording-service';

const NO_ELEMENTS: ObservedElement[] = [];

const KEYS = [
  'Enter',
  'Tab',
  'Escape',
  'Backspace',
  'ArrowDown',
  'ArrowUp',
  'ArrowLeft',
  'ArrowRight',
  'Space',
];

function isTextTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName?.toLowerCase();
  return tag === 'input' || tag === 'textarea' || tag === 'select' || el.isContentEditable;
}

export function RecordingWorkspace({ sessionId }: { sessionId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const queryKey = trpc.recordings.get.queryKey({ sessionId });
  const view = useQuery(trpc.recordings.get.queryOptions({ sessionId }, { retry: false }));
  const ended = view.data?.status === 'ended';
  useSubscription(
    trpc.recordings.events.subscriptionOptions(
      { sessionId },
      {
        enabled: !ended && !view.isError,
        onStarted: () => void queryClient.invalidateQueries({ queryKey }),
        onData: () => void queryClient.invalidateQueries({ queryKey }),
      },
    ),
  );

  const [selected, setSelected] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [text, setText] = useState('');
  const [answer, setAnswer] = useState('');
  const [key, setKey] = useState('Enter');
  const [showMarks, setShowMarks] = useState(true);
  const [help, setHelp] = useState(false);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const [hovered, setHovered] = useState<ObservedElement | null>(null);
  const textRef = useRef<HTMLInputElement>(null);
  const answerRef = useRef<HTMLTextAreaElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  /** Shortcuts are read on the workspace: focus returns here after a field is left. */
  const workspaceRef = useRef<HTMLDivElement>(null);

  const onSettled = () => void queryClient.invalidateQueries({ queryKey });
  const act = useMutation(trpc.recordings.act.mutationOptions({ onSettled }));
  const undo = useMutation(trpc.recordings.undo.mutationOptions({ onSettled }));
  const finish = useMutation(trpc.recordings.finish.mutationOptions({ onSettled }));
  const discard = useMutation(trpc.recordings.discard.mutationOptions({ onSettled }));
  const pending = act.isPending || undo.isPending || finish.isPending || discard.isPending;

  const data = view.data;
  const elements = data?.current?.elements ?? NO_ELEMENTS;
  const shown = useMemo(() => filterElements(elements, filter), [elements, filter]);
  const selectedElement = elements.find((e) => e.id === selected) ?? null;
  const canAct = data?.status === 'ready' && !pending;

  if (view.isError) return <ErrorMessage>{view.error.message}</ErrorMessage>;
  if (!data) return <p className="text-sm text-slate-500">Loading the recording…</p>;

  const send = (action: TPersonAction) => {
    if (!canAct) return;
    act.mutate({ sessionId, version: data.version, action });
  };
  const clickMark = (id: string) => send({ type: 'click', elementId: id });
  const typeInto = () => {
    if (selectedElement) send({ type: 'type', elementId: selectedElement.id, text });
    setText('');
  };
  const doFinish = () => {
    if (canAct) finish.mutate({ sessionId, answer: answer.trim() === '' ? null : answer });
  };

  const onImageClick = (event: MouseEvent<HTMLImageElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const scale = (data.current?.width ?? 1280) / rect.width;
    const hit = markAtPoint(
      elements,
      (event.clientX - rect.left) * scale,
      (event.clientY - rect.top) * scale,
    );
    if (!hit) return;
    setSelected(hit.id);
    if (takesText(hit)) textRef.current?.focus();
    else clickMark(hit.id);
  };
  const onImageMove = (event: MouseEvent<HTMLImageElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const scale = (data.current?.width ?? 1280) / rect.width;
    setHovered(
      markAtPoint(elements, (event.clientX - rect.left) * scale, (event.clientY - rect.top) * scale),
    );
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      setHelp(false);
      workspaceRef.current?.focus();
      return;
    }
    const action = recordingKeyAction({
      key: event.key,
      ctrlKey: event.ctrlKey,
      metaKey: event.metaKey,
      altKey: event.altKey,
      inTextField: isTextTarget(event.target),
    });
    if (!action) return;
    event.preventDefault();
    const index = shown.findIndex((e) => e.id === selected);
    switch (action) {
      case 'next':
        setSelected(shown[Math.min(shown.length - 1, index + 1)]?.id ?? null);
        break;
      case 'previous':
        setSelected(shown[Math.max(0, index - 1)]?.id ?? null);
        break;
      case 'click':
        if (selectedElement) clickMark(selectedElement.id);
        break;
      case 'type':
        if (selectedElement) textRef.current?.focus();
        break;
      case 'scrollDown':
        send({ type: 'scroll', direction: 'down' });
        break;
      case 'scrollUp':
        send({ type: 'scroll', direction: 'up' });
        break;
      case 'back':
        send({ type: 'go_back' });
        break;
      case 'undo':
        if (canAct) undo.mutate({ sessionId });
        break;
      case 'finish':
        answerRef.current?.focus();
        break;
      case 'marks':
        setShowMarks((v) => !v);
        break;
      case 'filter':
        filterRef.current?.focus();
        break;
      case 'help':
        setHelp((v) => !v);
        break;
    }
  };

  const actionError = act.error ?? undo.error ?? finish.error ?? discard.error;
  const personSteps = data.takeoverStep ?? 0;
  const imageUrl = `/api/recordings/${sessionId}/image?marks=${showMarks ? 1 : 0}&v=${data.version}`;

  return (
    <div
      ref={workspaceRef}
      className="space-y-4 focus-visible:outline-none"
      onKeyDown={onKeyDown}
      tabIndex={-1}
      data-testid="recording-workspace"
    >
      <header className="space-y-1">
        <div className="flex flex-wrap items-center gap-2">
          <Badge tone={data.mode === 'correction' ? 'amber' : 'indigo'}>
            {data.mode === 'correction' ? 'Correction' : 'Recording an expert demo'}
          </Badge>
          <Link href={`/tasks/${data.task.id}`} className="font-mono text-xs text-indigo-700 hover:underline">
            {data.task.externalId}
          </Link>
          {data.sourceTrajectoryId ? (
            <span className="text-xs text-slate-600">
              of rollout{' '}
              <Link
                href={`/trajectories/${data.sourceTrajectoryId}`}
                className="text-indigo-700 hover:underline"
              >
                {data.sourceTrajectoryId.slice(0, 8)}
              </Link>
              {data.markedStep !== null ? ` from step ${data.markedStep + 1}` : ''}
            </span>
          ) : null}
          <span
            role="status"
            aria-live="polite"
            className="text-sm font-medium text-slate-700"
            data-testid="recording-status"
          >
            {recordingStatusLabel(data.status)}
          </span>
        </div>
        <h1 className="text-lg font-semibold text-slate-900">{data.task.intent}</h1>
        {data.notice ? (
          <p className="text-sm text-slate-700" data-testid="recording-notice">
            {data.notice}
          </p>
        ) : null}
        {data.lastError ? <ErrorMessage>The page refused that action: {data.lastError}</ErrorMessage> : null}
        {actionError ? <ErrorMessage>{actionError.message}</ErrorMessage> : null}
      </header>

      {ended ? (
        <Card title="The session has ended">
          <div className="space-y-2 text-sm" data-testid="recording-ended">
            <p>{data.endReason}</p>
            {data.saved ? (
              <p>
                Environment verdict: <strong>{formatEnvVerdict(data.saved.envSuccess)}</strong>
                {data.saved.envMessage ? ` — ${data.saved.envMessage}` : ''}.{' '}
                <Link
                  href={`/trajectories/${data.saved.trajectoryId}`}
                  className="text-indigo-700 hover:underline"
                >
                  Open the saved {data.saved.kind === 'expert' ? 'expert demo' : 'correction'}
                </Link>
              </p>
            ) : null}
            <Link href={`/tasks/${data.task.id}`} className="text-indigo-700 hover:underline">
              Back to the task
            </Link>
          </div>
        </Card>
      ) : (
        <div className="grid gap-4 xl:grid-cols-[minmax(0,3fr)_minmax(22rem,2fr)]">
          <div className="space-y-2">
            <div className="truncate font-mono text-xs text-slate-600" title={data.current?.url}>
              {data.current?.title ? `${data.current.title} · ` : ''}
              {data.current?.url ?? ''}
            </div>
            {data.current ? (
              <figure className="relative overflow-hidden rounded-lg bg-slate-900 ring-1 ring-slate-200">
                {/* eslint-disable-next-line @next/next/no-img-element -- served from the session's memory by an owner-only route */}
                <img
                  src={imageUrl}
                  alt={`Live page of the recording${showMarks ? ', with numbered marks' : ''}`}
                  data-testid="recording-screenshot"
                  className={`block w-full ${canAct ? 'cursor-pointer' : 'cursor-wait opacity-80'}`}
                  onClick={onImageClick}
                  onMouseMove={onImageMove}
                  onMouseLeave={() => setHovered(null)}
                />
                {hovered?.box && data.current ? (
                  <div
                    aria-hidden
                    className="pointer-events-none absolute rounded-sm ring-2 ring-amber-400"
                    style={{
                      left: `${(hovered.box.x / data.current.width) * 100}%`,
                      top: `${(hovered.box.y / data.current.height) * 100}%`,
                      width: `${(hovered.box.width / data.current.width) * 100}%`,
                      height: `${(hovered.box.height / data.current.height) * 100}%`,
                    }}
                  />
                ) : null}
              </figure>
            ) : (
              <p className="text-sm text-slate-500">Opening the page…</p>
            )}
            <p className="text-xs text-slate-500">
              {hovered
                ? `[${hovered.id}] ${describeElement(hovered)}`
                : 'Click a mark to click it; a text field is selected for typing.'}
            </p>
            <div className="flex flex-wrap items-center gap-2">
              <Button
                variant="secondary"
                disabled={!canAct}
                onClick={() => send({ type: 'scroll', direction: 'up' })}
              >
                Scroll up <Kbd>PgUp</Kbd>
              </Button>
              <Button
                variant="secondary"
                disabled={!canAct}
                onClick={() => send({ type: 'scroll', direction: 'down' })}
              >
                Scroll down <Kbd>PgDn</Kbd>
              </Button>
              <Button variant="secondary" disabled={!canAct} onClick={() => send({ type: 'go_back' })}>
                Go back <Kbd>b</Kbd>
              </Button>
              <label className="flex items-center gap-1 text-sm">
                <span className="sr-only">Key to press</span>
                <select
                  aria-label="Key to press"
                  value={key}
                  onChange={(e) => setKey(e.target.value)}
                  className="rounded-md border border-slate-300 px-2 py-1 text-sm"
                >
                  {KEYS.map((k) => (
                    <option key={k}>{k}</option>
                  ))}
                </select>
              </label>
              <Button variant="secondary" disabled={!canAct} onClick={() => send({ type: 'key_press', key })}>
                Press key
              </Button>
              <Button
                variant="secondary"
                disabled={!canAct || data.steps.length <= personSteps}
                onClick={() => undo.mutate({ sessionId })}
              >
                Undo last step <Kbd>u</Kbd>
              </Button>
              <label className="ml-auto flex items-center gap-1 text-sm text-slate-700">
                <input type="checkbox" checked={showMarks} onChange={(e) => setShowMarks(e.target.checked)} />
                Marks <Kbd>m</Kbd>
              </label>
            </div>
          </div>

          <div className="space-y-3">
            <Card title={`Elements (${elements.length})`}>
              <input
                ref={filterRef}
                type="search"
                aria-label="Filter elements"
                placeholder="Filter by number, name or context ( / )"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    const first = shown[0];
                    if (first) setSelected(first.id);
                    workspaceRef.current?.focus();
                  }
                }}
                className="mb-2 w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
              />
              <ul
                role="listbox"
                aria-label="Elements on the page"
                className="max-h-[45vh] space-y-0.5 overflow-y-auto text-sm"
              >
                {shown.map((e) => (
                  <li
                    key={e.id}
                    role="option"
                    aria-selected={e.id === selected}
                    data-box={e.box ? `${e.box.x},${e.box.y},${e.box.width},${e.box.height}` : undefined}
                    className={`flex items-center gap-2 rounded px-1.5 py-0.5 ${e.id === selected ? 'bg-indigo-50 ring-1 ring-indigo-300' : ''}`}
                    onMouseEnter={() => setHovered(e)}
                    onClick={() => setSelected(e.id)}
                  >
                    <span className="w-8 shrink-0 text-right font-mono text-xs text-slate-500">[{e.id}]</span>
                    <span className="min-w-0 flex-1 truncate" title={describeElement(e)}>
                      {describeElement(e)}
                    </span>
                    <button
                      type="button"
                      className="rounded px-1.5 text-xs text-indigo-700 ring-1 ring-indigo-200 hover:bg-indigo-50 disabled:text-slate-400"
                      disabled={!canAct}
                      aria-label={`Click [${e.id}]`}
                      onClick={(ev) => {
                        ev.stopPropagation();
                        setSelected(e.id);
                        clickMark(e.id);
                      }}
                    >
                      Click
                    </button>
                  </li>
                ))}
              </ul>
            </Card>
            <Card title="Type">
              <div className="flex items-center gap-2">
                <span className="shrink-0 text-xs text-slate-600">
                  {selectedElement ? `into [${selectedElement.id}]` : 'select an element first'}
                </span>
                <input
                  ref={textRef}
                  aria-label="Text to type"
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') {
                      e.preventDefault();
                      typeInto();
                    }
                  }}
                  className="min-w-0 flex-1 rounded-md border border-slate-300 px-2 py-1 text-sm"
                />
                <Button disabled={!canAct || !selectedElement} onClick={typeInto}>
                  Type
                </Button>
              </div>
            </Card>
            <Card title="Finish">
              <textarea
                ref={answerRef}
                aria-label="Answer (for questions; leave empty for tasks that change something)"
                placeholder="Answer, for questions (leave empty otherwise)"
                value={answer}
                onChange={(e) => setAnswer(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                    e.preventDefault();
                    doFinish();
                  }
                }}
                rows={2}
                className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
              />
              <div className="mt-2 flex items-center gap-2">
                <Button disabled={!canAct} onClick={doFinish}>
                  Finish and run the verifier
                </Button>
                {confirmDiscard ? (
                  <>
                    <Button variant="danger" disabled={pending} onClick={() => discard.mutate({ sessionId })}>
                      Discard: save nothing
                    </Button>
                    <Button variant="ghost" onClick={() => setConfirmDiscard(false)}>
                      Keep recording
                    </Button>
                  </>
                ) : (
                  <Button variant="secondary" disabled={pending} onClick={() => setConfirmDiscard(true)}>
                    Discard…
                  </Button>
                )}
              </div>
            </Card>
            <Card title={`Steps (${data.steps.length} of at most ${data.maxSteps})`}>
              {data.steps.length === 0 ? (
                <p className="text-sm text-slate-500">No step yet.</p>
              ) : (
                <ol className="space-y-0.5 text-sm" aria-label="Recorded steps">
                  {data.steps.map((s) => (
                    <li key={s.index} className="flex gap-2">
                      <span className="w-6 shrink-0 text-right tabular-nums text-slate-500">
                        {s.index + 1}.
                      </span>
                      <span className="min-w-0 flex-1">{s.actionDescription}</span>
                      {s.replayed ? <Badge tone="slate">replayed</Badge> : null}
                    </li>
                  ))}
                </ol>
              )}
              <p className="mt-2 text-xs text-slate-500">
                Idle sessions close after {Math.round(data.idleTimeoutMs / 60_000)} min without an action;
                closing this tab discards the recording. <Kbd>?</Kbd> shortcuts
              </p>
            </Card>
          </div>
        </div>
      )}
      {help ? (
        <div
          role="dialog"
          aria-label="Recording shortcuts"
          className="fixed inset-0 z-20 grid place-items-center bg-slate-900/30"
          onClick={() => setHelp(false)}
        >
          <div className="max-w-md rounded-lg bg-white p-4 shadow-lg" onClick={(e) => e.stopPropagation()}>
            <h2 className="mb-2 font-semibold">Keyboard shortcuts</h2>
            <dl className="space-y-1 text-sm">
              {RECORDING_SHORTCUTS.map((s) => (
                <div key={s.action} className="flex gap-3">
                  <dt className="w-24 shrink-0">
                    {s.keys.map((k) => (
                      <Kbd key={k}>{k}</Kbd>
                    ))}
                  </dt>
                  <dd>{s.description}</dd>
                </div>
              ))}
            </dl>
          </div>
        </div>
      ) : null}
    </div>
  );
}
