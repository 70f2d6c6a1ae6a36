/** Inclusive bigint key ranges, as segment filters carry them. */

/** Union of inclusive ranges as sorted, disjoint, non-adjacent ranges (same rows, fewer predicates). */
export function mergeRanges(ranges: ReadonlyArray<readonly [bigint, bigint]>): Array<[bigint, bigint]> {
  const sorted = ranges
    .map(([lo, hi]) => [lo, hi] as [bigint, bigint])
    .filter(([lo, hi]) => lo <= hi)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1n) {
      if (r[1] > last[1]) last[1] = r[1];
    } else {
      out.push(r);
    }
  }
  return out;
}
