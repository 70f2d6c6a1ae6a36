/** One line per table of what a `scope: incremental` run verified, for the text report and the job summary. */
import type { TableResult } from './model.js';

function age(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

export function incrementalLine(t: TableResult): string | undefined {
  const inc = t.incremental;
  if (!inc) return undefined;
  const coverage = inc.coverageAgeSeconds !== undefined ? `; least recently verified part of the table: ${age(inc.coverageAgeSeconds)} ago (coverage ${inc.coverage} runs)` : '';
  if (inc.scope === 'full') return `full run instead of incremental: ${inc.reason ?? 'no usable state'}${coverage}`;
  const window = inc.changeColumn ? `${inc.changeColumn} >= ${inc.since}` : inc.since;
  const keys = inc.since !== undefined ? `${inc.changedKeys} changed keys verified (${window}, ${inc.changedKeysDiffering} differing at first)` : 'no key-by-key pass';
  const slice = inc.slice ? `; slice ${inc.slice.index}/${inc.slice.count} of the key space verified whole (${inc.slice.rows} rows)` : '';
  return `incremental: ${keys}${slice}${coverage}`;
}
