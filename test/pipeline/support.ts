/**
 * Helpers for the live-pipeline tests: the pipeline's state, a paced writer on the source, the
 * end-to-end heartbeat probe, Connect REST calls and the real CLI.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { inject } from 'vitest';
import { reconcile } from '../../src/app/reconcile.js';
import type { RepairMethod } from '../../src/config/repair.js';
import type { RunReport } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { CLI_ENTRY, ensureDist } from '../support/action-runner.js';
import { seededRandom } from '../support/fault-proxy.js';
import type { PipelineState } from './global-setup.js';

const execFileP = promisify(execFile);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function pipeline(): PipelineState {
  return JSON.parse(inject('pipelineState')) as PipelineState;
}

/** Seed sizes: every row the writer may touch, it touches at most once (see `operations`). */
export const SEED = { accounts: 6000, orders: 1500, linesPerOrder: 4, products: 4000 };

export const SEED_SQL = `
INSERT INTO app.accounts SELECT i, 'acct ' || i, (i * 7 % 100000) / 100.0, i % 3 = 0, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 min'
  FROM generate_series(1, ${SEED.accounts}) i;
INSERT INTO app.order_lines SELECT o, l, 'sku-' || lpad((o * l % ${SEED.products} + 1)::text, 5, '0'), l, (o + l) / 4.0
  FROM generate_series(1, ${SEED.orders}) o, generate_series(1, ${SEED.linesPerOrder}) l;
INSERT INTO app.products SELECT 'sku-' || lpad(i::text, 5, '0'), CASE WHEN i % 7 = 0 THEN NULL ELSE 'Product ' || i || ' é' END, i % 900, CASE WHEN i % 5 = 0 THEN '' ELSE 'a|b' END
  FROM generate_series(1, ${SEED.products}) i;
INSERT INTO app.heartbeat VALUES (1, 0, now()) ON CONFLICT (id) DO NOTHING;`;

export type Op =
  | { table: 'accounts'; kind: 'update' | 'delete' | 'insert'; id: number }
  | { table: 'order_lines'; kind: 'update' | 'delete' | 'insert'; orderId: number; lineNo: number }
  | { table: 'products'; kind: 'update' | 'delete' | 'insert'; sku: string };

const sku = (i: number) => `sku-${String(i).padStart(5, '0')}`;

/**
 * Every row the writer may touch, once each, in a seeded order across the three tables. Rows whose
 * number is a multiple of 10 are never touched: planted drift goes there, so the pipeline never
 * repairs it and a row in flight at the first look has converged at the recheck.
 */
export function operations(seed: number): Op[] {
  const rnd = seededRandom(seed);
  const kind = () => (rnd() < 0.15 ? 'delete' : 'update') as 'update' | 'delete';
  const ops: Op[] = [];
  for (let id = 1; id <= SEED.accounts + 600; id++) {
    if (id % 10 !== 0) ops.push({ table: 'accounts', kind: id > SEED.accounts ? 'insert' : kind(), id });
  }
  for (let o = 1; o <= SEED.orders + 150; o++) {
    if (o % 10 === 0) continue;
    for (let l = 1; l <= SEED.linesPerOrder; l++) ops.push({ table: 'order_lines', kind: o > SEED.orders ? 'insert' : kind(), orderId: o, lineNo: l });
  }
  for (let i = 1; i <= SEED.products + 400; i++) {
    if (i % 10 !== 0) ops.push({ table: 'products', kind: i > SEED.products ? 'insert' : kind(), sku: sku(i) });
  }
  for (let i = ops.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [ops[i], ops[j]] = [ops[j]!, ops[i]!];
  }
  return ops;
}

/** New rows only (ids far above the seed), for the steps after test 2: as many as asked. */
export function churnOperations(n: number, from = 1_000_000): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const k = from + i;
    if (i % 3 === 0) ops.push({ table: 'accounts', kind: 'insert', id: k });
    else if (i % 3 === 1) ops.push({ table: 'order_lines', kind: 'insert', orderId: k, lineNo: 1 });
    else ops.push({ table: 'products', kind: 'insert', sku: `churn-${k}` });
  }
  return ops;
}

function opSql(op: Op): [string, unknown[]] {
  switch (op.table) {
    case 'accounts':
      if (op.kind === 'update') return ['UPDATE app.accounts SET balance = balance + 1.25, name = name || \'+\', updated_at = clock_timestamp() WHERE id = $1', [op.id]];
      if (op.kind === 'delete') return ['DELETE FROM app.accounts WHERE id = $1', [op.id]];
      return ["INSERT INTO app.accounts VALUES ($1::bigint, 'new ' || $1::bigint::text, 0.01, true, clock_timestamp())", [op.id]];
    case 'order_lines':
      if (op.kind === 'update') return ['UPDATE app.order_lines SET qty = qty + 1, price = price * 2 WHERE order_id = $1 AND line_no = $2', [op.orderId, op.lineNo]];
      if (op.kind === 'delete') return ['DELETE FROM app.order_lines WHERE order_id = $1 AND line_no = $2', [op.orderId, op.lineNo]];
      return ["INSERT INTO app.order_lines VALUES ($1, $2, 'sku-00001', 1, 9.99)", [op.orderId, op.lineNo]];
    case 'products':
      if (op.kind === 'update') return ["UPDATE app.products SET title = coalesce(title, '') || ' v2', weight_g = weight_g + 1 WHERE sku = $1", [op.sku]];
      if (op.kind === 'delete') return ['DELETE FROM app.products WHERE sku = $1', [op.sku]];
      return ["INSERT INTO app.products VALUES ($1, 'new', 1, 'x')", [op.sku]];
  }
}

/**
 * Applies operations on the source, one transaction each, from `workers` connections, paced to about
 * `perSecond` in total (pacing only: no test asserts on time). Runs until stop() or the list ends.
 */
export class Writer {
  applied = 0;
  private next = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private clients: pg.Client[] = [];
  private startedAt = 0;
  /** The first error of a writer loop: the loops stop, and stop() throws it. */
  private failure: unknown;

  constructor(private readonly url: string, private readonly ops: Op[], private readonly perSecond = 300, private readonly workers = 3) {}

  get remaining(): number {
    return this.ops.length - this.next;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.startedAt = Date.now();
    const startApplied = this.applied;
    const pauseMs = Math.max(0, Math.round((1000 * this.workers) / this.perSecond));
    for (let w = 0; w < this.workers; w++) {
      const c = new pg.Client({ connectionString: this.url });
      await c.connect();
      this.clients.push(c);
      this.loops.push((async () => {
        while (!this.stopped && this.failure === undefined && this.next < this.ops.length) {
          const [sql, params] = opSql(this.ops[this.next++]!);
          await c.query(sql, params);
          this.applied += 1;
          // Keeps the rate near perSecond whatever the statement time.
          const ahead = startApplied + ((Date.now() - this.startedAt) * this.perSecond) / 1000 - this.applied;
          if (ahead < this.workers) await sleep(pauseMs);
        }
      })().catch((err: unknown) => {
        this.failure ??= err;
      }));
    }
  }

  /** Transactions per second since start(). */
  rate(): number {
    return this.applied / Math.max(0.001, (Date.now() - this.startedAt) / 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    await Promise.all(this.clients.map((c) => c.end()));
    this.loops = [];
    this.clients = [];
    if (this.failure !== undefined) throw this.failure;
  }

  /** Throws the writer's error, if it had one (checked by tests that need it to be writing). */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

export async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/**
 * End-to-end probe: writes a heartbeat on the source and waits until the target has it; returns the
 * milliseconds it took (bounded: throws after `maxMs`).
 */
export async function probeLagMs(p: PipelineState, maxMs = 120_000): Promise<number> {
  // The beat is the time it was written (ms), as cdc-recon's own heartbeat (lag.heartbeat) writes it.
  const t0 = Date.now();
  const mine = t0;
  await query(p.source.url, 'UPDATE app.heartbeat SET beat = $1, at = clock_timestamp() WHERE id = 1', [mine]);
  const target = new pg.Client({ connectionString: p.target.url });
  await target.connect();
  try {
    for (;;) {
      const rows = (await target.query<{ beat: string }>('SELECT beat::text FROM app.heartbeat WHERE id = 1')).rows;
      if (rows[0] && Number(rows[0].beat) >= mine) return Date.now() - t0;
      if (Date.now() - t0 > maxMs) throw new Error(`heartbeat ${mine} not on the target after ${maxMs} ms`);
      await sleep(25);
    }
  } finally {
    await target.end();
  }
}

/** Seconds since the heartbeat row now on the target was written on the source (same host clock). */
export async function heartbeatAgeSeconds(p: PipelineState): Promise<number> {
  const [r] = await query<{ at: Date }>(p.target.url, 'SELECT at FROM app.heartbeat WHERE id = 1');
  return (Date.now() - (r?.at.getTime() ?? 0)) / 1000;
}

/** Writes a heartbeat every `everyMs` until stopped (the end-to-end probe's clock). */
export function heartbeatTicker(p: PipelineState, everyMs = 200): { stop: () => Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    const c = new pg.Client({ connectionString: p.source.url });
    await c.connect();
    try {
      while (!stopped) {
        await c.query('UPDATE app.heartbeat SET beat = $1, at = clock_timestamp() WHERE id = 1', [Date.now()]);
        await sleep(everyMs);
      }
    } finally {
      await c.end();
    }
  })();
  return { stop: async () => { stopped = true; await loop; } };
}

/** Polls `read` until `done(value)` holds (bounded); returns the last value. */
export async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, maxMs = 120_000, everyMs = 500): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() - t0 > maxMs) throw new Error(`${what}: not reached after ${maxMs} ms (last ${JSON.stringify(v)})`);
    await sleep(everyMs);
  }
}

const COUNT_SQL = "SELECT (SELECT count(*) FROM app.accounts)::int AS a, (SELECT count(*) FROM app.order_lines)::int AS o, (SELECT count(*) FROM app.products)::int AS p, (SELECT md5(string_agg(id::text || name || balance::text, ',' ORDER BY id)) FROM app.accounts) AS h";

/** Waits (bounded) until the target holds what the source holds: counts and a digest of accounts equal. */
export async function waitConverged(p: PipelineState, maxMs = 180_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const [s] = await query(p.source.url, COUNT_SQL);
    const [t] = await query(p.target.url, COUNT_SQL);
    if (JSON.stringify(s) === JSON.stringify(t)) return;
    if (Date.now() - t0 > maxMs) throw new Error(`target did not converge: source ${JSON.stringify(s)}, target ${JSON.stringify(t)}`);
    await sleep(250);
  }
}

export async function connectRest<T = unknown>(p: PipelineState, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${p.connect.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface ConnectorStatus {
  connector: { state: string };
  tasks: { id: number; state: string; trace?: string }[];
}

/** Waits (bounded) until the connector and all its tasks are in `state`. */
export async function waitConnector(p: PipelineState, name: string, state: string, maxMs = 120_000): Promise<ConnectorStatus> {
  const t0 = Date.now();
  for (;;) {
    const st = await connectRest<ConnectorStatus>(p, 'GET', `/connectors/${name}/status`).catch(() => undefined);
    if (st && st.connector.state === state && st.tasks.length > 0 && st.tasks.every((t) => t.state === state)) return st;
    if (Date.now() - t0 > maxMs) throw new Error(`connector ${name} not ${state} after ${maxMs} ms: ${JSON.stringify(st)}`);
    await sleep(250);
  }
}

let cliReady = false;
/** The bundled CLI, from a private copy of a fresh dist/ (a build elsewhere cannot pull it from under us). */
export function cliEntry(): string {
  if (!cliReady) {
    ensureDist();
    cliReady = true;
  }
  return CLI_ENTRY;
}

export interface PipelineReconcileOptions {
  recheckDelayMs?: number;
  extraYaml?: string;
  /** CLI flags; in process only `--repair <method>` is understood. */
  args?: string[];
  tables?: string[];
}

function pipelineConfig(p: PipelineState, opts: PipelineReconcileOptions): string {
  const file = join(p.dir, `recon-${Date.now()}-${randomUUID().slice(0, 8)}.yml`);
  writeFileSync(file, [
    'version: 1',
    'source: { dialect: postgres, urlEnv: PIPELINE_SOURCE_URL, schema: app }',
    'target: { dialect: postgres, urlEnv: PIPELINE_TARGET_URL, schema: app }',
    'defaults: { mode: diff, chunkSize: 500, concurrency: 2 }',
    'tables:',
    ...(opts.tables ?? ['accounts', 'order_lines', 'products']).map((t) => `  - table: ${t}`),
    opts.extraYaml ?? '',
    '',
  ].join('\n'));
  return file;
}

const pipelineEnv = (p: PipelineState): NodeJS.ProcessEnv => ({
  ...process.env,
  PIPELINE_SOURCE_URL: p.source.url,
  PIPELINE_TARGET_URL: p.target.url,
  PIPELINE_CONNECT_URL: p.connect.url,
  PIPELINE_KAFKA_BOOTSTRAP: `127.0.0.1:${p.kafka.port}`,
});

/** Runs the real CLI's reconcile on the pipeline and returns its JSON report. */
export async function reconcileCli(p: PipelineState, opts: PipelineReconcileOptions = {}): Promise<RunReport> {
  const file = pipelineConfig(p, opts);
  const args = [cliEntry(), 'reconcile', '-c', file, '--json', '--fail-on', 'never', '--report-dir', join(p.dir, 'reports'), '--log-level', 'warn'];
  if (opts.recheckDelayMs !== undefined) args.push('--recheck-delay', `${opts.recheckDelayMs}ms`);
  args.push(...(opts.args ?? []));
  const { stdout } = await execFileP('node', args, { env: pipelineEnv(p), maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as RunReport;
}

/**
 * The same reconcile through the application layer in this process (what the CLI calls), so that coverage
 * sees the code the pipeline exercises; the CLI itself is proven by reconcileCli.
 */
export async function reconcileInProcess(p: PipelineState, opts: PipelineReconcileOptions = {}): Promise<RunReport> {
  const args = opts.args ?? [];
  const unknown = args.filter((a, i) => !(a === '--repair' || args[i - 1] === '--repair'));
  if (unknown.length) throw new Error(`reconcileInProcess understands only --repair, not ${unknown.join(' ')}`);
  const repairAt = args.indexOf('--repair');
  const outcome = await reconcile({
    configFile: pipelineConfig(p, opts),
    overrides: { recheckDelayMs: opts.recheckDelayMs },
    reportDir: join(p.dir, 'reports'),
    repair: repairAt >= 0 ? { method: args[repairAt + 1] as RepairMethod, dryRun: false } : undefined,
    failOn: 'never',
    env: pipelineEnv(p),
    logger: silentLogger,
    sinkReporter: { info: () => undefined, warning: () => undefined },
  });
  return outcome.report;
}

/** A topic's end offsets by partition (where records produced from now on start). */
export async function topicEnds(p: PipelineState, topic: string): Promise<Map<number, number>> {
  const admin = new Kafka({ clientId: 'cdc-recon-test', brokers: [`127.0.0.1:${p.kafka.port}`], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

export interface TopicRecord {
  offset: number;
  key: unknown;
  value: { payload?: { op?: string; after?: Record<string, unknown> | null; source?: { snapshot?: string } } } | null;
}

/** Every record of `topic` from `from` (default: the beginning) up to its end now, decoded from JSON. */
export async function topicRecords(p: PipelineState, topic: string, from = new Map<number, number>()): Promise<TopicRecord[]> {
  const kafka = new Kafka({ clientId: 'cdc-recon-test', brokers: [`127.0.0.1:${p.kafka.port}`], logLevel: logLevel.NOTHING });
  const ends = await topicEnds(p, topic);
  const wanted = [...ends].filter(([part, end]) => end > (from.get(part) ?? 0));
  if (wanted.length === 0) return [];
  const consumer = kafka.consumer({ groupId: `cdc-recon-test-${randomUUID()}` });
  const out: TopicRecord[] = [];
  const done = new Set<number>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        const end = ends.get(partition) ?? 0;
        if (offset >= (from.get(partition) ?? 0) && offset < end) {
          out.push({ offset, key: message.key ? JSON.parse(message.key.toString()) : null, value: message.value ? JSON.parse(message.value.toString()) : null });
        }
        if (offset >= end - 1) done.add(partition);
        if (wanted.every(([part]) => done.has(part))) finish();
      },
    });
    for (const [partition] of wanted) consumer.seek({ topic, partition, offset: String(from.get(partition) ?? 0) });
    await Promise.race([finished, sleep(60_000).then(() => { throw new Error(`reading ${topic}: end not reached in 60 s`); })]);
  } finally {
    await consumer.disconnect();
  }
  return out;
}
