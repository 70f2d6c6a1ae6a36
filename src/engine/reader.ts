/**
 * What the engine reads from one side, whether the database computes the
 * hashes (server) or Node does from streamed rows (client). Both return the
 * same numbers for the same data: client mode is the oracle of server mode.
 */
import { canonicalRowText, canonicalText, keyHash31, rowHash, type CanonicalInput } from '../canonical/render.js';
import type { Bucketing, ChunkBucketAdd, LeafRow, SegmentFilter, SideColumn, SideTable } from '../dialects/types.js';
import type { HistogramStep } from './part.js';
import type { QueryRunner } from './runner.js';

/** Driver rows of a chunk checksum's answer read at a time (a row packs up to 512 buckets in PostgreSQL's). */
const CHUNK_ROWS_PER_READ = 4;

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
   * The same per-key row hashes heard by `add` (bucket, count, hash halves), many keys to a driver row; absent where
   * the dialect answers them a row per key (keySums then). `perKey.base` must be at or below every key read.
   */
  packedKeySums?(filter: SegmentFilter, perKey: Extract<Bucketing, { kind: 'range' }>, add: ChunkBucketAdd): Promise<void>;
  leafRows(filter: SegmentFilter): Promise<LeafRow[]>;
  /** The single integer key's distribution from the catalog's statistics; [] when there are none. */
  keyHistogram(): Promise<HistogramStep[]>;
  /** The change column's newest value (canonical text); null on an empty table. */
  maxChange(change: SideColumn): Promise<string | null>;
  /** The integer keys of the rows changed at or after `since` (canonical text of the change column). */
  changedKeys(change: SideColumn, since: string): Promise<bigint[]>;
  /** The table's change capture (SQL Server CDC) as the run starts; undefined where there is none. */
  cdcChanges(): Promise<CdcChanges | undefined>;
  /** The heap's layout when this side can be read in physical chunks (see PhysicalScan); null when it cannot. */
  physicalLayout?(): Promise<PhysicalLayout | null>;
  /**
   * Bucket sums of the rows with keys in `keys`, one statement per block chunk, every one in the same snapshot;
   * `add` hears each bucket of a chunk, `onChunk` when the chunk is done. A transient failure restarts the whole
   * read after `reset`.
   */
  physicalChecksums?(chunks: ReadonlyArray<readonly [number, number | null]>, keys: readonly [bigint, bigint], bucketing: Extract<Bucketing, { kind: 'range' }>, add: ChunkBucketAdd, onChunk: () => void | Promise<void>, reset: () => void): Promise<void>;
}

export interface PhysicalLayout {
  /** Heap blocks as the layout was read. */
  blocks: number;
  /** Of the key with the physical order, from the statistics; null when there are none. */
  correlation: number | null;
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
  readonly packedKeySums?: SideReader['packedKeySums'];

  constructor(private readonly runner: QueryRunner, private readonly table: SideTable) {
    const packed = runner.dialect.packedKeySums;
    if (packed) {
      this.packedKeySums = async (filter, perKey, add) => {
        const rows = await this.runner.query(packed.statement(this.table, filter, perKey));
        for (const row of rows) packed.eachKeySum(row, add);
      };
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

  async physicalLayout(): Promise<PhysicalLayout | null> {
    const scan = this.runner.dialect.physicalScan;
    if (!scan || !this.runner.endpoint.snapshot) return null;
    const row = (await this.runner.query<{ blocks: string | null; usable: boolean; correlation: number | string | null }>(scan.layoutStatement(this.table)))[0];
    if (!row || !row.usable || row.blocks === null) return null;
    return { blocks: Number(row.blocks), correlation: row.correlation === null ? null : Number(row.correlation) };
  }

  async physicalChecksums(chunks: ReadonlyArray<readonly [number, number | null]>, keys: readonly [bigint, bigint], bucketing: Extract<Bucketing, { kind: 'range' }>, add: ChunkBucketAdd, onChunk: () => void | Promise<void>, reset: () => void): Promise<void> {
    const d = this.runner.dialect;
    const scan = d.physicalScan;
    if (!scan) throw new Error(`the ${d.name} dialect has no physical scan`);
    await this.runner.inSnapshot('chunk-checksum', async (_query, stream) => {
      for (const chunk of chunks) {
        // Added up as they come: a chunk's whole answer held while it is added up outlived the young generation.
        for await (const rows of stream(scan.chunkChecksumStatement(this.table, chunk, keys, bucketing), CHUNK_ROWS_PER_READ)) {
          for (const row of rows) scan.eachChunkBucket(row, add);
        }
        await onChunk();
      }
    }, reset);
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

/** Streams raw rows (bounded batches) and computes canonical text and hashes in Node. */
export class ClientReader implements SideReader {
  constructor(
    private readonly runner: QueryRunner,
    private readonly table: SideTable,
    private readonly toInput: (value: unknown) => CanonicalInput = (v) => v as CanonicalInput,
    private readonly batchSize = 5000,
  ) {}

  private canonicalRow(raw: Record<string, unknown>): LeafRow {
    const columns = this.table.columns.map((c, i) => canonicalText(c.canonical, this.toInput(raw[`c${i}`])));
    return {
      keyText: canonicalRowText(columns.slice(0, this.table.keys.length)),
      rowHash: rowHash(canonicalRowText(columns)).toString(),
      columns,
    };
  }

  /** Ranges go to the database (plain key predicates); residues are filtered here. */
  private async each(filter: SegmentFilter, visit: (row: LeafRow, bucketKey: number) => void, reset: () => void): Promise<void> {
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
    await this.each(filter, (row, h) => {
      const bucket = bucketing.kind === 'hash'
        ? BigInt(h % bucketing.modulus)
        : (BigInt(row.columns[0]!) - bucketing.base) / bucketing.width;
      const cur = out.get(bucket) ?? { count: 0n, sum: 0n };
      cur.count += 1n;
      cur.sum += BigInt(row.rowHash);
      out.set(bucket, cur);
    }, () => { out = new Map(); });
    return out;
  }

  async keySums(filter: SegmentFilter, perKey: Extract<Bucketing, { kind: 'range' }>): Promise<Map<string, string>> {
    const sums = await this.checksums(filter, perKey);
    return new Map([...sums].map(([bucket, s]) => [bucket.toString(), s.sum.toString()]));
  }

  async leafRows(filter: SegmentFilter): Promise<LeafRow[]> {
    let rows: LeafRow[] = [];
    await this.each(filter, (row) => rows.push(row), () => { rows = []; });
    return rows;
  }
}
