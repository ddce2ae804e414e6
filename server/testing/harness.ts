/**
 * Test harness for server tests (STYLE.md §8): a fresh migrated SQLite database in a temporary
 * data directory, Better Auth and a job runner over it, and fabricated users per role.
 * Each call makes a new, independent world; `cleanup()` removes it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Role } from '@/lib/core/roles';
import { createAuth, type Auth } from '@/server/auth/auth';
import { DB_FILE_NAME, openDb, type Db } from '@/server/db/client';
import { user } from '@/server/db/schema';
import { createJobHandlers } from '@/server/jobs/handlers';
import { JobRunner } from '@/server/jobs/runner';
import { createLazyLabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { createCaller } from '@/server/trpc/root';
import type { SessionUser, TrpcContext } from '@/server/trpc/init';

export const SHARED_DATA_DIR = path.resolve(process.cwd(), '../shared/data');
export const WEBVOYAGER_EXAMPLES = path.join(SHARED_DATA_DIR, 'webvoyager/examples');

export interface TestWorld {
  db: Db;
  dataDir: string;
  auth: Auth;
  jobs: JobRunner;
  /** Inserts a user row with `role` directly (no password) and returns it as a session user. */
  makeUser: (role: Role, email?: string) => SessionUser;
  /** A tRPC caller acting as `sessionUser` (null = signed out). */
  caller: (sessionUser: SessionUser | null) => ReturnType<typeof createCaller>;
  context: (sessionUser: SessionUser | null) => TrpcContext;
  /** The sandbox, started only if a test uses it (scoring jobs). */
  lfRunner: ReturnType<typeof createLazyLabelFunctionRunner>;
  cleanup: () => Promise<void>;
}

export function createTestWorld(): TestWorld {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-test-'));
  const db = openDb(path.join(dataDir, DB_FILE_NAME));
  const auth = createAuth(db, {
    secret: 'test-secret-test-secret-test-secret-0123',
    baseUrl: 'http://localhost:3000',
  });
  const lfRunner = createLazyLabelFunctionRunner();
  const jobs = new JobRunner(db, createJobHandlers(db, dataDir, lfRunner.get));
  const context = (sessionUser: SessionUser | null): TrpcContext => ({
    db,
    dataDir,
    auth,
    jobs,
    user: sessionUser,
  });
  return {
    db,
    dataDir,
    auth,
    jobs,
    makeUser(role, email) {
      const id = randomUUID();
      const address = email ?? `${role}-${id.slice(0, 8)}@example.test`;
      db.insert(user).values({ id, name: role, email: address, role, updatedAt: new Date() }).run();
      return { id, email: address, name: role, role };
    },
    context,
    caller: (sessionUser) => createCaller(context(sessionUser)),
    lfRunner,
    async cleanup() {
      await lfRunner.close();
      db.$client.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
