import { describe, expect, it } from 'vitest';
import { assessOffsets, formatLsn, parseLsn, savedLsn } from '../../src/dr/connect/offsets.js';

const SQLSERVER = { 'connector.class': 'io.debezium.connector.sqlserver.SqlServerConnector' };
const SAVED = new Date('2024-06-01T00:00:00Z');
const hours = (h: number) => new Date(SAVED.getTime() + h * 3_600_000);
const offsets = (lsn: string, extra: Record<string, unknown> = {}) => [
  { partition: { server: 'shop', database: 'shop' }, offset: { commit_lsn: lsn, change_lsn: lsn, event_serial_no: 1, ...extra } },
];

describe('LSN parsing', () => {
  it('reads Debezium and CONVERT(…, 1) spellings to the same value, ordered', () => {
    expect(parseLsn('0000002b:00000498:0003')).toBe(parseLsn('0x0000002B000004980003'));
    expect(parseLsn('0000002b:00000498:0003')! < parseLsn('0000002b:00000498:0004')!).toBe(true);
    expect(parseLsn('0000002b:00000498:ffff')! < parseLsn('0000002b:00000499:0000')!).toBe(true);
    expect(parseLsn('0000002a:ffffffff:ffff')! < parseLsn('0000002b:00000000:0000')!).toBe(true);
    expect(formatLsn(parseLsn('0x0000002B000004980003')!)).toBe('0000002b:00000498:0003');
    expect(parseLsn('nonsense')).toBeUndefined();
  });

  it('takes the oldest LSN across partitions and notices an unfinished snapshot', () => {
    const s = savedLsn([
      { partition: { database: 'a' }, offset: { commit_lsn: '00000030:00000001:0001' } },
      { partition: { database: 'b' }, offset: { commit_lsn: '00000020:00000001:0001' } },
    ]);
    expect(formatLsn(s.lsn!)).toBe('00000020:00000001:0001');
    expect(savedLsn(offsets('00000001:00000001:0001', { snapshot: true, snapshot_completed: false })).snapshotInProgress).toBe(true);
  });
});

describe('assessOffsets', () => {
  const base = { connector: 'src', config: SQLSERVER, savedAt: SAVED, retentionMinutes: 4320 };

  it('offsets within the 72 h CDC retention are restored', () => {
    const a = assessOffsets({ ...base, offsets: offsets('0000002b:00000498:0003'), now: hours(71) });
    expect(a.action).toBe('restore-offsets');
  });

  it('offsets older than the CDC retention mean a re-snapshot (when_needed), and the reason says so', () => {
    const a = assessOffsets({ ...base, offsets: offsets('0000002b:00000498:0003'), now: hours(73) });
    expect(a.action).toBe('resnapshot');
    expect(a.reason).toMatch(/older than the CDC retention/);
    expect(a.reason).toMatch(/snapshot\.mode=when_needed/);
    expect(a.lsn).toBe('0000002b:00000498:0003');
    // A shorter configured retention changes the answer.
    expect(assessOffsets({ ...base, retentionMinutes: 60, offsets: offsets('0000002b:00000498:0003'), now: hours(2) }).action).toBe('resnapshot');
  });

  it('with the restored database\'s LSN range, the LSN itself decides', () => {
    const bounds = { min: '0x0000002A000001000001', max: '0x0000002B000004980003' };
    expect(assessOffsets({ ...base, offsets: offsets('0000002a:00000100:0001'), now: hours(500), bounds }).action).toBe('restore-offsets');
    const old = assessOffsets({ ...base, offsets: offsets('00000029:00000100:0001'), now: hours(1), bounds });
    expect(old.action).toBe('resnapshot');
    expect(old.reason).toMatch(/older than the oldest change CDC still holds/);
    const newer = assessOffsets({ ...base, offsets: offsets('0000002b:00000498:0004'), now: hours(1), bounds });
    expect(newer.action).toBe('resnapshot');
    expect(newer.reason).toMatch(/newer than the restored database's max LSN/);
  });

  it('mid-snapshot or LSN-less offsets re-snapshot; no offsets means nothing to restore', () => {
    expect(assessOffsets({ ...base, offsets: offsets('0000002b:00000498:0003', { snapshot: true }), now: hours(1) }).action).toBe('resnapshot');
    expect(assessOffsets({ ...base, offsets: [{ partition: {}, offset: { foo: 1 } }], now: hours(1) }).action).toBe('resnapshot');
    expect(assessOffsets({ ...base, offsets: null, now: hours(1) }).action).toBe('none');
    expect(assessOffsets({ ...base, offsets: [], now: hours(1) }).action).toBe('none');
  });

  it('sink connectors (Kafka offsets) are restored as saved whatever their age', () => {
    const a = assessOffsets({
      ...base,
      config: { 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector' },
      offsets: [{ partition: { kafka_topic: 'shop.dbo.orders', kafka_partition: 0 }, offset: { kafka_offset: 1234 } }],
      now: hours(1000),
    });
    expect(a).toMatchObject({ kind: 'other', action: 'restore-offsets' });
  });
});
