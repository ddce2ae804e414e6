/**
 * Domain errors. `lib/core` and `server/services` throw these; `server/trpc` maps each code to one
 * tRPC code in a single place (see STYLE.md §4) and the CLI prints `message` as it is.
 */
export type DomainErrorCode =
  'BAD_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN' | 'UNAUTHORIZED' | 'TOO_LARGE' | 'INTERNAL';

export class DomainError extends Error {
  readonly code: DomainErrorCode;

  constructor(code: DomainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DomainError';
    this.code = code;
  }
}

/**
 * A malformed import file. The message always names the file and, where known, the field
 * (a JSON path such as `[3].eval.eval_types`) or the 1-based line.
 */
export class ImportFormatError extends DomainError {
  readonly file: string;
  readonly field: string | null;
  readonly line: number | null;

  constructor(params: { file: string; field?: string | null; line?: number | null; reason: string }) {
    const where = [
      params.line != null ? `line ${params.line}` : null,
      params.field ? `field ${params.field}` : null,
    ]
      .filter(Boolean)
      .join(', ');
    super('BAD_INPUT', `${params.file}${where ? ` (${where})` : ''}: ${params.reason}`);
    this.name = 'ImportFormatError';
    this.file = params.file;
    this.field = params.field ?? null;
    this.line = params.line ?? null;
  }
}
