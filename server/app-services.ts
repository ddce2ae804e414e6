/**
 * The process-wide services of the running server: database, data directory, auth, the job
 * runner and the label-function sandbox. Created once per process (a `globalThis` singleton survives Next dev reloads).
 */
import 'server-only';
import path from 'node:path';
import { getAuth } from '@/server/auth';
import type { Auth } from '@/server/auth/auth';
import { getDb, type Db } from '@/server/db/client';
import { readEnv } from '@/server/env';
import { createJobHandlers } from '@/server/jobs/handlers';
import { JobRunner, recoverInterruptedJobs } from '@/server/jobs/runner';
import { createLazyLabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { recoverInterruptedRollouts } from '@/server/services/live-trajectory-service';
import { DEMO_JOB_KIND, shouldStartDemo } from '@/server/services/demo-service';

export interface AppServices {
  db: Db;
  dataDir: string;
  auth: Auth;
  jobs: JobRunner;
  /** The label-function sandbox, started on first use (scoring, test runs). */
  lfRunner: ReturnType<typeof createLazyLabelFunctionRunner>;
}

const globalForServices = globalThis as unknown as { coreCuratorServices?: AppServices };

export function getAppServices(): AppServices {
  if (!globalForServices.coreCuratorServices) {
    const dataDir = path.resolve(readEnv().dataDir);
    const db = getDb();
    recoverInterruptedJobs(db);
    recoverInterruptedRollouts(db);
    const lfRunner = createLazyLabelFunctionRunner();
    const jobs = new JobRunner(db, createJobHandlers(db, dataDir, lfRunner.get));
    globalForServices.coreCuratorServices = { db, dataDir, auth: getAuth(), jobs, lfRunner };
    if (shouldStartDemo(db)) {
      // A fresh installation opens on one pass of the loop over the bundled apps (demo-service.ts).
      console.log(
        'core-curator: empty database, running the demo loop on the bundled apps (CORE_CURATOR_DEMO=0 to skip)',
      );
      jobs.enqueue(DEMO_JOB_KIND, {}, { createdBy: null });
    }
  }
  return globalForServices.coreCuratorServices;
}
