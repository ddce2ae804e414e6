import { describe, expect, it } from 'vitest';

import {
  parseCoreTasks,
  parseCoreTasksText,
  serializeCoreTasks,
  type CoreTasks,
} from '@/lib/core/core-format/tasks';
import { catchImportFormatError, TASKS_TEXT } from '@/lib/core/core-format/test-fixtures';
import { linearPath, mergePath } from '@/lib/core/strategy-graph/merge';
import { validateGraph } from '@/lib/core/strategy-graph/validate';
import { computeVerdict } from '@/lib/core/strategy-graph/verdict';

describe('tasks.json', () => {
  it('parses the reference file: objectives, templates, graphs and extra fields', () => {
    const tasks = parseCoreTasksText(TASKS_TEXT);
    expect(Object.keys(tasks)).toEqual(['ClockTimerEntry', 'RecipeSearch', 'ExpenseDelete']);
    const clock = tasks.ClockTimerEntry!;
    expect(clock.objective).toBe('Create a timer of 5 minutes and start it.');
    expect(clock.template).toBe('Create a timer of {minutes} minutes and start it.');
    expect(computeVerdict(clock.key_nodes, { 1: true, 2: true, 3: true, 4: true, 5: true }).path).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
    const recipe = tasks.RecipeSearch!;
    expect(recipe.template).toBeNull();
    expect(recipe.params).toEqual({ dish: 'crème brûlée' });
    expect(validateGraph(recipe.key_nodes).cycles).toEqual([['7', '8']]);
    const expenses = tasks.ExpenseDelete!;
    expect(expenses.iteration).toBe(2);
    expect(Object.keys(expenses.key_nodes)).toEqual(['0', '1', '2', '8', '-1']);
    expect(validateGraph(expenses.key_nodes).isWellFormed).toBe(true);
  });

  it('writes the reference file back byte for byte', () => {
    expect(serializeCoreTasks(parseCoreTasksText(TASKS_TEXT))).toBe(TASKS_TEXT);
  });

  it('round-trips: parse(serialize(x)) deep-equals x, for merged graphs too', () => {
    const merged = mergePath(linearPath(['3', '1', '2']), linearPath(['3', '2', '1'])).graph;
    const tasks: CoreTasks = {
      'Task with spaces & ünïcode': {
        objective: 'Do it.',
        template: null,
        key_nodes: merged,
        notes: ['a', 1],
      },
      Empty: { objective: '', key_nodes: {} },
    };
    const parsed = parseCoreTasksText(serializeCoreTasks(tasks));
    expect(parsed).toEqual(tasks);
    expect('template' in parsed.Empty!).toBe(false);
  });

  it('reads numeric ids in the lists as strings', () => {
    const tasks = parseCoreTasks({
      T: { objective: 'o', template: 't', key_nodes: { 7: { parent_node_id: [0], child_node_id: [-1] } } },
    });
    expect(tasks.T!.key_nodes).toEqual({ 7: { parent_node_id: ['0'], child_node_id: ['-1'] } });
  });

  it('names the task and the JSON path of a shape error', () => {
    const bad = JSON.parse(TASKS_TEXT) as Record<
      string,
      { key_nodes: Record<string, { child_node_id: unknown[] }> }
    >;
    bad.RecipeSearch!.key_nodes['7']!.child_node_id[1] = true;
    const error = catchImportFormatError(() => parseCoreTasks(bad, 'export/tasks.json'));
    expect(error.file).toBe('export/tasks.json');
    expect(error.field).toBe('RecipeSearch.key_nodes["7"].child_node_id[1]');
    expect(
      catchImportFormatError(() => parseCoreTasks({ 'My task': { template: 'x', key_nodes: {} } })).field,
    ).toBe('["My task"].objective');
    expect(
      catchImportFormatError(() =>
        parseCoreTasks({ T: { objective: 'o', key_nodes: { 1: { parent_node_id: [] } } } }),
      ).field,
    ).toBe('T.key_nodes["1"].child_node_id');
    expect(catchImportFormatError(() => parseCoreTasks([])).field).toBeNull();
  });

  it('reports invalid JSON as an ImportFormatError', () => {
    expect(catchImportFormatError(() => parseCoreTasksText('{"T": ')).message).toMatch(
      /^tasks\.json: invalid JSON/,
    );
  });
});
