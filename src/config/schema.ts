/**
 * The YAML config, validated with zod. Connections are named by environment
 * variable, never written inline. Unknown fields are errors (typos must not
 * silently change what is compared).
 */
import * as z from 'zod/mini';
import { duration, envNameField, identifier, int, tableName, text } from './fields.js';
import { backupConfigSchema } from './backup.js';
import { lagConfigSchema, repairConfigSchema } from './repair.js';

export const MODES = ['count', 'checksum', 'diff', 'schema'] as const;
export type Mode = (typeof MODES)[number];

export const endpointSchema = z.strictObject({
  dialect: z.enum(['postgres', 'mssql']),
  urlEnv: envNameField(),
  /** Default schema for table names without one. */
  schema: z.optional(identifier),
  poolSize: z.optional(int(1, 256)),
  statementTimeout: z.optional(duration),
  connectTimeout: z.optional(duration),
  /** false opens a new connection per statement: only for measuring what pooling saves. */
  reuseConnections: z.optional(z.boolean()),
  /**
   * Source only. false: this source is read without CDC (a replica or a staging copy for PR checks), so the
   * CDC checks of the schema check are skipped. Default true: a SQL Server source is checked for CDC.
   */
  cdc: z.optional(z.boolean()),
});

const tuning = {
  mode: z.optional(z.enum(MODES)),
  chunkSize: z.optional(int(10, 10_000_000)),
  concurrency: z.optional(int(1, 64)),
  maxRetries: z.optional(int(0, 20)),
  recheckDelay: z.optional(duration),
  hash: z.optional(z.enum(['server', 'client'])),
  /** Segments at or below this many rows are fetched row by row. */
  leafSize: z.optional(int(1, 100_000)),
  /** Each bisection step splits a segment into this many parts. */
  bisectionFactor: z.optional(int(2, 1024)),
  maxDiffRows: z.optional(int(0, 1_000_000)),
  /** full: every row; incremental: the keys changed since the last run plus a rolling slice of the table. */
  scope: z.optional(z.enum(['full', 'incremental'])),
  /** With shard i/n: tables of at least this many (estimated) rows are split into n parts, one per shard. */
  splitRows: z.optional(int(1_000)),
  floatDigits: z.optional(int(1, 15)),
  timestampDigits: z.optional(int(0, 6)),
};

/** How `scope: incremental` finds what changed and how fast it covers the whole table. */
export const incrementalSchema = z.strictObject({
  /** A column both sides carry that every insert and update advances (e.g. updated_at); source name. */
  changeColumn: z.optional(identifier),
  /** Changes this long before the last run's newest one are verified again (late commits, clock steps). */
  overlap: z.optional(duration),
  /** Runs to verify every row at least once: each run verifies a different 1/coverage of the key space. */
  coverage: z.optional(int(1, 366)),
});

export const tableSchema = z
  .strictObject({
    /** Same name on both sides. */
    table: z.optional(tableName),
    source: z.optional(tableName),
    target: z.optional(tableName),
    key: z.optional(z.array(identifier).check(z.minLength(1))),
    columns: z.optional(
      z.strictObject({
        include: z.optional(z.array(identifier).check(z.minLength(1))),
        exclude: z.optional(z.array(identifier)),
        /** source column name -> target column name */
        rename: z.optional(z.record(z.string(), identifier)),
      }),
    ),
    where: z.optional(z.strictObject({ source: z.optional(text()), target: z.optional(text()) })),
    incremental: z.optional(incrementalSchema),
    ...tuning,
  })
  .check(
    z.superRefine((t, ctx) => {
      if (!t.table && !t.source) ctx.addIssue({ code: 'custom', message: 'needs "table" (same name both sides) or "source"' });
      if (t.table && (t.source || t.target)) ctx.addIssue({ code: 'custom', message: 'use either "table" or "source"/"target", not both' });
    }),
  );

export const defaultsSchema = z.strictObject({ ...tuning, incremental: z.optional(incrementalSchema) });

export const configSchema = z
  .strictObject({
    version: z.optional(z.literal(1)),
    source: endpointSchema,
    target: endpointSchema,
    defaults: z.optional(defaultsSchema),
    tables: z.array(tableSchema).check(z.minLength(1, 'list at least one table')),
    report: z.optional(z.strictObject({ dir: z.optional(text()) })),
    /** Sections used by `backup` / `restore`, `--repair` and the lag reader; validated here too, so a typo fails early. */
    backup: z.optional(backupConfigSchema),
    repair: z.optional(repairConfigSchema),
    lag: z.optional(lagConfigSchema),
  })
  .check(
    z.superRefine((c, ctx) => {
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
    }),
  );

export type RawConfig = z.output<typeof configSchema>;
export type TableConfig = z.output<typeof tableSchema>;
export type EndpointConfig = z.output<typeof endpointSchema>;
