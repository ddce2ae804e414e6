/**
 * The process-wide services of the running server: database, data directory, auth and the job
 * runner. Created once per process (a `globalThis` singleton survives Next dev reloads).
 */
import 'server-only';
import path from 'node:path';
import { getAuth } from '@/server/auth';
import type { Auth } from '@/server/auth/auth';
import { getDb, type Db } from '@/server/db/client';
import { readEnv } from '@/server/env';
import { createJobHandlers } from '@/server/jobs/handlers';
import { JobRunner, recoverInterruptedJobs } from '@/server/jobs/runner';

export interface AppServices {
  db: Db;
  dataDir: string;
  auth: Auth;
  jobs: JobRunner;
}

const globalForServices = globalThis as unknown as { coreCuratorServices?: AppServices };

export function getAppServices(): AppServices {
  if (!globalForServices.coreCuratorServices) {
    const dataDir = path.resolve(readEnv().dataDir);
    const db = getDb();
    recoverInterruptedJobs(db);
    globalForServices.coreCuratorServices = {
      db,
      dataDir,
      auth: getAuth(),
      jobs: new JobRunner(db, createJobHandlers(db, dataDir)),
    };
  }
  return globalForServices.coreCuratorServices;
}
