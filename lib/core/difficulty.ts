/**
 * Task difficulty (`task.difficulty`): WebArena-Infinity's `difficulty` and VisualWebArena's
 * `overall_difficulty` say `easy` | `medium` | `hard`. Values are stored lower-cased and trimmed;
 * any other word a task file uses is kept (lower-cased) rather than refused, so the Tasks filter
 * still offers it.
 */
export const TASK_DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export type TaskDifficulty = (typeof TASK_DIFFICULTIES)[number];

/** Longest difficulty stored, in characters (longer text is not a difficulty). */
export const MAX_DIFFICULTY_LENGTH = 40;

/**
 * @returns the value trimmed and lower-cased; null for a missing, empty, non-string or over-long
 *   value.
 */
export function normalizeDifficulty(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase();
  if (text === '' || text.length > MAX_DIFFICULTY_LENGTH) return null;
  return text;
}

/** Order for sorting and for filter menus: easy, medium, hard, then other values alphabetically. */
export function compareDifficulty(a: string, b: string): number {
  const rank = (d: string) => {
    const i = (TASK_DIFFICULTIES as readonly string[]).indexOf(d);
    return i === -1 ? TASK_DIFFICULTIES.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}
