/**
 * Measures the pipeline lag from the source's CDC position and the
 * connector's committed offsets (Kafka Connect GET /connectors/{name}/offsets),
 * and turns it into a recheck delay. Never throws: what could not be read is
 * a warning in the report, and the run goes on.
 */
import { KafkaConnectClient } from '../dr/connect/client.js';
import type { ReconMetrics } from '../observability/metrics.js';
import type { RunReport } from '../report/model.js';
import { errorMessage } from '../util/errors.js';
import { redact } from '../util/redact.js';
import { normaliseLsn } from './mssql.js';
import type { CdcPositionSource, ConnectorPosition, LagReader, LagReport } from './types.js';

/** The committed LSN of a Debezium SQL Server connector, from the Kafka Connect offsets API. */
export class KafkaConnectPosition implements ConnectorPosition {
  constructor(private readonly client: KafkaConnectClient, readonly connector: string) {}

  async committedLsn(database: string | null): Promise<{ lsn: string } | { unavailable: string }> {
    const offsets = await this.client.offsets(this.connector);
    if (!offsets) {
      return { unavailable: `Kafka Connect at ${this.client.displayUrl} has no offsets for connector ${this.connector} (no such connector, or a worker before Kafka 3.5 without the offsets API)` };
    }
    // A multi-database connector has one partition per database: take ours when the partitions say.
    const entries = offsets.offsets.filter((e) => e.offset !== null);
    const named = entries.filter((e) => typeof e.partition.database === 'string');
    const mine = database && named.length > 0 ? named.filter((e) => String(e.partition.database).toLowerCase() === database.toLowerCase()) : entries;
    let best: bigint | undefined;
    let text: string | undefined;
    for (const e of mine) {
      const raw = e.offset?.commit_lsn ?? e.offset?.change_lsn;
      if (typeof raw !== 'string') continue;
      const norm = normaliseLsn(raw);
      if (!norm) continue;
      const n = BigInt(`0x${norm.replace(/:/g, '')}`);
      // The least advanced partition bounds the pipeline.
      if (best === undefined || n < best) {
        best = n;
        text = norm;
      }
    }
    if (!text) return { unavailable: `connector ${this.connector} has committed no LSN yet${database ? ` for database ${database}` : ''}` };
    return { lsn: text };
  }
}

export class PipelineLagReader implements LagReader {
  constructor(
    private readonly source: CdcPositionSource,
    private readonly connector?: ConnectorPosition,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async measure(): Promise<LagReport> {
    const report: LagReport = {
      measuredAt: this.now().toISOString(),
      basis: 'unavailable',
      seconds: null,
      lsn: { source: null, connector: null, pendingTransactions: null },
      sourceTime: null,
      oldestPendingTime: null,
      connector: this.connector?.connector,
      warnings: [],
    };
    const warn = (what: string, err: unknown) => report.warnings.push(redact(`${what}: ${errorMessage(err)}`));
    let database: string | null = null;
    try {
      database = await this.source.database();
      const max = await this.source.maxPosition();
      report.lsn.source = max?.lsn ?? null;
      report.sourceTime = max?.time ?? null;
      report.basis = 'source-only';
      if (!max) report.warnings.push('the source has no CDC position (CDC not enabled, or nothing captured yet)');
    } catch (err) {
      warn('cannot read the source CDC position', err);
      return report;
    }
    if (!this.connector) return report;
    let committed: { lsn: string } | { unavailable: string };
    try {
      committed = await this.connector.committedLsn(database);
    } catch (err) {
      warn(`cannot read the offsets of connector ${this.connector.connector}`, err);
      return report;
    }
    if ('unavailable' in committed) {
      report.warnings.push(redact(committed.unavailable));
      return report;
    }
    report.lsn.connector = committed.lsn;
    try {
      const pending = await this.source.pendingAfter(committed.lsn);
      report.lsn.pendingTransactions = pending.transactions;
      report.oldestPendingTime = pending.oldestTime;
      report.seconds = pending.transactions === 0 ? 0 : pending.oldestAgeSeconds;
      report.basis = 'connector-offsets';
    } catch (err) {
      warn('cannot read the changes after the connector position', err);
    }
    return report;
  }
}

/** Recheck delay from a lag: lag x factor, clamped to [min, max]; undefined when the lag is unknown. */
export function recheckDelayFromLag(lag: LagReport | undefined, r: { factor: number; minMs: number; maxMs: number }): number | undefined {
  if (!lag || lag.seconds === null || !Number.isFinite(lag.seconds)) return undefined;
  const ms = Math.ceil(lag.seconds * 1000 * r.factor);
  return Math.min(r.maxMs, Math.max(r.minMs, ms));
}

function seconds(s: number): string {
  if (s < 120) return `${Number(s.toFixed(1))} s`;
  if (s < 7200) return `${Number((s / 60).toFixed(1))} min`;
  return `${Number((s / 3600).toFixed(1))} h`;
}

/** One line for the text report and the job summary. */
export function lagLine(lag: LagReport): string {
  const parts: string[] = [];
  if (lag.seconds !== null) parts.push(`CDC pipeline lag: ${seconds(lag.seconds)}`);
  else parts.push('CDC pipeline lag: unknown');
  const pos: string[] = [];
  if (lag.lsn.source) pos.push(`source at LSN ${lag.lsn.source}${lag.sourceTime ? ` (${lag.sourceTime})` : ''}`);
  if (lag.lsn.connector) pos.push(`connector ${lag.connector ?? ''} at ${lag.lsn.connector}`.replace('  ', ' '));
  if (lag.lsn.pendingTransactions !== null) pos.push(`${lag.lsn.pendingTransactions} transaction(s) not yet read`);
  if (pos.length) parts.push(pos.join(', '));
  const r = lag.readings;
  if (r) {
    const shown = (v: number | null | undefined, label: string, unit: (v: number) => string) => (v === undefined ? [] : [`${label} ${v === null ? 'unknown' : unit(v)}`]);
    const readings = [
      ...shown(r.endToEndSeconds, 'end to end', seconds),
      ...shown(r.sinkConsumerMessages, 'sink consumer behind by', (v) => `${v} messages`),
      ...shown(r.sourceSlotBytes, 'source slot behind by', (v) => `${v} WAL bytes`),
    ];
    if (readings.length) parts.push(`readings: ${readings.join(', ')}`);
  }
  if (lag.recheckDelayMs !== undefined) parts.push(`recheck delay ${seconds(lag.recheckDelayMs / 1000)} chosen from the lag`);
  for (const w of lag.warnings) parts.push(`warning: ${w}`);
  return parts.join('; ');
}

/** cdc_lag_seconds for every table of the run (NaN when the lag was looked for but not measured). */
export function recordLag(metrics: ReconMetrics, report: Pick<RunReport, 'lag' | 'tables'>): void {
  if (!report.lag) return;
  if (report.lag.readings) metrics.recordLagReadings(report.lag.readings);
  for (const t of report.tables) metrics.recordCdcLag(t.table, report.lag.seconds ?? Number.NaN);
}
