/**
 * cdc-recon on a live CDC pipeline: source PostgreSQL -> Debezium PostgreSQL connector -> Kafka ->
 * Kafka Connect -> Debezium JDBC sink -> target PostgreSQL (scripts/pipeline.mjs, started once for
 * this project by test/pipeline/global-setup.ts). One file, so the steps run in order on one stream:
 *
 * 1. live stream, no drift: a writer changes the three tables (bigint, composite and text keys) during
 *    the whole reconcile; with a recheck delay chosen from the measured lag the report has 0 drift,
 *    and the rows first seen differing are reported in flight;
 * 2. planted drift under the stream: rows changed, deleted and inserted in the target only are reported
 *    exactly (precision and recall 100%), none as in flight;
 * 3. lag readings: the end-to-end heartbeat age, the sink's consumer-group lag (messages) and the source
 *    slot's distance behind the WAL (bytes) grow while the connectors are paused and fall once resumed;
 * 4. faults under the stream: kill -9 of the Connect worker and a restart, a broker restart, a sink task
 *    that fails on a target constraint. Lag rises and falls, the FAILED task is named with the first line
 *    of its trace in the diagnostics bundle, and every reconcile after recovery reports exactly the
 *    planted drift (nothing invented, nothing missed).
 *
 * Deterministic by construction: the writer touches each row at most once and never a row whose number
 * is a multiple of 10 (where the drift is planted), so a row in flight at the first look has converged
 * by the recheck once the delay exceeds the lag; every wait is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/model.js';
import { rowsOf } from '../support/recon.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import * as tar from 'tar';
import { readSlotLag } from '../../src/lag/postgres-slot.js';
import { readSinkConsumerLag } from '../../src/lag/sink-consumer.js';
import {
  churnOperations, cliEntry, connectRest, heartbeatAgeSeconds, heartbeatTicker, operations, pipeline, probeLagMs, query, SEED_SQL, until,
  reconcileCli, waitConnector, waitConverged, Writer,
} from './support.js';

const p = pipeline();
const ops = operations(16);
const writer = new Writer(p.source.url, ops, 300, 3);
/** After test 2: new rows only, so the planted drift stays exactly as planted. */
const churn = new Writer(p.source.url, churnOperations(200_000), 200, 2);
/** The drift test 2 plants in the target, on rows the writers never touch. */
const PLANTED = [
  'accounts: changed 10 [balance]',
  'accounts: extra 900000',
  'accounts: missing 20',
  'order_lines: changed 30,2 [qty]',
  'order_lines: extra 900000,1',
  'order_lines: missing 40,1',
  'products: changed sku-00050 [title]',
  'products: extra zz-planted',
  'products: missing sku-00060',
].sort();
/** Measurements for the closing note (printed once at the end). */
const notes: string[] = [];

function drift(report: RunReport): string[] {
  return report.tables.flatMap((t) => rowsOf(t).map((r) => `${t.table.replace(/^app\./, '')}: ${r}`)).sort();
}

function inFlight(report: RunReport): string[] {
  return report.tables.flatMap((t) => t.inFlightRows.map((r) => `${t.table.replace(/^app\./, '')}: ${r.kind} ${Object.values(r.key).join(',')}`));
}

/** The lag under the running writer: the largest of a few heartbeat probes. */
async function lagUnderLoad(probes = 5): Promise<number> {
  let max = 0;
  for (let i = 0; i < probes; i++) max = Math.max(max, await probeLagMs(p));
  return max;
}

/** Recheck delay from a measured lag, as the engine does (lag x 3, at least 2 s): it must exceed the lag. */
const recheckFrom = (lagMs: number) => Math.max(2000, 3 * lagMs);

beforeAll(async () => {
  await query(p.source.url, SEED_SQL);
  await waitConverged(p);
  const idle = await probeLagMs(p);
  notes.push(`end-to-end lag idle: ${idle} ms`);
});

afterAll(async () => {
  await writer.stop();
  await churn.stop();
  process.stderr.write(`\n[pipeline] ${notes.join('\n[pipeline] ')}\n`);
});

describe('live pipeline', () => {
  it('1. live stream, no drift: 0 drift with a recheck delay from the measured lag; rows first seen differing are in flight', async () => {
    await writer.start();
    const lag = await lagUnderLoad();
    const recheck = recheckFrom(lag);
    const t0 = Date.now();
    const report = await reconcileUnderStream(recheck);
    notes.push(`test 1: writer ${writer.rate().toFixed(0)} tx/s, end-to-end lag under load ${lag} ms, recheck delay ${recheck} ms, reconcile ${((Date.now() - t0) / 1000).toFixed(1)} s, in flight ${report.totals.rowsInFlight}`);
    writer.check();
    expect(writer.remaining, 'the writer ran for the whole reconcile').toBeGreaterThan(0);
    expect(drift(report)).toEqual([]);
    expect(report.tables.map((t) => t.status)).toEqual(['match', 'match', 'match']);
    // With a few hundred changes a second and a lag of hundreds of ms, the first look surely sees some.
    expect(report.totals.rowsInFlight).toBeGreaterThan(0);
    expect(inFlight(report)).toHaveLength(report.totals.rowsInFlight);
  });

  it('2. planted drift under the stream: reported exactly, none in flight', async () => {
    await query(p.target.url, `
      UPDATE app.accounts SET balance = balance + 1000 WHERE id = 10;
      DELETE FROM app.accounts WHERE id = 20;
      INSERT INTO app.accounts VALUES (900000, 'planted', 1, true, now());
      UPDATE app.order_lines SET qty = 999 WHERE order_id = 30 AND line_no = 2;
      DELETE FROM app.order_lines WHERE order_id = 40 AND line_no = 1;
      INSERT INTO app.order_lines VALUES (900000, 1, 'sku-00001', 1, 1);
      UPDATE app.products SET title = 'planted' WHERE sku = 'sku-00050';
      DELETE FROM app.products WHERE sku = 'sku-00060';
      INSERT INTO app.products VALUES ('zz-planted', 'x', 1, 'y');`);
    const planted = PLANTED;
    if (writer.remaining === 0) throw new Error('the writer ran out of operations before test 2');
    const lag = await lagUnderLoad(3);
    const t0 = Date.now();
    const report = await reconcileUnderStream(recheckFrom(lag));
    notes.push(`test 2: lag ${lag} ms, reconcile ${((Date.now() - t0) / 1000).toFixed(1)} s, in flight ${report.totals.rowsInFlight}, drift ${drift(report).length}`);
    writer.check();
    expect(writer.remaining, 'the writer ran for the whole reconcile').toBeGreaterThan(0);
    // Precision and recall 100%: exactly the planted rows, nothing else.
    expect(drift(report)).toEqual(planted);
    const plantedKeys = new Set(planted.map((r) => r.split(' ').slice(0, 3).join(' ')));
    expect(inFlight(report).filter((r) => plantedKeys.has(r))).toEqual([]);
  });
});

interface Readings { e2eSeconds: number; sinkMessages: number; slotBytes: number }

async function readings(): Promise<Readings> {
  const c = new pg.Client({ connectionString: p.source.url });
  await c.connect();
  try {
    const slot = await readSlotLag(c, 'cdc_recon');
    const sink = await readSinkConsumerLag(`127.0.0.1:${p.kafka.port}`, p.connectors.sink);
    return { e2eSeconds: await heartbeatAgeSeconds(p), sinkMessages: sink.messages, slotBytes: slot?.bytesBehind ?? Number.NaN };
  } finally {
    await c.end();
  }
}

describe('live pipeline: lag', () => {
  it('3. pausing the connectors makes every lag reading grow; resuming makes it fall', async () => {
    await writer.stop();
    await churn.start();
    const ticker = heartbeatTicker(p);
    try {
      const base = await until(readings, (r) => r.e2eSeconds < 5, 'baseline lag under the stream');
      // The sink paused: the source goes on, Kafka fills, the target stands still.
      await connectRest(p, 'PUT', `/connectors/${p.connectors.sink}/pause`);
      const sinkPaused = await until(readings, (r) => r.sinkMessages > base.sinkMessages + 500 && r.e2eSeconds > base.e2eSeconds + 3, 'lag growing with the sink paused');
      // Then the source too: the slot stops confirming while the writer goes on.
      await connectRest(p, 'PUT', `/connectors/${p.connectors.source}/pause`);
      const bothPaused = await until(readings, (r) => r.slotBytes > base.slotBytes + 200_000, 'slot lag growing with the source paused');
      notes.push(`test 3: baseline ${JSON.stringify(base)}; sink paused ${JSON.stringify(sinkPaused)}; both paused ${JSON.stringify(bothPaused)}`);
      await connectRest(p, 'PUT', `/connectors/${p.connectors.source}/resume`);
      await connectRest(p, 'PUT', `/connectors/${p.connectors.sink}/resume`);
      await waitConnector(p, p.connectors.source, 'RUNNING');
      await waitConnector(p, p.connectors.sink, 'RUNNING');
      const after = await until(
        readings,
        (r) => r.sinkMessages < bothPaused.sinkMessages / 4 && r.e2eSeconds < bothPaused.e2eSeconds / 4 && r.slotBytes < bothPaused.slotBytes / 4,
        'lag falling after resume',
        180_000,
      );
      notes.push(`test 3: resumed ${JSON.stringify(after)}`);
      churn.check();
      expect(sinkPaused.sinkMessages).toBeGreaterThan(base.sinkMessages);
      expect(sinkPaused.e2eSeconds).toBeGreaterThan(base.e2eSeconds);
      expect(bothPaused.slotBytes).toBeGreaterThan(base.slotBytes);
      expect(after.sinkMessages).toBeLessThan(bothPaused.sinkMessages);
      expect(after.e2eSeconds).toBeLessThan(bothPaused.e2eSeconds);
      expect(after.slotBytes).toBeLessThan(bothPaused.slotBytes);
    } finally {
      await ticker.stop();
    }
  });
});

const execFileP = promisify(execFile);
const pipelineCli = (...args: string[]) => execFileP('node', [join(process.cwd(), 'scripts', 'pipeline.mjs'), ...args, '--dir', p.dir], { timeout: 300_000 });

/** The pipeline has caught up: the sink's group has read everything and a heartbeat made it through. */
async function caughtUp(): Promise<void> {
  await until(readings, (r) => r.sinkMessages === 0 && r.slotBytes < 1_000_000, 'pipeline catching up', 240_000);
  await probeLagMs(p, 240_000);
}

describe('live pipeline: faults', () => {
  it('4. worker kill -9, broker restart, a failing sink task: lag rises and falls, FAILED is named, the reconcile stays exact', async () => {
    const ticker = heartbeatTicker(p);
    const seen: string[] = [];
    try {
      if (!churn.rate()) await churn.start();
      // (a) The Connect worker dies mid-stream: nothing moves to the target until it is back.
      await pipelineCli('restart', 'connect', '--kill');
      const duringWorker = await readings().catch(() => undefined);
      await waitConnector(p, p.connectors.source, 'RUNNING', 240_000);
      await waitConnector(p, p.connectors.sink, 'RUNNING', 240_000);
      const afterWorker = await until(readings, (r) => r.e2eSeconds < 5, 'lag falling after the worker restart', 240_000);
      seen.push(`worker kill -9 + restart: lag right after ${duringWorker ? `${duringWorker.e2eSeconds.toFixed(1)} s` : 'unreadable'}, back to ${afterWorker.e2eSeconds.toFixed(1)} s`);
      // (b) The broker restarts under the stream.
      await pipelineCli('restart', 'kafka');
      const duringBroker = await readings().catch(() => undefined);
      await waitConnector(p, p.connectors.source, 'RUNNING', 240_000);
      await waitConnector(p, p.connectors.sink, 'RUNNING', 240_000);
      const afterBroker = await until(readings, (r) => r.e2eSeconds < 5, 'lag falling after the broker restart', 240_000);
      seen.push(`broker restart: lag right after ${duringBroker ? `${duringBroker.e2eSeconds.toFixed(1)} s` : 'unreadable'}, back to ${afterBroker.e2eSeconds.toFixed(1)} s`);
      await churn.stop();
      await caughtUp();
      const settled = await reconcileCli(p);
      expect(drift(settled), 'after the worker and broker faults').toEqual(PLANTED);

      // (c) A target constraint rejects a row: the sink task FAILS and stays so.
      await query(p.target.url, "ALTER TABLE app.products ADD CONSTRAINT no_poison CHECK (title IS DISTINCT FROM 'poison')");
      await query(p.source.url, "INSERT INTO app.products VALUES ('poison-1', 'poison', 1, 'x')");
      const failed = await until(
        () => connectRest<{ tasks: { state: string; trace?: string }[] }>(p, 'GET', `/connectors/${p.connectors.sink}/status`),
        (st) => st.tasks.some((t) => t.state === 'FAILED'),
        'sink task FAILED',
        120_000,
      );
      const firstLine = failed.tasks.find((t) => t.state === 'FAILED')!.trace!.split('\n')[0]!;
      seen.push(`sink task FAILED: ${firstLine}`);
      // Lag grows behind the failed task.
      const stuck = await until(readings, (r) => r.e2eSeconds > 3, 'lag growing behind the failed sink', 60_000);
      seen.push(`lag behind the failed sink: ${stuck.e2eSeconds.toFixed(1)} s`);
      const bundle = join(p.dir, 'diag.tar.gz');
      await execFileP('node', [cliEntry(), 'diagnostics', '--out', bundle, '--log-level', 'warn'], {
        timeout: 180_000,
        env: { ...process.env, KAFKA_CONNECT_URL: p.connect.url, TARGET_URL: p.target.url },
      });
      const x = mkdtempSync(join(p.dir, 'diag-'));
      await tar.x({ file: bundle, cwd: x });
      const [top] = readdirSync(x);
      const failures = readFileSync(join(x, top!, 'kafka-connect', 'failures.txt'), 'utf8');
      expect(failures).toContain(`task ${p.connectors.sink}/0 FAILED`);
      expect(failures).toContain(firstLine);
      // The reconcile while the task is down: the poison row is missing on the target, and it is real drift.
      const during = await reconcileCli(p);
      expect(drift(during)).toEqual([...PLANTED, 'products: missing poison-1'].sort());

      // Fixed and restarted: the row arrives, the drift is the planted drift again.
      await query(p.target.url, 'ALTER TABLE app.products DROP CONSTRAINT no_poison');
      await connectRest(p, 'POST', `/connectors/${p.connectors.sink}/restart?includeTasks=true&onlyFailed=true`);
      await waitConnector(p, p.connectors.sink, 'RUNNING');
      await caughtUp();
      const healed = await reconcileCli(p);
      expect(drift(healed)).toEqual(PLANTED);
    } finally {
      await ticker.stop();
      notes.push(`test 4: ${seen.join('; ')}`);
    }
  });
});

async function reconcileUnderStream(recheckMs: number): Promise<RunReport> {
  return reconcileCli(p, { recheckDelayMs: recheckMs });
}
