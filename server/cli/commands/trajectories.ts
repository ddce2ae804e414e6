/**
 * `core-curator trajectories promote <trajectory-id> [--allow-unverified] [--json]` — makes a
 * rollout, ingested run or correction an expert demo of its task (`promote-service.ts`), recorded
 * and audited with the actor `cli`. Without `--allow-unverified` only a run whose environment
 * verdict is success is promoted; a refusal exits 1 with the reason on stderr.
 */
import type { Command } from 'commander';
import { withDb } from '@/server/cli/shared';
import { promoteTrajectory, type PromoteResult } from '@/server/services/promote-service';

/** The text output of a promotion. */
export function formatPromoteResult(r: PromoteResult): string {
  return [
    `Promoted trajectory ${r.sourceId} to expert demo ${r.demoId}`,
    `  task:       ${r.taskExternalId}`,
    `  steps:      ${r.stepCount}`,
    `  iteration:  ${r.iterationId}`,
    ...(r.unverified ? ["  unverified: the environment's verdict was not success (--allow-unverified)"] : []),
    `  abstract learns from it: npx core-curator abstract --task ${r.taskExternalId}`,
  ].join('\n');
}

export function registerTrajectoryCommands(program: Command): void {
  const trajectories = program.command('trajectories').description('Work with single trajectories.');
  trajectories
    .command('promote')
    .description(
      'Make a rollout, ingested run or correction an expert demo of its task (a linked copy; audited). ' +
        'Only a run whose environment verdict is success, unless --allow-unverified.',
    )
    .argument('<trajectory-id>', 'the trajectory to promote (its id, as in the viewer URL)')
    .option('--allow-unverified', "also promote when the environment's verdict is failure or unknown")
    .option('--json', 'print the result as JSON')
    .action((trajectoryId: string, opts: { allowUnverified?: boolean; json?: boolean }) =>
      withDb(program, (db) => {
        const result = promoteTrajectory(db, {
          trajectoryId,
          allowUnverified: opts.allowUnverified ?? false,
          actor: { userId: null, label: 'cli' },
        });
        process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${formatPromoteResult(result)}\n`);
        return Promise.resolve();
      }),
    );
}
