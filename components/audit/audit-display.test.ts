import { describe, expect, it } from 'vitest';
import {
  auditObjectHref,
  auditQueryToFilter,
  diffAuditValues,
  foldUnchanged,
  formatAuditAction,
  formatAuditObjectType,
  formatReadableJson,
  parseAuditQuery,
} from '@/components/audit/audit-display';

describe('parseAuditQuery / auditQueryToFilter', () => {
  it('reads the filters from the URL and ignores malformed dates', () => {
    const q = parseAuditQuery(
      new URLSearchParams(
        'action=graph.merge&type=strategy_graph&actor=a%40x.test&object=t1&from=2025-02-30&to=2025-03-04',
      ),
    );
    expect(q).toEqual({
      action: 'graph.merge',
      objectType: 'strategy_graph',
      actor: 'a@x.test',
      objectId: 't1',
      from: undefined,
      to: '2025-03-04',
    });
    expect(parseAuditQuery(new URLSearchParams('action=&from=yesterday'))).toEqual({
      action: undefined,
      objectType: undefined,
      actor: undefined,
      objectId: undefined,
      from: undefined,
      to: undefined,
    });
  });

  it('turns a day range into [start of first day, start of the day after the last)', () => {
    const f = auditQueryToFilter({ from: '2025-03-01', to: '2025-03-04' });
    expect(f.from).toEqual(new Date(2025, 2, 1));
    expect(f.to).toEqual(new Date(2025, 2, 5));
    // A reversed range is swapped.
    const r = auditQueryToFilter({ from: '2025-03-04', to: '2025-03-01' });
    expect([r.from, r.to]).toEqual([new Date(2025, 2, 1), new Date(2025, 2, 5)]);
    // Month ends roll over.
    expect(auditQueryToFilter({ to: '2025-12-31' }).to).toEqual(new Date(2026, 0, 1));
  });
});

describe('labels and links', () => {
  it('labels every action the code writes, and humanises unknown ones', () => {
    for (const action of [
      'user.create',
      'user.set_role',
      'invitation.create',
      'invitation.revoke',
      'graph.init',
      'graph.merge',
      'label_function.save',
      'import',
      'llm_settings.update',
      'comment.add',
      'comment.resolve',
      'review.decide',
      'review.adjudicate',
      'review.settings',
      'task.create',
      'trajectory.promote',
    ]) {
      expect(formatAuditAction(action)).not.toBe(action);
    }
    expect(formatAuditAction('review.decide_item')).toBe('Review decide item');
    expect(formatAuditObjectType('pool_node')).toBe('Label function');
    expect(formatAuditObjectType('export_job')).toBe('Export job');
  });

  it('maps object types to their pages; unknown types have no link', () => {
    const href = (objectType: string, objectId: string | null, after?: unknown) =>
      auditObjectHref({ objectType, objectId, after });
    expect(href('task', 't1')).toBe('/tasks/t1');
    expect(href('strategy_graph', 't1')).toBe('/tasks/t1');
    expect(href('pool_node', '12')).toBe('/label-functions/12');
    expect(href('trajectory', 'r1')).toBe('/trajectories/r1');
    expect(href('user', 'u1')).toBe('/admin/users');
    expect(href('invitation', 'i1')).toBe('/admin/users');
    expect(href('review_item', 'x/y')).toBe('/review/item/x%2Fy');
    expect(href('llm_setting', 'coder')).toBe('/settings/models');
    expect(href('pipeline_run', 'p1')).toBe('/pipeline/runs/p1');
    expect(href('import', 'core')).toBe('/import');
    expect(href('review_queue', 'lf_flag')).toBe('/review/adjudication');
    expect(href('something_new', 'z')).toBeNull();
    expect(href('task', null)).toBeNull();
    // A comment entry deep-links the comment on its step (1-based in the URL).
    expect(href('trajectory', 'r1', { commentId: 'c1', stepIndex: 4, body: 'hm' })).toBe(
      '/trajectories/r1?step=5#comment-c1',
    );
  });
});

describe('formatReadableJson / diffAuditValues', () => {
  const before = {
    version: 1,
    code: 'def label_function(trajectory):\n    return validate_click(trajectory, "button", "Buy")\n',
  };
  const after = {
    version: 2,
    code: 'def label_function(trajectory):\n    return validate_click(trajectory, "button", "Buy now")\n',
    reason: 'label changed',
  };

  it('writes multi-line strings verbatim as an indented block, so code stays readable', () => {
    expect(formatReadableJson(before)).toBe(
      [
        '{',
        '  "version": 1,',
        '  "code": |',
        '    def label_function(trajectory):',
        '        return validate_click(trajectory, "button", "Buy")',
        '',
        '}',
      ].join('\n'),
    );
    expect(formatReadableJson({ a: [1, 'x', null], b: {}, c: [] })).toBe(
      ['{', '  "a": [', '    1,', '    "x",', '    null', '  ],', '  "b": {},', '  "c": []', '}'].join('\n'),
    );
  });

  it('diffs line by line: only the changed code line and the changed fields differ', () => {
    const lines = diffAuditValues(before, after);
    const changed = lines.filter((l) => l.kind !== 'unchanged').map((l) => `${l.kind} ${l.text.trim()}`);
    expect(changed).toEqual([
      'removed "version": 1,',
      'added "version": 2,',
      'removed return validate_click(trajectory, "button", "Buy")',
      'added return validate_click(trajectory, "button", "Buy now")',
      'added "reason": "label changed"',
    ]);
    expect(lines.find((l) => l.text.includes('def label_function'))).toMatchObject({
      kind: 'unchanged',
      oldLine: 4,
      newLine: 4,
    });
  });

  it('shows a creation as all added, and nothing when both sides are missing', () => {
    expect(diffAuditValues(null, { role: 'pi' }).map((l) => l.kind)).toEqual(['added', 'added', 'added']);
    expect(diffAuditValues({ role: 'pi' }, undefined).map((l) => l.kind)).toEqual([
      'removed',
      'removed',
      'removed',
    ]);
    expect(diffAuditValues(null, null)).toEqual([]);
  });

  it('folds long unchanged runs but keeps context around changes', () => {
    const big = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    const hunks = foldUnchanged(diffAuditValues(big, { ...big, k15: 'changed' }), 3);
    expect(hunks.map((h) => `${h.kind}:${h.lines.length}`)).toEqual([
      'folded:13', // "{" and k0..k11
      'lines:8', // k12..k14, -k15, +k15, k16..k18
      'folded:12', // k19..k29 and "}"
    ]);
    // Nothing changed: everything is shown.
    expect(foldUnchanged(diffAuditValues({ a: 1 }, { a: 1 }))).toEqual([
      { kind: 'lines', lines: expect.any(Array) as unknown[] },
    ]);
  });
});
