// The bench's pure parts (no database, no processes), kept apart so that test/unit can check them.

/**
 * How `drifted` rows split into missing, extra and changed: thirds, the remainder going to
 * missing first (1,000 -> 334 / 333 / 333), so the total is exactly what was asked.
 */
export function driftSplit(drifted) {
  if (!Number.isInteger(drifted) || drifted < 0) throw new Error(`drift must be a whole number >= 0, got ${drifted}`);
  const third = Math.floor(drifted / 3);
  const rest = drifted - 3 * third;
  return { missing: third + (rest > 0 ? 1 : 0), extra: third, changed: third + (rest > 1 ? 1 : 0) };
}

/**
 * Where the drift goes in a table of ids 1..rows: changed and missing rows alternate, spread evenly over
 * the whole key range (so every part of the table has some); extra rows take ids above `rows`.
 * Returns key ranges as SQL-ready arithmetic: id = first + k * stride for k in [0, count).
 */
export function driftPlan(rows, drifted) {
  const split = driftSplit(drifted);
  const inside = split.missing + split.changed;
  if (inside > rows) throw new Error(`${drifted} drifted rows need ${inside} existing rows, the table has ${rows}`);
  // Slots 0..inside-1 evenly over 1..rows, missing on even slots, changed on odd ones: missing is never
  // fewer than changed nor more than one over, so the counts come out exact.
  const slot = inside > 0 ? Math.floor(rows / inside) : 1;
  return {
    ...split,
    missingIds: { first: 1, stride: 2 * slot, count: split.missing },
    changedIds: { first: 1 + slot, stride: 2 * slot, count: split.changed },
    extraIds: { first: rows + 1, stride: 7, count: split.extra },
  };
}

/** The ids a driftPlan range stands for (tests and small checks; the bench builds them in SQL). */
export function idsOf(range) {
  return Array.from({ length: range.count }, (_, k) => range.first + k * range.stride);
}

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median and spread (min-max) of one figure over the rounds. */
export function summary(xs) {
  const finite = xs.filter((x) => Number.isFinite(x));
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

/** Ratio of two medians, with the spread it can have (fastest over slowest, slowest over fastest). */
export function ratio(a, b) {
  if (!(b.median > 0)) return { median: NaN, min: NaN, max: NaN };
  return { median: a.median / b.median, min: a.min / b.max, max: a.max / b.min };
}

export function formatRatio(r) {
  if (!Number.isFinite(r.median)) return '-';
  return `${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`;
}

export function formatSeconds(s) {
  if (!Number.isFinite(s.median)) return '-';
  return `${s.median.toFixed(2)} (${s.min.toFixed(2)}-${s.max.toFixed(2)})`;
}

/** The tools in round `round`'s order: rotated each round so that no tool always runs first (cold) or last. */
export function roundOrder(tools, round) {
  const n = tools.length;
  if (n === 0) return [];
  const r = ((round % n) + n) % n;
  return [...tools.slice(r), ...tools.slice(0, r)];
}

/**
 * reladiff's --json row output: one `["-"|"+", [key, ...values]]` per line ("-" only in the first table,
 * "+" only in the second, both for a changed key). Counted by key, as cdc-recon counts them.
 */
export function countReladiffRows(stdout) {
  const minus = new Set();
  const plus = new Set();
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('[')) continue;
    const [op, values] = JSON.parse(t);
    (op === '-' ? minus : plus).add(String(values[0]));
  }
  let changed = 0;
  for (const k of minus) if (plus.has(k)) changed += 1;
  return { missing: minus.size - changed, extra: plus.size - changed, changed };
}

/** Did a tool find exactly the planted drift (each kind)? */
export function foundExactly(found, planted) {
  return found !== undefined && found.missing === planted.missing && found.extra === planted.extra && found.changed === planted.changed;
}

/**
 * reladiff's `--stats --json` answer: one JSON object with the rows only in the first table (exclusive_A),
 * only in the second (exclusive_B) and in both with other values (updated). The bench uses it by default:
 * printing every row goes through rich, which at 100,000 drifted rows took most of reladiff's time.
 */
export function parseReladiffStats(stdout) {
  const line = stdout.split('\n').map((l) => l.trim()).find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON stats in reladiff's output: ${stdout.slice(0, 500)}`);
  const s = JSON.parse(line);
  return { missing: s.exclusive_A, extra: s.exclusive_B, changed: s.updated };
}

/**
 * One round of the incremental bench (issue 19) on a table of ids 1..rows: `fraction` of the rows change
 * (spread evenly over the key range, a different set each round: ids = first + k * stride with first moving by
 * one per round), and `drifted` of those changes reach the target wrongly, split as driftSplit does:
 *   - missing: inserts on the source the target never got (new ids above `rows`, different each round);
 *   - extra: changed rows the source then deleted and the target kept (a missed delete);
 *   - changed: updates the target never got (a missed update).
 * Missed deletes and missed updates are taken from the changed ids, alternating and spread over all of them.
 */
export function incrementalPlan(rows, round, { fraction = 0.001, drifted = 100 } = {}) {
  const count = Math.round(rows * fraction);
  if (!(count >= 1)) throw new Error(`${fraction} of ${rows} rows is no row to change`);
  const stride = Math.floor(rows / count);
  if (!Number.isInteger(round) || round < 0 || round >= stride) throw new Error(`round must be a whole number in [0, ${stride}), got ${round}`);
  const split = driftSplit(drifted);
  const inside = Math.max(split.changed, split.extra);
  if (2 * inside > count) throw new Error(`${drifted} drifted rows need ${2 * inside} of the changed rows, ${count} change`);
  // Drift slots over the changed ids: missed updates on even slots, missed deletes on odd ones.
  const gap = inside > 0 ? Math.floor(count / (2 * inside)) : 1;
  const first = 1 + round;
  return {
    ...split,
    changedIds: { first, stride, count },
    missedUpdateIds: { first, stride: 2 * gap * stride, count: split.changed },
    missedDeleteIds: { first: first + gap * stride, stride: 2 * gap * stride, count: split.extra },
    missedInsertIds: { first: rows + 1 + round * Math.max(1, split.missing), stride: 1, count: split.missing },
  };
}
