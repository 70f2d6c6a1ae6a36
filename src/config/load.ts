/** Reads, validates and normalises the YAML config. Every failure names the file, the field path and the reason. */
import { readFileSync } from 'node:fs';
import type * as z from 'zod/mini';
import { ConfigError } from '../util/errors.js';
import { configSchema, type EndpointConfig, type RawConfig } from './schema.js';
import { parseTableName, type TableName } from './table-name.js';
import { DEFAULT_INCREMENTAL, DEFAULT_TUNING, type EndpointSpec, type ReconConfig, type TableSpec, type Tuning } from './model.js';
import { formatIssuePath } from './issue-path.js';
import { parseConfigYaml } from './yaml.js';

export { DEFAULT_TUNING } from './model.js';
export type { Tuning, TableSpec, EndpointSpec, ReconConfig } from './model.js';

export { formatIssuePath };

export function formatZodError(file: string, error: z.core.$ZodError): ConfigError {
  const issues = error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`);
  return new ConfigError(`invalid config ${file}:\n  - ${issues.join('\n  - ')}`, file, issues);
}

export function loadConfigFile(file: string, overrides: Partial<Tuning> = {}): ReconConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`, file);
  }
  return parseConfig(text, file, overrides);
}

export function parseConfig(text: string, file: string, overrides: Partial<Tuning> = {}): ReconConfig {
  const value = parseConfigYaml(text, file);
  const parsed = configSchema.safeParse(value ?? {});
  if (!parsed.success) throw formatZodError(file, parsed.error);
  return normalise(parsed.data, file, overrides);
}

function endpoint(e: EndpointConfig): EndpointSpec {
  return {
    dialect: e.dialect,
    urlEnv: e.urlEnv,
    schema: e.schema,
    poolSize: e.poolSize,
    statementTimeoutMs: e.statementTimeout ?? 30 * 60_000,
    connectTimeoutMs: e.connectTimeout ?? 15_000,
    reuseConnections: e.reuseConnections ?? true,
    cdc: e.cdc ?? true,
  };
}

/** The object without its undefined fields (so that they do not override defaults in a spread). */
export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function tuningOf(o: RawConfig['tables'][number] | NonNullable<RawConfig['defaults']>): Partial<Tuning> {
  return defined({
    mode: o.mode,
    chunkSize: o.chunkSize,
    concurrency: o.concurrency,
    maxRetries: o.maxRetries,
    recheckDelayMs: o.recheckDelay,
    hash: o.hash,
    leafSize: o.leafSize,
    bisectionFactor: o.bisectionFactor,
    maxDiffRows: o.maxDiffRows,
    splitRows: o.splitRows,
    scope: o.scope,
    floatDigits: o.floatDigits,
    timestampDigits: o.timestampDigits,
  });
}

function normalise(raw: RawConfig, file: string, overrides: Partial<Tuning>): ReconConfig {
  const source = endpoint(raw.source);
  const target = endpoint(raw.target);
  const defaults = { ...DEFAULT_TUNING, ...tuningOf(raw.defaults ?? {}) };
  const tables = raw.tables.map((t): TableSpec => {
    const src = parseTableName((t.table ?? t.source)!);
    const tgt = parseTableName(t.target ?? t.table ?? t.source!);
    const withSchema = (n: TableName, schema?: string): TableName => ({ schema: n.schema ?? schema, name: n.name });
    return {
      ...defaults,
      ...tuningOf(t),
      ...defined(overrides),
      id: typeof (t.table ?? t.source) === 'string' ? String(t.table ?? t.source) : `${src.schema ? `${src.schema}.` : ''}${src.name}`,
      source: withSchema(src, source.schema),
      target: withSchema(tgt, target.schema),
      key: t.key,
      include: t.columns?.include,
      exclude: t.columns?.exclude ?? [],
      rename: t.columns?.rename ?? {},
      sourceWhere: t.where?.source,
      targetWhere: t.where?.target,
      incremental: {
        ...DEFAULT_INCREMENTAL,
        ...defined({ changeColumn: raw.defaults?.incremental?.changeColumn, overlapMs: raw.defaults?.incremental?.overlap, coverage: raw.defaults?.incremental?.coverage }),
        ...defined({ changeColumn: t.incremental?.changeColumn, overlapMs: t.incremental?.overlap, coverage: t.incremental?.coverage }),
      },
    };
  });
  return { file, source, target, tables, reportDir: raw.report?.dir ?? 'reports', raw };
}
