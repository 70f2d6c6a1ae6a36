/**
 * The sink connector's consumer-group lag in messages: for every partition the group has committed,
 * the log-end offset minus the committed offset (Kafka Connect names a sink's group `connect-<connector>`).
 * Read with the Kafka Admin API (kafkajs: plain JavaScript, no native build).
 */
import { Kafka, logLevel } from 'kafkajs';

export interface ConsumerLag {
  group: string;
  /** Sum over partitions. */
  messages: number;
  partitions: { topic: string; partition: number; committed: number; end: number; lag: number }[];
}

export async function readSinkConsumerLag(bootstrap: string, connector: string, opts: { timeoutMs?: number } = {}): Promise<ConsumerLag> {
  const group = `connect-${connector}`;
  const kafka = new Kafka({
    clientId: 'cdc-recon',
    brokers: bootstrap.split(',').map((b) => b.trim()).filter(Boolean),
    connectionTimeout: opts.timeoutMs ?? 10_000,
    requestTimeout: opts.timeoutMs ?? 10_000,
    retry: { retries: 2 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId: group });
    const partitions: ConsumerLag['partitions'] = [];
    for (const t of committed) {
      const ends = await admin.fetchTopicOffsets(t.topic);
      for (const p of t.partitions) {
        const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
        // -1: nothing committed yet for the partition: all of it is behind.
        const at = Number(p.offset) < 0 ? 0 : Number(p.offset);
        partitions.push({ topic: t.topic, partition: p.partition, committed: at, end, lag: Math.max(0, end - at) });
      }
    }
    return { group, messages: partitions.reduce((a, p) => a + p.lag, 0), partitions };
  } finally {
    await admin.disconnect();
  }
}
