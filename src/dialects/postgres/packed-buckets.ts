/**
 * The packed answer of a range checksum (see packedChecksumsStatement): "bucket count q r" quadruples of decimal
 * integers, all separated by single spaces, where a bucket's exact hash sum is q * 2^32 + r modulo 2^64 (q and r
 * below 2^32 in magnitude, of the sum's sign). Read without a string, object or BigInt per bucket.
 */
import type { BucketAdd } from '../types.js';

/** Calls `add` for each quadruple of `text`; throws on anything else, naming where. */
export function eachPackedBucket(text: string, add: BucketAdd): void {
  const end = text.length;
  let at = 0;
  const malformed = () => new Error(`malformed packed checksum answer at character ${at}: ${JSON.stringify(text.slice(Math.max(0, at - 20), at + 20))}`);
  // Every field is an integer below 2^53 in magnitude: a bucket index, a count, or a half of the sum.
  const integer = (): number => {
    const negative = text.charCodeAt(at) === 45;
    if (negative) at += 1;
    const start = at;
    let value = 0;
    for (let c = text.charCodeAt(at); c >= 48 && c <= 57; c = text.charCodeAt(++at)) value = value * 10 + (c - 48);
    if (at === start || at - start > 15 || (at < end && text.charCodeAt(at) !== 32)) throw malformed();
    at += 1;
    return negative ? -value : value;
  };
  // A separator after the last field would read as the end.
  if (end > 0 && text.charCodeAt(end - 1) === 32) {
    at = end - 1;
    throw malformed();
  }
  while (at < end) {
    const bucket = integer();
    const count = integer();
    const q = integer();
    const r = integer();
    if (Math.abs(q) >= 2 ** 32 || Math.abs(r) >= 2 ** 32) throw malformed();
    // A negative remainder borrows one from the high half; `>>> 0` takes each half modulo 2^32.
    add(bucket, count, (q - (r < 0 ? 1 : 0)) >>> 0, r >>> 0);
  }
}
