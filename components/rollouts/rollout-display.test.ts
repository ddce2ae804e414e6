import { describe, expect, it } from 'vitest';
import {
  buildStartRolloutsInput,
  describeDemoStatus,
  describeRolloutSummary,
  formatPercent,
  isDemoActive,
  parseIntegerField,
  parseProbabilityField,
  ROLLOUT_JOB_KIND,
  rolloutJobMode,
  toRolloutJobSummary,
  type LauncherForm,
} from '@/components/rollouts/rollout-display';
import { ROLLOUT_JOB_KIND as SERVER_ROLLOUT_JOB_KIND } from '@/server/services/rollout-service';

const FORM: LauncherForm = {
  mode: 'rollout',
  policy: 'noisy-expert',
  appIds: ['shop'],
  taskIds: [],
  samplesPerTask: '5',
  parallelBrowsers: '2',
  noise: '0.2',
};

describe('formatPercent', () => {
  it('rounds and clamps fractions', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.423)).toBe('42%');
    expect(formatPercent(0.995)).toBe('100%');
    expect(formatPercent(1.7)).toBe('100%');
    expect(formatPercent(-0.2)).toBe('0%');
  });
  it('shows 0% for missing values', () => {
    expect(formatPercent(null)).toBe('0%');
    expect(formatPercent(undefined)).toBe('0%');
    expect(formatPercent(Number.NaN)).toBe('0%');
  });
});

describe('number fields', () => {
  it('accepts whole numbers in range only', () => {
    expect(parseIntegerField(' 5 ', 'Samples', { min: 1, max: 50 })).toEqual({ ok: true, value: 5 });
    for (const text of ['', '0', '51', '2.5', 'abc']) {
      const r = parseIntegerField(text, 'Samples', { min: 1, max: 50 });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toBe('Samples: enter a whole number from 1 to 50');
    }
  });
  it('accepts probabilities 0–1', () => {
    expect(parseProbabilityField('0.25', 'Noise')).toEqual({ ok: true, value: 0.25 });
    expect(parseProbabilityField('0', 'Noise')).toEqual({ ok: true, value: 0 });
    expect(parseProbabilityField('1.2', 'Noise').ok).toBe(false);
    expect(parseProbabilityField('', 'Noise').ok).toBe(false);
  });
});

describe('buildStartRolloutsInput', () => {
  it('sends the chosen apps with policy, samples, browsers and noise', () => {
    expect(buildStartRolloutsInput(FORM)).toEqual({
      ok: true,
      value: {
        appIds: ['shop'],
        taskIds: [],
        kind: 'rollout',
        policy: 'noisy-expert',
        samplesPerTask: 5,
        parallelBrowsers: 2,
        noise: 0.2,
      },
    });
  });
  it('sends only the checked tasks when some are checked', () => {
    const r = buildStartRolloutsInput({ ...FORM, taskIds: ['t1', 't2'] });
    expect(r.ok && r.value.appIds).toEqual([]);
    expect(r.ok && r.value.taskIds).toEqual(['t1', 't2']);
  });
  it('leaves noise out for the openai policy (even when the field is invalid)', () => {
    const r = buildStartRolloutsInput({ ...FORM, policy: 'openai', noise: 'x' });
    expect(r.ok).toBe(true);
    expect(r.ok && 'noise' in r.value).toBe(false);
    expect(r.ok && r.value.policy).toBe('openai');
  });
  it('records expert demos with only the browsers setting', () => {
    expect(buildStartRolloutsInput({ ...FORM, mode: 'expert', samplesPerTask: '', noise: '' })).toEqual({
      ok: true,
      value: { appIds: ['shop'], taskIds: [], kind: 'expert', parallelBrowsers: 2 },
    });
  });
  it('names the first problem', () => {
    expect(buildStartRolloutsInput({ ...FORM, appIds: [] })).toEqual({
      ok: false,
      error: 'Choose at least one app.',
    });
    expect(buildStartRolloutsInput({ ...FORM, parallelBrowsers: '17' })).toEqual({
      ok: false,
      error: 'Parallel browsers: enter a whole number from 1 to 16',
    });
    expect(buildStartRolloutsInput({ ...FORM, samplesPerTask: '0' }).ok).toBe(false);
    expect(buildStartRolloutsInput({ ...FORM, noise: '2' }).ok).toBe(false);
  });
});

describe('rollouts job summary', () => {
  const result = {
    episodes: 10,
    complete: 9,
    errored: 1,
    envSuccess: { true: 6, false: 3, unknown: 1 },
    browsersStarted: 2,
    seconds: 41.6,
    skipped: [{ taskId: 'x', externalId: 'app:shop:9', reason: 'no expert demo' }],
    scored: { tasks: 2, categories: {} },
    trajectoryIds: [],
  };
  it('reads the job result', () => {
    const s = toRolloutJobSummary(result);
    expect(s).toMatchObject({ episodes: 10, complete: 9, errored: 1, scoredTasks: 2 });
    expect(s?.skipped).toEqual([{ externalId: 'app:shop:9', reason: 'no expert demo' }]);
    expect(s && describeRolloutSummary(s, 'rollout')).toBe(
      '10 rollouts in 42 s: 9 complete, 1 errored; environment verdict 6 success, 3 failure, 1 unknown; 2 tasks scored.',
    );
    expect(s && describeRolloutSummary({ ...s, episodes: 1, scoredTasks: null }, 'expert')).toMatch(
      /^1 expert demo in 42 s: .*unknown\.$/,
    );
  });
  it('says how many tasks were skipped because they pass on the seed', () => {
    const s = toRolloutJobSummary({ ...result, seedPassingSkipped: 3 });
    expect(s?.seedPassingSkipped).toBe(3);
    expect(s && describeRolloutSummary(s, 'rollout')).toMatch(
      /; 3 tasks skipped because they pass on the seed\.$/,
    );
    expect(toRolloutJobSummary(result)?.seedPassingSkipped).toBe(0);
  });
  it('sends the difficulty and include-seed-passing only when chosen', () => {
    const form = {
      mode: 'rollout' as const,
      policy: 'noisy-expert' as const,
      appIds: ['shop'],
      taskIds: [],
      samplesPerTask: '5',
      parallelBrowsers: '2',
      noise: '0.2',
    };
    const plain = buildStartRolloutsInput(form);
    expect(plain.ok && 'difficulty' in plain.value).toBe(false);
    expect(plain.ok && 'includeSeedPassing' in plain.value).toBe(false);
    const filtered = buildStartRolloutsInput({ ...form, difficulty: 'hard', includeSeedPassing: true });
    expect(filtered.ok && filtered.value).toMatchObject({ difficulty: 'hard', includeSeedPassing: true });
    const expert = buildStartRolloutsInput({ ...form, mode: 'expert', difficulty: 'easy' });
    expect(expert.ok && expert.value).toMatchObject({ kind: 'expert', difficulty: 'easy' });
  });
  it('rejects what is not a rollouts result', () => {
    expect(toRolloutJobSummary(null)).toBeNull();
    expect(toRolloutJobSummary({ tasks: 1 })).toBeNull();
  });
  it('reads the mode from the job input', () => {
    expect(rolloutJobMode({ kind: 'expert' })).toBe('expert');
    expect(rolloutJobMode({ kind: 'rollout' })).toBe('rollout');
    expect(rolloutJobMode(null)).toBe('rollout');
  });
  it('uses the server job kind', () => {
    expect(ROLLOUT_JOB_KIND).toBe(SERVER_ROLLOUT_JOB_KIND);
  });
});

describe('describeDemoStatus', () => {
  const base = { progress: 0.42, message: 'Recording 10 expert demos in Chromium', error: null };
  it('is null without a demo job', () => {
    expect(describeDemoStatus(null)).toBeNull();
  });
  it('shows the message and percentage while running', () => {
    expect(describeDemoStatus({ ...base, status: 'running' })).toEqual({
      kind: 'running',
      text: 'Setting up the demo: Recording 10 expert demos in Chromium',
      progress: 0.42,
      percent: '42%',
    });
    expect(describeDemoStatus({ ...base, status: 'queued', message: null, progress: 0 })).toMatchObject({
      text: 'Setting up the demo: waiting to start',
      percent: '0%',
    });
  });
  it('keeps the error text on failure', () => {
    const error = 'No Chromium at /usr/bin/chromium. Install it (apt-get install chromium)';
    expect(describeDemoStatus({ ...base, status: 'failed', error })).toEqual({ kind: 'failed', error });
    expect(describeDemoStatus({ ...base, status: 'failed', error: ' ' })).toEqual({
      kind: 'failed',
      error: 'The demo failed.',
    });
  });
  it('reports success and stopped jobs', () => {
    expect(describeDemoStatus({ ...base, status: 'succeeded', progress: 1 })).toEqual({ kind: 'succeeded' });
    expect(describeDemoStatus({ ...base, status: 'interrupted' })).toEqual({
      kind: 'stopped',
      text: 'The demo setup was interrupted before it finished.',
    });
  });
  it('polls only while queued or running', () => {
    expect(isDemoActive('queued')).toBe(true);
    expect(isDemoActive('running')).toBe(true);
    expect(isDemoActive('failed')).toBe(false);
    expect(isDemoActive(undefined)).toBe(false);
  });
});
