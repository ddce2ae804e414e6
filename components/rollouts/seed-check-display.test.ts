import { describe, expect, it } from 'vitest';
import {
  describeSeedCheck,
  seedPassingTasksHref,
  toSeedCheckSummary,
} from '@/components/rollouts/seed-check-display';

describe('seed-check display', () => {
  const result = {
    apps: [
      {
        appId: 'gitlab',
        name: 'GitLab — Plan & Track',
        tasks: 3,
        passing: [
          {
            taskId: 'x',
            externalId: 'app:gitlab:t1',
            intent: 'Do it',
            message: 'already done',
            passesOnSeed: true,
          },
        ],
        failing: 1,
        undetermined: [{ externalId: 'app:gitlab:t3', intent: 'Other', message: 'Verifier error: boom' }],
        loadError: null,
      },
    ],
    checked: 3,
    passing: 1,
    failing: 1,
    undetermined: 1,
    seconds: 4.4,
  };

  it('reads a job result and says what the check found', () => {
    const view = toSeedCheckSummary(result);
    expect(view?.apps[0]?.passing).toEqual([
      { externalId: 'app:gitlab:t1', intent: 'Do it', message: 'already done' },
    ]);
    expect(describeSeedCheck(view!)).toBe(
      '3 tasks checked in 4 s: 1 pass on the seed, 1 do not, 1 could not be checked.',
    );
    expect(toSeedCheckSummary(null)).toBeNull();
    expect(toSeedCheckSummary({ episodes: 3 })).toBeNull();
  });

  it('links to the Tasks list filtered to the app and to tasks that pass on the seed', () => {
    expect(seedPassingTasksHref('GitLab — Plan & Track')).toBe(
      '/tasks?site=GitLab+%E2%80%94+Plan+%26+Track&seed=passes',
    );
  });
});
