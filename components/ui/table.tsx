export type TableColumn =
  string | { label: string; align?: 'right'; /** Announced to screen readers only. */ hidden?: boolean };

/** The header row of a data table: one `<th scope="col">` per column, in the app's table style. */
export function TableHead({ columns }: { columns: readonly TableColumn[] }) {
  return (
    <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
      <tr>
        {columns.map((c) => {
          const col = typeof c === 'string' ? { label: c } : c;
          return (
            <th
              key={col.label}
              scope="col"
              className={`py-1.5 pr-4 font-medium ${col.align === 'right' ? 'text-right' : ''}`}
            >
              {col.hidden ? <span className="sr-only">{col.label}</span> : col.label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
