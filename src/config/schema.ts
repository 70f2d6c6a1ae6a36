/**
 * The YAML config, validated with zod. Connections are named by environment
 * variable, never written inline. Unknown fields are errors (typos must not
 * silently change what is compared).
 */
import { z } from 'zod';
import { duration, envNameField, identifier, tableName } from './fields.js';
import { backupConfigSchema } from './backup.js';
import { lagConfigSchema, repairConfigSchema } from './repair.js';

export const MODES = ['count', 'checksum', 'diff', 'schema'] as const;
export type Mode = (typeof MODES)[number];

export const endpointSchema = z.strictObject({
  dialect: z.enum(['postgres', 'mssql']),
  urlEnv: envNameField(),
  /** Default schema for table names without one. */
  schema: identifier.optional(),
  poolSize: z.number().int().min(1).max(256).optional(),
  statementTimeout: duration.optional(),
  connectTimeout: duration.optional(),
  /** false opens a new connection per statement: only for measuring what pooling saves. */
  reuseConnections: z.boolean().optional(),
  /**
   * Source only. false: this source is read without CDC (a replica or a staging copy for PR checks), so the
   * CDC checks of the schema check are skipped. Default true: a SQL Server source is checked for CDC.
   */
  cdc: z.boolean().optional(),
});

const tuning = {
  mode: z.enum(MODES).optional(),
  chunkSize: z.number().int().min(10).max(10_000_000).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  maxRetries: z.number().int().min(0).max(20).optional(),
  recheckDelay: duration.optional(),
  hash: z.enum(['server', 'client']).optional(),
  /** Segments at or below this many rows are fetched row by row. */
  leafSize: z.number().int().min(1).max(100_000).optional(),
  /** Each bisection step splits a segment into this many parts. */
  bisectionFactor: z.number().int().min(2).max(1024).optional(),
  maxDiffRows: z.number().int().min(0).max(1_000_000).optional(),
  /** full: every row; incremental: the keys changed since the last run plus a rolling slice of the table. */
  scope: z.enum(['full', 'incremental']).optional(),
  /** With shard i/n: tables of at least this many (estimated) rows are split into n parts, one per shard. */
  splitRows: z.number().int().min(1_000).optional(),
  floatDigits: z.number().int().min(1).max(15).optional(),
  timestampDigits: z.number().int().min(0).max(6).optional(),
};

/** How `scope: incremental` finds what changed and how fast it covers the whole table. */
export const incrementalSchema = z.strictObject({
  /** A column both sides carry that every insert and update advances (e.g. updated_at); source name. */
  changeColumn: identifier.optional(),
  /** Changes this long before the last run's newest one are verified again (late commits, clock steps). */
  overlap: duration.optional(),
  /** Runs to verify every row at least once: each run verifies a different 1/coverage of the key space. */
  coverage: z.number().int().min(1).max(366).optional(),
});

export const tableSchema = z
  .strictObject({
    /** Same name on both sides. */
    table: tableName.optional(),
    source: tableName.optional(),
    target: tableName.optional(),
    key: z.array(identifier).min(1).optional(),
    columns: z
      .strictObject({
        include: z.array(identifier).min(1).optional(),
        exclude: z.array(identifier).optional(),
        /** source column name -> target column name */
        rename: z.record(z.string(), identifier).optional(),
      })
      .optional(),
    where: z.strictObject({ source: z.string().min(1).optional(), target: z.string().min(1).optional() }).optional(),
    incremental: incrementalSchema.optional(),
    ...tuning,
  })
  .superRefine((t, ctx) => {
    if (!t.table && !t.source) ctx.addIssue({ code: 'custom', message: 'needs "table" (same name both sides) or "source"' });
    if (t.table && (t.source || t.target)) ctx.addIssue({ code: 'custom', message: 'use either "table" or "source"/"target", not both' });
  });

export const defaultsSchema = z.strictObject({ ...tuning, incremental: incrementalSchema.optional() });

export const configSchema = z
  .strictObject({
    version: z.literal(1).optional(),
    source: endpointSchema,
    target: endpointSchema,
    defaults: defaultsSchema.optional(),
    tables: z.array(tableSchema).min(1, 'list at least one table'),
    report: z
      .strictObject({
        dir: z.string().min(1).optional(),
      })
      .optional(),
    /** Sections used by `backup` / `restore`, `--repair` and the lag reader; validated here too, so a typo fails early. */
    backup: backupConfigSchema.optional(),
    repair: repairConfigSchema.optional(),
    lag: lagConfigSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.target.cdc !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['target', 'cdc'], message: '"cdc" describes the source only (whether it is read through CDC); remove it from target' });
    }
    const seen = new Map<string, number>();
    const nameOf = (n: unknown) => (typeof n === 'string' ? n : n && typeof n === 'object' ? `${(n as { schema?: string }).schema ?? ''}.${(n as { name: string }).name}` : '');
    c.tables.forEach((t, i) => {
      // The same source may be compared with two targets; the same pair twice is a mistake.
      const key = `${nameOf(t.table ?? t.source)} -> ${nameOf(t.table ?? t.target ?? t.source)}`;
      const prior = seen.get(key);
      if (prior !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['tables', i], message: `duplicate table ${key} (also tables[${prior}])` });
      }
      seen.set(key, i);
    });
  });

export type RawConfig = z.output<typeof configSchema>;
export type TableConfig = z.output<typeof tableSchema>;
export type EndpointConfig = z.output<typeof endpointSchema>;
