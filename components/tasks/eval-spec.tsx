/**
 * Readable rendering of a task's evaluation spec: WebArena / VisualWebArena `eval` objects
 * (eval types, reference answers, reference URL, program_html checks, image queries) and
 * WebVoyager reference answers. Unknown shapes fall back to formatted JSON. Everything is
 * rendered as text.
 */
import type { ReactNode } from 'react';
import { Badge } from '@/components/ui/badge';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON value as display text: primitives as themselves, structures as JSON. */
function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[10rem_1fr] gap-3 py-1.5">
      <dt className="text-sm text-slate-500">{label}</dt>
      <dd className="min-w-0 text-sm text-slate-800">{children}</dd>
    </div>
  );
}

function Value({ value }: { value: Json | undefined }) {
  if (value === null || value === undefined || value === '') return <span className="text-slate-400">—</span>;
  if (Array.isArray(value)) {
    return (
      <ul className="list-inside list-disc space-y-0.5">
        {value.map((v, i) => (
          <li key={i}>
            <Value value={v} />
          </li>
        ))}
      </ul>
    );
  }
  if (isObject(value)) {
    return (
      <dl className="space-y-0.5">
        {Object.entries(value).map(([k, v]) => (
          <div key={k} className="flex gap-2">
            <dt className="font-mono text-xs text-slate-500">{k}</dt>
            <dd className="min-w-0">
              <Value value={v} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <span className="break-words">{String(value)}</span>;
}

function Code({ children }: { children: string }) {
  return (
    <code className="block overflow-x-auto whitespace-pre-wrap rounded bg-slate-100 px-2 py-1 font-mono text-xs">
      {children}
    </code>
  );
}

export function EvalSpec({ spec }: { spec: unknown }) {
  if (spec === null || spec === undefined)
    return <p className="text-sm text-slate-500">No evaluation spec.</p>;
  if (!isObject(spec)) return <Code>{JSON.stringify(spec, null, 2)}</Code>;

  if (Array.isArray(spec.eval_types)) {
    const programHtml = Array.isArray(spec.program_html) ? spec.program_html : [];
    const imageQueries = Array.isArray(spec.page_image_query) ? spec.page_image_query : [];
    return (
      <dl className="divide-y divide-slate-100" data-testid="eval-spec">
        <Row label="Evaluators">
          <span className="flex flex-wrap gap-1">
            {spec.eval_types.map((t) => (
              <Badge key={text(t)} tone="indigo">
                {text(t)}
              </Badge>
            ))}
          </span>
        </Row>
        {spec.reference_answers ? (
          <Row label="Reference answers">
            <Value value={spec.reference_answers} />
          </Row>
        ) : null}
        {spec.reference_answer_raw_annotation ? (
          <Row label="Raw annotation">
            <Value value={spec.reference_answer_raw_annotation} />
          </Row>
        ) : null}
        {spec.reference_url ? (
          <Row label="Reference URL">
            <span className="break-all font-mono text-xs">{text(spec.reference_url)}</span>
            {spec.url_note ? (
              <span className="ml-2">
                <Badge>{text(spec.url_note)}</Badge>
              </span>
            ) : null}
          </Row>
        ) : null}
        {programHtml.length > 0 ? (
          <Row label="Page checks (program_html)">
            <ol className="space-y-2">
              {programHtml.map((check, i) => (
                <li key={i} className="rounded border border-slate-200 p-2">
                  {isObject(check) ? (
                    <>
                      <p className="text-xs text-slate-500">
                        on <span className="font-mono">{text(check.url)}</span>
                      </p>
                      {check.locator ? (
                        <Code>{text(check.locator)}</Code>
                      ) : (
                        <p className="text-xs text-slate-500">whole page</p>
                      )}
                      <div className="mt-1">
                        <Value value={check.required_contents} />
                      </div>
                    </>
                  ) : (
                    <Value value={check} />
                  )}
                </li>
              ))}
            </ol>
          </Row>
        ) : null}
        {imageQueries.length > 0 ? (
          <Row label="Image queries">
            <Value value={imageQueries} />
          </Row>
        ) : null}
        {spec.string_note ? (
          <Row label="Note">
            <Value value={spec.string_note} />
          </Row>
        ) : null}
        {spec.annotation_note ? (
          <Row label="Annotation note">
            <Value value={spec.annotation_note} />
          </Row>
        ) : null}
      </dl>
    );
  }

  if (Array.isArray(spec.reference_answers)) {
    return (
      <dl className="divide-y divide-slate-100" data-testid="eval-spec">
        <Row label="Reference answers">
          <ul className="space-y-1">
            {spec.reference_answers.map((a, i) => (
              <li key={i}>
                {isObject(a) ? (
                  <>
                    {a.type ? (
                      <Badge tone={a.type === 'golden' ? 'amber' : 'slate'}>{text(a.type)}</Badge>
                    ) : null}{' '}
                    <span>{text(a.ans)}</span>
                  </>
                ) : (
                  <Value value={a} />
                )}
              </li>
            ))}
          </ul>
        </Row>
        {spec.notice ? (
          <Row label="Notice">
            <Value value={spec.notice} />
          </Row>
        ) : null}
      </dl>
    );
  }

  return <Code>{JSON.stringify(spec, null, 2)}</Code>;
}
