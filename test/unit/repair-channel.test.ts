/**
 * The signal channel's pure parts: the Kafka message Debezium's Kafka signal channel reads, and the topic
 * and key taken from the config or the connector (a mismatch with the connector is refused before sending).
 * Sending itself runs on the live pipeline (test/pipeline/repair.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { SignalConfig } from '../../src/config/repair.js';
import { kafkaSignalAddress, kafkaSignalValue, SignalPreflightError, KAFKA_MAX_DATA_LENGTH } from '../../src/repair/channel.js';
import { planSignals } from '../../src/repair/signal.js';
import { ConfigError } from '../../src/util/errors.js';

const HOSTILE = "x') OR ('1'='1";
const cfg = (kafka: SignalConfig['kafka']): SignalConfig => ({ channel: 'kafka', urlEnv: 'S', batchSize: 200, kafka });
const connector = { connector: 'src', channels: ['source', 'kafka'], topicPrefix: 'cdc', kafkaTopic: 'cdc-signal', dataCollection: 'app.sig' };

describe('Kafka signal channel', () => {
  it('the message value is {type: execute-snapshot, data} with the data exactly as planned', () => {
    const [signal] = planSignals({
      dialect: 'postgres',
      collection: 'app.t',
      columns: [{ name: 'k', spec: { type: 'text' }, column: { name: 'k', dataType: 'text', precision: null, scale: null, length: null, datetimePrecision: null, nullable: false, collation: null, ordinal: 1 } }],
      keys: [[`${HOSTILE.length}:${HOSTILE}`]],
      batchSize: 10,
      maxDataLength: KAFKA_MAX_DATA_LENGTH,
      newId: () => 'id-1',
    });
    const value = JSON.parse(kafkaSignalValue(signal!));
    expect(value.type).toBe('execute-snapshot');
    expect(value.data).toEqual(JSON.parse(signal!.data));
    expect(value.data['data-collections']).toEqual(['app.t']);
    expect(value.data['additional-conditions'][0]).toEqual({ 'data-collection': 'app.t', filter: `("k" IN (E'x'') OR (''1''=''1'))` });
  });

  it('topic and key come from the config, else the connector (signal.kafka.topic, topic.prefix)', () => {
    expect(kafkaSignalAddress(cfg({ bootstrapEnv: 'K' }), connector)).toEqual({ topic: 'cdc-signal', key: 'cdc' });
    expect(kafkaSignalAddress(cfg({ bootstrapEnv: 'K' }), { ...connector, kafkaTopic: undefined })).toEqual({ topic: 'cdc-signal', key: 'cdc' });
    expect(kafkaSignalAddress(cfg({ bootstrapEnv: 'K', topic: 'sig', key: 'p' }), undefined)).toEqual({ topic: 'sig', key: 'p' });
  });

  it('a topic or key the connector does not read is refused; none known is a config error', () => {
    expect(() => kafkaSignalAddress(cfg({ bootstrapEnv: 'K', topic: 'other' }), connector)).toThrow(SignalPreflightError);
    expect(() => kafkaSignalAddress(cfg({ bootstrapEnv: 'K', topic: 'other' }), connector)).toThrow(/reads signals from cdc-signal; nothing was signalled/);
    expect(() => kafkaSignalAddress(cfg({ bootstrapEnv: 'K', key: 'wrong' }), connector)).toThrow(/takes only signals keyed cdc/);
    expect(() => kafkaSignalAddress(cfg({ bootstrapEnv: 'K' }), undefined)).toThrow(ConfigError);
  });
});

describe('heal lines of the text output and the job summary', () => {
  it('per table: keys signalled, through which channel, healed, not healed and the time to heal', async () => {
    const { healLines } = await import('../../src/repair/format.js');
    const repair = (heal: object | undefined, channel: 'kafka' | 'source') => ({
      method: 'debezium-signal', dryRun: false, status: 'signalled', keys: 3,
      signals: { channel, table: 't', collection: 'app.t', count: 1, ids: [], keys: 3 }, heal,
    });
    const report = {
      tables: [
        { table: 'app.a', repair: repair({ healed: 3, notHealed: 0, timeToHealMs: 5100, waitedMs: 5100 }, 'kafka') },
        { table: 'app.b', repair: repair({ healed: 1, notHealed: 2, timeToHealMs: null, waitedMs: 120000 }, 'source') },
        { table: 'app.c' },
      ],
    } as never;
    expect(healLines(report)).toEqual([
      'app.a: 3 key(s) signalled through Kafka in 1 signal(s); 3 healed, 0 not healed; healed in 5.1 s',
      'app.b: 3 key(s) signalled through the signalling table in 1 signal(s); 1 healed, 2 not healed; not all healed after 120.0 s',
    ]);
  });
});
