/**
 * Sums modulo 2^64 (and counts, for the per-key step) by small non-negative integer key, in typed arrays: open
 * addressing with linear probing and backward-shift deletion, so an entry removed leaves no tombstone and the table
 * never shrinks. A Map of BigInts held the same entries, but resized its table back and forth as a diff's fine
 * buckets came and went, and its values outlived the young generation: at 10M rows, ~100 MB of old garbage that grew
 * the heap (issue 18).
 */
import { addHalves, negatedHigh, negatedLow } from '../util/sum64.js';

const EMPTY = -1;

export class SumTable {
  private slotKeys: Int32Array;
  private high: Uint32Array;
  private low: Uint32Array;
  /** Made on the first count added: a table of sums only (a first pass's fine buckets) keeps 12 bytes a slot. */
  private counts: Int32Array | undefined;
  private bits: number;
  size = 0;

  constructor(initialBits = 10) {
    this.bits = initialBits;
    this.slotKeys = new Int32Array(1 << initialBits).fill(EMPTY);
    this.high = new Uint32Array(1 << initialBits);
    this.low = new Uint32Array(1 << initialBits);
  }

  /**
   * Adds the halves `hi`, `lo` (see util/sum64.ts) to `key`'s sum and `count` to its count; a key whose sum and
   * count both become 0 is removed.
   */
  add(key: number, hi: number, lo: number, count = 0): void {
    if (count !== 0) this.counts ??= new Int32Array(this.slotKeys.length);
    const counts = this.counts;
    const i = this.slotOf(key);
    if (this.slotKeys[i] === key) {
      addHalves(this.high, this.low, i, hi, lo);
      if (counts) counts[i] = counts[i]! + count;
      if (this.high[i] === 0 && this.low[i] === 0 && (counts?.[i] ?? 0) === 0) this.remove(i);
      return;
    }
    if (hi === 0 && lo === 0 && count === 0) return;
    this.slotKeys[i] = key;
    this.high[i] = hi;
    this.low[i] = lo;
    if (counts) counts[i] = count;
    this.size += 1;
    // At most half full: probes stay short.
    if (this.size * 2 > this.slotKeys.length) this.grow();
  }

  /** Takes the halves `hi`, `lo` away from `key`'s sum (adds their negation modulo 2^64), and `count` from its count. */
  subtract(key: number, hi: number, lo: number, count = 0): void {
    this.add(key, negatedHigh(hi, lo), negatedLow(lo), -count);
  }

  /** `key`'s count (0 if it is not held). */
  countOf(key: number): number {
    const i = this.slotOf(key);
    return this.slotKeys[i] === key ? (this.counts?.[i] ?? 0) : 0;
  }

  /** The keys held, in no particular order. */
  *keys(): IterableIterator<number> {
    for (const key of this.slotKeys) if (key !== EMPTY) yield key;
  }

  clear(): void {
    this.slotKeys.fill(EMPTY);
    this.size = 0;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private slotOf(key: number): number {
    const mask = this.slotKeys.length - 1;
    let i = this.home(key);
    while (this.slotKeys[i] !== EMPTY && this.slotKeys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  /** Fibonacci hashing: nearby keys (a diff's come in key order) spread over the table. */
  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> (32 - this.bits);
  }

  /** Empties slot `i`, moving back the entries after it that would otherwise no longer be found. */
  private remove(i: number): void {
    const mask = this.slotKeys.length - 1;
    let hole = i;
    for (let j = (i + 1) & mask; this.slotKeys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.home(this.slotKeys[j]!);
      // The entry at j stays where it is if its home lies cyclically in (hole, j]: moving it before its home
      // would lose it.
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      this.slotKeys[hole] = this.slotKeys[j]!;
      this.high[hole] = this.high[j]!;
      this.low[hole] = this.low[j]!;
      if (this.counts) this.counts[hole] = this.counts[j]!;
      hole = j;
    }
    this.slotKeys[hole] = EMPTY;
    this.size -= 1;
  }

  private grow(): void {
    const { slotKeys: keys, high, low, counts } = this;
    this.bits += 1;
    this.slotKeys = new Int32Array(1 << this.bits).fill(EMPTY);
    this.high = new Uint32Array(1 << this.bits);
    this.low = new Uint32Array(1 << this.bits);
    this.counts = counts ? new Int32Array(1 << this.bits) : undefined;
    this.size = 0;
    for (let i = 0; i < keys.length; i += 1) if (keys[i] !== EMPTY) this.add(keys[i]!, high[i]!, low[i]!, counts?.[i] ?? 0);
  }
}
