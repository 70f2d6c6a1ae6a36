/**
 * A reconcile run with the pipeline around it: the CDC lag measured first
 * (and turned into the recheck delay where none is configured), the engine
 * run, then, with --repair, the drifted rows repaired:
 *
 *  - debezium-signal: one ad-hoc incremental snapshot signal per batch of
 *    missing / changed keys, sent through the connector's Kafka signal topic
 *    or written into its signalling table on the source (with the lag
 *    heartbeat, the only writes cdc-recon makes); those keys are then read
 *    again on both sides until they match or the wait is over, and the
 *    report says which healed and how long it took (channel.ts, healCheck).
 *    Extra rows cannot come back through a snapshot (it only emits rows that
 *    exist): they get a reviewed file of DELETEs instead.
 *  - sql: a reviewed SQL file for the target (upserts and deletes), never run.
 *  - --dry-run: prints what would be signalled or written, writes nothing.
 *
 * Repair problems never fail the reconcile: they are in the report (table
 * `repair.status` failed / skipped with the reason, run `repair.warnings`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pLimit from 'p-limit';
import type { ReconConfig, TableSpec } from '../config/load.js';
import { formatTableName } from '../config/table-name.js';
import { getDialect } from '../dialects/index.js';
import type { Dialect, Endpoint } from '../dialects/types.js';
import { KafkaConnectClient } from '../dr/connect/client.js';
import type { RowDiff } from '../engine/diff.js';
import type { TablePlan } from '../engine/plan.js';
import { ClientReader, ServerReader, type SideReader } from '../engine/reader.js';
import { runReconcile, type RunOptions } from '../engine/run.js';
import { QueryRunner } from '../engine/runner.js';
import { KafkaConnectPosition, PipelineLagReader, recheckDelayFromLag } from '../lag/measure.js';
import { MssqlCdcPosition } from '../lag/mssql.js';
import type { LagReader, LagReport } from '../lag/types.js';
import { measureReadings } from '../lag/readings.js';
import type { RunReport, TableResult } from '../report/model.js';
import { ConfigError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { redact, registerSecret } from '../util/redact.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { lagConfigOf, repairConfigOf, type LagConfig, type RepairConfig, type RepairMethod, type SignalConfig } from '../config/repair.js';
import { diffRows, readKeys, recheckKeys } from './heal.js';
import { driftKeysOf, keyColumns, KeyEncodingError } from './keys.js';
import { dataCollectionId, insertSignalStatement, planSignals, resolveSignalTable, type PlannedSignal, type SignalTable } from './signal.js';
import { renderRepairSql, tableRepairSql, type TableSql } from './sql-file.js';
import type { RunRepair, TableRepair } from '../report/model.js';
import { openSignalWriter } from './writer.js';
import { checkConnector, KAFKA_MAX_DATA_LENGTH, kafkaSignalAddress, kafkaSignalValue, openKafkaSender, SignalPreflightError, tableSender, type ConnectorSignalSettings, type SignalSender } from './channel.js';

export interface RepairRequest {
  method: RepairMethod;
  dryRun: boolean;
}

export interface RepairRunOptions extends RunOptions {
  repair?: RepairRequest;
  /** Where repair files go unless the config says otherwise (the report directory). */
  reportDir: string;
  /** The recheck delay came from the command line / action input: it wins over the lag. */
  recheckDelayOverridden?: boolean;
  /** How the lag is read (tests, or sources without a CDC position); default from the config. */
  lagReader?: LagReader;
  /** The wait before the heal re-check (default: a timer). */
  healSleep?: (ms: number) => Promise<void>;
  /** Where a dry run prints what it would do (default: stdout). */
  print?: (text: string) => void;
}

/** Longest heal wait when neither repair.recheckDelay nor a lag says how long. */
export const DEFAULT_HEAL_DELAY_MS = 120_000;
/** An incremental snapshot takes a moment beyond the pipeline lag: the heal wait is at least this. */
export const MIN_HEAL_DELAY_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Whether the config gives this table a recheck delay (its own or the defaults'). */
function recheckConfigured(config: ReconConfig, index: number): boolean {
  const raw = config.raw;
  return raw.tables[index]?.recheckDelay !== undefined || raw.defaults?.recheckDelay !== undefined;
}

function emptyLag(warning?: string): LagReport {
  return {
    measuredAt: new Date().toISOString(),
    basis: 'unavailable',
    seconds: null,
    lsn: { source: null, connector: null, pendingTransactions: null },
    sourceTime: null,
    oldestPendingTime: null,
    warnings: warning ? [warning] : [],
  };
}

/** The lag: SQL Server's CDC position (LSN), and the pipeline's own readings where configured (lag/readings.ts). */
async function measureLag(opts: RepairRunOptions, cfg: LagConfig, env: NodeJS.ProcessEnv): Promise<LagReport | undefined> {
  if (opts.lagReader) return opts.lagReader.measure();
  if (!cfg.enabled) return undefined;
  const [position, extra] = await Promise.all([measurePosition(opts, cfg, env), measureReadings(cfg, opts.config, env)]);
  if (!extra) return position;
  const e2e = extra.readings.endToEndSeconds;
  // On a source without an LSN reading, the end-to-end heartbeat is the lag.
  const base = position && position.basis !== 'unavailable' ? position : { ...emptyLag(), ...(e2e !== undefined && e2e !== null ? { basis: 'end-to-end' as const, seconds: e2e } : {}) };
  return { ...base, readings: extra.readings, warnings: [...(position?.warnings ?? []), ...extra.warnings] };
}

async function measurePosition(opts: RepairRunOptions, cfg: LagConfig, env: NodeJS.ProcessEnv): Promise<LagReport | undefined> {
  const { config } = opts;
  if (config.source.dialect !== 'mssql') return cfg.heartbeat || cfg.slot || cfg.sink ? undefined : emptyLag('the CDC position is read from SQL Server sources only');
  const url = env[config.source.urlEnv];
  if (!url) return undefined; // runReconcile reports the missing connection
  registerSecret(url);
  let connector: KafkaConnectPosition | undefined;
  if (cfg.kafkaConnect) {
    const kc = env[cfg.kafkaConnect.urlEnv];
    if (!kc) return emptyLag(`environment variable ${cfg.kafkaConnect.urlEnv} (the Kafka Connect URL) is not set`);
    // Only a URL with credentials is a secret (a plain one redacted everywhere would hide where it failed).
    if (/\/\/[^/@]*@/.test(kc)) registerSecret(kc);
    connector = new KafkaConnectPosition(new KafkaConnectClient(kc, { timeoutMs: cfg.kafkaConnect.timeoutMs }), cfg.kafkaConnect.connector);
  }
  let endpoint: Endpoint | undefined;
  try {
    const d = await getDialect('mssql');
    endpoint = await d.connect(url, 'source', {
      poolSize: 1,
      statementTimeoutMs: config.source.statementTimeoutMs,
      connectTimeoutMs: config.source.connectTimeoutMs,
      applicationName: `${TOOL_NAME}/${TOOL_VERSION}`,
    });
    return await new PipelineLagReader(new MssqlCdcPosition(endpoint), connector).measure();
  } catch (err) {
    return emptyLag(redact(`cannot measure the lag: ${errorMessage(err)}`));
  } finally {
    await endpoint?.close().catch(() => undefined);
  }
}

interface Collected {
  plan: TablePlan;
  /** The drift, up to maxKeys + 1 rows (one more says "too many"). */
  drift: RowDiff[];
  total: number;
}

/** Reconcile (with lag and, when asked, repair). */
export async function runReconcileWithRepair(opts: RepairRunOptions): Promise<RunReport> {
  const { config, logger } = opts;
  const env = opts.env ?? process.env;
  // Both sections are checked on every run: a typo fails before any query, repair or not.
  const lagCfg = lagConfigOf(config);
  const repairCfg = repairConfigOf(config);
  if (opts.repair?.method === 'debezium-signal' && !repairCfg.signal) {
    throw new ConfigError(`--repair debezium-signal needs repair.signal in ${config.file}: the Kafka signal channel (channel: kafka, kafka.bootstrapEnv) or the connector's signalling table (table)`);
  }
  if (opts.repair?.method === 'sql' && config.target.dialect !== 'postgres') {
    throw new ConfigError('--repair sql writes PostgreSQL statements: the target must be a PostgreSQL database');
  }

  const lag = await measureLag(opts, lagCfg, env);
  let runConfig = config;
  const auto = recheckDelayFromLag(lag, lagCfg.recheck);
  if (lag && auto !== undefined && !opts.recheckDelayOverridden) {
    let changed = false;
    const tables = config.tables.map((t, i): TableSpec => {
      if (recheckConfigured(config, i)) return t;
      changed = true;
      return { ...t, recheckDelayMs: auto };
    });
    if (changed) {
      lag.recheckDelayMs = auto;
      runConfig = { ...config, tables };
    }
  }
  if (lag) logger.info('cdc lag', { basis: lag.basis, seconds: lag.seconds, recheckDelayMs: lag.recheckDelayMs, warnings: lag.warnings.length });

  const collected = new Map<string, Collected>();
  const maxKeys = repairCfg.maxKeys;
  const hooks = opts.repair
    ? {
        ...opts.hooks,
        onDrift: (plan: TablePlan, drift: readonly RowDiff[]) => {
          opts.hooks?.onDrift?.(plan, drift);
          collected.set(plan.spec.id, { plan, drift: drift.slice(0, maxKeys + 1), total: drift.length });
        },
      }
    : opts.hooks;
  const report = await runReconcile({ ...opts, config: runConfig, hooks });
  if (lag) report.lag = lag;
  if (opts.repair) await repair({ opts, report, collected, cfg: repairCfg, request: opts.repair, env, lag, lagCfg });
  return report;
}

interface RepairContext {
  opts: RepairRunOptions;
  report: RunReport;
  collected: Map<string, Collected>;
  cfg: RepairConfig;
  request: RepairRequest;
  env: NodeJS.ProcessEnv;
  lag: LagReport | undefined;
  lagCfg: LagConfig;
}

interface Work {
  result: TableResult;
  plan: TablePlan;
  drift: RowDiff[];
}

class Sides {
  private constructor(
    readonly sd: Dialect,
    readonly td: Dialect,
    readonly source: Endpoint,
    readonly target: Endpoint,
    private readonly logger: Logger,
    private readonly minRetryDelayMs?: number,
  ) {}

  static async open(config: ReconConfig, env: NodeJS.ProcessEnv, logger: Logger, minRetryDelayMs?: number): Promise<Sides> {
    const [sd, td] = await Promise.all([getDialect(config.source.dialect), getDialect(config.target.dialect)]);
    const connect = (d: Dialect, role: 'source' | 'target') => {
      const spec = config[role];
      const url = env[spec.urlEnv];
      if (!url) throw new ConfigError(`environment variable ${spec.urlEnv} (the ${role} connection) is not set`);
      return d.connect(url, role, {
        poolSize: 2,
        statementTimeoutMs: spec.statementTimeoutMs,
        connectTimeoutMs: spec.connectTimeoutMs,
        applicationName: `${TOOL_NAME}/${TOOL_VERSION}`,
      });
    };
    const source = await connect(sd, 'source');
    try {
      return new Sides(sd, td, source, await connect(td, 'target'), logger, minRetryDelayMs);
    } catch (err) {
      await source.close().catch(() => undefined);
      throw err;
    }
  }

  readers(plan: TablePlan): { source: SideReader; target: SideReader } {
    const runner = (e: Endpoint, d: Dialect) => new QueryRunner(e, d, pLimit(2), plan.spec.maxRetries, this.logger, {}, this.minRetryDelayMs);
    const [s, t] = [runner(this.source, this.sd), runner(this.target, this.td)];
    return plan.hash === 'client'
      ? { source: new ClientReader(s, plan.source), target: new ClientReader(t, plan.target) }
      : { source: new ServerReader(s, plan.source), target: new ServerReader(t, plan.target) };
  }

  async close(): Promise<void> {
    await Promise.all([this.source.close().catch(() => undefined), this.target.close().catch(() => undefined)]);
  }
}

function base(ctx: RepairContext, keys: number): TableRepair {
  return { method: ctx.request.method, dryRun: ctx.request.dryRun, status: 'skipped', keys };
}

/** Tables with drift the repair can take; the others get a `repair` saying why not. */
function workOf(ctx: RepairContext): Work[] {
  const work: Work[] = [];
  for (const result of ctx.report.tables) {
    if (result.status !== 'mismatch') continue;
    const c = ctx.collected.get(result.table);
    if (result.mode !== 'diff') {
      result.repair = { ...base(ctx, 0), reason: `mode ${result.mode} finds no row keys to repair; run it in diff mode` };
    } else if (!c) {
      result.repair = { ...base(ctx, 0), reason: 'no differing row was found (the row counts differ only)' };
    } else if (c.total > ctx.cfg.maxKeys) {
      result.repair = {
        ...base(ctx, 0),
        reason: `${c.total} drifted rows, more than repair.maxKeys (${ctx.cfg.maxKeys}): re-snapshot the whole table instead`,
      };
    } else {
      work.push({ result, plan: c.plan, drift: c.drift });
    }
  }
  return work;
}

async function repair(ctx: RepairContext): Promise<void> {
  const { report, request, cfg } = ctx;
  const summary: RunRepair = { method: request.method, dryRun: request.dryRun, tables: 0, keys: 0, signals: 0, healed: 0, notHealed: 0, warnings: [] };
  report.repair = summary;
  const work = workOf(ctx);
  if (work.length === 0) return;
  const log = ctx.opts.logger.child({ repair: request.method });
  let sides: Sides;
  try {
    sides = await Sides.open(ctx.opts.config, ctx.env, log, ctx.opts.minRetryDelayMs);
  } catch (err) {
    const reason = redact(`cannot connect for the repair: ${errorMessage(err)}`);
    summary.warnings.push(reason);
    for (const w of work) w.result.repair = { ...base(ctx, w.drift.length), status: 'failed', reason };
    return;
  }
  try {
    if (request.method === 'sql') await sqlRepair(ctx, sides, work);
    else await signalRepair(ctx, sides, work, cfg);
  } finally {
    await sides.close();
  }
  for (const w of work) {
    const r = w.result.repair;
    if (!r || r.status === 'skipped' || r.status === 'failed') continue;
    summary.tables += 1;
    summary.keys += r.keys;
    summary.signals += r.signals?.count ?? 0;
    summary.healed += r.heal?.healed ?? 0;
    summary.notHealed += r.heal?.notHealed ?? 0;
  }
}

function print(ctx: RepairContext, text: string): void {
  (ctx.opts.print ?? ((t: string) => process.stdout.write(t)))(text);
}

function repairFilePath(ctx: RepairContext, kind: 'repair' | 'deletes'): string {
  if (kind === 'repair' && ctx.cfg.sqlFile) return ctx.cfg.sqlFile;
  return join(ctx.opts.reportDir, `${kind === 'repair' ? 'repair' : 'repair-deletes'}-${ctx.report.runId}.sql`);
}

function writeSql(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { encoding: 'utf8', mode: 0o644 });
}

/** `repair: sql`: source rows of the missing / changed keys, then one reviewed file. */
async function sqlRepair(ctx: RepairContext, sides: Sides, work: Work[]): Promise<void> {
  const parts: Array<{ w: Work; sql: TableSql }> = [];
  for (const w of work) {
    try {
      const keys = driftKeysOf(w.plan, w.drift).filter((k) => k.kind !== 'extra');
      const sourceRows = keys.length ? await readKeys(sides.readers(w.plan).source, w.plan, keys) : new Map();
      const sql = tableRepairSql({ plan: w.plan, drift: w.drift, sourceRows });
      parts.push({ w, sql });
      w.result.repair = {
        ...base(ctx, w.drift.length),
        status: ctx.request.dryRun ? 'planned' : 'written',
        sql: { upserts: sql.upserts, deletes: sql.deletes, leftOut: sql.skipped.length },
      };
    } catch (err) {
      w.result.repair = { ...base(ctx, w.drift.length), status: 'failed', reason: redact(errorMessage(err)) };
    }
  }
  if (parts.length === 0) return;
  const text = renderRepairSql({
    runId: ctx.report.runId,
    generatedAt: new Date(),
    source: `${ctx.report.source.dialect} source`,
    target: `${ctx.report.target.dialect} target`,
    tables: parts.map((p) => p.sql),
  });
  if (ctx.request.dryRun) {
    print(ctx, `-- repair (dry run): this SQL would be written; nothing was written\n${text}`);
    return;
  }
  const path = repairFilePath(ctx, 'repair');
  writeSql(path, text);
  ctx.report.repair!.sqlFile = path;
  ctx.opts.logger.info('repair SQL written (not run)', { file: path, tables: parts.length });
}

interface Signalled {
  w: Work;
  signals: PlannedSignal[];
  /** The missing and changed rows the signals name (extra rows cannot heal through a snapshot). */
  drift: RowDiff[];
}

/** The connector to check before signalling: repair.signal.connector, else lag.kafkaConnect. */
function signalConnector(ctx: RepairContext): { urlEnv: string; name: string; timeoutMs: number } | undefined {
  const own = ctx.cfg.signal?.connector;
  if (own) return own;
  const lag = ctx.lagCfg.kafkaConnect;
  return lag ? { urlEnv: lag.urlEnv, name: lag.connector, timeoutMs: lag.timeoutMs } : undefined;
}

async function databaseName(ctx: RepairContext, sides: Sides): Promise<string> {
  const given = ctx.cfg.signal?.database;
  if (given) return given;
  const text = sides.sd.name === 'mssql' ? 'SELECT DB_NAME() AS db' : 'SELECT current_database() AS db';
  const rows = await sides.source.query<{ db: string }>({ text, values: [], label: 'repair-database' });
  return rows[0]?.db ?? '';
}

async function signalTable(ctx: RepairContext, sides: Sides): Promise<SignalTable> {
  const ref = ctx.cfg.signal!.table!;
  const catalog = await sides.sd.readTable(sides.source, ref);
  if (!catalog) throw new SignalPreflightError(`signalling table ${formatTableName(ref)} not found in the source catalog; nothing was signalled`);
  return resolveSignalTable(catalog);
}

/**
 * Everything checked before the first signal: the connector (running, channel enabled), the signal topic or
 * the signalling table, and a connection that can send. Throws with the reason; nothing has been sent.
 */
async function openSender(ctx: RepairContext, sides: Sides): Promise<{ sender: SignalSender; warnings: string[] }> {
  const cfg = ctx.cfg.signal!;
  const warnings: string[] = [];
  const connectorRef = signalConnector(ctx);
  let connector: ConnectorSignalSettings | undefined;
  if (connectorRef) {
    const url = ctx.env[connectorRef.urlEnv];
    if (!url) throw new ConfigError(`environment variable ${connectorRef.urlEnv} (the Kafka Connect URL) is not set`);
    if (/\/\/[^/@]*@/.test(url)) registerSecret(url);
    connector = await checkConnector(new KafkaConnectClient(url, { timeoutMs: connectorRef.timeoutMs }), connectorRef.name, cfg.channel);
  } else {
    warnings.push('no connector to check (repair.signal.connector or lag.kafkaConnect): the signal is sent without knowing that the connector runs and reads it');
  }
  if (cfg.channel === 'kafka') {
    const address = kafkaSignalAddress(cfg, connector);
    const bootstrap = ctx.env[cfg.kafka!.bootstrapEnv];
    if (!bootstrap) throw new ConfigError(`environment variable ${cfg.kafka!.bootstrapEnv} (the Kafka brokers of the signal topic) is not set`);
    return { sender: await openKafkaSender(bootstrap, address), warnings };
  }
  const table = await signalTable(ctx, sides);
  if (connector?.dataCollection) {
    const expected = dataCollectionId(sides.sd.name, await databaseName(ctx, sides), table.ref);
    if (connector.dataCollection !== expected) {
      throw new SignalPreflightError(`connector ${connector.connector} reads signals from ${connector.dataCollection}, not from ${expected} (repair.signal.table); nothing was signalled`);
    }
  }
  const url = ctx.env[cfg.urlEnv];
  if (!url) throw new ConfigError(`environment variable ${cfg.urlEnv} (the connection that writes the signal) is not set`);
  const writer = await openSignalWriter(sides.sd.name, url, {
    applicationName: `${TOOL_NAME}/${TOOL_VERSION} repair`,
    connectTimeoutMs: ctx.opts.config.source.connectTimeoutMs,
    statementTimeoutMs: Math.min(ctx.opts.config.source.statementTimeoutMs, 60_000),
  });
  return { sender: tableSender(sides.sd.name, table, writer), warnings };
}

function failAll(ctx: RepairContext, rows: Iterable<Work>, reason: string): void {
  ctx.report.repair!.warnings.push(reason);
  for (const w of rows) Object.assign(w.result.repair ?? (w.result.repair = base(ctx, w.drift.length)), { status: 'failed', reason });
}

async function signalRepair(ctx: RepairContext, sides: Sides, work: Work[], cfg: RepairConfig): Promise<void> {
  const signalCfg = cfg.signal!;
  const dry = ctx.request.dryRun;
  let sender: SignalSender | undefined;
  let database: string;
  let dryTable: SignalTable | undefined;
  try {
    database = await databaseName(ctx, sides);
    // A dry run shows the plan even when the connector or the topic would refuse: it only reads the catalog.
    if (dry && signalCfg.channel === 'source') dryTable = await signalTable(ctx, sides);
    if (!dry) {
      const opened = await openSender(ctx, sides);
      sender = opened.sender;
      ctx.report.repair!.warnings.push(...opened.warnings);
    }
  } catch (err) {
    failAll(ctx, work, redact(errorMessage(err)));
    return;
  }
  try {
    await planAndSend(ctx, sides, work, signalCfg, database, sender, dryTable);
  } finally {
    await sender?.close();
  }
}

async function planAndSend(ctx: RepairContext, sides: Sides, work: Work[], signalCfg: SignalConfig, database: string, sender: SignalSender | undefined, dryTable?: SignalTable): Promise<void> {
  const dry = ctx.request.dryRun;
  const destination = sender?.destination ?? (signalCfg.channel === 'kafka' ? 'the Kafka signal topic' : `signalling table ${formatTableName(signalCfg.table!)}`);
  const maxDataLength = sender ? sender.maxDataLength : signalCfg.channel === 'kafka' ? KAFKA_MAX_DATA_LENGTH : (dryTable?.dataMaxLength ?? null);
  const planned: Signalled[] = [];
  const deletes: TableSql[] = [];
  const listing: string[] = [];
  for (const w of work) {
    const extras = w.drift.filter((d) => d.kind === 'extra');
    const toSignal = w.drift.filter((d) => d.kind !== 'extra');
    const r: TableRepair = { ...base(ctx, w.drift.length), deletesRequired: extras.length || undefined };
    w.result.repair = r;
    try {
      const collection = dataCollectionId(sides.sd.name, database, w.plan.source.table);
      const signals = toSignal.length
        ? planSignals({
            dialect: sides.sd.name,
            collection,
            columns: keyColumns(w.plan, 'source'),
            keys: driftKeysOf(w.plan, toSignal).map((k) => k.values),
            batchSize: signalCfg.batchSize,
            maxDataLength,
          })
        : [];
      if (extras.length) deletes.push(tableRepairSql({ plan: w.plan, drift: extras, sourceRows: new Map() }));
      r.signals = { channel: signalCfg.channel, table: destination, collection, count: signals.length, ids: signals.map((s) => s.id), keys: toSignal.length };
      r.status = dry ? 'planned' : signals.length ? 'signalled' : 'skipped';
      if (!signals.length) r.reason = 'only extra rows: an incremental snapshot cannot remove them; apply the deletes file';
      planned.push({ w, signals, drift: toSignal });
      if (dry) {
        listing.push(`${w.result.table}: ${signals.length} signal(s) for ${toSignal.length} key(s) through ${destination} (collection ${collection})${extras.length ? `; ${extras.length} extra row(s) need deletes` : ''}`);
        for (const s of signals) {
          if (signalCfg.channel === 'kafka') listing.push(`  message keys=${s.keys}`, `    value=${kafkaSignalValue(s)}`);
          else if (dryTable) {
            const stmt = insertSignalStatement(sides.sd.name, dryTable, s);
            listing.push(`  ${stmt.text}`, `    id=${s.id} type=${stmt.values[1]} keys=${s.keys}`, `    data=${s.data}`);
          }
        }
      }
    } catch (err) {
      if (!(err instanceof KeyEncodingError)) throw err;
      r.status = 'skipped';
      r.reason = `not repairable through a signal: ${err.message}; use --repair sql or re-snapshot the table`;
    }
  }

  if (deletes.length) {
    const text = renderRepairSql({ runId: ctx.report.runId, generatedAt: new Date(), source: `${ctx.report.source.dialect} source`, target: `${ctx.report.target.dialect} target`, tables: deletes });
    if (dry) listing.push('', '-- extra rows: this DELETE file would be written (never run by cdc-recon)', text);
    else {
      const path = repairFilePath(ctx, 'deletes');
      writeSql(path, text);
      ctx.report.repair!.deletesFile = path;
    }
  }
  if (dry) {
    print(ctx, `repair (dry run): nothing was sent to ${destination}\n${listing.join('\n')}\n`);
    return;
  }

  const toWrite = planned.filter((p) => p.signals.length > 0);
  if (toWrite.length === 0 || !sender) return;
  const sentAt = Date.now();
  try {
    // Every table's signals in one send: all of them reach the connector, or none does.
    await sender.sendAll(toWrite.flatMap((p) => p.signals));
  } catch (err) {
    failAll(ctx, toWrite.map((p) => p.w), redact(`no signal was sent: ${errorMessage(err)}`));
    return;
  }
  ctx.opts.logger.info('signals sent', { tables: toWrite.length, signals: toWrite.reduce((a, p) => a + p.signals.length, 0), to: destination });
  await healCheck(ctx, sides, toWrite, sentAt);
}

/** The longest wait for the signalled keys: repair.recheckDelay, else from the lag (at least 30 s), else 2 min. */
function healTimeout(ctx: RepairContext): number {
  if (ctx.cfg.recheckDelayMs !== undefined) return ctx.cfg.recheckDelayMs;
  const auto = recheckDelayFromLag(ctx.lag, ctx.lagCfg.recheck);
  return auto !== undefined ? Math.max(auto, MIN_HEAL_DELAY_MS) : DEFAULT_HEAL_DELAY_MS;
}

/**
 * Reads the signalled tables' drifted keys again every repair.healPoll until all of them match or the wait is
 * over; a table's time to heal is from the send to the check that found it whole.
 */
async function healCheck(ctx: RepairContext, sides: Sides, healing: Signalled[], sentAt: number): Promise<void> {
  const timeout = healTimeout(ctx);
  const poll = Math.max(1, Math.min(ctx.cfg.healPollMs, timeout));
  const pause = ctx.opts.healSleep ?? sleep;
  ctx.opts.logger.info('waiting for the signalled keys to heal', { timeoutMs: timeout, pollMs: poll });
  const pending = new Set(healing);
  let checks = 0;
  for (;;) {
    const remaining = timeout - (Date.now() - sentAt);
    await pause(Math.max(0, Math.min(poll, remaining)));
    checks += 1;
    const last = Date.now() - sentAt >= timeout;
    for (const p of [...pending]) {
      const { w } = p;
      const r = w.result.repair!;
      try {
        const again = await recheckKeys(w.plan, sides.readers(w.plan), p.drift, driftKeysOf(w.plan, p.drift));
        const max = w.plan.spec.maxDiffRows;
        const done = again.notHealed.length === 0;
        r.heal = {
          checkedAt: new Date().toISOString(),
          waitedMs: Date.now() - sentAt,
          timeToHealMs: done ? Date.now() - sentAt : null,
          checks,
          healed: again.healed.length,
          notHealed: again.notHealed.length,
          healedRows: diffRows(w.plan, again.healed, max),
          notHealedRows: diffRows(w.plan, again.notHealed, max),
        };
        if (done) pending.delete(p);
      } catch (err) {
        r.reason = redact(`heal check failed: ${errorMessage(err)}`);
        pending.delete(p);
      }
    }
    if (pending.size === 0 || last) break;
  }
}
