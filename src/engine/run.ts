/**
 * A whole run: connect both endpoints, plan and reconcile every table with
 * bounded concurrency, record per-table failures and go on, abort on
 * critical errors, and close the pools on every exit path.
 */
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { ReconConfig, TableSpec } from '../config/load.js';
import { getDialect } from '../dialects/index.js';
import type { Dialect, Endpoint, PoolStats } from '../dialects/types.js';
import { type RunReport, type TableResult } from '../report/model.js';
import { emptyTableResult, overallStatus, REPORT_SCHEMA_VERSION, totalsOf } from './results.js';
import { ClassifiedError, ConfigError, CriticalError, errorMessage, TableError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { registerSecret } from '../util/redact.js';
import { withRetry } from '../util/retry.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { ClientReader, ServerReader } from './reader.js';
import { selectShard, type ShardTable } from './shard.js';
import { CANONICAL_FORM_VERSION, coverageAgeSeconds, decide, nextState, type IncrementalState } from './incremental.js';
import { reconcileTable, type DriftHook } from './reconcile-table.js';
import type { ProgressListener } from './progress.js';
import { QueryRunner } from './runner.js';
import { checkTable, planOf, schemaOnlyResult, withSchemaFindings, type SchemaCheck } from '../schema/check.js';

export interface RunHooks {
  onRetry?: (endpoint: string, error: unknown) => void;
  onPoolExhausted?: (endpoint: string) => void;
  onTableDone?: (result: TableResult) => void;
  onEndpoints?: (endpoints: Endpoint[]) => void;
  onDrift?: DriftHook;
  onProgress?: ProgressListener;
}

export interface RunOptions {
  config: ReconConfig;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Only these tables (matched against the table id or source/target names). */
  tables?: string[];
  shard?: { index: number; count: number };
  hooks?: RunHooks;
  minRetryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The state the last incremental run left (tables with scope: incremental); undefined: none, a full run. */
  incrementalState?: IncrementalState;
  now?: () => Date;
}

export function selectTables(all: TableSpec[], filter?: string[]): TableSpec[] {
  if (!filter || filter.length === 0) return all;
  const wanted = new Set(filter);
  const names = (t: TableSpec) => [t.id, t.source.name, `${t.source.schema}.${t.source.name}`, t.target.name, `${t.target.schema}.${t.target.name}`];
  const selected = all.filter((t) => names(t).some((n) => wanted.has(n)));
  const unknown = filter.filter((f) => !all.some((t) => names(t).includes(f)));
  if (unknown.length > 0) throw new ConfigError(`--table names tables not in the config: ${unknown.join(', ')}`);
  return selected;
}

function connectionsOf(s: PoolStats, t: PoolStats): RunReport['connections'] {
  const acquireMs = s.acquireMs !== undefined && t.acquireMs !== undefined ? { source: Math.round(s.acquireMs), target: Math.round(t.acquireMs) } : undefined;
  return { source: s.opened ?? 0, target: t.opened ?? 0, ...(acquireMs ? { acquireMs } : {}) };
}

function connectionUrl(env: NodeJS.ProcessEnv, name: string, role: string): string {
  const url = env[name];
  if (!url) throw new ConfigError(`environment variable ${name} (the ${role} connection) is not set`);
  registerSecret(url);
  return url;
}

export async function runReconcile(opts: RunOptions): Promise<RunReport> {
  const { config, logger } = opts;
  const env = opts.env ?? process.env;
  const started = new Date();
  const runId = randomUUID();
  const selected = selectTables(config.tables, opts.tables);
  let tables: ShardTable[] = selected.map((spec) => ({ spec }));

  const sourceUrl = connectionUrl(env, config.source.urlEnv, 'source');
  const targetUrl = connectionUrl(env, config.target.urlEnv, 'target');
  const [sd, td] = await Promise.all([getDialect(config.source.dialect), getDialect(config.target.dialect)]);
  const concurrency = Math.max(...selected.map((t) => t.concurrency), 1);

  const endpoints: Endpoint[] = [];
  try {
    // A server restarting as the run starts is as transient as one restarting mid-run: retried, counted.
    let connectRetries = 0;
    const connectRetryBudget = Math.max(...selected.map((t) => t.maxRetries), 0);
    const connect = async (d: Dialect, url: string, role: 'source' | 'target') => {
      const spec = config[role];
      try {
        const ep = await withRetry(
          () =>
            d.connect(url, role, {
              poolSize: spec.poolSize ?? concurrency + 1,
              statementTimeoutMs: spec.statementTimeoutMs,
              connectTimeoutMs: spec.connectTimeoutMs,
              reuseConnections: spec.reuseConnections,
              applicationName: `${TOOL_NAME}/${TOOL_VERSION}`,
              onPoolExhausted: () => opts.hooks?.onPoolExhausted?.(role),
            }),
          {
            retries: connectRetryBudget,
            minTimeoutMs: opts.minRetryDelayMs,
            isTransient: (e) => d.classifyError(e) === 'transient',
            onRetry: ({ attempt, error }) => {
              connectRetries += 1;
              opts.hooks?.onRetry?.(role, error);
              logger.warn('transient error, retrying', { endpoint: role, statement: 'connect', attempt, error: errorMessage(error) });
            },
          },
        );
        endpoints.push(ep);
        return ep;
      } catch (err) {
        throw new CriticalError(`cannot connect to the ${role} database: ${errorMessage(err)}`, err);
      }
    };
    // Both attempts settle before a failure is thrown, so the finally below also closes the side that
    // did connect (an open pool would keep the process alive for its idle timeout).
    const sides = await Promise.allSettled([connect(sd, sourceUrl, 'source'), connect(td, targetUrl, 'target')]);
    const failed = sides.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [source, target] = sides.map((r) => (r as PromiseFulfilledResult<Endpoint>).value) as [Endpoint, Endpoint];
    opts.hooks?.onEndpoints?.(endpoints);
    if (opts.shard) {
      const sides = { source: { dialect: sd, endpoint: source }, target: { dialect: td, endpoint: target } };
      tables = await selectShard(selected, opts.shard, sides, { retries: connectRetryBudget, minRetryDelayMs: opts.minRetryDelayMs });
    }
    const [sourceVersion, targetVersion] = await Promise.all([source.serverVersion(), target.serverVersion()]);
    logger.info('connected', { sourceDialect: sd.name, targetDialect: td.name, tables: tables.length });

    const limits = { source: pLimit(config.source.poolSize ?? concurrency + 1), target: pLimit(config.target.poolSize ?? concurrency + 1) };
    const tableLimit = pLimit(concurrency);
    let aborted: CriticalError | undefined;

    const results = await Promise.all(
      tables.map(({ spec, part }) =>
        tableLimit(async (): Promise<TableResult> => {
          const t0 = Date.now();
          const empty = emptyTableResult(spec.id, `${spec.source.schema ?? ''}.${spec.source.name}`, `${spec.target.schema ?? ''}.${spec.target.name}`, spec.mode);
          if (aborted) return { ...empty, hash: spec.hash, status: 'error', error: { message: `not run: ${aborted.message}`, stage: 'aborted', class: 'critical' } };
          const log = logger.child({ table: spec.id });
          const runners = {
            source: new QueryRunner(source, sd, limits.source, spec.maxRetries, log, { onRetry: opts.hooks?.onRetry }, opts.minRetryDelayMs),
            target: new QueryRunner(target, td, limits.target, spec.maxRetries, log, { onRetry: opts.hooks?.onRetry }, opts.minRetryDelayMs),
          };
          let result: TableResult;
          let stage = 'plan';
          // The schema check runs first (catalogs only) and plans from the same catalogs; see src/schema/check.ts.
          let schema: SchemaCheck | undefined;
          try {
            schema = await runners.source.retrying('plan', () =>
              // cdc: false (a replica, a staging copy): no CDC checks; otherwise the source dialect's default.
              checkTable({ spec, source: { dialect: sd, endpoint: source }, target: { dialect: td, endpoint: target }, ...(config.source.cdc ? {} : { cdc: null }) }),
            );
            if (spec.mode === 'schema') result = schemaOnlyResult(empty, schema);
            else {
              const plan = planOf(schema);
              stage = 'reconcile';
              const readers =
                plan.hash === 'client'
                  ? { source: new ClientReader(runners.source, plan.source), target: new ClientReader(runners.target, plan.target) }
                  : { source: new ServerReader(runners.source, plan.source), target: new ServerReader(runners.target, plan.target) };
              const decision = spec.scope === 'incremental' ? decide(spec, opts.incrementalState) : undefined;
              result = await reconcileTable(plan, readers, { logger: log, sleep: opts.sleep, onDrift: opts.hooks?.onDrift, onProgress: opts.hooks?.onProgress, part, incremental: decision });
              if (decision && result.incremental) {
                const now = (opts.now ?? (() => new Date()))();
                const state = nextState(spec, decision, result.incremental.scope === 'incremental', result.incremental.watermark, now);
                result.incremental.state = state;
                result.incremental.coverageAgeSeconds = coverageAgeSeconds(state, now);
              }
            }
          } catch (err) {
            const cls = err instanceof ClassifiedError ? err.errorClass : 'table';
            if (cls === 'critical') aborted = new CriticalError(errorMessage(err), err);
            log.error('table failed', { stage: err instanceof TableError ? err.stage : stage, error: errorMessage(err), class: cls });
            // The hash mode the table was (or would have been) read with: the plan's, else the config's.
            const hash = schema?.plan?.hash ?? spec.hash;
            result = { ...empty, hash, status: 'error', error: { message: errorMessage(err), stage: err instanceof TableError ? err.stage : stage, class: cls } };
          }
          if (schema) result = withSchemaFindings(result, schema);
          if (part) result.part = { index: part.index, count: part.count, maxDiffRows: spec.maxDiffRows };
          result.durationMs = Date.now() - t0;
          result.retries = runners.source.retries + runners.target.retries;
          result.queries = runners.source.queries + runners.target.queries;
          log.info('table done', { status: result.status, durationMs: result.durationMs, missing: result.drift.missing, extra: result.drift.extra, changed: result.drift.changed });
          opts.hooks?.onTableDone?.(result);
          return result;
        }),
      ),
    );

    const finished = new Date();
    const totals = totalsOf(results);
    // Retries of the initial connection belong to no table, but they are retries of this run.
    totals.retries += connectRetries;
    const modes = new Set(tables.map((t) => t.spec.mode));
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      canonicalForm: CANONICAL_FORM_VERSION,
      runId,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      status: overallStatus(results),
      mode: modes.size === 1 ? [...modes][0]! : 'mixed',
      configFile: config.file,
      shard: opts.shard,
      connections: connectionsOf(source.poolStats(), target.poolStats()),
      source: { dialect: sd.name, version: sourceVersion },
      target: { dialect: td.name, version: targetVersion },
      totals,
      tables: results,
    };
  } finally {
    await Promise.all(endpoints.map((e) => e.close().catch(() => undefined)));
  }
}
