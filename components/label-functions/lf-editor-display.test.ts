import { describe, expect, it } from 'vitest';
import {
  buildUnifiedDiff,
  filterTrajectories,
  formatEnvVerdict,
  formatStatusShift,
  isJobActive,
  isModShortcut,
  testCellBadge,
  testCellStatus,
  toggleId,
  trajectoryStepHref,
} from '@/components/label-functions/lf-editor-display';

const lf = (body: string) => `def label_function(trajectory):\n    return ${body}\n`;

describe('buildUnifiedDiff', () => {
  it('gives no hunks for identical code', () => {
    expect(buildUnifiedDiff(lf('True'), lf('True'))).toEqual({ hunks: [], added: 0, removed: 0 });
  });

  it('numbers old and new lines and counts changes', () => {
    const diff = buildUnifiedDiff(
      lf("validate_click(trajectory, None, 'Most stars')"),
      lf("validate_click(trajectory, 'button', 'Most stars')"),
    );
    expect(diff.added).toBe(1);
    expect(diff.removed).toBe(1);
    expect(diff.hunks).toHaveLength(1);
    expect(diff.hunks[0]!.header).toBe('@@ -1,2 +1,2 @@');
    expect(diff.hunks[0]!.lines).toEqual([
      { kind: 'context', text: 'def label_function(trajectory):', oldNumber: 1, newNumber: 1 },
      {
        kind: 'del',
        text: "    return validate_click(trajectory, None, 'Most stars')",
        oldNumber: 2,
        newNumber: null,
      },
      {
        kind: 'add',
        text: "    return validate_click(trajectory, 'button', 'Most stars')",
        oldNumber: null,
        newNumber: 2,
      },
    ]);
  });

  it('keeps three lines of context and splits distant changes into hunks', () => {
    const old = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const changed = old.replace('line 2\n', 'line two\n').replace('line 18\n', 'line eighteen\n');
    const diff = buildUnifiedDiff(old, changed);
    expect(diff.hunks.map((h) => h.header)).toEqual(['@@ -1,5 +1,5 @@', '@@ -15,6 +15,6 @@']);
    expect(diff.hunks[1]!.lines.find((l) => l.kind === 'add')).toEqual({
      kind: 'add',
      text: 'line eighteen',
      oldNumber: null,
      newNumber: 18,
    });
  });

  it('marks a missing final newline as a note line', () => {
    const diff = buildUnifiedDiff('a\nb\n', 'a\nc');
    expect(diff.hunks[0]!.lines.map((l) => l.kind)).toEqual(['context', 'del', 'add', 'note']);
    expect(diff.hunks[0]!.lines.at(-1)!.text).toBe('No newline at end of file');
  });
});

describe('test-run cells', () => {
  it('reads status and badge from result and outcome', () => {
    expect(testCellStatus({ result: true, outcome: 'ok' })).toBe('pass');
    expect(testCellStatus({ result: false, outcome: 'ok' })).toBe('fail');
    expect(testCellStatus({ result: null, outcome: 'timeout' })).toBe('error');
    expect(testCellStatus(null)).toBeNull();
    expect(testCellBadge({ result: true, outcome: 'ok' })).toEqual({ label: 'pass', tone: 'green' });
    expect(testCellBadge({ result: false, outcome: 'ok' })).toEqual({ label: 'fail', tone: 'red' });
    expect(testCellBadge({ result: null, outcome: 'non_bool' })).toEqual({
      label: 'non-bool',
      tone: 'amber',
    });
    expect(testCellBadge({ result: null, outcome: 'exception' }).label).toBe('exception');
    expect(testCellBadge(null)).toEqual({ label: 'not run', tone: 'slate' });
  });

  it('links to the trajectory viewer at the 1-based evidence step', () => {
    expect(trajectoryStepHref('abc', 0)).toBe('/trajectories/abc?step=1');
    expect(trajectoryStepHref('abc', 4)).toBe('/trajectories/abc?step=5');
    expect(trajectoryStepHref('a b', null)).toBe('/trajectories/a%20b');
  });

  it('formats the shift of counts from current to draft', () => {
    expect(formatStatusShift({ pass: 3, fail: 1, error: 0 }, { pass: 2, fail: 1, error: 1 })).toBe(
      'pass 3 → 2 · fail 1 → 1 · error 0 → 1',
    );
    expect(formatEnvVerdict(true)).toBe('success');
    expect(formatEnvVerdict(false)).toBe('failure');
    expect(formatEnvVerdict(null)).toBe('unknown');
  });
});

describe('selection, filters, jobs and shortcuts', () => {
  it('toggles ids without touching the original set', () => {
    const ids = new Set(['a']);
    expect([...toggleId(ids, 'b', true)]).toEqual(['a', 'b']);
    expect([...toggleId(ids, 'a', false)]).toEqual([]);
    expect([...ids]).toEqual(['a']);
  });

  it('filters trajectories by their or their task external id', () => {
    const rows = [
      { id: '1', externalId: 'webvoyager:taskGitHub--0', taskExternalId: 'webvoyager:GitHub--0' },
      { id: '2', externalId: null, taskExternalId: 'webarena:shopping:3' },
    ];
    expect(filterTrajectories(rows, ' github ').map((r) => r.id)).toEqual(['1']);
    expect(filterTrajectories(rows, 'SHOPPING').map((r) => r.id)).toEqual(['2']);
    expect(filterTrajectories(rows, '')).toHaveLength(2);
  });

  it('knows active job states', () => {
    expect(isJobActive('queued')).toBe(true);
    expect(isJobActive('running')).toBe(true);
    for (const s of ['succeeded', 'failed', 'cancelled', 'interrupted', undefined])
      expect(isJobActive(s)).toBe(false);
  });

  it('recognises Ctrl/Cmd shortcuts', () => {
    const base = { ctrlKey: false, metaKey: false, altKey: false };
    expect(isModShortcut({ ...base, key: 's', ctrlKey: true }, 's')).toBe(true);
    expect(isModShortcut({ ...base, key: 'S', metaKey: true }, 's')).toBe(true);
    expect(isModShortcut({ ...base, key: 'Enter', ctrlKey: true }, 'Enter')).toBe(true);
    expect(isModShortcut({ ...base, key: 's' }, 's')).toBe(false);
    expect(isModShortcut({ ...base, key: 's', ctrlKey: true, altKey: true }, 's')).toBe(false);
  });
});
