/**
 * What the engine reads from one side, whether the database computes the
 * hashes (server) or Node does from streamed rows (client). Both return the
 * same numbers for the same data: client mode is the oracle of server mode.
 */
import { canonicalRowText, canonicalText, keyHash31, rowHash, unitHash, type CanonicalInput } from '../canonical/render.js';
import { unitBucketing } from '../dialects/range-bucket.js';
import type { Bucketing, BucketAdd, LeafRow, SegmentFilter, SideColumn, SideTable } from '../dialects/types.js';
import type { HistogramStep } from './part.js';
import type { QueryRunner } from './runner.js';

/** Driver rows of a packed checksum answer read at a time (a row packs up to 512 buckets in PostgreSQL's). */
const PACKED_ROWS_PER_READ = 4;

export interface BucketSum {
  count: bigint;
  sum: bigint;
}

export interface SideReader {
  count(): Promise<bigint>;
  /** min / max of the single integer key; null when the table is empty. */
  bounds(): Promise<{ lo: bigint; hi: bigint } | null>;
  checksums(filter: SegmentFilter, bucketing: Bucketing): Promise<Map<bigint, BucketSum>>;
  /**
   * Each key's row hash under `perKey` (a range bucketing one key wide), by bucket: both as decimal text, the
   * sum exact. The bisection's last step compares them key by key; texts, not BigInts in a Map of objects, keep
   * its thousands of keys a batch from growing the heap (issue 18).
   */
  keySums(filter: SegmentFilter, perKey: Extract<Bucketing, { kind: 'range' }>): Promise<Map<string, string>>;
  /**
   * checksums() of a range bucketing heard by `add` (bucket, count, hash halves) as the answer streams in, many
   * buckets to a driver row; absent where the dialect answers a row per bucket. `bucketing.base` must be at or below
   * every key read. `reset` before every attempt: what a failed attempt added is heard again. `denseKeys`: most
   * units hold many rows (see PackedChecksums).
   */
  packedChecksums?(filter: SegmentFilter, bucketing: Extract<Bucketing, { kind: 'range' }>, add: BucketAdd, reset: () => void, denseKeys?: boolean): Promise<void>;
  leafRows(filter: SegmentFilter): Promise<LeafRow[]>;
  /** The single integer key's distribution from the catalog's statistics; [] when there are none. */
  keyHistogram(): Promise<HistogramStep[]>;
  /** The change column's newest value (canonical text); null on an empty table. */
  maxChange(change: SideColumn): Promise<string | null>;
  /** The integer keys of the rows changed at or after `since` (canonical text of the change column). */
  changedKeys(change: SideColumn, since: string): Promise<bigint[]>;
  /** The table's change capture (SQL Server CDC) as the run starts; undefined where there is none. */
  cdcChanges(): Promise<CdcChanges | undefined>;
}

/** A capture instance's window as a run starts: its LSNs, and the keys changed in a window of them. */
export interface CdcChanges {
  captureInstance: string;
  /** Newest captured LSN (0x… hex). */
  maxLsn: string;
  /** Oldest LSN the instance still holds; changes before it were cleaned up. */
  minLsn: string | null;
  /** Keys changed after `fromLsn` up to `toLsn`. */
  keys(fromLsn: string, toLsn: string): Promise<bigint[]>;
}

export class ServerReader implements SideReader {
  readonly packedChecksums?: SideReader['packedChecksums'];

  constructor(private readonly runner: QueryRunner, private readonly table: SideTable) {
    const packed = runner.dialect.packedChecksums;
    if (packed) {
      this.packedChecksums = (filter, bucketing, add, reset, denseKeys) =>
        // Heard as they come: a whole answer held while it is added up outlived the young generation.
        this.runner.streamAll<Record<string, unknown>>(packed.statement(this.table, filter, bucketing, denseKeys), PACKED_ROWS_PER_READ, (rows) => {
          for (const row of rows) packed.eachBucket(row, add);
        }, reset);
    }
  }

  async count(): Promise<bigint> {
    const rows = await this.runner.query<{ n: string }>(this.runner.dialect.countStatement(this.table));
    return BigInt(rows[0]?.n ?? 0);
  }

  async bounds(): Promise<{ lo: bigint; hi: bigint } | null> {
    const rows = await this.runner.query<{ lo: string | null; hi: string | null }>(this.runner.dialect.keyBoundsStatement(this.table));
    const r = rows[0];
    if (!r || r.lo === null || r.hi === null) return null;
    return { lo: BigInt(r.lo), hi: BigInt(r.hi) };
  }

  async checksums(filter: SegmentFilter, bucketing: Bucketing): Promise<Map<bigint, BucketSum>> {
    const d = this.runner.dialect;
    const rows = await this.runner.query(d.segmentChecksumStatement(this.table, filter, bucketing));
    const out = new Map<bigint, BucketSum>();
    for (const raw of rows) {
      const r = d.toSegmentChecksumRow(raw);
      out.set(r.bucket, { count: r.count, sum: BigInt(r.sum) });
    }
    return out;
  }

  async keySums(filter: SegmentFilter, perKey: Extract<Bucketing, { kind: 'range' }>): Promise<Map<string, string>> {
    const d = this.runner.dialect;
    const rows = await this.runner.query(d.segmentChecksumStatement(this.table, filter, perKey));
    const out = new Map<string, string>();
    for (const raw of rows) {
      const r = d.toKeySum(raw);
      out.set(r.bucket, r.sum);
    }
    return out;
  }

  async leafRows(filter: SegmentFilter): Promise<LeafRow[]> {
    const d = this.runner.dialect;
    const rows = await this.runner.query(d.leafRowsStatement(this.table, filter));
    return rows.map((r) => d.toLeafRow(r, this.table.columns.length));
  }

  async keyHistogram(): Promise<HistogramStep[]> {
    const rows = await this.runner.query<{ key: string | null; rows: string | number | null }>(this.runner.dialect.keyHistogramStatement(this.table));
    return rows.filter((r) => r.key !== null).map((r) => ({ key: BigInt(String(r.key)), rows: Number(r.rows ?? 0) }));
  }

  async maxChange(change: SideColumn): Promise<string | null> {
    const rows = await this.runner.query<{ v: string | null }>(this.runner.dialect.maxChangeStatement(this.table, change));
    return rows[0]?.v ?? null;
  }

  async changedKeys(change: SideColumn, since: string): Promise<bigint[]> {
    const rows = await this.runner.query<{ k: string }>(this.runner.dialect.changedKeysStatement(this.table, change, since));
    return rows.map((r) => BigInt(r.k));
  }

  async cdcChanges(): Promise<CdcChanges | undefined> {
    const cdc = this.runner.dialect.cdcChanges;
    if (!cdc) return undefined;
    const instance = (await this.runner.query<{ capture_instance: string; net: number }>(cdc.captureInstanceStatement(this.table)))[0];
    if (!instance) return undefined;
    const range = (await this.runner.query<{ max_lsn: string | null; min_lsn: string | null }>(cdc.lsnRangeStatement(instance.capture_instance)))[0];
    if (!range?.max_lsn) return undefined;
    return {
      captureInstance: instance.capture_instance,
      maxLsn: range.max_lsn,
      minLsn: range.min_lsn,
      keys: async (from, to) => {
        const rows = await this.runner.query<{ k: string }>(cdc.cdcChangedKeysStatement(this.table, instance.capture_instance, Number(instance.net) === 1, from, to));
        return rows.map((r) => BigInt(r.k));
      },
    };
  }
}

/** A streamed row's canonical texts: key, row and each column's. */
interface CanonicalRow {
  keyText: string;
  text: string;
  columns: Array<string | null>;
}

/** Streams raw rows (bounded batches) and computes canonical text and hashes in Node. */
export class ClientReader implements SideReader {
  constructor(
    private readonly runner: QueryRunner,
    private readonly table: SideTable,
    private readonly toInput: (value: unknown) => CanonicalInput = (v) => v as CanonicalInput,
    private readonly batchSize = 5000,
  ) {}

  private canonicalRow(raw: Record<string, unknown>): CanonicalRow {
    const columns = this.table.columns.map((c, i) => canonicalText(c.canonical, this.toInput(raw[`c${i}`])));
    return { keyText: canonicalRowText(columns.slice(0, this.table.keys.length)), text: canonicalRowText(columns), columns };
  }

  /** Ranges go to the database (plain key predicates); residues are filtered here. Rows come in key order. */
  private async each(filter: SegmentFilter, visit: (row: CanonicalRow, bucketKey: number) => void, reset: () => void): Promise<void> {
    const sqlFilter: SegmentFilter = filter.kind === 'ranges' ? filter : { kind: 'all' };
    const residues = filter.kind === 'residues' ? new Set(filter.residues) : undefined;
    const stmt = this.runner.dialect.rowStreamStatement(this.table, sqlFilter);
    await this.runner.streamAll<Record<string, unknown>>(stmt, this.batchSize, (batch) => {
      for (const raw of batch) {
        const row = this.canonicalRow(raw);
        const h = keyHash31(row.keyText);
        if (residues && filter.kind === 'residues' && !residues.has(h % filter.modulus)) continue;
        visit(row, h);
      }
    }, reset);
  }

  // Counting and key bounds need no hashing: plain SQL, never a stream.
  count(): Promise<bigint> {
    return new ServerReader(this.runner, this.table).count();
  }

  bounds(): Promise<{ lo: bigint; hi: bigint } | null> {
    return new ServerReader(this.runner, this.table).bounds();
  }

  keyHistogram(): Promise<HistogramStep[]> {
    return new ServerReader(this.runner, this.table).keyHistogram();
  }

  // The change column's max and the changed keys are plain SQL too.
  maxChange(change: SideColumn): Promise<string | null> {
    return new ServerReader(this.runner, this.table).maxChange(change);
  }

  changedKeys(change: SideColumn, since: string): Promise<bigint[]> {
    return new ServerReader(this.runner, this.table).changedKeys(change, since);
  }

  cdcChanges(): Promise<CdcChanges | undefined> {
    return new ServerReader(this.runner, this.table).cdcChanges();
  }

  async checksums(filter: SegmentFilter, bucketing: Bucketing): Promise<Map<bigint, BucketSum>> {
    let out = new Map<bigint, BucketSum>();
    const addTo = (bucket: bigint, count: bigint, hash: bigint) => {
      const cur = out.get(bucket) ?? { count: 0n, sum: 0n };
      cur.count += count;
      cur.sum += hash;
      out.set(bucket, cur);
    };
    if (bucketing.kind === 'hash') {
      await this.each(filter, (row, h) => addTo(BigInt(h % bucketing.modulus), 1n, rowHash(row.text)), () => { out = new Map(); });
      return out;
    }
    // A range bucket's sum is one hash per unit, of its rows' texts in key order (the order they come in).
    const units = unitBucketing(bucketing);
    let unit: { bucket: bigint; unit: bigint; texts: string[] } | undefined;
    const close = () => {
      if (unit) addTo(unit.bucket, BigInt(unit.texts.length), unitHash(unit.texts));
      unit = undefined;
    };
    await this.each(filter, (row) => {
      const offset = BigInt(row.columns[0]!) - bucketing.base;
      const bucket = offset / bucketing.width;
      const u = offset / units.width;
      if (!unit || unit.bucket !== bucket || unit.unit !== u) {
        close();
        unit = { bucket, unit: u, texts: [] };
      }
      unit.texts.push(row.text);
    }, () => {
      out = new Map();
      unit = undefined;
    });
    close();
    return out;
  }

  async keySums(filter: SegmentFilter, perKey: Extract<Bucketing, { kind: 'range' }>): Promise<Map<string, string>> {
    const sums = await this.checksums(filter, perKey);
    return new Map([...sums].map(([bucket, s]) => [bucket.toString(), s.sum.toString()]));
  }

  async leafRows(filter: SegmentFilter): Promise<LeafRow[]> {
    let rows: LeafRow[] = [];
    await this.each(filter, (row) => rows.push({ keyText: row.keyText, rowHash: rowHash(row.text).toString(), columns: row.columns }), () => { rows = []; });
    return rows;
  }
}
