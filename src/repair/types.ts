/** What a repair did, as the JSON report shows it. */
import type { DiffRow } from '../report/model.js';
import type { RepairMethod } from './config.js';

export interface TableRepair {
  method: RepairMethod;
  dryRun: boolean;
  /**
   * signalled: signals written (debezium-signal); planned: dry run;
   * written: statements in the SQL file; skipped: nothing to do or not repairable (see reason);
   * failed: an error (see reason).
   */
  status: 'signalled' | 'planned' | 'written' | 'skipped' | 'failed';
  reason?: string;
  /** Drifted keys the repair covered. */
  keys: number;
  signals?: {
    /** The signalling table, as resolved in the source catalog. */
    table: string;
    /** Debezium data-collection id of the table. */
    collection: string;
    count: number;
    ids: string[];
    /** Keys signalled (missing and changed rows). */
    keys: number;
  };
  /** Extra rows: an incremental snapshot emits only rows that exist, so these need the deletes in `deletesFile`. */
  deletesRequired?: number;
  sql?: { upserts: number; deletes: number; leftOut: number };
  heal?: {
    checkedAt: string;
    waitedMs: number;
    healed: number;
    notHealed: number;
    /** Drift rows that match now (up to maxDiffRows). */
    healedRows: DiffRow[];
    /** Drift rows that still differ, as they differ now (up to maxDiffRows). */
    notHealedRows: DiffRow[];
  };
}

export interface RunRepair {
  method: RepairMethod;
  dryRun: boolean;
  tables: number;
  keys: number;
  signals: number;
  healed: number;
  notHealed: number;
  /** `repair: sql`: the reviewed SQL file. */
  sqlFile?: string;
  /** `debezium-signal` with extra rows: the reviewed DELETEs a snapshot cannot do. */
  deletesFile?: string;
  warnings: string[];
}
