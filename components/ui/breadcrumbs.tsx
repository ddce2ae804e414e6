import Link from 'next/link';
import { Fragment } from 'react';

/** A breadcrumb trail: linked crumbs (`href`) and a last, current one. Ids are shown in mono. */
export function Breadcrumbs({ items }: { items: { label: string; href?: string; mono?: boolean }[] }) {
  return (
    <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
      {items.map((item, i) => (
        <Fragment key={`${i}-${item.label}`}>
          {i > 0 ? ' / ' : null}
          {item.href ? (
            <Link href={item.href} className={`hover:text-slate-800 ${item.mono ? 'font-mono' : ''}`}>
              {item.label}
            </Link>
          ) : (
            <span className={item.mono ? 'font-mono' : ''}>{item.label}</span>
          )}
        </Fragment>
      ))}
    </nav>
  );
}
