/** Plan tables without reading any data: what would be compared, how, and the SQL each side would run. */
import type { ReconConfig } from '../config/load.js';
import { getDialect } from '../dialects/index.js';
import type { Dialect, Statement } from '../dialects/types.js';
import { errorMessage } from '../util/errors.js';
import { registerSecret } from '../util/redact.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { describeCanonical, planTable, type TablePlan } from './plan.js';
import { selectTables } from './run.js';

export interface TablePlanSummary {
  table: string;
  source: string;
  target: string;
  key?: string[];
  segmentation?: 'range' | 'hash';
  hash?: 'server' | 'client';
  columns?: Array<{ source: string; sourceType: string; target: string; targetType: string; canonical: string }>;
  warnings?: string[];
  error?: string;
  /** One full-table statement per side: the checksum (count and sum of row hashes), or the row stream when hashed client-side. */
  sql?: { source: Statement; target: Statement };
}

/**
 * The statement each side runs over the whole table. A table hashed client-side (`hash: client`, or a column
 * with no exact in-database form such as float on SQL Server) never runs the checksum statement, so the plan
 * shows the row stream it reads instead (building the checksum statement would throw for such a column).
 */
export function wholeTableStatements(plan: TablePlan, sd: Dialect, td: Dialect): { source: Statement; target: Statement } {
  const statement = (t: TablePlan['source'], d: Dialect): Statement => {
    if (plan.hash === 'client') return d.rowStreamStatement(t, { kind: 'all' });
    // A single bucket over the whole table: the same row hash the engine sums, nothing else.
    return plan.segmentation === 'range'
      ? d.segmentChecksumStatement(t, { kind: 'all' }, { kind: 'range', base: 0n, width: 2n ** 62n })
      : d.segmentChecksumStatement(t, { kind: 'all' }, { kind: 'hash', modulus: 1 });
  };
  return { source: statement(plan.source, sd), target: statement(plan.target, td) };
}

export async function planTables(config: ReconConfig, options: { env?: NodeJS.ProcessEnv; tables?: string[] } = {}): Promise<TablePlanSummary[]> {
  const env = options.env ?? process.env;
  const urls = [config.source.urlEnv, config.target.urlEnv].map((name) => {
    const url = env[name];
    if (!url) throw new Error(`environment variable ${name} is not set`);
    registerSecret(url);
    return url;
  });
  const [sd, td] = await Promise.all([getDialect(config.source.dialect), getDialect(config.target.dialect)]);
  const opts = (spec: typeof config.source) => ({
    poolSize: 2, statementTimeoutMs: spec.statementTimeoutMs, connectTimeoutMs: spec.connectTimeoutMs, applicationName: `${TOOL_NAME}/${TOOL_VERSION}`,
  });
  const source = await sd.connect(urls[0]!, 'source', opts(config.source));
  try {
    const target = await td.connect(urls[1]!, 'target', opts(config.target));
    try {
      const out: TablePlanSummary[] = [];
      for (const spec of selectTables(config.tables, options.tables)) {
        const names = { table: spec.id, source: `${spec.source.schema ?? ''}.${spec.source.name}`, target: `${spec.target.schema ?? ''}.${spec.target.name}` };
        try {
          const plan = await planTable({ spec, source: { dialect: sd, endpoint: source }, target: { dialect: td, endpoint: target } });
          out.push({
            ...names,
            key: plan.pairs.slice(0, plan.keyCount).map((p) => p.source.name),
            segmentation: plan.segmentation,
            hash: plan.hash,
            columns: plan.pairs.map((p) => ({ source: p.source.name, sourceType: p.source.dataType, target: p.target.name, targetType: p.target.dataType, canonical: describeCanonical(p.canonical) })),
            warnings: plan.warnings,
            sql: wholeTableStatements(plan, sd, td),
          });
        } catch (err) {
          out.push({ ...names, error: errorMessage(err) });
        }
      }
      return out;
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
