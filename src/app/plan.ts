/** What a reconcile would compare and how, without reading any rows (catalogs only). */
import { loadConfigFile } from '../config/load.js';
import { planTables, type TablePlanSummary } from '../engine/plan-run.js';

export interface PlanSettings {
  configFile: string;
  tables?: string[];
  /** Include each side's full-table checksum statement. */
  sql?: boolean;
}

export interface PlanOutcome {
  plans: TablePlanSummary[];
  /** 2 when any table could not be planned. */
  exitCode: number;
}

export async function plan(s: PlanSettings): Promise<PlanOutcome> {
  const plans = await planTables(loadConfigFile(s.configFile), { tables: s.tables });
  const shown = plans.map((p) => (s.sql ? p : { ...p, sql: undefined }));
  return { plans: shown, exitCode: plans.some((p) => p.error) ? 2 : 0 };
}
