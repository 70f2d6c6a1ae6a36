/**
 * The live DR drill, end to end, through the real CLI (`cdc-recon drill --live`) on the live pipeline:
 * a 1M-row table on both sides and a writer changing it the whole time; the drill backs up the target and
 * Kafka Connect, drops the target database, fences the sink, restores, rewinds the sink to the backup and
 * resumes it, heals through Debezium signals and reconciles. Checked: the target comes back with 0 drift,
 * the RPO gap is real (rows changed after the backup), the RTO is under 2 minutes, and the figures are in
 * the Pushgateway exactly as reported.
 *
 * The 1M rows are loaded on each side directly (on the source into an UNLOGGED table made LOGGED after:
 * a table rewrite is not decoded, so the pipeline does not carry the seed); from then on every change
 * goes through the pipeline.
 * The first drill runs the real CLI; the --no-rewind one runs liveDrill in this process with the same settings,
 * so that coverage of src/ sees the drill, the restore and the heal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { liveDrill, type LiveDrillReport } from '../../src/app/live-drill.js';
import { silentLogger } from '../../src/util/logger.js';
import { findSamples, startPushgateway, type PushgatewayServer } from '../support/pushgateway.js';
import { cliEntry, pipeline, query, sleep, until } from './support.js';

const execFileP = promisify(execFile);
const p = pipeline();
const ROWS = 1_000_000;
const TABLE_DDL = (unlogged: boolean) =>
  `CREATE ${unlogged ? 'UNLOGGED ' : ''}TABLE app.drill_big (id bigint PRIMARY KEY, v text NOT NULL, n numeric(12,2) NOT NULL, at timestamptz NOT NULL)`;
const SEED = `INSERT INTO app.drill_big SELECT i, 'row ' || i, i % 100000 / 100.0, timestamptz '2025-01-01 00:00:00+00' + i * interval '1 s' FROM generate_series(1, ${ROWS}) i`;

/** Updates, inserts and deletes on the source, about 150 a second, until stopped. */
class DrillWriter {
  private stopped = false;
  private loop?: Promise<void>;
  applied = 0;
  async start(): Promise<void> {
    const c = new pg.Client({ connectionString: p.source.url });
    await c.connect();
    let next = 2_000_000;
    this.loop = (async () => {
      try {
        while (!this.stopped) {
          const k = this.applied % 3;
          const id = 1 + ((this.applied * 7919) % ROWS);
          if (k === 0) await c.query("UPDATE app.drill_big SET v = v || '+', at = clock_timestamp() WHERE id = $1", [id]);
          else if (k === 1) await c.query("INSERT INTO app.drill_big VALUES ($1, 'new', 1, clock_timestamp())", [next++]);
          else await c.query('DELETE FROM app.drill_big WHERE id = $1', [id + 1]);
          this.applied += 1;
          await sleep(5);
        }
      } finally {
        await c.end();
      }
    })();
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

let dir: string;
let gateway: PushgatewayServer;
const writer = new DrillWriter();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdc-recon-drill-'));
  gateway = await startPushgateway();
  await query(p.target.url, TABLE_DDL(false));
  await query(p.target.url, SEED);
  await query(p.source.url, TABLE_DDL(true));
  await query(p.source.url, SEED);
  await query(p.source.url, 'ALTER TABLE app.drill_big SET LOGGED');
  await query(p.source.url, 'ANALYZE app.drill_big');
  await query(p.target.url, 'ANALYZE app.drill_big');
  await writer.start();
});

afterAll(async () => {
  await writer.stop();
  await gateway?.stop();
});

function writeConfigs(): { backupYml: string; reconYml: string } {
  const backupYml = join(dir, 'backup.yml');
  const reconYml = join(dir, 'recon.yml');
  writeFileSync(backupYml, [
    'backup:',
    `  dir: ${join(dir, 'sets')}`,
    '  postgres: { urlEnv: PIPELINE_TARGET_URL, format: custom, verify: checksum }',
    '  kafkaConnect: { urlEnv: PIPELINE_CONNECT_URL }',
    '',
  ].join('\n'));
  writeFileSync(reconYml, [
    'version: 1',
    'source: { dialect: postgres, urlEnv: PIPELINE_SOURCE_URL, schema: app }',
    'target: { dialect: postgres, urlEnv: PIPELINE_TARGET_URL, schema: app }',
    'defaults: { mode: diff, recheckDelay: 10s }',
    'tables:',
    '  - table: drill_big',
    `report: { dir: ${join(dir, 'reports')} }`,
    'repair:',
    '  recheckDelay: 3m',
    '  healPoll: 1s',
    '  maxKeys: 100000',
    '  signal:',
    '    channel: kafka',
    '    kafka: { bootstrapEnv: PIPELINE_KAFKA_BOOTSTRAP }',
    '    connector: { urlEnv: PIPELINE_CONNECT_URL, name: cdc-source }',
    '',
  ].join('\n'));
  return { backupYml, reconYml };
}

/**
 * Runs the drill through the real CLI, as the runbook writes it; or, `in-process`, through the application
 * layer the CLI calls (liveDrill with the same settings), so that coverage of src/ sees the drill's code.
 */
async function runDrill(extra: string[], how: 'cli' | 'in-process' = 'cli'): Promise<{ report: LiveDrillReport; wall: number }> {
  const { backupYml, reconYml } = writeConfigs();
  // Let the writer's changes reach the target before the backup: the gap is then what changes after it.
  await sleep(3000);
  const env = {
    ...process.env,
    PIPELINE_SOURCE_URL: p.source.url,
    PIPELINE_TARGET_URL: p.target.url,
    PIPELINE_CONNECT_URL: p.connect.url,
    PIPELINE_KAFKA_BOOTSTRAP: `127.0.0.1:${p.kafka.port}`,
  };
  const args = [cliEntry(), 'drill', '--live', '--set', join(dir, 'sets'), '--config', backupYml, '--recon-config', reconYml, '--confirm', 'app',
    '--pushgateway-url', gateway.url, '--json', '--log-level', 'warn', ...extra];
  const t0 = Date.now();
  let report: LiveDrillReport;
  if (how === 'in-process') {
    const outcome = await liveDrill({
      set: join(dir, 'sets'), backupConfigFile: backupYml, reconConfigFile: reconYml, confirm: 'app', rewind: !extra.includes('--no-rewind'),
      pushgatewayUrl: gateway.url, env, logger: silentLogger,
    });
    report = outcome.report;
    expect(outcome.exitCode).toBe(report.status === 'passed' ? 0 : 1);
  } else {
    // Exit 1 is a drill that ran and missed a target: its report is still on stdout.
    const { stdout } = await execFileP('node', args, { env, maxBuffer: 16 * 1024 * 1024 }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
      if (err.code === 1 && err.stdout?.trim().startsWith('{')) return { stdout: err.stdout };
      throw new Error(`drill failed: ${err.stderr}\n${err.stdout}`);
    });
    report = JSON.parse(stdout) as LiveDrillReport;
  }
  const wall = (Date.now() - t0) / 1000;
  process.stderr.write(
    `\nlive drill${extra.length ? ` ${extra.join(' ')}` : ''} on ${ROWS.toLocaleString('en')} rows: RTO ${report.rtoSeconds.toFixed(1)} s, RPO gap ${report.rpoGapRows} rows, ` +
      `${report.driftAfterReplay} drifted after the resume, ${report.healedRows} healed, final drift ${report.finalDriftRows}; ` +
      `steps ${report.steps.map((s) => `${s.step} ${(s.ms / 1000).toFixed(1)} s`).join(', ')}; drill wall time ${wall.toFixed(1)} s\n`,
  );
  expect(report.sinks).toEqual(['cdc-sink']);
  expect(report.steps.map((s) => s.step)).toEqual(['backup', 'loss', 'fence', 'restore', 'gap', 'resume', 'heal', 'final']);
  // The writer ran between the backup and the loss: the backup missed rows.
  expect(report.rpoGapRows).toBeGreaterThan(0);
  expect(report.rtoSeconds).toBeLessThan(120);
  return { report, wall };
}

describe.sequential('cdc-recon drill --live', () => {
  it('loses the target, restores it, rewinds the sink to the backup: the replay closes the gap, 0 drift, RTO under 2 minutes', async () => {
    const { report } = await runDrill([]);
    expect(report.problems).toEqual([]);
    expect(report.status).toBe('passed');
    expect(report.rewound).toBe(true);
    expect(report.finalDriftRows).toBe(0);
    // The same figures in the Pushgateway.
    const samples = await gateway.samples();
    const one = (name: string) => findSamples(samples, name, { job: 'cdc-recon-drill', target: 'app' })[0]?.value;
    expect(one('dr_drill_rto_seconds')).toBeCloseTo(report.rtoSeconds, 3);
    expect(one('dr_drill_rpo_gap_rows')).toBe(report.rpoGapRows);
    expect(one('dr_drill_healed_rows')).toBe(report.healedRows);
    expect(one('dr_drill_final_drift_rows')).toBe(0);
  });

  it('--no-rewind: the sink resumes where it stopped, and the rows the backup missed heal through Debezium signals', async () => {
    const { report } = await runDrill(['--no-rewind'], 'in-process');
    expect(report.rewound).toBe(false);
    // Nothing replays the changes between the backup and the loss: the signals bring back every missing and
    // stale row; rows deleted on the source since the backup stay in the target, for the reviewed DELETE file.
    expect(report.driftAfterReplay).toBeGreaterThan(0);
    expect(report.healedRows).toBeGreaterThan(0);
    expect(report.healedRows + report.extraRows).toBe(report.driftAfterReplay);
    expect(report.notHealedRows).toBe(0);
    expect(report.finalDriftRows).toBe(report.extraRows);
    if (report.extraRows > 0) {
      expect(report.status).toBe('failed');
      expect(report.problems.join('\n')).toContain(`${report.extraRows} of them only in the target (deleted on the source since the backup): review and apply ${report.deletesFile}`);
      await query(p.target.url, readFileSync(report.deletesFile!, 'utf8'));
    }

    // The restored target keeps following the source.
    await writer.stop();
    await until(async () => {
      const [s] = await query<{ n: string }>(p.source.url, 'SELECT count(*) AS n FROM app.drill_big');
      const [t] = await query<{ n: string }>(p.target.url, 'SELECT count(*) AS n FROM app.drill_big');
      return s!.n === t!.n;
    }, (v) => v, 'drill_big converged after the drill', 120_000);
    const [s] = await query<{ h: string }>(p.source.url, 'SELECT md5(string_agg(t::text, \',\' ORDER BY id)) AS h FROM app.drill_big t');
    const [t] = await query<{ h: string }>(p.target.url, 'SELECT md5(string_agg(t::text, \',\' ORDER BY id)) AS h FROM app.drill_big t');
    expect(t!.h).toBe(s!.h);
  });
});
