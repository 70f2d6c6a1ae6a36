/**
 * The metrics sink: records a reconcile run (the engine's hooks while it
 * runs, then the RunReport) into one prom-client registry, pushes it to a
 * Pushgateway under the grouping key {job, shard} and/or writes it as a
 * node_exporter textfile. Used by both the action and the CLI.
 */
import type { Endpoint } from '../dialects/types.js';
import type { RunHooks } from '../engine/run.js';
import type { Shard } from '../engine/shard.js';
import type { RunReport } from '../report/model.js';
import { recordLag } from '../lag/measure.js';
import { createMetrics, pushMetrics, recordRunReport, writeTextfile, type ReconMetrics } from '../observability/metrics.js';
import { recordSchemaFindings } from '../observability/schema-drift.js';
import { ok, type Sink } from './run-sinks.js';

export const DEFAULT_METRICS_JOB = 'cdc-recon';

/** Records one reconcile run; `hooks` go to runReconcile, `recordReport` once it returns. */
export class RunMetrics {
  readonly metrics: ReconMetrics = createMetrics();
  private endpoints: Endpoint[] = [];
  private timer: NodeJS.Timeout | undefined;

  readonly hooks: RunHooks = {
    onRetry: (endpoint) => this.metrics.recordRetry(endpoint),
    onPoolExhausted: (endpoint) => this.metrics.recordPoolExhausted(endpoint),
    onEndpoints: (endpoints) => {
      this.endpoints = endpoints;
      this.sample();
      // Pool gauges keep the peak; sample while the run goes on.
      this.timer = setInterval(() => this.sample(), this.sampleIntervalMs);
      this.timer.unref();
    },
    onTableDone: () => this.sample(),
  };

  constructor(private readonly sampleIntervalMs = 100) {}

  /** Largest pool seen per endpoint: a sample taken after the pools closed must not report 0. */
  private readonly sizes = new Map<string, number>();

  private sample(): void {
    for (const e of this.endpoints) {
      try {
        const stats = e.poolStats();
        const size = Math.max(this.sizes.get(e.role) ?? 0, stats.size);
        this.sizes.set(e.role, size);
        this.metrics.observePool(e.role, { ...stats, size });
      } catch {
        /* a closed pool has nothing to say */
      }
    }
  }

  /** Stops the pool sampler (call when runReconcile returns or throws). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.endpoints = [];
  }

  /**
   * Every table of the report; `previous` (the cached previous report) carries
   * the last success time of a table that errored this time.
   */
  recordReport(report: RunReport, previous?: RunReport): void {
    this.stop();
    for (const role of ['source', 'target']) this.metrics.recordRetry(role, 0);
    // A table that errored now keeps the previous run's success time, if it succeeded then.
    const previousSuccessAt: Record<string, Date> = {};
    if (previous) for (const t of previous.tables) if (t.status !== 'error') previousSuccessAt[t.table] = new Date(previous.finishedAt);
    recordRunReport(this.metrics, report, previousSuccessAt);
    recordLag(this.metrics, report);
    recordSchemaFindings(this.metrics, report);
  }
}

export interface MetricsSinkOptions {
  pushgatewayUrl?: string;
  job?: string;
  shard?: Shard;
  textfile?: string;
  timeoutMs?: number;
}

/** The Pushgateway and textfile sinks for a recorded run (none when neither is configured). */
export function metricsSinks(run: RunMetrics, options: MetricsSinkOptions): Sink[] {
  const sinks: Sink[] = [];
  const shard = options.shard ? `${options.shard.index}/${options.shard.count}` : '1/1';
  const job = options.job?.trim() || DEFAULT_METRICS_JOB;
  if (options.pushgatewayUrl) {
    const url = options.pushgatewayUrl;
    sinks.push({
      name: 'Pushgateway',
      run: async () => {
        const res = await pushMetrics(run.metrics.registry, url, { job, grouping: { shard }, timeoutMs: options.timeoutMs });
        if (!res.ok) throw new Error(res.warning);
        return ok(`pushed ${res.metrics} metric families to ${res.target} (job=${job}, shard=${shard})`);
      },
    });
  }
  if (options.textfile) {
    const path = options.textfile;
    sinks.push({
      name: 'metrics textfile',
      run: async () => {
        const res = await writeTextfile(run.metrics.registry, path);
        if (!res.ok) throw new Error(res.warning);
        return ok(`wrote ${res.metrics} metric families to ${res.target}`);
      },
    });
  }
  return sinks;
}
