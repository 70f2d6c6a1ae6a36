/**
 * A range bucketing's sums by the reference (src/canonical/render.ts), as canonical form 3 defines them: the rows
 * of each unit (see UNIT_KEYS) hashed once, their texts joined in key order; a hash bucketing's row by row.
 */
import { keyHash31, rowHash, unitHash } from '../../src/canonical/render.js';
import { unitBucketing } from '../../src/dialects/range-bucket.js';
import type { Bucketing } from '../../src/dialects/types.js';

export interface ReferenceRow {
  /** The key's canonical text (a single integer key for range buckets). */
  keyText: string;
  /** The row's canonical text. */
  text: string;
}

/** Bucket -> count and exact hash sum. */
export function referenceSums(rows: readonly ReferenceRow[], b: Bucketing): Map<bigint, { count: bigint; sum: bigint }> {
  const out = new Map<bigint, { count: bigint; sum: bigint }>();
  const add = (bucket: bigint, count: bigint, hash: bigint) => {
    const cur = out.get(bucket) ?? { count: 0n, sum: 0n };
    cur.count += count;
    cur.sum += hash;
    out.set(bucket, cur);
  };
  if (b.kind === 'hash') {
    for (const r of rows) add(BigInt(keyHash31(r.keyText) % b.modulus), 1n, rowHash(r.text));
    return out;
  }
  const units = unitBucketing(b);
  const sorted = [...rows].sort((x, y) => (BigInt(x.keyText) < BigInt(y.keyText) ? -1 : 1));
  let open: { bucket: bigint; unit: bigint; texts: string[] } | undefined;
  const close = () => open && add(open.bucket, BigInt(open.texts.length), unitHash(open.texts));
  for (const r of sorted) {
    const offset = BigInt(r.keyText) - b.base;
    const bucket = offset / b.width;
    const unit = offset / units.width;
    if (!open || open.bucket !== bucket || open.unit !== unit) {
      close();
      open = { bucket, unit, texts: [] };
    }
    open.texts.push(r.text);
  }
  close();
  return out;
}
