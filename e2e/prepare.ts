/**
 * Fresh e2e data directory: removes `$CORE_CURATOR_DATA_DIR`, migrates a new database and creates
 * one account per role (the first, the PI, through the bootstrap rule). Run by the Playwright web
 * server command before `next start`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createAuth } from '@/server/auth/auth';
import { DB_FILE_NAME, openDb } from '@/server/db/client';
import { readEnv } from '@/server/env';
import { createUserAccount } from '@/server/services/user-service';
import { E2E_ACCOUNTS, E2E_PASSWORD } from './accounts';

const env = readEnv();
fs.rmSync(env.dataDir, { recursive: true, force: true });
const db = openDb(path.join(env.dataDir, DB_FILE_NAME));
const auth = createAuth(db, {
  secret: env.authSecret ?? 'e2e-secret-e2e-secret-e2e-secret-e2e-secret',
  baseUrl: env.baseUrl,
});
for (const account of [E2E_ACCOUNTS.pi, E2E_ACCOUNTS.researcher, E2E_ACCOUNTS.annotator]) {
  await createUserAccount(
    db,
    auth,
    { id: null, email: 'e2e-prepare' },
    { ...account, password: E2E_PASSWORD },
  );
}
db.$client.close();
console.log(`e2e data directory ready at ${env.dataDir}`);
