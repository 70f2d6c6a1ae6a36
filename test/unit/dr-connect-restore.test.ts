/**
 * The checks a Kafka Connect restore makes before it touches the worker (connectors.json against its
 * manifest entry) and the PostgreSQL source position (saved offset against the replication slot).
 * The live worker proves the rest: test/pipeline/connect-restore.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { REDACTED_VALUE, redactConnectorConfig } from '../../src/dr/connect/client.js';
import { checkPostgresPosition, formatPgLsn, gapAdvice, parsePgLsn, savedPgLsn } from '../../src/dr/connect/offsets.js';
import { checkSavedConnect } from '../../src/dr/connect/saved.js';
import { sourceUrlFromConfig } from '../../src/dr/connect/source-slot.js';
import type { KafkaConnectManifest } from '../../src/dr/store/manifest.js';
import { secretsFromConfig } from '../../src/dr/redact.js';

const PG = 'io.debezium.connector.postgresql.PostgresConnector';
const part = (over: Partial<KafkaConnectManifest> = {}): KafkaConnectManifest => ({
  workerVersion: '4.4.0',
  file: 'kafka-connect/connectors.json',
  connectors: ['src'],
  offsetsSupported: true,
  offsetsCapturedAt: '2026-01-01T00:00:00.000Z',
  redactedKeys: { src: ['database.password'] },
  durationMs: 1,
  ...over,
});
const set = (over: Record<string, unknown> = {}, src: Record<string, unknown> = {}) =>
  JSON.stringify({
    capturedAt: '2026-01-01T00:00:00.000Z',
    workerVersion: '4.4.0',
    offsetsSupported: true,
    connectors: {
      src: {
        config: { 'connector.class': PG, 'database.password': REDACTED_VALUE },
        redactedKeys: ['database.password'],
        status: { name: 'src', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'RUNNING' }] },
        offsets: [{ partition: { server: 'cdc' }, offset: { lsn: 100, lsn_commit: 100, lsn_proc: 100 } }],
        ...src,
      },
    },
    ...over,
  });

describe('connectors.json is checked before the worker is touched', () => {
  it('accepts a complete set', () => {
    expect(Object.keys(checkSavedConnect(set(), part(), { offsets: true }).connectors)).toEqual(['src']);
  });
  it('refuses truncated JSON, naming the file', () => {
    const text = set().slice(0, 120);
    expect(() => checkSavedConnect(text, part(), { offsets: false })).toThrow(/kafka-connect\/connectors\.json\) cannot be restored; nothing was changed in Kafka Connect:\n {2}not valid JSON \(truncated or damaged\)/);
  });
  it('refuses a connector without offsets when --offsets is asked, and accepts it without', () => {
    const text = set({}, { offsets: null });
    expect(() => checkSavedConnect(text, part(), { offsets: true })).toThrow(/connector src: its saved offsets are missing \(--offsets needs them\)/);
    expect(() => checkSavedConnect(text, part(), { offsets: false })).not.toThrow();
  });
  it('refuses --offsets on a set from a worker without the offsets API', () => {
    expect(() => checkSavedConnect(set({ offsetsSupported: false }, { offsets: null }), part({ offsetsSupported: false }), { offsets: true })).toThrow(/no offsets API, Kafka Connect before 3\.5\): restore without --offsets/);
  });
  it('refuses a set whose connectors differ from the manifest, and a redacted key saved in clear', () => {
    const err = (() => {
      try {
        checkSavedConnect(set({}, { config: { 'connector.class': PG, 'database.password': 'clear' } }), part({ connectors: ['src', 'gone'] }), { offsets: false });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(err).toContain('connector gone is listed in the manifest but missing from kafka-connect/connectors.json');
    expect(err).toContain('connector src: database.password is listed as redacted but its saved value is not the redaction marker');
  });
  it('refuses entries that are not connectors (no connector.class, offsets of the wrong shape)', () => {
    expect(() => checkSavedConnect(set({}, { config: { 'database.password': REDACTED_VALUE } }), part(), { offsets: false })).toThrow(/connectors\.src\.config: has no connector\.class/);
    expect(() => checkSavedConnect(set({}, { offsets: [{ partition: 'x' }] }), part(), { offsets: true })).toThrow(/connectors\.src\.offsets\.0/);
  });
});

describe('PostgreSQL source position', () => {
  const slot = (confirmed: string | null, current = '0/5000', extra = {}) => ({ slot: 'cdc_recon', exists: true, confirmedFlushLsn: confirmed, restartLsn: confirmed, currentLsn: current, walStatus: 'reserved', ...extra });
  const off = (lsn: number) => [{ partition: { server: 'cdc' }, offset: { lsn_proc: lsn, lsn_commit: lsn, lsn } }];

  it('reads and orders LSNs', () => {
    expect(parsePgLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatPgLsn(parsePgLsn('16/B374D848')!)).toBe('16/B374D848');
    expect(parsePgLsn('nonsense')).toBeUndefined();
    expect(savedPgLsn([{ partition: { server: 'a' }, offset: { lsn: 300, lsn_commit: 200 } }]).lsn).toBe(200n);
    expect(savedPgLsn([{ partition: { server: 'a' }, offset: { snapshot: true, last_snapshot_record: false, lsn: 5 } }]).snapshotInProgress).toBe(true);
  });
  it('an offset at or after the slot resumes exactly', () => {
    expect(checkPostgresPosition(off(0x2000), slot('0/2000')).status).toBe('ok');
    expect(checkPostgresPosition(off(0x2100), slot('0/2000')).status).toBe('ok');
  });
  it('an offset older than the slot\'s confirmed position is a gap, with its size; older than its restart_lsn, Debezium cannot start from it', () => {
    const c = checkPostgresPosition(off(0x1000), slot('0/3000', '0/5000', { restartLsn: '0/0800' }));
    expect(c.status).toBe('gap');
    expect(c.unavailable).toBeUndefined();
    expect(c.gap).toEqual({ kind: 'slot-ahead', savedLsn: '0/1000', slotLsn: '0/3000', bytes: 0x2000 });
    expect(c.reason).toMatch(/saved offset LSN 0\/1000 is older than replication slot cdc_recon's confirmed position 0\/3000 \(8192 bytes of WAL\)/);
    const u = checkPostgresPosition(off(0x1000), slot('0/3000'));
    expect(u.unavailable).toBe(true);
    expect(u.reason).toMatch(/older than replication slot cdc_recon's restart_lsn 0\/3000 .* Debezium refuses to start from that offset/);
  });
  it('a missing slot, a slot that lost its WAL and an offset ahead of the source are gaps', () => {
    expect(checkPostgresPosition(off(0x1000), { slot: 'cdc_recon', exists: false, currentLsn: '0/9000' }).gap?.kind).toBe('slot-missing');
    expect(checkPostgresPosition(off(0x1000), slot('0/1000', '0/9000', { walStatus: 'lost' })).gap?.kind).toBe('slot-lost');
    expect(checkPostgresPosition(off(0x9000), slot('0/1000', '0/5000')).gap?.kind).toBe('source-behind');
  });
  it('the advice names the captured tables and the commands', () => {
    const a = gapAdvice('cdc-source', { 'table.include.list': 'app.a,app.b', 'signal.data.collection': 'app.debezium_signal' });
    expect(a[0]).toContain('cdc-recon reconcile -c <config> -t app.a app.b --repair debezium-signal');
    expect(a[1]).toMatch(/INSERT INTO app\.debezium_signal \(id, type, data\) VALUES \('cdc-recon-restore-\d+', 'execute-snapshot', '\{"data-collections":\["app\.a","app\.b"\],"type":"incremental"\}'\);/);
    expect(gapAdvice('x', {})[1]).toContain('enable a signal channel');
    expect(gapAdvice('x', {})[0]).toContain('-t <the tables it captures> --repair debezium-signal');
    expect(gapAdvice('x', { 'schema.include.list': 'app, sales' })[0]).toContain('-t <the tables of schema app, sales> --repair debezium-signal');
  });
  it('the source URL comes from the connector config', () => {
    expect(sourceUrlFromConfig({ 'database.hostname': '127.0.0.1', 'database.port': '5433', 'database.user': 'pg user', 'database.password': 'p@ss/w', 'database.dbname': 'app' })).toBe(
      'postgres://pg%20user:p%40ss%2Fw@127.0.0.1:5433/app',
    );
    expect(sourceUrlFromConfig({ 'database.hostname': 'h' })).toBeUndefined();
  });
});

describe('secrets', () => {
  it('a credential inside a value is redacted whatever its key', () => {
    const { config, redactedKeys } = redactConnectorConfig({
      'connection.url': 'jdbc:postgresql://db:5432/app?user=u&password=in-url-pw',
      'other.url': 'http://u:basic-pw@host:8081',
      'plain.url': 'jdbc:postgresql://127.0.0.1:5432/app',
    });
    expect(redactedKeys.sort()).toEqual(['connection.url', 'other.url']);
    expect(JSON.stringify(config)).not.toMatch(/in-url-pw|basic-pw/);
    expect(config['plain.url']).toBe('jdbc:postgresql://127.0.0.1:5432/app');
  });
  it('resupplied connector secrets (CDC_RECON_SECRET_*) are redacted everywhere', () => {
    expect(secretsFromConfig(undefined, { CDC_RECON_SECRET_SRC__DATABASE_PASSWORD: 'resupplied-pw' })).toContain('resupplied-pw');
  });
});
