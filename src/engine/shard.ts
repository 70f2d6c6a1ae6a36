/**
 * Splits the table list over `n` shards so that a workflow matrix can
 * reconcile a large estate on many runners in parallel.
 *
 * Every shard computes the same split on its own, so the split must be a pure
 * function of things all shards see alike:
 *  - the table list (from the config, in any order: items are sorted here),
 *  - each table's catalog row estimate, rounded to two significant digits so
 *    that the small movements of a live estimate between two shard jobs that
 *    start a few seconds apart do not reorder the tables.
 *
 * The split is greedy "largest first": tables sorted by weight (descending,
 * then id), each one going to the shard with the least weight so far (lowest
 * shard number on ties). With equal weights that is plain round-robin; with
 * uneven weights the big tables are spread first and the small ones fill the
 * gaps, so the shards finish at about the same time.
 */
import type { TableSpec } from '../config/load.js';
import type { Dialect, Endpoint } from '../dialects/types.js';
import { CriticalError, errorMessage } from '../util/errors.js';
import { withRetry } from '../util/retry.js';
import type { TablePart } from './part.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export interface Weighted<T> {
  item: T;
  id: string;
  /** Catalog row estimate; null when unknown. */
  estimatedRows: number | null;
}

/** Two significant digits: 1_234_567 -> 1_200_000; unknown or empty -> 1 (every table has a cost). */
export function shardWeight(estimatedRows: number | null): number {
  if (estimatedRows === null || !Number.isFinite(estimatedRows) || estimatedRows < 1) return 1;
  const n = Math.round(estimatedRows);
  const digits = Math.floor(Math.log10(n)) + 1;
  if (digits <= 2) return n;
  const scale = 10 ** (digits - 2);
  return Math.round(n / scale) * scale;
}

/** All shards, in shard order; each one's items in descending weight. Pure and deterministic. */
export function planShards<T>(items: Array<Weighted<T>>, count: number): Array<Array<Weighted<T>>> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be a positive integer, got ${count}`);
  const sorted = [...items].sort((a, b) => {
    const w = shardWeight(b.estimatedRows) - shardWeight(a.estimatedRows);
    if (w !== 0) return w;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  const shards: Array<Array<Weighted<T>>> = Array.from({ length: count }, () => []);
  const load = new Array<number>(count).fill(0);
  for (const entry of sorted) {
    let best = 0;
    for (let i = 1; i < count; i++) if (load[i]! < load[best]!) best = i;
    shards[best]!.push(entry);
    load[best]! += shardWeight(entry.estimatedRows);
  }
  return shards;
}

/** The items of one shard, in the input order (so config order is kept inside a shard). */
export function itemsOfShard<T>(items: Array<Weighted<T>>, shard: Shard): T[] {
  if (shard.index < 1 || shard.index > shard.count) throw new Error(`shard ${shard.index}/${shard.count}: need 1 <= i <= n`);
  const mine = new Set(planShards(items, shard.count)[shard.index - 1]!.map((w) => w.item));
  return items.filter((w) => mine.has(w.item)).map((w) => w.item);
}

export interface EstimateSide {
  dialect: Dialect;
  endpoint: Endpoint;
}

/**
 * Reads the catalog row estimate of every table: the target's first (the
 * PostgreSQL copy's reltuples only moves on ANALYZE / VACUUM, so it is the
 * same for shard jobs started together), the source's when the target has
 * none. A table that does not exist gets no estimate (it fails later, in its
 * own shard). A catalog read that still fails after retries aborts the run:
 * a shard that guessed would split differently from the others and tables
 * would be skipped or reconciled twice.
 */
export async function readEstimates(
  tables: TableSpec[],
  sides: { source: EstimateSide; target: EstimateSide },
  options: { retries?: number; minRetryDelayMs?: number; concurrency?: number } = {},
): Promise<Map<TableSpec, number | null>> {
  const estimate = async (side: EstimateSide, ref: { schema?: string; name: string }): Promise<number | null> => {
    try {
      const t = await withRetry(() => side.dialect.readTable(side.endpoint, ref), {
        retries: options.retries ?? 3,
        minTimeoutMs: options.minRetryDelayMs ?? 200,
        isTransient: (e) => side.dialect.classifyError(e) === 'transient',
      });
      return t?.estimatedRows ?? null;
    } catch (err) {
      throw new CriticalError(`cannot read the ${side.endpoint.role} catalog row estimate of ${ref.schema ? `${ref.schema}.` : ''}${ref.name} needed to split the tables into shards: ${errorMessage(err)}`, err);
    }
  };
  const out = new Map<TableSpec, number | null>();
  const queue = [...tables];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const fromTarget = await estimate(sides.target, t.target);
      out.set(t, fromTarget ?? (await estimate(sides.source, t.source)));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, tables.length)) }, worker));
  return out;
}

/** A table this shard reconciles: whole, or one part of it when it is split across the shards. */
export interface ShardTable {
  spec: TableSpec;
  part?: TablePart;
}

/** Only checksum and diff runs split a table: a count is one cheap statement, a schema check reads no rows. */
function splits(spec: TableSpec, estimatedRows: number | null): boolean {
  // An incremental table reads a slice of itself already, chosen by its own state.
  return (spec.mode === 'checksum' || spec.mode === 'diff') && spec.scope === 'full' && estimatedRows !== null && estimatedRows >= spec.splitRows;
}

/**
 * This shard's tables, in config order. Tables of at least `splitRows` estimated rows go to every shard,
 * each as its part (engine/part.ts); the others are spread whole. One shard: every table, no catalog reads.
 */
export async function selectShard(
  tables: TableSpec[],
  shard: Shard,
  sides: { source: EstimateSide; target: EstimateSide },
  options: { retries?: number; minRetryDelayMs?: number; concurrency?: number } = {},
): Promise<ShardTable[]> {
  if (shard.count === 1) return tables.map((spec) => ({ spec }));
  const estimates = await readEstimates(tables, sides, options);
  const split = new Set(tables.filter((t) => splits(t, estimates.get(t) ?? null)));
  const whole = new Set(
    itemsOfShard(
      tables.filter((t) => !split.has(t)).map((t) => ({ item: t, id: t.id, estimatedRows: estimates.get(t) ?? null })),
      shard,
    ),
  );
  return tables.flatMap((spec): ShardTable[] => (split.has(spec) ? [{ spec, part: { index: shard.index, count: shard.count } }] : whole.has(spec) ? [{ spec }] : []));
}
