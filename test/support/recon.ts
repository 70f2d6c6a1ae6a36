/** Run the engine on two databases with an inline YAML config. */
import { parseConfig, type Tuning } from '../../src/config/load.js';
import { runReconcile, type RunHooks } from '../../src/engine/run.js';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';

export async function reconcileYaml(yaml: string, urls: { source: string; target: string }, opts: { overrides?: Partial<Tuning>; hooks?: RunHooks; tables?: string[] } = {}): Promise<RunReport> {
  const config = parseConfig(`source: { dialect: postgres, urlEnv: S_URL }\ntarget: { dialect: postgres, urlEnv: T_URL }\n${yaml}`, 'inline.yml', opts.overrides);
  return runReconcile({ config, logger: silentLogger, env: { S_URL: urls.source, T_URL: urls.target }, hooks: opts.hooks, tables: opts.tables, minRetryDelayMs: 10 });
}

export function rowsOf(t: TableResult): string[] {
  return t.rows.map((r) => `${r.kind} ${Object.values(r.key).join(',')}${r.columns ? ` [${r.columns.join(',')}]` : ''}`).sort();
}
