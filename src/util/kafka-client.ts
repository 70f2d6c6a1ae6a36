/**
 * The one Kafka client setup (kafkajs: plain JavaScript, no native build) for every part that talks to the
 * brokers, loaded only when one does: every other run starts without the client.
 */
import type { Kafka } from 'kafkajs';

export type KafkaJs = typeof import('kafkajs');

export interface KafkaClient {
  kafka: Kafka;
  /** The library itself, for its helpers (AssignerProtocol). */
  lib: KafkaJs;
}

export async function openKafkaClient(bootstrap: string, opts: { clientId: string; timeoutMs?: number }): Promise<KafkaClient> {
  const mod = await import('kafkajs');
  // A CommonJS module: bundled, its exports sit on the default export.
  const lib = (mod.default ?? mod) as KafkaJs;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const kafka = new lib.Kafka({
    clientId: opts.clientId,
    brokers: bootstrap.split(',').map((b) => b.trim()).filter(Boolean),
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 2 },
    logLevel: lib.logLevel.NOTHING,
  });
  return { kafka, lib };
}
