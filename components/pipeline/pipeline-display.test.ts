import { describe, expect, it } from 'vitest';
import {
  canResumeRun,
  describeProviders,
  describeScope,
  formatProvider,
  formatRate,
  formatUnitSummary,
  groupByTrajectory,
  isRunActive,
  parseIterationInput,
  sortAttempts,
  SYNTHESIS_RATES_HELP,
} from '@/components/pipeline/pipeline-display';

describe('formatRate', () => {
  it('shows a percentage, one decimal only when needed', () => {
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(0)).toBe('0%');
    expect(formatRate(0.5)).toBe('50%');
    expect(formatRate(5 / 6)).toBe('83.3%');
    expect(formatRate(0.9999)).toBe('100%');
  });
  it('shows a dash when there was nothing to divide by', () => {
    expect(formatRate(null)).toBe('—');
    expect(formatRate(undefined)).toBe('—');
    expect(formatRate(Number.NaN)).toBe('—');
  });
});

describe('canResumeRun', () => {
  it('is never offered while the job is queued or running', () => {
    expect(canResumeRun({ jobStatus: 'queued', failedUnits: 3 })).toBe(false);
    expect(canResumeRun({ jobStatus: 'running', failedUnits: 3 })).toBe(false);
  });
  it('is offered when the job failed, was cancelled or interrupted', () => {
    for (const jobStatus of ['failed', 'cancelled', 'interrupted'])
      expect(canResumeRun({ jobStatus, failedUnits: 0 })).toBe(true);
  });
  it('is offered after a successful job only when some units failed', () => {
    expect(canResumeRun({ jobStatus: 'succeeded', failedUnits: 0 })).toBe(false);
    expect(canResumeRun({ jobStatus: 'succeeded', failedUnits: 1 })).toBe(true);
  });
  it('is offered when the run has no job any more', () => {
    expect(canResumeRun({ jobStatus: null, failedUnits: 0 })).toBe(true);
  });
});

describe('isRunActive', () => {
  it('is true for queued and running only', () => {
    expect(isRunActive('queued')).toBe(true);
    expect(isRunActive('running')).toBe(true);
    expect(isRunActive('succeeded')).toBe(false);
    expect(isRunActive(null)).toBe(false);
  });
});

describe('providers', () => {
  it('labels the heuristic provider as offline', () => {
    expect(formatProvider({ provider: 'heuristic', model: 'heuristic-v1' })).toBe('heuristic (offline)');
    expect(formatProvider({ provider: 'openai', model: 'gpt-4o' })).toBe('openai:gpt-4o');
    expect(formatProvider(null)).toBe('—');
  });
  it('lists roles agent first, then coder', () => {
    expect(
      describeProviders({
        coder: { provider: 'heuristic', model: 'h' },
        agent: { provider: 'openai', model: 'qwen' },
      }),
    ).toEqual([
      { role: 'agent', label: 'openai:qwen', isHeuristic: false },
      { role: 'coder', label: 'heuristic (offline)', isHeuristic: true },
    ]);
  });
});

describe('describeScope', () => {
  it('names tasks and the iteration', () => {
    expect(describeScope({ taskIds: ['a'], iterationId: null })).toBe('1 task');
    expect(describeScope({ taskIds: ['a', 'b'], iterationId: null })).toBe('2 tasks');
    expect(describeScope({ taskIds: [], iterationId: 2 })).toBe('iteration 2');
    expect(describeScope({ taskIds: ['a'], iterationId: 2 })).toBe('1 task + iteration 2');
  });
});

describe('parseIterationInput', () => {
  it('accepts empty and positive whole numbers', () => {
    expect(parseIterationInput('')).toEqual({ ok: true, value: null });
    expect(parseIterationInput(' 3 ')).toEqual({ ok: true, value: 3 });
  });
  it('rejects anything else', () => {
    for (const text of ['0', '-1', '1.5', 'abc']) expect(parseIterationInput(text).ok).toBe(false);
  });
});

describe('formatUnitSummary', () => {
  it('joins the fields as text', () => {
    expect(formatUnitSummary({ reason: 'no expert demos' })).toBe('reason: no expert demos');
    expect(formatUnitSummary({ proposed: 3, duplicates: 0, x: null })).toBe('proposed: 3, duplicates: 0');
    expect(formatUnitSummary({})).toBe('');
  });
});

describe('groupByTrajectory / sortAttempts', () => {
  it('keeps first-seen trajectory order and row order', () => {
    const rows = [
      { trajectoryId: 't2', position: 0 },
      { trajectoryId: 't1', position: 0 },
      { trajectoryId: 't2', position: 1 },
    ];
    expect(groupByTrajectory(rows)).toEqual([
      { trajectoryId: 't2', rows: [rows[0], rows[2]] },
      { trajectoryId: 't1', rows: [rows[1]] },
    ]);
  });
  it('orders attempts by attempt number', () => {
    expect(sortAttempts([{ attempt: 3 }, { attempt: 1 }, { attempt: 2 }]).map((a) => a.attempt)).toEqual([
      1, 2, 3,
    ]);
  });
});

it('the rates help says these are our definitions', () => {
  expect(SYNTHESIS_RATES_HELP).toMatch(/our definitions/);
  expect(SYNTHESIS_RATES_HELP).toMatch(/within 5 attempts/);
});
