/** Lines about the lag and the repair of a run, for the text output and the job summary. */
import { lagLine } from '../lag/measure.js';
import type { RunReport } from '../report/model.js';

export function repairLine(report: RunReport): string | undefined {
  const r = report.repair;
  if (!r) return undefined;
  const what = r.method === 'sql' ? 'repair SQL' : 'repair through Debezium signals';
  const parts = [`${what}${r.dryRun ? ' (dry run, nothing written)' : ''}: ${r.tables} table(s), ${r.keys} drifted key(s)`];
  if (r.method === 'debezium-signal') {
    parts.push(`${r.signals} signal(s)`);
    if (!r.dryRun) parts.push(`${r.healed} healed, ${r.notHealed} not healed`);
  }
  if (r.sqlFile) parts.push(`file ${r.sqlFile} (review, then apply by hand)`);
  if (r.deletesFile) parts.push(`extra rows need the deletes in ${r.deletesFile}`);
  const skipped = report.tables.filter((t) => t.repair && (t.repair.status === 'skipped' || t.repair.status === 'failed') && t.repair.reason);
  for (const t of skipped) parts.push(`${t.table}: ${t.repair!.status}: ${t.repair!.reason}`);
  for (const w of r.warnings) parts.push(`warning: ${w}`);
  return parts.join('; ');
}

/** Per table of a signal repair: keys signalled, healed, not healed, and the time to heal. */
export function healLines(report: RunReport): string[] {
  const out: string[] = [];
  for (const t of report.tables) {
    const r = t.repair;
    if (!r?.signals || r.dryRun) continue;
    const h = r.heal;
    const time = h ? (h.timeToHealMs !== null ? `healed in ${(h.timeToHealMs / 1000).toFixed(1)} s` : `not all healed after ${(h.waitedMs / 1000).toFixed(1)} s`) : 'not checked';
    out.push(`${t.table}: ${r.signals.keys} key(s) signalled through ${r.signals.channel === 'kafka' ? 'Kafka' : 'the signalling table'} in ${r.signals.count} signal(s); ${h?.healed ?? 0} healed, ${h?.notHealed ?? r.signals.keys} not healed; ${time}`);
  }
  return out;
}

export function pipelineLines(report: RunReport): string[] {
  const out: string[] = [];
  if (report.lag) out.push(lagLine(report.lag));
  const r = repairLine(report);
  if (r) out.push(r, ...healLines(report));
  return out;
}
