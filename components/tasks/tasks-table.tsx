'use client';
/**
 * The Tasks table: search, filters (site/app, origin, source, has rollouts, difficulty, seed
 * check), sort and pagination,
 * all kept in the URL so a view can be shared and survives reloads. Queries run server-side with
 * LIMIT/OFFSET, so the page stays fast at 10,000 tasks; the previous page stays on screen while
 * the next loads.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/card';
import { Input, Select } from '@/components/ui/field';
import { EmptyState, ErrorMessage } from '@/components/ui/states';
import { TASK_ORIGINS } from '@/lib/core/types';
import { PAGE_SIZES, parseTasksQuery } from '@/components/tasks/tasks-query';
import { DateTime } from '@/components/ui/date-time';
import { useTRPC } from '@/lib/trpc/client';

export function TasksTable() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const query = parseTasksQuery(new URLSearchParams(searchParams.toString()));
  const [searchText, setSearchText] = useState(query.search ?? '');

  const setParams = (changes: Record<string, string | undefined>, resetPage = true) => {
    const next = new URLSearchParams(searchParams.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    if (resetPage) next.delete('page');
    const qs = next.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  // Debounce the search box into the URL.
  useEffect(() => {
    if ((query.search ?? '') === searchText) return;
    const timer = setTimeout(() => setParams({ q: searchText.trim() || undefined }), 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only the typed text drives the debounce
  }, [searchText]);

  const list = useQuery({ ...trpc.tasks.list.queryOptions(query), placeholderData: keepPreviousData });
  const facets = useQuery(trpc.tasks.facets.queryOptions());
  const total = list.data?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / query.pageSize));

  return (
    <div>
      <PageHeader
        title="Tasks"
        subtitle={list.data ? `${total.toLocaleString()} task${total === 1 ? '' : 's'}` : 'Loading…'}
      />
      <div className="mb-3 flex flex-wrap items-end gap-2" role="search">
        <div className="w-full max-w-sm">
          <label htmlFor="task-search" className="sr-only">
            Search tasks
          </label>
          <Input
            id="task-search"
            type="search"
            placeholder="Search intent or id…"
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
          />
        </div>
        <FilterSelect
          label="Site"
          value={query.site ?? ''}
          onChange={(v) => setParams({ site: v })}
          options={(facets.data?.sites ?? []).map((s) => ({ value: s.value, label: `${s.value} (${s.n})` }))}
        />
        <FilterSelect
          label="Origin"
          value={query.origin ?? ''}
          onChange={(v) => setParams({ origin: v })}
          options={TASK_ORIGINS.map((o) => ({ value: o, label: o }))}
        />
        <FilterSelect
          label="Source"
          value={query.source ?? ''}
          onChange={(v) => setParams({ source: v })}
          options={(facets.data?.sources ?? []).map((s) => ({
            value: s.value,
            label: `${s.value} (${s.n})`,
          }))}
        />
        <FilterSelect
          label="Rollouts"
          value={query.hasRollouts === undefined ? '' : query.hasRollouts ? 'yes' : 'no'}
          onChange={(v) => setParams({ rollouts: v })}
          options={[
            { value: 'yes', label: 'has rollouts' },
            { value: 'no', label: 'no rollouts' },
          ]}
        />
        <FilterSelect
          label="Difficulty"
          value={query.difficulty ?? ''}
          onChange={(v) => setParams({ difficulty: v })}
          options={[
            ...(facets.data?.difficulties ?? []).map((d) => ({
              value: d.value,
              label: `${d.value} (${d.n})`,
            })),
            { value: 'none', label: 'no difficulty' },
          ]}
        />
        <FilterSelect
          label="Seed check"
          value={query.seedCheck ?? ''}
          onChange={(v) => setParams({ seed: v })}
          options={[
            { value: 'passes', label: `passes on the seed (${facets.data?.seedChecks.passes ?? 0})` },
            { value: 'fails', label: `fails on the seed (${facets.data?.seedChecks.fails ?? 0})` },
            { value: 'unchecked', label: 'not checked' },
          ]}
        />
        <FilterSelect
          label="Sort"
          value={query.sort === 'newest' ? '' : query.sort}
          onChange={(v) => setParams({ sort: v })}
          emptyLabel="newest first"
          options={[
            { value: 'oldest', label: 'oldest first' },
            { value: 'intent', label: 'intent A–Z' },
          ]}
        />
      </div>
      {list.error ? <ErrorMessage>{list.error.message}</ErrorMessage> : null}
      {list.data && list.data.items.length === 0 ? (
        <EmptyState title="No tasks match">
          Change the search or filters, or import data from the Import page.
        </EmptyState>
      ) : (
        <div
          className={`overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200 ${list.isPlaceholderData ? 'opacity-60' : ''}`}
        >
          <table className="min-w-full text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-3 py-2">Intent</th>
                <th className="px-3 py-2">Site / app</th>
                <th className="px-3 py-2">Source</th>
                <th className="px-3 py-2">Origin</th>
                <th className="px-3 py-2">Difficulty</th>
                <th className="px-3 py-2 text-right">Expert demos</th>
                <th className="px-3 py-2 text-right">Rollouts</th>
                <th className="px-3 py-2">Added</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.data?.items.map((t) => (
                <tr key={t.id} className="hover:bg-slate-50">
                  <td className="max-w-xl px-3 py-2">
                    <Link
                      href={`/tasks/${t.id}`}
                      className="line-clamp-2 font-medium text-slate-900 hover:text-indigo-700"
                    >
                      {t.intent || <span className="italic text-slate-400">(no intent)</span>}
                    </Link>
                    <span className="font-mono text-xs text-slate-400">{t.externalId}</span>
                    {t.passesOnSeed ? (
                      <span className="ml-2">
                        <Badge tone="amber" title={t.seedCheckMessage ?? undefined}>
                          passes on the seed
                        </Badge>
                      </span>
                    ) : null}
                  </td>
                  <td className="px-3 py-2 text-slate-700">{t.site ?? '—'}</td>
                  <td className="px-3 py-2 text-slate-700">{t.source}</td>
                  <td className="px-3 py-2">
                    <Badge tone={t.origin === 'seed' ? 'slate' : 'indigo'}>{t.origin}</Badge>
                  </td>
                  <td className="px-3 py-2 text-slate-700">{t.difficulty ?? '—'}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{t.expertCount}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{t.rolloutCount}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-slate-500">
                    <DateTime value={t.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav aria-label="Pagination" className="mt-3 flex items-center justify-between gap-3 text-sm">
        <div className="flex items-center gap-2">
          <label htmlFor="page-size" className="text-slate-600">
            Rows
          </label>
          <Select
            id="page-size"
            className="w-20"
            value={query.pageSize}
            onChange={(e) => setParams({ size: e.target.value })}
          >
            {PAGE_SIZES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </Select>
        </div>
        <div className="flex items-center gap-2">
          <Button
            variant="secondary"
            disabled={query.page <= 1}
            onClick={() => setParams({ page: String(query.page - 1) }, false)}
          >
            Previous
          </Button>
          <span className="tabular-nums text-slate-600">
            Page {query.page} of {pageCount}
          </span>
          <Button
            variant="secondary"
            disabled={query.page >= pageCount}
            onClick={() => setParams({ page: String(query.page + 1) }, false)}
          >
            Next
          </Button>
        </div>
      </nav>
    </div>
  );
}

function FilterSelect(props: {
  label: string;
  value: string;
  onChange: (value: string | undefined) => void;
  options: { value: string; label: string }[];
  emptyLabel?: string;
}) {
  const id = `filter-${props.label.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <div className="flex flex-col">
      <label htmlFor={id} className="text-xs font-medium text-slate-500">
        {props.label}
      </label>
      <Select
        id={id}
        className="w-44"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value || undefined)}
      >
        <option value="">{props.emptyLabel ?? 'any'}</option>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </Select>
    </div>
  );
}
