/** Error types that carry where they came from, so reports can say what failed. */

/** How a failed statement is handled: retried, the run aborted, or the table failed. */
export type ErrorClass = 'transient' | 'critical' | 'table';

/** Bad configuration or input: names the file and the field path. Aborts before any query. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(message: string, readonly file?: string, readonly issues: string[] = []) {
    super(message);
  }
}

/** A problem that fails one table (missing table or column, incomparable types...). */
export class TableError extends Error {
  override readonly name = 'TableError';
  constructor(message: string, readonly table: string, readonly stage: string) {
    super(message);
  }
}

/** A problem that makes the whole run pointless (cannot connect, bad credentials). */
export class CriticalError extends Error {
  override readonly name = 'CriticalError';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}

/** An error classified by the dialect, carried with its class. */
export class ClassifiedError extends Error {
  override readonly name = 'ClassifiedError';
  constructor(message: string, readonly errorClass: ErrorClass, readonly code?: string, override readonly cause?: unknown) {
    super(message);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
  }
  return undefined;
}
