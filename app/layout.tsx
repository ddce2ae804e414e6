import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { AppShell } from '@/components/app-shell';
import { TRPCReactProvider } from '@/lib/trpc/client';
import { getOptionalUser } from '@/server/auth/session';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'core-curator', template: '%s · core-curator' },
  description: 'Curation of GUI-agent self-training data with CORE.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await getOptionalUser();
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>
          <AppShell user={user}>{children}</AppShell>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
