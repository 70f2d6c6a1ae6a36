/**
 * The `repair:` and `lag:` sections of the config. src/config/schema.ts
 * reserves both top-level keys as `z.unknown()`; they are validated here,
 * with the same rules as the rest of the file (unknown fields are errors,
 * connections are named by environment variable, never written inline).
 */
import * as z from 'zod/mini';
import { duration, envNameField, identifier, int, tableName, text } from './fields.js';
import { formatIssuePath } from './issue-path.js';
import { parseTableName, type TableName } from './table-name.js';
import { ConfigError } from '../util/errors.js';

export const REPAIR_METHODS = ['debezium-signal', 'sql'] as const;
export const SIGNAL_CHANNELS = ['source', 'kafka'] as const;
export type SignalChannel = (typeof SIGNAL_CHANNELS)[number];
export type RepairMethod = (typeof REPAIR_METHODS)[number];

const envName = envNameField();

export const repairConfigSchema = z.strictObject({
  /** Drifted keys per table that a repair handles; a table with more is not repaired (re-snapshot it whole instead). */
  maxKeys: z.optional(int(1, 1_000_000)),
  /**
   * Longest wait for the signalled keys to heal (they are read again every `healPoll` and the wait ends as soon
   * as all of them match); default: from the measured lag (at least 30 s), else 2 min.
   */
  recheckDelay: z.optional(duration),
  /** How often the signalled keys are read again while they heal (default 2 s). */
  healPoll: z.optional(duration),
  signal: z.optional(
    z.strictObject({
      /**
       * How the signal reaches the connector: `kafka` (a message on the connector's signal topic; nothing is written
       * into the source database) or `source` (a row in the signalling table). Default: kafka when `kafka` is set.
       */
      channel: z.optional(z.enum(SIGNAL_CHANNELS)),
      /** The connector's signalling table on the source (Debezium `signal.data.collection`): needed for channel source. */
      table: z.optional(tableName),
      /** A connection allowed to INSERT into the signalling table; default: the source connection. */
      urlEnv: z.optional(envName),
      /** The Kafka signal channel: brokers, and the topic and message key when no `connector` says them. */
      kafka: z.optional(
        z.strictObject({
          bootstrapEnv: envName,
          /** Default: the connector's `signal.kafka.topic`, else `<topic.prefix>-signal`. */
          topic: z.optional(text()),
          /** Message key: the connector's `topic.prefix` (default: read from the connector's config). */
          key: z.optional(text()),
        }),
      ),
      /**
       * The source connector on Kafka Connect, checked before any signal is sent (running, the channel enabled);
       * default: lag.kafkaConnect.
       */
      connector: z.optional(z.strictObject({ urlEnv: envName, name: text(), timeout: z.optional(duration) })),
      /** Database name in the data-collection ids (SQL Server: <database>.<schema>.<table>); default: the connection's database. */
      database: z.optional(identifier),
      /** Keys per signal (each signal is one incremental snapshot with one key filter). */
      batchSize: z.optional(int(1, 10_000)),
    }),
  ),
  sql: z.optional(
    z.strictObject({
      /** Where `repair: sql` writes the reviewed SQL file; default: <report dir>/repair-<run id>.sql. */
      file: z.optional(text()),
    }),
  ),
});

export const lagConfigSchema = z.strictObject({
  /** Measure the lag (default: on for SQL Server sources; needs read access to the cdc schema). */
  enabled: z.optional(z.boolean()),
  /** The Debezium source connector whose committed offsets say how far the pipeline has read. */
  kafkaConnect: z.optional(
    z.strictObject({
      urlEnv: envName,
      connector: text(),
      timeout: z.optional(duration),
    }),
  ),
  /**
   * End-to-end probe (opt-in; the only write the reconciler makes besides repair signals): a heartbeat row
   * (columns id, beat, at) upserted into `source` and timed until `target` shows it.
   */
  heartbeat: z.optional(
    z.strictObject({
      source: tableName,
      target: tableName,
      /** A connection allowed to write the heartbeat table; default: the source connection. */
      urlEnv: z.optional(envName),
      timeout: z.optional(duration),
    }),
  ),
  /** PostgreSQL source: the Debezium connector's replication slot (its confirmed position against the current WAL). */
  slot: z.optional(identifier),
  /** The sink connector's consumer-group lag in messages, read from Kafka. */
  sink: z.optional(z.strictObject({ bootstrapEnv: envName, connector: text() })),
  /** Recheck delay chosen from the lag when none is configured: lag x factor, clamped to [min, max]. */
  recheck: z.optional(
    z.strictObject({
      factor: z.optional(z.number().check(z.minimum(1), z.maximum(100))),
      min: z.optional(duration),
      max: z.optional(duration),
    }),
  ),
});

export interface SignalConfig {
  channel: SignalChannel;
  /** The signalling table (channel source). */
  table?: TableName;
  urlEnv: string;
  database?: string;
  batchSize: number;
  kafka?: { bootstrapEnv: string; topic?: string; key?: string };
  connector?: { urlEnv: string; name: string; timeoutMs: number };
}

export interface RepairConfig {
  maxKeys: number;
  recheckDelayMs?: number;
  healPollMs: number;
  signal?: SignalConfig;
  sqlFile?: string;
}

export interface LagConfig {
  enabled: boolean;
  kafkaConnect?: { urlEnv: string; connector: string; timeoutMs: number };
  heartbeat?: { source: TableName; target: TableName; urlEnv: string; timeoutMs: number };
  slot?: string;
  sink?: { bootstrapEnv: string; connector: string };
  recheck: { factor: number; minMs: number; maxMs: number };
}

/** What the section readers need of the loaded config (structural: a ReconConfig is one). */
interface LoadedConfig {
  raw: unknown;
  file: string;
  source: { dialect: 'postgres' | 'mssql'; urlEnv: string; schema?: string };
}

export const DEFAULT_MAX_KEYS = 10_000;
export const DEFAULT_SIGNAL_BATCH = 200;
export const DEFAULT_HEAL_POLL_MS = 2_000;
export const DEFAULT_RECHECK = { factor: 2, minMs: 5_000, maxMs: 10 * 60_000 } as const;

function parseSection<S extends z.ZodMiniType>(schema: S, raw: unknown, section: string, file: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${formatIssuePath([section, ...i.path])}: ${i.message}`);
  throw new ConfigError(`invalid config ${file}:\n  - ${issues.join('\n  - ')}`, file, issues);
}

/** The `repair:` section, normalised (defaults applied); the signal table defaults to the source's schema. */
export function repairConfigOf(config: LoadedConfig): RepairConfig {
  const raw = (config.raw as { repair?: unknown }).repair;
  const r = parseSection(repairConfigSchema, raw ?? {}, 'repair', config.file);
  let signal: SignalConfig | undefined;
  if (r.signal) {
    const s = r.signal;
    const channel: SignalChannel = s.channel ?? (s.kafka ? 'kafka' : 'source');
    const fail = (field: string, message: string): never => {
      const issue = `repair.signal.${field}: ${message}`;
      throw new ConfigError(`invalid config ${config.file}:\n  - ${issue}`, config.file, [issue]);
    };
    if (channel === 'source' && !s.table) fail('table', 'channel source needs the signalling table (Debezium signal.data.collection)');
    if (channel === 'kafka' && !s.kafka) fail('kafka', 'channel kafka needs kafka.bootstrapEnv (the brokers of the signal topic)');
    const connectorGiven = s.connector !== undefined || (config.raw as { lag?: { kafkaConnect?: unknown } }).lag?.kafkaConnect !== undefined;
    if (channel === 'kafka' && !connectorGiven && (!s.kafka?.topic || !s.kafka.key)) {
      fail('kafka', 'without a connector (repair.signal.connector or lag.kafkaConnect) to read them from, give kafka.topic and kafka.key (the connector\'s topic.prefix)');
    }
    const t = s.table ? parseTableName(s.table) : undefined;
    signal = {
      channel,
      table: t ? { schema: t.schema ?? config.source.schema, name: t.name } : undefined,
      urlEnv: s.urlEnv ?? config.source.urlEnv,
      database: s.database,
      batchSize: s.batchSize ?? DEFAULT_SIGNAL_BATCH,
      kafka: s.kafka,
      connector: s.connector ? { urlEnv: s.connector.urlEnv, name: s.connector.name, timeoutMs: s.connector.timeout ?? 10_000 } : undefined,
    };
  }
  return { maxKeys: r.maxKeys ?? DEFAULT_MAX_KEYS, recheckDelayMs: r.recheckDelay, healPollMs: r.healPoll ?? DEFAULT_HEAL_POLL_MS, signal, sqlFile: r.sql?.file };
}

/** The `lag:` section, normalised. */
export function lagConfigOf(config: LoadedConfig): LagConfig {
  const raw = (config.raw as { lag?: unknown }).lag;
  const l = parseSection(lagConfigSchema, raw ?? {}, 'lag', config.file);
  const recheck = {
    factor: l.recheck?.factor ?? DEFAULT_RECHECK.factor,
    minMs: l.recheck?.min ?? DEFAULT_RECHECK.minMs,
    maxMs: l.recheck?.max ?? DEFAULT_RECHECK.maxMs,
  };
  if (recheck.minMs > recheck.maxMs) {
    const issue = `lag.recheck: min (${recheck.minMs} ms) is above max (${recheck.maxMs} ms)`;
    throw new ConfigError(`invalid config ${config.file}:\n  - ${issue}`, config.file, [issue]);
  }
  return {
    enabled: l.enabled ?? (config.source.dialect === 'mssql' || l.kafkaConnect !== undefined || l.heartbeat !== undefined || l.slot !== undefined || l.sink !== undefined),
    heartbeat: l.heartbeat
      ? { source: parseTableName(l.heartbeat.source), target: parseTableName(l.heartbeat.target), urlEnv: l.heartbeat.urlEnv ?? config.source.urlEnv, timeoutMs: l.heartbeat.timeout ?? 60_000 }
      : undefined,
    slot: l.slot,
    sink: l.sink,
    kafkaConnect: l.kafkaConnect ? { urlEnv: l.kafkaConnect.urlEnv, connector: l.kafkaConnect.connector, timeoutMs: l.kafkaConnect.timeout ?? 10_000 } : undefined,
    recheck,
  };
}
