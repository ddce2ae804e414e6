/** The accounts `e2e/prepare.ts` seeds, one per role. */
export const E2E_PASSWORD = 'correct-horse-battery';

export const E2E_ACCOUNTS = {
  pi: { email: 'pi@e2e.test', name: 'Pat PI', role: 'pi' },
  researcher: { email: 'researcher@e2e.test', name: 'Robin Researcher', role: 'researcher' },
  annotator: { email: 'annotator@e2e.test', name: 'Ana Annotator', role: 'annotator' },
} as const;
