import { defineConfig, devices } from '@playwright/test';

/**
 * E2E tests drive the real UI in Debian's Chromium (Playwright cannot download browsers here;
 * STACK.md). The web server is the production build (`next build` runs before `playwright test`
 * in `npm run test:e2e`) started on its own port with its own data directory, seeded by
 * `e2e/prepare.ts` with one account per role.
 */
const PORT = Number(process.env.E2E_PORT ?? 3100);
export const E2E_DATA_DIR = 'e2e/.data';

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-gpu',
      ],
    },
  },
  projects: [
    { name: 'chromium', use: { ...devices['Desktop Chrome'], viewport: { width: 1440, height: 900 } } },
  ],
  webServer: {
    command: `npx tsx e2e/prepare.ts && npx next start -p ${PORT} -H 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/sign-in`,
    timeout: 120_000,
    reuseExistingServer: false,
    env: {
      CORE_CURATOR_DATA_DIR: E2E_DATA_DIR,
      BETTER_AUTH_URL: `http://127.0.0.1:${PORT}`,
      BETTER_AUTH_SECRET: 'e2e-secret-e2e-secret-e2e-secret-e2e-secret',
      // Every test signs in from 127.0.0.1; the production default (10 a minute) would throttle the suite.
      CORE_CURATOR_SIGN_IN_LIMIT: '1000',
      // The e2e database is seeded per spec; the embedded demo (issue 6) would race with the seeds.
      CORE_CURATOR_DEMO: '0',
    },
  },
});
