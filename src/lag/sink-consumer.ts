/**
 * The sink connector's consumer-group lag in messages: for every partition the group has committed,
 * the log-end offset minus the committed offset (Kafka Connect names a sink's group `connect-<connector>`).
 * Read with the Kafka Admin API.
 */
import { openKafkaClient } from '../util/kafka-client.js';

export interface ConsumerLag {
  group: string;
  /** Sum over partitions. */
  messages: number;
  partitions: { topic: string; partition: number; committed: number; end: number; lag: number }[];
}

export async function readSinkConsumerLag(bootstrap: string, connector: string, opts: { timeoutMs?: number } = {}): Promise<ConsumerLag> {
  const group = `connect-${connector}`;
  const { kafka, lib } = await openKafkaClient(bootstrap, { clientId: 'cdc-recon', timeoutMs: opts.timeoutMs });
  const admin = kafka.admin();
  await admin.connect();
  try {
    // The topics the group has committed on, and those its members are assigned (a topic created while the
    // sink is paused has no commit yet, and all of it is behind).
    const [described] = (await admin.describeGroups([group])).groups;
    const assigned = new Set<string>();
    for (const m of described?.members ?? []) {
      if (!m.memberAssignment?.length) continue;
      const decoded = lib.AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      for (const topic of Object.keys(decoded?.assignment ?? {})) assigned.add(topic);
    }
    const committedTopics = (await admin.fetchOffsets({ groupId: group })).map((t) => t.topic);
    const topics = [...new Set([...committedTopics, ...assigned])];
    const committed = topics.length ? await admin.fetchOffsets({ groupId: group, topics }) : [];
    const partitions: ConsumerLag['partitions'] = [];
    for (const t of committed) {
      const ends = await admin.fetchTopicOffsets(t.topic);
      for (const p of t.partitions) {
        const bounds = ends.find((e) => e.partition === p.partition);
        const end = Number(bounds?.high ?? 0);
        // -1: nothing committed yet for the partition: everything still in it is behind.
        const at = Number(p.offset) < 0 ? Number(bounds?.low ?? 0) : Number(p.offset);
        partitions.push({ topic: t.topic, partition: p.partition, committed: at, end, lag: Math.max(0, end - at) });
      }
    }
    return { group, messages: partitions.reduce((a, p) => a + p.lag, 0), partitions };
  } finally {
    await admin.disconnect();
  }
}
