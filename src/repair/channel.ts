/**
 * Where the signals go, checked before the first one is sent, then sent all
 * or nothing:
 *
 *  - kafka: one message per signal on the connector's signal topic (key = the
 *    connector's topic.prefix, value = {"type":"execute-snapshot","data":...}),
 *    all in one produce request to the topic's single partition, acks=all.
 *    Nothing is written into the source database by cdc-recon (Debezium
 *    still writes its snapshot watermarks into its own signalling table).
 *  - source: one row per signal in the signalling table, in one transaction.
 *
 * With a connector to ask (repair.signal.connector or lag.kafkaConnect), the
 * preflight refuses to send when it is not RUNNING with every task RUNNING,
 * or when its `signal.enabled.channels` does not name the channel: a signal
 * it would never read is worse than none (the report would wait for a heal).
 */
import type { Producer } from 'kafkajs';
import type { SignalChannel, SignalConfig } from '../config/repair.js';
import type { DialectName } from '../dialects/types.js';
import type { KafkaConnectClient } from '../dr/connect/client.js';
import { ConfigError } from '../util/errors.js';
import { openKafkaClient } from '../util/kafka-client.js';
import { SIGNAL_TYPE, insertSignalStatement, type PlannedSignal, type SignalTable } from './signal.js';
import type { SignalWriter } from './writer.js';

/** Debezium's default when `signal.enabled.channels` is not set. */
const DEFAULT_CHANNELS = ['source'];
/** Below Kafka's default 1 MiB message limit, with room for the envelope. */
export const KAFKA_MAX_DATA_LENGTH = 900_000;

/** The preflight refused: nothing was sent. */
export class SignalPreflightError extends Error {
  override readonly name = 'SignalPreflightError';
}

export interface ConnectorSignalSettings {
  connector: string;
  channels: string[];
  topicPrefix?: string;
  kafkaTopic?: string;
  dataCollection?: string;
}

/** The connector's state and signalling settings; throws SignalPreflightError when it cannot take the signal. */
export async function checkConnector(client: KafkaConnectClient, name: string, channel: SignalChannel): Promise<ConnectorSignalSettings> {
  const status = await client.status(name);
  if (!status) throw new SignalPreflightError(`connector ${name} does not exist on Kafka Connect; nothing was signalled`);
  const tasks = status.tasks.map((t) => t.state);
  if (status.connector.state !== 'RUNNING' || tasks.length === 0 || tasks.some((t) => t !== 'RUNNING')) {
    const what = `${status.connector.state}${tasks.length ? `, tasks ${tasks.join(',')}` : ', no task'}`;
    throw new SignalPreflightError(`connector ${name} is not running (${what}): it would not read the signal; nothing was signalled`);
  }
  const config = (await client.config(name)) ?? {};
  const channels = (config['signal.enabled.channels'] ?? DEFAULT_CHANNELS.join(',')).split(',').map((c) => c.trim()).filter(Boolean);
  if (!channels.includes(channel)) {
    throw new SignalPreflightError(
      `connector ${name} does not enable the ${channel} signal channel (signal.enabled.channels=${channels.join(',') || '(empty)'}); nothing was signalled`,
    );
  }
  if (!config['signal.data.collection']) {
    // Incremental snapshots need the signalling table for their watermarks, whatever the channel.
    throw new SignalPreflightError(`connector ${name} has no signal.data.collection: Debezium cannot run an incremental snapshot without it; nothing was signalled`);
  }
  return {
    connector: name,
    channels,
    topicPrefix: config['topic.prefix'],
    kafkaTopic: config['signal.kafka.topic'],
    dataCollection: config['signal.data.collection'],
  };
}

export interface SignalSender {
  /** Where the signals go, for the report and the log. */
  readonly destination: string;
  /** Longest `data` one signal may carry; null when unlimited. */
  readonly maxDataLength: number | null;
  /** Sends every signal, all or nothing. */
  sendAll(signals: readonly PlannedSignal[]): Promise<void>;
  close(): Promise<void>;
}

/** The signal topic and key: the config's, else the connector's (`signal.kafka.topic`, else `<topic.prefix>-signal`). */
export function kafkaSignalAddress(cfg: SignalConfig, connector: ConnectorSignalSettings | undefined): { topic: string; key: string } {
  const prefix = connector?.topicPrefix;
  const key = cfg.kafka?.key ?? prefix;
  const topic = cfg.kafka?.topic ?? connector?.kafkaTopic ?? (prefix ? `${prefix}-signal` : undefined);
  if (!key || !topic) throw new ConfigError('repair.signal.kafka: the signal topic and key are unknown (give kafka.topic and kafka.key, or a connector to read them from)');
  if (connector?.kafkaTopic && connector.kafkaTopic !== topic) {
    throw new SignalPreflightError(`repair.signal.kafka.topic is ${topic} but connector ${connector.connector} reads signals from ${connector.kafkaTopic}; nothing was signalled`);
  }
  if (prefix && prefix !== key) {
    throw new SignalPreflightError(`repair.signal.kafka.key is ${key} but connector ${connector!.connector} takes only signals keyed ${prefix} (its topic.prefix); nothing was signalled`);
  }
  return { topic, key };
}

/** The Kafka message value Debezium's Kafka signal channel reads. */
export function kafkaSignalValue(signal: PlannedSignal): string {
  return `{"type":${JSON.stringify(SIGNAL_TYPE)},"data":${signal.data}}`;
}

export async function openKafkaSender(bootstrap: string, address: { topic: string; key: string }, timeoutMs = 10_000): Promise<SignalSender> {
  const { kafka } = await openKafkaClient(bootstrap, { clientId: 'cdc-recon-repair', timeoutMs });
  // The topic must exist with one partition (Debezium reads partition 0): never auto-created by a typo.
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [address.topic] }).catch(() => undefined);
    const partitions = meta?.topics.find((t) => t.name === address.topic)?.partitions.length ?? 0;
    if (partitions === 0) throw new SignalPreflightError(`signal topic ${address.topic} does not exist on the brokers; nothing was signalled`);
    if (partitions > 1) throw new SignalPreflightError(`signal topic ${address.topic} has ${partitions} partitions; Debezium reads signals from a single-partition topic; nothing was signalled`);
  } finally {
    await admin.disconnect();
  }
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    destination: `Kafka topic ${address.topic} (key ${address.key})`,
    maxDataLength: KAFKA_MAX_DATA_LENGTH,
    sendAll: async (signals) => {
      if (signals.length === 0) return;
      await producer.send({
        topic: address.topic,
        acks: -1,
        messages: signals.map((s) => ({ key: address.key, value: kafkaSignalValue(s), partition: 0 })),
      });
    },
    close: () => producer.disconnect().catch(() => undefined),
  };
}

/** Signals as rows of the signalling table, written in one transaction. */
export function tableSender(dialect: DialectName, table: SignalTable, writer: SignalWriter): SignalSender {
  return {
    destination: `signalling table ${table.ref.schema}.${table.ref.name}`,
    maxDataLength: table.dataMaxLength,
    sendAll: (signals) => writer.executeAll(signals.map((s) => insertSignalStatement(dialect, table, s))),
    close: () => writer.close(),
  };
}
