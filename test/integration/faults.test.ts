/**
 * Faults between cdc-recon and a real PostgreSQL, injected by a TCP proxy
 * (test/support/fault-proxy.ts): connections reset in the middle of segment
 * queries, a database restart, a retry budget running out, black holes and
 * pool exhaustion. Every run must finish (each one under a hard time limit),
 * give the result of a fault-free run, count its retries, and leave no
 * connection behind.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Endpoint, PoolStats } from '../../src/dialects/types.js';
import { runReconcile, type RunHooks } from '../../src/engine/run.js';
import type { RunReport } from '../../src/report/model.js';
import { writeReport } from '../../src/report/write.js';
import { RunMetrics } from '../../src/sinks/metrics.js';
import { silentLogger } from '../../src/util/logger.js';
import { DEMO_DRIFT_SQL, DEMO_SCHEMA_SQL, demoPair } from '../support/fixtures.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { adminUrl, createDatabase, exec } from '../support/pg.js';
import { startPgServer, type PgServer } from '../support/pg-server.js';
import { rowsOf } from '../support/recon.js';

type Urls = { source: string; target: string };
type Hash = 'server' | 'client';

const DEMO_TABLES = ['shop.customers', 'shop.orders', 'shop.order_lines'];

/** Segment checksums and leaf fetches (server hashing); every row stream of a table (client hashing). */
const SEGMENT_QUERY: Record<Hash, (sql: string) => boolean> = {
  server: (sql) => sql.includes('"shop".') && (sql.includes('__cdc_g') || sql.includes('row_hash')),
  client: (sql) => sql.includes('"shop".') && sql.includes(' AS c0'),
};

/** Fails (instead of hanging the suite) when `p` takes longer than `ms`. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms (hang)`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

interface RunOpts {
  hash?: Hash;
  /** Extra keys for both endpoint mappings, e.g. "statementTimeout: 1s". */
  endpoint?: string;
  defaults?: string;
  hooks?: RunHooks;
  limitMs?: number;
}

interface Observed {
  report: RunReport;
  retryHook: number;
  exhausted: number;
  endpoints: Endpoint[];
  metricsText: string;
}

/** One reconcile of `tables` (YAML flow items) under a hard time limit, with every hook counted. */
async function reconcile(tables: string[], urls: Urls, opts: RunOpts = {}): Promise<Observed> {
  const ep = opts.endpoint ? `, ${opts.endpoint}` : '';
  const yaml = [
    `source: { dialect: postgres, urlEnv: S_URL${ep} }`,
    `target: { dialect: postgres, urlEnv: T_URL${ep} }`,
    `defaults: { hash: ${opts.hash ?? 'server'}, chunkSize: 100, leafSize: 16, bisectionFactor: 4${opts.defaults ? `, ${opts.defaults}` : ''} }`,
    'tables:',
    ...tables.map((t) => `  - ${t}`),
  ].join('\n');
  const config = parseConfig(yaml, 'faults.yml');
  const metrics = new RunMetrics();
  const seen = { retryHook: 0, exhausted: 0, endpoints: [] as Endpoint[] };
  const hooks: RunHooks = {
    onRetry: (endpoint, error) => {
      seen.retryHook += 1;
      metrics.hooks.onRetry?.(endpoint, error);
      opts.hooks?.onRetry?.(endpoint, error);
    },
    onPoolExhausted: (endpoint) => {
      seen.exhausted += 1;
      metrics.hooks.onPoolExhausted?.(endpoint);
    },
    onEndpoints: (endpoints) => {
      seen.endpoints = endpoints;
      metrics.hooks.onEndpoints?.(endpoints);
      opts.hooks?.onEndpoints?.(endpoints);
    },
    onTableDone: (t) => opts.hooks?.onTableDone?.(t),
  };
  try {
    const report = await within(
      opts.limitMs ?? 60_000,
      'the reconcile run',
      runReconcile({ config, logger: silentLogger, env: { S_URL: urls.source, T_URL: urls.target }, hooks, minRetryDelayMs: 10 }),
    );
    metrics.recordReport(report);
    return { report, ...seen, metricsText: await metrics.metrics.registry.metrics() };
  } finally {
    metrics.stop();
  }
}

/** What a run found, without timings, ids and retry counts: equal for equal data. */
function outcome(report: RunReport) {
  return report.tables.map((t) => ({
    table: t.table,
    status: t.status,
    counts: t.counts,
    drift: t.drift,
    inFlight: t.inFlight,
    rows: rowsOf(t),
    segments: t.segments,
    mismatchedSegments: t.mismatchedSegments,
    error: t.error,
  }));
}

function metricSum(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const demoTables = (extra = '') => DEMO_TABLES.map((t) => `{ table: ${t}${extra} }`);

/** Waits (bounded) until `check` holds; returns its last value. */
async function eventually<T>(check: () => Promise<T> | T, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await check();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    v = await check();
  }
  return v;
}

/** TCP sockets open in this process that the proxy does not hold: cdc-recon's own connections. */
function clientSockets(proxy: FaultProxy): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length - proxy.heldSockets();
}

function zeroPools(endpoints: Endpoint[]): Array<Pick<PoolStats, 'size' | 'inUse' | 'idle' | 'waiting'>> {
  return endpoints.map((e) => {
    const { size, inUse, idle, waiting } = e.poolStats();
    return { size, inUse, idle, waiting };
  });
}

describe('faults on the shared cluster (through the fault proxy)', () => {
  let direct: Urls;
  let proxy: FaultProxy;
  let via: Urls;
  const baseline: Partial<Record<Hash, ReturnType<typeof outcome>>> = {};
  /** Every statement that reached the server through the proxy, in every run of this block. */
  const statements: string[] = [];

  beforeAll(async () => {
    direct = await demoPair();
    const admin = new URL(adminUrl());
    proxy = await startFaultProxy({ target: { host: admin.hostname, port: Number(admin.port) }, lifetimeMs: 3 * 60_000 });
    via = { source: proxy.url(direct.source), target: proxy.url(direct.target) };
    proxy.onQuery((sql) => statements.push(sql));
    // The fault-free result, read directly (no proxy), is what every faulty run must reproduce.
    for (const hash of ['server', 'client'] as const) {
      const r = await reconcile(demoTables(), direct, { hash });
      expect(r.report.status).toBe('mismatch');
      expect(r.report.totals.retries).toBe(0);
      baseline[hash] = outcome(r.report);
    }
    expect(baseline.server).toEqual(baseline.client);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  beforeEach(async () => {
    proxy.heal();
    // Whatever a test left (silenced connections the proxy keeps open) goes; then cdc-recon holds no socket.
    proxy.closeAll();
    expect(await eventually(() => clientSockets(proxy), (n) => n === 0, 5_000)).toBe(0);
  });

  describe.each(['server', 'client'] as const)('%s hashing', (hash) => {
    it('connections reset in the middle of segment queries, again and again: the run completes with the fault-free result', async () => {
      proxy.heal();
      const resetsBefore = proxy.stats.resets;
      // Every 2nd segment query dies as its answer starts, 8 times (fewer than the retry budget of a statement).
      proxy.resetOnQuery({ match: SEGMENT_QUERY[hash], nth: 2, max: 8 });
      const r = await reconcile(demoTables(), via, { hash, defaults: 'maxRetries: 10' });
      const fired = proxy.fired().reset;
      proxy.heal();

      expect(fired).toBe(8);
      expect(proxy.stats.resets - resetsBefore).toBe(8);
      expect(outcome(r.report)).toEqual(baseline[hash]);
      // Each reset killed one statement in flight: one retry each, in the report, the hook and the metrics.
      expect(r.report.totals.retries).toBe(8);
      expect(r.report.tables.reduce((a, t) => a + t.retries, 0)).toBe(8);
      expect(r.retryHook).toBe(8);
      expect(metricSum(r.metricsText, 'retry_attempts_total')).toBe(8);
      expect(zeroPools(r.endpoints)).toEqual(r.endpoints.map(() => ({ size: 0, inUse: 0, idle: 0, waiting: 0 })));
    });

    it('connections reset after a number of bytes (mid-answer): the run completes with the fault-free result', async () => {
      proxy.heal();
      // Any connection that has received 3 kB is cut after exactly 3 kB, 5 times (small enough that a run's
      // traffic crosses it at least 5 times: the per-key answers come packed, so a run receives less than it did).
      proxy.resetAfterBytes(3_000, { max: 5 });
      const r = await reconcile(demoTables(), via, { hash, defaults: 'maxRetries: 10' });
      const fired = proxy.fired().bytes;
      proxy.heal();

      expect(fired).toBe(5);
      expect(outcome(r.report)).toEqual(baseline[hash]);
      expect(r.report.totals.retries).toBe(5);
      expect(r.retryHook).toBe(5);
      expect(metricSum(r.metricsText, 'retry_attempts_total')).toBe(5);
    });
  });

  it('random resets from a seed: same decisions for the same seed, the run completes with the fault-free result', async () => {
    const runs: number[] = [];
    for (let i = 0; i < 2; i++) {
      proxy.heal();
      proxy.resetRandomly({ seed: 20240611, rate: 0.35, max: 6, match: SEGMENT_QUERY.server });
      const r = await reconcile(demoTables(), via, { defaults: 'maxRetries: 10, concurrency: 1' });
      runs.push(proxy.fired().reset);
      proxy.heal();
      expect(outcome(r.report)).toEqual(baseline.server);
      expect(r.report.totals.retries).toBe(runs[i]);
      expect(r.retryHook).toBe(runs[i]);
    }
    expect(runs[0]).toBeGreaterThan(0);
    // One table at a time: the query sequence, hence the seeded decisions, repeat exactly.
    expect(runs[1]).toBe(runs[0]);
  });

  it('a FATAL in the same packet as a new connection\'s ReadyForQuery (shutdown right after accept): no crash, retried, fault-free result', async () => {
    proxy.heal();
    // The first 6 connections: the two opened by the initial connect, then pool connections of the tables.
    // pg hands such a client out before it parses the FATAL; unheard, that 'error' event would kill the process.
    proxy.fatalAfterStartup({ max: 6 });
    const r = await reconcile(demoTables(), via, { defaults: 'maxRetries: 10' });
    const fired = proxy.fired().fatalStartup;
    proxy.heal();

    expect(fired).toBe(6);
    expect(outcome(r.report)).toEqual(baseline.server);
    // One failed statement (or connect) per poisoned connection, each retried once and counted everywhere.
    expect(r.report.totals.retries).toBe(6);
    expect(r.retryHook).toBe(6);
    expect(metricSum(r.metricsText, 'retry_attempts_total')).toBe(6);
    expect(zeroPools(r.endpoints)).toEqual(r.endpoints.map(() => ({ size: 0, inUse: 0, idle: 0, waiting: 0 })));
  });

  it('past the retry budget: that table is an error with a clear error report, the other tables finish', async () => {
    proxy.heal();
    // Every segment query of shop.orders is reset, forever; the table allows 2 retries per statement.
    proxy.resetOnQuery({ match: (sql) => SEGMENT_QUERY.server(sql) && sql.includes('"shop"."orders"'), nth: 1 });
    const tables = ['{ table: shop.customers }', '{ table: shop.orders, maxRetries: 2 }', '{ table: shop.order_lines }'];
    const r = await reconcile(tables, via, { limitMs: 30_000 });
    proxy.heal();

    const byTable = new Map(r.report.tables.map((t) => [t.table, t]));
    const orders = byTable.get('shop.orders')!;
    expect(orders.status).toBe('error');
    expect(orders.error).toMatchObject({ class: 'transient', stage: 'reconcile' });
    expect(orders.error!.message).toMatch(/^(source|target) segment-checksum: .*(ECONNRESET|terminated|reset|closed).*gave up after 3 attempts/i);
    expect(orders.retries).toBeGreaterThanOrEqual(2);
    // The other tables: exactly the fault-free result, no retry needed.
    const expected = baseline.server!.filter((t) => t.table !== 'shop.orders');
    expect(outcome(r.report).filter((t) => t.table !== 'shop.orders')).toEqual(expected);
    expect(r.report.status).toBe('error');
    expect(r.report.totals.errors).toBe(1);

    const dir = mkdtempSync(join(tmpdir(), 'faults-report-'));
    const written = await writeReport(r.report, dir);
    expect(readdirSync(join(dir, 'errors'))).toEqual(['shop.orders.json']);
    const err = JSON.parse(readFileSync(written.errorReportPaths[0]!, 'utf8'));
    expect(err).toMatchObject({ table: 'shop.orders', source: 'shop.orders', target: 'shop.orders', stage: 'reconcile', class: 'transient', runId: r.report.runId });
    expect(err.message).toBe(orders.error!.message);
    expect(err.retries).toBe(orders.retries);
    const text = readFileSync(written.errorReportPaths[0]!, 'utf8') + readFileSync(written.reportPath, 'utf8');
    expect(text).not.toContain(new URL(direct.source).password);
  });

  it('one black-holed segment query is cut by the client-side timeout and retried: same result, no hang', async () => {
    proxy.heal();
    proxy.blackHole({ match: SEGMENT_QUERY.server, nth: 3, max: 1 });
    const t0 = Date.now();
    const r = await reconcile(demoTables(), via, { endpoint: 'statementTimeout: 1s, connectTimeout: 1s', defaults: 'maxRetries: 3', limitMs: 20_000 });
    const ms = Date.now() - t0;
    expect(proxy.fired().blackhole).toBe(1);
    proxy.heal();

    expect(outcome(r.report)).toEqual(baseline.server);
    expect(r.report.totals.retries).toBe(1);
    expect(r.retryHook).toBe(1);
    // Waited for the timeout (statement + connect timeout), not for ever.
    expect(ms).toBeGreaterThanOrEqual(1_900);
    // The silenced socket was destroyed by the client, not left open (the proxy keeps its end, as a black hole would).
    expect(proxy.stats.blackHoled).toBeGreaterThan(0);
    expect(await eventually(() => clientSockets(proxy), (n) => n === 0, 5_000)).toBe(0);
  });

  it('every connection black-holed mid-run: the run ends within its timeouts and reports every unfinished table as an error', async () => {
    proxy.heal();
    let silenced = false;
    proxy.onQuery((sql) => {
      if (!silenced && SEGMENT_QUERY.server(sql)) {
        silenced = true;
        proxy.blackHoleAll();
      }
    });
    const t0 = Date.now();
    const r = await reconcile(demoTables(), via, { endpoint: 'statementTimeout: 1s, connectTimeout: 1s', defaults: 'maxRetries: 1', limitMs: 30_000 });
    const ms = Date.now() - t0;
    proxy.heal();

    expect(silenced).toBe(true);
    expect(ms).toBeLessThan(30_000);
    const errors = r.report.tables.filter((t) => t.status === 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const t of errors) {
      expect(t.error!.class).toBe('transient');
      expect(t.error!.message).toMatch(/timeout|timed out/i);
    }
    expect(r.report.status).toBe('error');
    // No socket of cdc-recon left hanging on the black hole once the run returned (it would keep the CLI alive).
    expect(await eventually(() => clientSockets(proxy), (n) => n === 0, 5_000)).toBe(0);
    expect(zeroPools(r.endpoints).every((p) => p.size === 0 && p.inUse === 0 && p.waiting === 0)).toBe(true);
  });

  it('a black hole as the run ends (idle pooled connections go silent): the run returns and leaves no socket open', async () => {
    let done = 0;
    const t0 = Date.now();
    const r = await reconcile(demoTables(), via, {
      endpoint: 'statementTimeout: 1s, connectTimeout: 1s',
      limitMs: 20_000,
      hooks: {
        onTableDone: () => {
          // The last table is done: every pooled connection is idle, and now nothing answers, not even a FIN.
          if (++done === DEMO_TABLES.length) proxy.blackHoleAll();
        },
      },
    });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(proxy.stats.blackHoled).toBeGreaterThan(0);
    expect(outcome(r.report)).toEqual(baseline.server);
    // The pools said goodbye to a peer that never answers: their sockets must still be gone
    // (a half-closed socket would keep the CLI process alive after the report).
    expect(await eventually(() => clientSockets(proxy), (n) => n === 0, 5_000)).toBe(0);
  });

  it('pool exhaustion: 16 tables, 8 at a time, 2 connections per side, random resets: no deadlock, no leak, exhaustion counted', async () => {
    const [s, t] = await Promise.all([createDatabase('pxs'), createDatabase('pxt')]);
    const names = Array.from({ length: 16 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
    const ddl = names.map((n) => `CREATE TABLE ${n} (id int PRIMARY KEY, v text); INSERT INTO ${n} SELECT i, 'v' || i FROM generate_series(1, 300) i;`).join('\n');
    await Promise.all([exec(s.url, ddl), exec(t.url, ddl)]);
    // Drift in every 4th table: one changed row.
    await exec(t.url, names.filter((_, i) => i % 4 === 0).map((n) => `UPDATE ${n} SET v = 'drift' WHERE id = 150;`).join('\n'));
    const urls = { source: proxy.url(s.url), target: proxy.url(t.url) };

    proxy.heal();
    proxy.resetRandomly({ seed: 7, rate: 0.1, max: 6, match: /"public"\."p\d\d"/ });
    const peaks = { inUse: 0, waiting: 0 };
    let eps: Endpoint[] = [];
    const r = await reconcile(names.map((n) => `{ table: ${n} }`), urls, {
      endpoint: 'poolSize: 2',
      defaults: 'concurrency: 8, maxRetries: 10',
      limitMs: 60_000,
      hooks: {
        onTableDone: () => {
          for (const e of eps) {
            const p = e.poolStats();
            peaks.inUse = Math.max(peaks.inUse, p.inUse);
            peaks.waiting = Math.max(peaks.waiting, p.waiting);
          }
        },
        onEndpoints: (e) => {
          eps = e;
        },
      },
    });
    const fired = proxy.fired().reset;
    proxy.heal();

    expect(r.report.tables.map((x) => x.status)).toEqual(names.map((_, i) => (i % 4 === 0 ? 'mismatch' : 'match')));
    for (const [i, x] of r.report.tables.entries()) expect(rowsOf(x), x.table).toEqual(i % 4 === 0 ? ['changed 150 [v]'] : []);
    expect(r.report.totals.retries).toBe(fired);
    expect(r.exhausted).toBeGreaterThan(0);
    expect(metricSum(r.metricsText, 'reconciliation_pool_exhausted_total')).toBe(r.exhausted);
    expect(peaks.inUse).toBeLessThanOrEqual(2);
    // Every pool back to zero, the proxy sees no open connection, and neither does the server.
    expect(zeroPools(r.endpoints)).toEqual([
      { size: 0, inUse: 0, idle: 0, waiting: 0 },
      { size: 0, inUse: 0, idle: 0, waiting: 0 },
    ]);
    expect(await eventually(() => proxy.stats.active, (n) => n === 0, 5_000)).toBe(0);
    const open = await eventually(
      async () => (await exec(adminUrl(), `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname IN ($1, $2) AND application_name LIKE 'cdc-recon%'`, [s.name, t.name])).rows[0].n as number,
      (n) => n === 0,
    );
    expect(open).toBe(0);
  });

  it('through every fault above, nothing but SELECT statements reached the server (retries included)', () => {
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((sql) => !/^\s*SELECT\b/i.test(sql))).toEqual([]);
  });
});

describe('the database restarts during a run (a private cluster)', () => {
  let server: PgServer;
  let proxy: FaultProxy;
  let direct: Urls;

  beforeAll(async () => {
    server = await startPgServer();
    await exec(server.url(), 'CREATE DATABASE rs_src');
    await exec(server.url(), 'CREATE DATABASE rs_tgt');
    direct = { source: server.url('rs_src'), target: server.url('rs_tgt') };
    await Promise.all([exec(direct.source, DEMO_SCHEMA_SQL), exec(direct.target, DEMO_SCHEMA_SQL)]);
    await exec(direct.target, DEMO_DRIFT_SQL);
    proxy = await startFaultProxy({ target: { host: server.host, port: server.port }, lifetimeMs: 3 * 60_000 });
  });

  afterAll(async () => {
    await proxy?.close();
    server?.stop();
  });

  it('a restart in the middle of segment queries is transient: retried, same result', async () => {
    const before = await reconcile(demoTables(), direct);
    expect(before.report.status).toBe('mismatch');

    let segmentQueries = 0;
    let restarted = 0;
    proxy.onQuery((sql) => {
      // On the 3rd segment query, before it is forwarded: the server goes down (fast shutdown) and comes back.
      if (SEGMENT_QUERY.server(sql) && ++segmentQueries === 3) {
        server.restart();
        restarted += 1;
      }
    });
    const r = await reconcile(demoTables(), { source: proxy.url(direct.source), target: proxy.url(direct.target) }, { defaults: 'maxRetries: 5' });
    expect(restarted).toBe(1);
    expect(outcome(r.report)).toEqual(outcome(before.report));
    expect(r.report.totals.retries).toBeGreaterThanOrEqual(1);
    expect(r.retryHook).toBe(r.report.totals.retries);
    expect(metricSum(r.metricsText, 'retry_attempts_total')).toBe(r.report.totals.retries);
  });
});
