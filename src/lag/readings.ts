/**
 * The pipeline's own lag readings, as configured under `lag:`:
 *  - end to end (opt-in, `lag.heartbeat`): a heartbeat row upserted on the source — the only write the
 *    reconciler makes besides repair signals, through the same one-statement writer — and timed until the
 *    target shows it;
 *  - the sink connector's consumer-group lag in messages (`lag.sink`, read from Kafka);
 *  - a PostgreSQL source's replication slot: WAL bytes between the current position and the slot's
 *    confirmed one (`lag.slot`).
 * A reading that cannot be taken is null with a warning; none fails the run.
 */
import type { LagConfig } from '../config/repair.js';
import type { ReconConfig } from '../config/model.js';
import { getDialect } from '../dialects/index.js';
import type { Dialect, Endpoint, Statement } from '../dialects/types.js';
import type { LagReadings } from '../report/model.js';
import { openSignalWriter } from '../repair/writer.js';
import { errorMessage } from '../util/errors.js';
import { redact, registerSecret } from '../util/redact.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { readSinkConsumerLag } from './sink-consumer.js';

export interface ReadingsResult {
  readings: LagReadings;
  warnings: string[];
}

function connectOptions(config: ReconConfig) {
  return { poolSize: 1, statementTimeoutMs: Math.min(config.source.statementTimeoutMs, 60_000), connectTimeoutMs: config.source.connectTimeoutMs, applicationName: `${TOOL_NAME}/${TOOL_VERSION} lag` };
}

/** The upsert of the heartbeat: `beat` is the time it was written (ms), so each probe is recognisable. */
function heartbeatUpsert(d: Dialect, table: string, beat: number): Statement {
  if (d.name === 'mssql') {
    return {
      text: `MERGE ${table} AS h USING (SELECT 1 AS id) AS s ON h.[id] = s.id WHEN MATCHED THEN UPDATE SET [beat] = @p1, [at] = SYSDATETIMEOFFSET() WHEN NOT MATCHED THEN INSERT ([id], [beat], [at]) VALUES (1, @p1, SYSDATETIMEOFFSET());`,
      values: [String(beat)],
      label: 'lag-heartbeat',
    };
  }
  return {
    text: `INSERT INTO ${table} (id, beat, at) VALUES (1, $1, clock_timestamp()) ON CONFLICT (id) DO UPDATE SET beat = EXCLUDED.beat, at = EXCLUDED.at`,
    values: [String(beat)],
    label: 'lag-heartbeat',
  };
}

async function endToEnd(cfg: NonNullable<LagConfig['heartbeat']>, config: ReconConfig, env: NodeJS.ProcessEnv): Promise<number> {
  const [sd, td] = await Promise.all([getDialect(config.source.dialect), getDialect(config.target.dialect)]);
  const writeUrl = env[cfg.urlEnv];
  const targetUrl = env[config.target.urlEnv];
  const sourceUrl = env[config.source.urlEnv];
  if (!writeUrl || !targetUrl || !sourceUrl) throw new Error(`environment variable ${!writeUrl ? cfg.urlEnv : !targetUrl ? config.target.urlEnv : config.source.urlEnv} is not set`);
  for (const u of [writeUrl, targetUrl, sourceUrl]) registerSecret(u);
  let source: Endpoint | undefined;
  let target: Endpoint | undefined;
  try {
    [source, target] = await Promise.all([sd.connect(sourceUrl, 'source', connectOptions(config)), td.connect(targetUrl, 'target', connectOptions(config))]);
    // Both names resolved in their catalogs, quoted the database's way: never spliced from the config.
    const [st, tt] = await Promise.all([sd.readTable(source, { schema: cfg.source.schema ?? config.source.schema, name: cfg.source.name }), td.readTable(target, { schema: cfg.target.schema ?? config.target.schema, name: cfg.target.name })]);
    if (!st) throw new Error(`heartbeat table ${cfg.source.name} not found on the source`);
    if (!tt) throw new Error(`heartbeat table ${cfg.target.name} not found on the target`);
    const beat = Date.now();
    const writer = await openSignalWriter(sd.name, writeUrl, { applicationName: `${TOOL_NAME}/${TOOL_VERSION} heartbeat`, connectTimeoutMs: config.source.connectTimeoutMs, statementTimeoutMs: 30_000 });
    try {
      await writer.execute(heartbeatUpsert(sd, sd.quoteTable(st), beat));
    } finally {
      await writer.close();
    }
    const read: Statement = { text: `SELECT beat FROM ${td.quoteTable(tt)} WHERE id = 1`, values: [], label: 'lag-heartbeat' };
    for (;;) {
      const rows = await target.query<{ beat: string | number | null }>(read);
      if (rows[0]?.beat !== undefined && rows[0]?.beat !== null && Number(rows[0].beat) >= beat) return (Date.now() - beat) / 1000;
      if (Date.now() - beat > cfg.timeoutMs) throw new Error(`the heartbeat was not on the target after ${cfg.timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await Promise.all([source?.close(), target?.close()].map((p) => p?.catch(() => undefined)));
  }
}

async function slotBytes(slot: string, config: ReconConfig, env: NodeJS.ProcessEnv): Promise<number> {
  if (config.source.dialect !== 'postgres') throw new Error('lag.slot reads a PostgreSQL source');
  const url = env[config.source.urlEnv];
  if (!url) throw new Error(`environment variable ${config.source.urlEnv} is not set`);
  const d = await getDialect('postgres');
  const ep = await d.connect(url, 'source', connectOptions(config));
  try {
    const rows = await ep.query<{ behind: string | null }>({
      text: 'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS behind FROM pg_catalog.pg_replication_slots WHERE slot_name = $1',
      values: [slot],
      label: 'lag-slot',
    });
    if (!rows[0]) throw new Error(`no replication slot ${JSON.stringify(slot)} on the source`);
    if (rows[0].behind === null) throw new Error(`replication slot ${slot} has confirmed nothing yet`);
    return Math.max(0, Number(rows[0].behind));
  } finally {
    await ep.close().catch(() => undefined);
  }
}

/** Takes every configured reading, in parallel; undefined when none is configured. */
export async function measureReadings(cfg: LagConfig, config: ReconConfig, env: NodeJS.ProcessEnv): Promise<ReadingsResult | undefined> {
  if (!cfg.heartbeat && !cfg.sink && !cfg.slot) return undefined;
  const warnings: string[] = [];
  const readings: LagReadings = {
    ...(cfg.heartbeat ? { heartbeatTable: `${cfg.heartbeat.source.schema ? `${cfg.heartbeat.source.schema}.` : ''}${cfg.heartbeat.source.name}` } : {}),
    ...(cfg.sink ? { sinkConnector: cfg.sink.connector } : {}),
    ...(cfg.slot ? { slot: cfg.slot } : {}),
  };
  const take = async (key: 'endToEndSeconds' | 'sinkConsumerMessages' | 'sourceSlotBytes', what: string, read: () => Promise<number>) => {
    try {
      readings[key] = await read();
    } catch (err) {
      readings[key] = null;
      warnings.push(redact(`${what}: ${errorMessage(err)}`));
    }
  };
  await Promise.all([
    cfg.heartbeat ? take('endToEndSeconds', 'end-to-end heartbeat', () => endToEnd(cfg.heartbeat!, config, env)) : undefined,
    cfg.sink
      ? take('sinkConsumerMessages', `sink connector ${cfg.sink.connector} consumer lag`, async () => {
          const bootstrap = env[cfg.sink!.bootstrapEnv];
          if (!bootstrap) throw new Error(`environment variable ${cfg.sink!.bootstrapEnv} (the Kafka bootstrap servers) is not set`);
          return (await readSinkConsumerLag(bootstrap, cfg.sink!.connector)).messages;
        })
      : undefined,
    cfg.slot ? take('sourceSlotBytes', `replication slot ${cfg.slot}`, () => slotBytes(cfg.slot!, config, env)) : undefined,
  ]);
  return { readings, warnings };
}
