/**
 * Row-level diff of one leaf segment: keys only on the source (missing),
 * only on the target (extra), or on both with different row hashes (changed,
 * with the columns that differ). Matching is by canonical key text, never by
 * either database's sort order.
 */
import type { LeafRow } from '../dialects/types.js';
import type { DiffRow, DriftKind } from '../report/model.js';

export interface RowDiff {
  kind: DriftKind;
  keyText: string;
  source?: LeafRow;
  target?: LeafRow;
}

export function diffLeaf(sourceRows: LeafRow[], targetRows: LeafRow[]): RowDiff[] {
  const bySource = new Map<string, LeafRow>();
  for (const r of sourceRows) bySource.set(r.keyText, r);
  const out: RowDiff[] = [];
  for (const t of targetRows) {
    const s = bySource.get(t.keyText);
    if (!s) out.push({ kind: 'extra', keyText: t.keyText, target: t });
    else {
      if (s.rowHash !== t.rowHash) out.push({ kind: 'changed', keyText: t.keyText, source: s, target: t });
      bySource.delete(t.keyText);
    }
  }
  for (const s of bySource.values()) out.push({ kind: 'missing', keyText: s.keyText, source: s });
  return out;
}

/** Human form of a canonical field: text loses its length prefix. */
export function displayValue(canonical: string | null, isText: boolean): string {
  if (canonical === null) return 'NULL';
  if (!isText) return canonical;
  const colon = canonical.indexOf(':');
  return colon >= 0 ? canonical.slice(colon + 1) : canonical;
}

export interface DiffContext {
  keyNames: string[];
  columnNames: string[];
  textColumns: boolean[];
}

export function toDiffRow(d: RowDiff, ctx: DiffContext): DiffRow {
  const row = d.source ?? d.target!;
  const key: Record<string, string> = {};
  ctx.keyNames.forEach((name, i) => {
    key[name] = displayValue(row.columns[i] ?? null, ctx.textColumns[i] ?? false);
  });
  const out: DiffRow = { kind: d.kind, key };
  if (d.kind === 'changed' && d.source && d.target) {
    out.columns = ctx.columnNames.filter((_, i) => d.source!.columns[i] !== d.target!.columns[i]);
  }
  return out;
}
