'use client';
/**
 * The audit log for PIs: every decision and edit — when, who, what, on which object — newest first,
 * filtered by action, object type, actor and date range (all kept in the URL, so a view can be
 * shared), paged with "Load more" (keyset cursor), each entry expandable into a readable diff of
 * its before and after. Objects link to their pages; unknown object types show as plain text.
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { Fragment, useState } from 'react';
import { AuditDiff } from '@/components/audit/audit-diff';
import {
  AUDIT_PAGE_SIZE,
  AUDIT_QUERY_PARAMS,
  auditObjectHref,
  auditQueryToFilter,
  formatAuditAction,
  formatAuditObjectType,
  getAuditNextCursor,
  parseAuditQuery,
  type AuditQuery,
} from '@/components/audit/audit-display';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { Input, Select } from '@/components/ui/field';
import { EmptyState, ErrorMessage } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

/** Long ids (UUIDs) are shortened in the table; the full id is in the tooltip. */
function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

export function AuditLog() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const query = parseAuditQuery(new URLSearchParams(searchParams.toString()));
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());

  const setFilters = (changes: Partial<Record<keyof AuditQuery, string | undefined>>) => {
    const next = new URLSearchParams(searchParams.toString());
    for (const [key, value] of Object.entries(changes) as [keyof AuditQuery, string | undefined][]) {
      const param = AUDIT_QUERY_PARAMS[key];
      if (value) next.set(param, value);
      else next.delete(param);
    }
    const qs = next.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  const facets = useQuery(trpc.audit.facets.queryOptions());
  const list = useInfiniteQuery({
    ...trpc.audit.list.infiniteQueryOptions(
      { ...auditQueryToFilter(query), limit: AUDIT_PAGE_SIZE },
      { getNextPageParam: getAuditNextCursor },
    ),
    placeholderData: keepPreviousData,
  });
  const entries = list.data?.pages.flatMap((p) => p.items) ?? [];
  const hasFilters = Object.values(query).some(Boolean);

  const toggle = (id: number) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const facetOptions = (rows: { value: string; n: number }[] | undefined, label: (v: string) => string) =>
    (rows ?? []).map((f) => ({ value: f.value, label: `${label(f.value)} (${f.n})` }));

  return (
    <div>
      <PageHeader
        title="Audit log"
        subtitle="Every decision and edit: who, when, what, before and after. Newest first."
      />
      <div className="mb-3 flex flex-wrap items-end gap-2" role="search" aria-label="Filter the audit log">
        <FilterSelect
          label="Action"
          value={query.action}
          onChange={(v) => setFilters({ action: v })}
          options={facetOptions(facets.data?.actions, formatAuditAction)}
        />
        <FilterSelect
          label="Object type"
          value={query.objectType}
          onChange={(v) => setFilters({ objectType: v, objectId: undefined })}
          options={facetOptions(facets.data?.objectTypes, formatAuditObjectType)}
        />
        <FilterSelect
          label="Actor"
          value={query.actor}
          onChange={(v) => setFilters({ actor: v })}
          options={facetOptions(facets.data?.actors, (v) => v)}
        />
        <div className="flex flex-col">
          <label htmlFor="audit-from" className="text-xs font-medium text-slate-500">
            From
          </label>
          <Input
            id="audit-from"
            type="date"
            className="w-40"
            value={query.from ?? ''}
            max={query.to}
            onChange={(e) => setFilters({ from: e.target.value || undefined })}
          />
        </div>
        <div className="flex flex-col">
          <label htmlFor="audit-to" className="text-xs font-medium text-slate-500">
            To (inclusive)
          </label>
          <Input
            id="audit-to"
            type="date"
            className="w-40"
            value={query.to ?? ''}
            min={query.from}
            onChange={(e) => setFilters({ to: e.target.value || undefined })}
          />
        </div>
        {hasFilters ? (
          <Button variant="ghost" onClick={() => router.replace(pathname, { scroll: false })}>
            Clear filters
          </Button>
        ) : null}
      </div>
      {query.objectId ? (
        <p className="mb-3 text-sm text-slate-700">
          Showing the history of{' '}
          {query.objectType ? `${formatAuditObjectType(query.objectType).toLowerCase()} ` : ''}
          <span className="font-mono">{query.objectId}</span>{' '}
          <button
            type="button"
            className="text-indigo-700 hover:underline"
            onClick={() => setFilters({ objectId: undefined })}
          >
            (show all objects)
          </button>
        </p>
      ) : null}

      {list.error ? <ErrorMessage>Could not load the audit log: {list.error.message}</ErrorMessage> : null}
      {list.isPending ? (
        <p className="text-sm text-slate-600">Loading…</p>
      ) : entries.length === 0 && !list.error ? (
        <EmptyState title={hasFilters ? 'No audit entries match' : 'Nothing audited yet'}>
          {hasFilters
            ? 'Change or clear the filters.'
            : 'Decisions and edits (role changes, graph merges, label-function edits, comments…) appear here.'}
        </EmptyState>
      ) : (
        <div
          className={`overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200 ${list.isPlaceholderData ? 'opacity-60' : ''}`}
        >
          <table className="min-w-full text-sm" data-testid="audit-table">
            <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2">
                  When
                </th>
                <th scope="col" className="px-3 py-2">
                  Who
                </th>
                <th scope="col" className="px-3 py-2">
                  Action
                </th>
                <th scope="col" className="px-3 py-2">
                  Object
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Before and after</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {entries.map((e) => {
                const href = auditObjectHref(e);
                const isOpen = expanded.has(e.id);
                const objectLabel = (
                  <>
                    {formatAuditObjectType(e.objectType)}
                    {e.objectId ? (
                      <>
                        {' '}
                        <span className="font-mono text-xs" title={e.objectId}>
                          {shortId(e.objectId)}
                        </span>
                      </>
                    ) : null}
                  </>
                );
                return (
                  <Fragment key={e.id}>
                    <tr className="align-top hover:bg-slate-50" data-testid="audit-row">
                      <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                        <DateTime value={e.at} />
                      </td>
                      <td className="px-3 py-2">
                        {e.userName ? <div className="text-slate-900">{e.userName}</div> : null}
                        <div className={e.userName ? 'text-xs text-slate-500' : 'text-slate-900'}>
                          {e.actor}
                        </div>
                      </td>
                      <td className="px-3 py-2">
                        <span className="text-slate-900">{formatAuditAction(e.action)}</span>
                        <div className="font-mono text-xs text-slate-400">{e.action}</div>
                      </td>
                      <td className="px-3 py-2">
                        {href ? (
                          <Link href={href} className="text-indigo-700 hover:underline">
                            {objectLabel}
                          </Link>
                        ) : (
                          <span className="text-slate-800">{objectLabel}</span>
                        )}
                        {e.objectId && query.objectId !== e.objectId ? (
                          <button
                            type="button"
                            className="ml-2 text-xs text-slate-500 hover:text-indigo-700"
                            onClick={() =>
                              setFilters({ objectType: e.objectType, objectId: e.objectId ?? undefined })
                            }
                            title="Show every audited change to this object"
                          >
                            history
                          </button>
                        ) : null}
                      </td>
                      <td className="whitespace-nowrap px-3 py-2 text-right">
                        {e.before == null && e.after == null ? (
                          <Badge>no details</Badge>
                        ) : (
                          <Button
                            variant="ghost"
                            className="px-2 py-0.5 text-xs"
                            aria-expanded={isOpen}
                            aria-controls={`audit-detail-${e.id}`}
                            onClick={() => toggle(e.id)}
                          >
                            {isOpen ? 'Hide changes' : 'Show changes'}
                          </Button>
                        )}
                      </td>
                    </tr>
                    {isOpen ? (
                      <tr id={`audit-detail-${e.id}`} className="bg-slate-50">
                        <td colSpan={5} className="px-3 py-3">
                          <AuditDiff before={e.before} after={e.after} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {entries.length > 0 ? (
        <div className="mt-3 flex items-center justify-between gap-3 text-sm text-slate-600">
          <span>
            {entries.length.toLocaleString()} entr{entries.length === 1 ? 'y' : 'ies'} shown
            {list.hasNextPage ? '' : ' · end of the log'}
          </span>
          {list.hasNextPage ? (
            <Button
              variant="secondary"
              disabled={list.isFetchingNextPage}
              onClick={() => void list.fetchNextPage()}
            >
              {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </Button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function FilterSelect(props: {
  label: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  options: { value: string; label: string }[];
}) {
  const id = `audit-filter-${props.label.toLowerCase().replace(/\W+/g, '-')}`;
  // A value from the URL that no entry has (yet) stays selectable, so the select shows it.
  const options =
    props.value && !props.options.some((o) => o.value === props.value)
      ? [{ value: props.value, label: props.value }, ...props.options]
      : props.options;
  return (
    <div className="flex flex-col">
      <label htmlFor={id} className="text-xs font-medium text-slate-500">
        {props.label}
      </label>
      <Select
        id={id}
        className="w-56"
        value={props.value ?? ''}
        onChange={(e) => props.onChange(e.target.value || undefined)}
      >
        <option value="">any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </Select>
    </div>
  );
}
