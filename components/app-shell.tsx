'use client';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { hasScope, type Scope } from '@/lib/core/roles';
import { authClient } from '@/lib/auth-client';
import type { SessionUser } from '@/server/trpc/init';

const NAV: { href: string; label: string; scope: Scope }[] = [
  { href: '/', label: 'Home', scope: 'tasks:read' },
  { href: '/tasks', label: 'Tasks', scope: 'tasks:read' },
  { href: '/review', label: 'Review', scope: 'reviews:work' },
  { href: '/import', label: 'Import', scope: 'imports:write' },
  { href: '/pipeline', label: 'Pipeline', scope: 'pipeline:read' },
  { href: '/live', label: 'Live', scope: 'rollouts:watch' },
  { href: '/exports', label: 'Exports', scope: 'exports:read' },
  { href: '/growth', label: 'Graph growth', scope: 'graphs:growth' },
  { href: '/quality', label: 'LF quality', scope: 'quality:read' },
  { href: '/admin/users', label: 'Users', scope: 'users:manage' },
  { href: '/settings/models', label: 'Models', scope: 'llm-settings:manage' },
  { href: '/settings/rollouts', label: 'Rollout settings', scope: 'settings:rollouts' },
  { href: '/settings/api-keys', label: 'API keys', scope: 'api-keys:manage' },
  { href: '/settings/fine-tuning', label: 'Fine-tuning', scope: 'fine-tune:configure' },
  { href: '/audit', label: 'Audit log', scope: 'audit:read' },
];

export function AppShell({ user, children }: { user: SessionUser | null; children: ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  const isActive = (href: string) => (href === '/' ? pathname === '/' : pathname.startsWith(href));
  return (
    <div className="flex min-h-full flex-col">
      <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/95 backdrop-blur">
        <div className="mx-auto flex h-12 max-w-[1600px] items-center gap-6 px-4">
          <Link href="/" className="flex items-center gap-2 font-semibold text-slate-900">
            <span className="grid h-6 w-6 place-items-center rounded bg-indigo-600 text-xs font-bold text-white">
              C
            </span>
            core-curator
          </Link>
          {user ? (
            <nav aria-label="Main" className="flex items-center gap-1 text-sm">
              {NAV.filter((n) => hasScope(user.role, n.scope)).map((n) => (
                <Link
                  key={n.href}
                  href={n.href}
                  aria-current={isActive(n.href) ? 'page' : undefined}
                  className={`rounded-md px-2.5 py-1.5 ${isActive(n.href) ? 'bg-slate-100 font-medium text-slate-900' : 'text-slate-600 hover:text-slate-900'}`}
                >
                  {n.label}
                </Link>
              ))}
            </nav>
          ) : null}
          <div className="ml-auto flex items-center gap-3 text-sm">
            {user ? (
              <>
                <span className="text-slate-600" data-testid="current-user">
                  {user.email}{' '}
                  <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium uppercase text-slate-700">
                    {user.role}
                  </span>
                </span>
                <button
                  type="button"
                  className="text-slate-600 hover:text-slate-900"
                  onClick={() => {
                    void authClient.signOut().then(() => {
                      router.push('/sign-in');
                      router.refresh();
                    });
                  }}
                >
                  Sign out
                </button>
              </>
            ) : null}
          </div>
        </div>
      </header>
      <main className="mx-auto w-full max-w-[1600px] flex-1 px-4 py-6">{children}</main>
    </div>
  );
}
