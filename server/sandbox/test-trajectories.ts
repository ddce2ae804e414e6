/**
 * Trajectory dicts built from the shared WebVoyager example runs, for the sandbox tests and the
 * benchmark: the import parser (`readWebVoyagerRuns`) gives the steps, `buildTrajectoryDict` the
 * dict a label function receives.
 */
import path from 'node:path';

import { readWebVoyagerRuns } from '@/lib/core/import/node/webvoyager';
import { buildTrajectoryDict, type TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';

/** `../shared/data/webvoyager/examples`, beside the repository. */
export const WEBVOYAGER_EXAMPLES_DIR = path.resolve(process.cwd(), '../shared/data/webvoyager/examples');

/** Every example run as a trajectory dict, keyed by run folder name (`taskGitHub--0`). */
export async function loadWebVoyagerTrajectoryDicts(
  dir: string = WEBVOYAGER_EXAMPLES_DIR,
): Promise<Map<string, TrajectoryDict>> {
  const bundle = await readWebVoyagerRuns(dir);
  const tasks = new Map(bundle.tasks.map((task) => [task.externalId, task]));
  const dicts = new Map<string, TrajectoryDict>();
  for (const trajectory of bundle.trajectories) {
    const task = tasks.get(trajectory.taskExternalId);
    if (!task) throw new Error(`no task for ${trajectory.externalId}`);
    const runName = trajectory.externalId.replace(/^webvoyager:/, '');
    dicts.set(runName, buildTrajectoryDict({ task, trajectory, steps: trajectory.steps }));
  }
  return dicts;
}
