/**
 * Sums modulo 2^64 kept as two unsigned 32-bit halves, in Uint32Arrays (which wrap as they store): a side's row
 * hashes are added up per bucket without a BigInt per addition. At 10M rows a diff's finer level made ~350 MB of
 * BigInt garbage that way, and the survivors grew the heap past issue 18's 64 MiB.
 */
export const TWO32 = 4294967296;

/** Adds the halves `hi`, `lo` into slot `i` of `his` / `los`, carrying from the low half. */
export function addHalves(his: Uint32Array, los: Uint32Array, i: number, hi: number, lo: number): void {
  const low = los[i]! + lo;
  los[i] = low;
  his[i] = his[i]! + hi + (low >= TWO32 ? 1 : 0);
}

/** The high half of -(hi * 2^32 + lo) modulo 2^64 (the low half is `negatedLow(lo)`). */
export function negatedHigh(hi: number, lo: number): number {
  return (-hi - (lo === 0 ? 0 : 1)) >>> 0;
}

export function negatedLow(lo: number): number {
  return -lo >>> 0;
}

/** The halves of an exact sum modulo 2^64. */
export function halvesOf(sum: bigint): { hi: number; lo: number } {
  const wrapped = BigInt.asUintN(64, sum);
  return { hi: Number(wrapped >> 32n), lo: Number(wrapped & 0xffffffffn) };
}
