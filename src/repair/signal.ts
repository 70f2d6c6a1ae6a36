/**
 * Debezium ad-hoc incremental snapshot signals that name exactly the drifted
 * keys of a table, and the INSERT statements that put them into the
 * connector's signalling table on the source.
 *
 * One signal per batch of keys:
 *   id   = a new UUID
 *   type = 'execute-snapshot'
 *   data = {"data-collections": ["<collection>"], "type": "incremental",
 *           "additional-conditions": [{"data-collection": "<collection>", "filter": "<key predicate>"}]}
 * The collection id is Debezium's format for the connector: SQL Server
 * <database>.<schema>.<table>, PostgreSQL <schema>.<table>. The filter is SQL
 * that Debezium runs on the source, so its literals are the source dialect's
 * (src/repair/keys.ts). The JSON is written ASCII-only (\uXXXX escapes), so a
 * non-Unicode `data` column (varchar) cannot mangle a key on the way in.
 *
 * The signalling table is resolved in the source catalog like any other
 * table; only the names the catalog returns are quoted into the statement,
 * and the three values are bound parameters.
 */
import { randomUUID } from 'node:crypto';
import type { CatalogTable, DialectName, Statement, TableRef } from '../dialects/types.js';
import { findColumn } from '../engine/plan.js';
import { KeyEncodingError, keyPredicate, quoteFor, type KeyColumnRef } from './keys.js';

export const SIGNAL_TYPE = 'execute-snapshot';

export interface SignalTable {
  ref: TableRef;
  /** Column names as the catalog spells them. */
  columns: { id: string; type: string; data: string };
  /** Longest `data` the column takes (characters); null when unlimited. */
  dataMaxLength: number | null;
}

export interface SignalData {
  'data-collections': string[];
  type: 'incremental';
  'additional-conditions': Array<{ 'data-collection': string; filter: string }>;
}

export interface PlannedSignal {
  id: string;
  /** Keys this signal names. */
  keys: number;
  /** The `data` JSON, as written. */
  data: string;
}

/** The signalling table from its catalog entry: it must have Debezium's id, type and data columns. */
export function resolveSignalTable(table: CatalogTable): SignalTable {
  const col = (name: string) => {
    const c = findColumn(table, name);
    if (!c) {
      throw new Error(`signalling table ${table.schema}.${table.name} has no "${name}" column (Debezium needs id, type and data)`);
    }
    return c;
  };
  const [id, type, data] = [col('id'), col('type'), col('data')];
  const length = data.length === null || data.length < 0 ? null : data.length;
  return { ref: { schema: table.schema, name: table.name }, columns: { id: id.name, type: type.name, data: data.name }, dataMaxLength: length };
}

/** Debezium data collections are regular expressions: names that would not match themselves literally are refused. */
const REGEX_SPECIAL = /[.\\^$|?*+()[\]{}]/;

/** The data-collection id Debezium uses for `table` (SQL Server: database.schema.table; PostgreSQL: schema.table). */
export function dataCollectionId(dialect: DialectName, database: string, table: TableRef): string {
  const parts = dialect === 'mssql' ? [database, table.schema, table.name] : [table.schema, table.name];
  for (const p of parts) {
    if (REGEX_SPECIAL.test(p)) {
      throw new KeyEncodingError(`name ${JSON.stringify(p)} contains a dot or a regular-expression character; Debezium's data-collection ids cannot name it unambiguously`);
    }
  }
  return parts.join('.');
}

/** JSON with every non-ASCII UTF-16 unit as \uXXXX: the same JSON value, safe in any column character set. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function signalData(collection: string, filter: string): SignalData {
  return {
    'data-collections': [collection],
    type: 'incremental',
    'additional-conditions': [{ 'data-collection': collection, filter }],
  };
}

export interface PlanSignalsInput {
  dialect: DialectName;
  collection: string;
  /** The source key columns (names from the source catalog). */
  columns: KeyColumnRef[];
  /** Canonical key values, one array per key. */
  keys: ReadonlyArray<readonly string[]>;
  batchSize: number;
  /** Longest `data` the signalling table takes; null when unlimited. */
  maxDataLength: number | null;
  newId?: () => string;
}

/**
 * Batches of at most `batchSize` keys, each as one signal whose `data` fits
 * the column. Throws when one key alone does not fit, or a key cannot be
 * written as an exact literal.
 */
export function planSignals(input: PlanSignalsInput): PlannedSignal[] {
  const newId = input.newId ?? randomUUID;
  const dataFor = (keys: ReadonlyArray<readonly string[]>) =>
    asciiJson(signalData(input.collection, keyPredicate(input.dialect, input.columns, keys)));
  const fits = (data: string) => input.maxDataLength === null || data.length <= input.maxDataLength;
  const out: PlannedSignal[] = [];
  let i = 0;
  while (i < input.keys.length) {
    let n = Math.min(input.batchSize, input.keys.length - i);
    let data = dataFor(input.keys.slice(i, i + n));
    while (!fits(data)) {
      if (n === 1) {
        throw new KeyEncodingError(`one key's signal is ${data.length} characters, longer than the signalling table's data column (${input.maxDataLength})`);
      }
      n = Math.max(1, Math.floor(n / 2));
      data = dataFor(input.keys.slice(i, i + n));
    }
    out.push({ id: newId(), keys: n, data });
    i += n;
  }
  return out;
}

/** INSERT of one signal row; id, type and data bound (@p1.. on SQL Server, $1.. on PostgreSQL). */
export function insertSignalStatement(dialect: DialectName, table: SignalTable, signal: PlannedSignal): Statement {
  const q = quoteFor(dialect);
  const p = (i: number) => (dialect === 'mssql' ? `@p${i}` : `$${i}`);
  const { id, type, data } = table.columns;
  return {
    text: `INSERT INTO ${q(table.ref.schema)}.${q(table.ref.name)} (${q(id)}, ${q(type)}, ${q(data)}) VALUES (${p(1)}, ${p(2)}, ${p(3)})`,
    values: [signal.id, SIGNAL_TYPE, signal.data],
    label: 'repair-signal',
  };
}
