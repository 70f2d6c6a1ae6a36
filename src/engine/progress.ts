/**
 * Progress of one table as events, for whoever shows them (the CLI draws a
 * terminal line), and as JSON log lines at every tenth of the table, for logs
 * and CI. The engine only reports; it never draws.
 */
import type { Logger } from '../util/logger.js';

export interface TableProgress {
  table: string;
  /** 'checksum': the first pass over every row; 'diff': narrowing to rows; 'done': the table's result is in. */
  stage: 'checksum' | 'diff' | 'done';
  /** Rows checked so far (the larger side), of... */
  rowsDone: number;
  /** ...the catalog's estimate (or the counted rows when there was none). */
  rowsEstimate: number;
}

export type ProgressListener = (p: TableProgress) => void;

/** Forwards every step to the listener; logs one JSON line per tenth of the rows, and each change of stage. */
export class ProgressReporter {
  private readonly started = Date.now();
  private loggedTenth = -1;
  private stage: TableProgress['stage'] | undefined;

  constructor(
    private readonly table: string,
    private readonly rowsEstimate: number,
    private readonly log: Logger,
    private readonly listener?: ProgressListener,
  ) {}

  report(stage: TableProgress['stage'], rowsDone: number, fields: Record<string, unknown> = {}): void {
    const estimate = Math.max(this.rowsEstimate, rowsDone);
    this.listener?.({ table: this.table, stage, rowsDone, rowsEstimate: estimate });
    const tenth = estimate > 0 ? Math.floor((10 * rowsDone) / estimate) : 10;
    if (stage === this.stage && tenth <= this.loggedTenth) return;
    this.stage = stage;
    this.loggedTenth = tenth;
    const seconds = (Date.now() - this.started) / 1000;
    this.log.info('progress', { stage, rowsDone, rowsEstimate: estimate, rowsPerSecond: seconds > 0 ? Math.round(rowsDone / seconds) : 0, ...fields });
  }
}
