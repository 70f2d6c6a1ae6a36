/**
 * Key-restricted re-check: read exactly the drifted keys again on both
 * sides, through the engine's own readers and canonical form, and say which
 * keys match now (healed) and which still differ.
 *
 * The rows are selected with the dialects' existing segment filters: a
 * single integer key as one-key ranges (index seeks), any other key by the
 * residue of the canonical key hash (one scan per side); rows the filter
 * selects beyond the wanted keys (hash collisions) are dropped by key text.
 */
import { keyHash31 } from '../canonical/render.js';
import type { LeafRow, SegmentFilter } from '../dialects/types.js';
import { diffLeaf, toDiffRow, type DiffContext, type RowDiff } from '../engine/diff.js';
import type { TablePlan } from '../engine/plan.js';
import type { SideReader } from '../engine/reader.js';
import type { DiffRow } from '../report/model.js';
import type { DriftKey } from './keys.js';

/** Residues are taken modulo 2^30: a positive int4 on PostgreSQL, a bound INT on SQL Server. */
export const KEY_HASH_MODULUS = 2 ** 30;
/** One-key ranges per statement (SQL Server binds up to 1000 ranges before writing literals). */
const RANGE_KEYS_PER_STATEMENT = 1000;

export function diffContextOf(plan: TablePlan): DiffContext {
  return {
    keyNames: plan.pairs.slice(0, plan.keyCount).map((p) => p.source.name),
    columnNames: plan.pairs.map((p) => p.source.name),
    textColumns: plan.pairs.map((p) => p.canonical.type === 'text'),
  };
}

/** Segment filters that select (at least) these keys, one per statement. */
export function keyFilters(plan: TablePlan, keys: readonly DriftKey[]): SegmentFilter[] {
  if (keys.length === 0) return [];
  if (plan.segmentation === 'range') {
    const out: SegmentFilter[] = [];
    for (let i = 0; i < keys.length; i += RANGE_KEYS_PER_STATEMENT) {
      const ranges = keys.slice(i, i + RANGE_KEYS_PER_STATEMENT).map((k) => {
        const v = BigInt(k.values[0]!);
        return [v, v] as const;
      });
      out.push({ kind: 'ranges', ranges });
    }
    return out;
  }
  const residues = [...new Set(keys.map((k) => keyHash31(k.keyText) % KEY_HASH_MODULUS))].sort((a, b) => a - b);
  return [{ kind: 'residues', modulus: KEY_HASH_MODULUS, residues }];
}

/** The rows of these keys on one side, by key text (absent keys are absent). */
export async function readKeys(reader: SideReader, plan: TablePlan, keys: readonly DriftKey[]): Promise<Map<string, LeafRow>> {
  const wanted = new Set(keys.map((k) => k.keyText));
  const out = new Map<string, LeafRow>();
  for (const filter of keyFilters(plan, keys)) {
    for (const row of await reader.leafRows(filter)) if (wanted.has(row.keyText)) out.set(row.keyText, row);
  }
  return out;
}

export interface KeyRecheck {
  healed: RowDiff[];
  /** Still differing: the drift as it is now. */
  notHealed: RowDiff[];
}

/** Re-reads `drift`'s keys on both sides; a key is healed when both sides now agree (both rows equal, or both absent). */
export async function recheckKeys(plan: TablePlan, readers: { source: SideReader; target: SideReader }, drift: readonly RowDiff[], keys: readonly DriftKey[]): Promise<KeyRecheck> {
  const [s, t] = await Promise.all([readKeys(readers.source, plan, keys), readKeys(readers.target, plan, keys)]);
  const now = new Map(diffLeaf([...s.values()], [...t.values()]).map((d) => [d.keyText, d]));
  const healed: RowDiff[] = [];
  const notHealed: RowDiff[] = [];
  for (const d of drift) {
    const still = now.get(d.keyText);
    if (still) notHealed.push(still);
    else healed.push(d);
  }
  return { healed, notHealed };
}

export function diffRows(plan: TablePlan, rows: readonly RowDiff[], max: number): DiffRow[] {
  const ctx = diffContextOf(plan);
  return rows.slice(0, max).map((d) => toDiffRow(d, ctx));
}
