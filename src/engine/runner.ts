/**
 * Runs statements on one endpoint for one table: bounded concurrency (the
 * endpoint's limiter), retries of transient errors, and counters for the report.
 */
import type { LimitFunction } from 'p-limit';
import type { Dialect, Endpoint, Statement } from '../dialects/types.js';
import { ClassifiedError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { withRetry } from '../util/retry.js';

export interface RunnerHooks {
  onRetry?: (endpoint: string, error: unknown) => void;
}

export class QueryRunner {
  queries = 0;
  retries = 0;
  rows = 0;

  constructor(
    readonly endpoint: Endpoint,
    readonly dialect: Dialect,
    private readonly limit: LimitFunction,
    private readonly maxRetries: number,
    private readonly logger: Logger,
    private readonly hooks: RunnerHooks = {},
    private readonly minRetryDelayMs = 200,
  ) {}

  /** Retry `fn` on transient errors; wrap the final error with its class. */
  async retrying<T>(label: string, fn: () => Promise<T>): Promise<T> {
    let attempts = 0;
    try {
      return await withRetry(() => {
        attempts += 1;
        return fn();
      }, {
        retries: this.maxRetries,
        minTimeoutMs: this.minRetryDelayMs,
        isTransient: (e) => this.dialect.classifyError(e) === 'transient',
        onRetry: ({ attempt, error }) => {
          this.retries += 1;
          this.hooks.onRetry?.(this.endpoint.role, error);
          this.logger.warn('transient error, retrying', { endpoint: this.endpoint.role, statement: label, attempt, error: errorMessage(error) });
        },
      });
    } catch (err) {
      if (err instanceof ClassifiedError) throw err;
      const cls = this.dialect.classifyError(err);
      // A transient error that outlived the retry budget says so: the report must not look like a one-off.
      const gaveUp = cls === 'transient' && attempts > 1 ? ` (transient; gave up after ${attempts} attempts)` : '';
      throw new ClassifiedError(`${this.endpoint.role} ${label}: ${errorMessage(err)}${gaveUp}`, cls, (err as { code?: string }).code, err);
    }
  }

  query<T = Record<string, unknown>>(stmt: Statement): Promise<T[]> {
    return this.retrying(stmt.label, () => this.limit(() => this.counted(stmt, () => this.endpoint.query<T>(stmt))));
  }

  /** One statement's answer, counted for the report and logged with its time. */
  private async counted<T>(stmt: Statement, run: () => Promise<T[]>): Promise<T[]> {
    this.queries += 1;
    const t0 = Date.now();
    const rows = await run();
    this.rows += rows.length;
    this.logger.debug('statement', { endpoint: this.endpoint.role, statement: stmt.label, ms: Date.now() - t0, rows: rows.length });
    return rows;
  }

  /** A streamed statement, counted like `counted` (its rows as they come) and logged with its time once read. */
  private async *countedStream<T>(stmt: Statement, batches: AsyncIterable<T[]>): AsyncGenerator<T[]> {
    this.queries += 1;
    const t0 = Date.now();
    let rows = 0;
    for await (const batch of batches) {
      rows += batch.length;
      this.rows += batch.length;
      yield batch;
    }
    this.logger.debug('statement', { endpoint: this.endpoint.role, statement: stmt.label, ms: Date.now() - t0, rows });
  }

  /** Stream a statement's rows through `consume`; a transient failure restarts it from scratch via `reset`. */
  async streamAll<T>(stmt: Statement, batchSize: number, consume: (rows: T[]) => void, reset: () => void): Promise<void> {
    await this.retrying(stmt.label, () =>
      this.limit(async () => {
        reset();
        for await (const batch of this.countedStream(stmt, this.endpoint.stream<T>(stmt, batchSize))) consume(batch);
      }),
    );
  }
}
