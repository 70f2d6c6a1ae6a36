/**
 * The schema check of one table, and how its findings enter the table result.
 *
 * `checkTable` replaces `planTable` in a run: it reads both catalogs once,
 * compares them (src/schema/compare.ts), checks the SQL Server CDC capture
 * instances and jobs when the source is SQL Server (src/schema/cdc.ts), and
 * builds the plan from the same catalogs. A plan error (missing table, key
 * column missing in the target...) is returned, not thrown, so the findings
 * that explain it still reach the report.
 *
 * Consistency with the plan: the plan's own schema-drift warnings ("schema
 * drift: column ... is not in target", "column ... not compared: ...") say
 * what the findings say; when findings are attached they replace them, and one
 * warning says that the rows were compared on the common columns only.
 */
import { formatTableName } from '../config/table-name.js';
import { MssqlCdcReader } from '../dialects/mssql/cdc.js';
import type { Endpoint } from '../dialects/types.js';
import { buildPlan, describeCanonical, type PlanInput, type TablePlan } from '../engine/plan.js';
import type { TableResult } from '../report/model.js';
import { TableError } from '../util/errors.js';
import { readAndCheckCdc, type CdcReader } from './cdc.js';
import { compareSchemas, UNCOMPARED_CODES } from './compare.js';
import { hasSchemaErrors, q, sortFindings, type SchemaFinding } from './findings.js';

export interface SchemaCheckInput extends PlanInput {
  /** CDC metadata reader of the source; default: SQL Server's for a SQL Server source, none otherwise. null: skip CDC checks. */
  cdc?: CdcReader | null;
}

export interface SchemaCheck {
  findings: SchemaFinding[];
  /** The plan, when the table can be row-compared. */
  plan?: TablePlan;
  /** Why it cannot (the error the plan raised). */
  planError?: TableError;
}

const cdcReaders = new WeakMap<Endpoint, CdcReader>();

/** One reader per source endpoint, so database-wide CDC state is read once per run. */
function defaultCdcReader(input: PlanInput): CdcReader | null {
  if (input.source.dialect.name !== 'mssql') return null;
  const ep = input.source.endpoint;
  let reader = cdcReaders.get(ep);
  if (!reader) {
    reader = new MssqlCdcReader(ep);
    cdcReaders.set(ep, reader);
  }
  return reader;
}

export async function checkTable(input: SchemaCheckInput): Promise<SchemaCheck> {
  const { spec } = input;
  const sd = input.source.dialect;
  const td = input.target.dialect;
  const [src, tgt] = await Promise.all([sd.readTable(input.source.endpoint, spec.source), td.readTable(input.target.endpoint, spec.target)]);
  const findings: SchemaFinding[] = [];
  const missing = (side: 'source' | 'target') => {
    const message = `${side} table ${formatTableName(spec[side])} not found in the ${side} catalog`;
    findings.push({ table: spec.id, severity: 'error', code: `table-missing-in-${side}`, message: `${message}: nothing to compare`, fix: `create the table, or correct "${side === 'source' ? 'source' : 'target'}" of table ${spec.id} in the config` });
    return new TableError(message, spec.id, 'plan');
  };
  const srcMissing = src ? undefined : missing('source');
  const tgtMissing = tgt ? undefined : missing('target');
  let planError: TableError | undefined = srcMissing ?? tgtMissing;
  if (src && tgt) findings.push(...compareSchemas({ spec, source: src, target: tgt, sourceDialect: sd, targetDialect: td }));
  if (src) {
    const reader = input.cdc === undefined ? defaultCdcReader(input) : input.cdc;
    if (reader) findings.push(...(await readAndCheckCdc(reader, spec, src)));
  }
  let plan: TablePlan | undefined;
  if (src && tgt) {
    try {
      plan = buildPlan(spec, src, tgt, sd, td);
    } catch (err) {
      if (!(err instanceof TableError)) throw err;
      planError = err;
    }
  }
  return { findings: sortFindings(findings), plan, planError };
}

/** The plan of a checked table, or its plan error (thrown). */
export function planOf(check: SchemaCheck): TablePlan {
  if (check.plan) return check.plan;
  throw check.planError ?? new Error('schema check produced neither a plan nor an error');
}

/** The plan's warnings that say what a schema finding says (see buildPlan). */
export function isPlanSchemaWarning(w: string): boolean {
  return /^schema drift: /.test(w) || /^column .+ not compared: /.test(w);
}

/** `mode: schema`: the findings, what would be compared, no data read. */
export function schemaOnlyResult(empty: TableResult, check: SchemaCheck): TableResult {
  const result: TableResult = { ...empty, warnings: [...empty.warnings] };
  const plan = check.plan;
  if (plan) {
    result.hash = plan.hash;
    result.segmentation = plan.segmentation;
    result.columns = plan.pairs.map((p) => ({ source: p.source.name, target: p.target.name, canonical: describeCanonical(p.canonical) }));
    result.warnings.push(...plan.warnings);
  } else if (check.planError && !hasSchemaErrors(check.findings)) {
    // A plan error no finding explains (should not happen): say so rather than report a clean table.
    result.status = 'error';
    result.error = { message: check.planError.message, stage: 'plan', class: 'table' };
  }
  return result;
}

/** What a matching data comparison compared, in words. */
function comparedText(r: TableResult): string {
  const counts = r.counts.source !== null ? ` (source ${r.counts.source}, target ${r.counts.target})` : '';
  if (r.mode === 'count') return `counts match${counts}`;
  if (r.mode === 'checksum') return `checksums match${counts}`;
  if (r.mode === 'diff') return `rows match${counts}`;
  return 'no data compared (mode: schema)';
}

/**
 * Attach the findings to a table result (any mode, any status): schema errors
 * make a matching table a mismatch; the plan's duplicate warnings go, and a
 * row-compared table says which columns were left out.
 */
export function withSchemaFindings(result: TableResult, check: SchemaCheck): TableResult {
  const findings = check.findings;
  result.schemaFindings = findings;
  result.warnings = result.warnings.filter((w) => !isPlanSchemaWarning(w));
  if (result.status === 'match' && hasSchemaErrors(findings)) {
    // The data matched: say what was compared, and that the mismatch is the schema check's (findings kept apart).
    result.status = 'mismatch';
    const codes = [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.code))];
    result.statusReason = `${comparedText(result)}; mismatch from the schema check: ${codes.join(', ')} (see schemaFindings)`;
  }
  const rowCompared = result.mode !== 'schema' && result.status !== 'error' && check.plan !== undefined;
  const left = [...new Set(findings.filter((f) => UNCOMPARED_CODES.has(f.code) && f.column !== undefined).map((f) => f.column!))];
  if (rowCompared && left.length > 0) {
    result.warnings.unshift(
      `schema differences (see schemaFindings): rows compared on the ${check.plan!.pairs.length} common column(s) only; not compared: ${left.map(q).join(', ')}`,
    );
  }
  return result;
}
