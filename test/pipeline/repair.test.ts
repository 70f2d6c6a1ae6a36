/**
 * Repair through the real pipeline: `reconcile --repair debezium-signal` sends Debezium's
 * execute-snapshot signal (incremental, additional-conditions naming exactly the drifted keys) through
 * the Kafka signal topic or the source's signalling table; the real PostgreSQL connector re-emits those
 * rows, the real JDBC sink applies them, and cdc-recon reads the keys again until they match.
 *
 * Three tables made for this file (bigint key, composite key, text key with quotes, unicode and spaces)
 * on both sides; a writer keeps inserting new rows into them the whole time. Drift is planted in the
 * target only, on rows the writer never touches. What is checked:
 *  - missing and changed rows heal through both channels, and the report says keys signalled, healed,
 *    not healed and the time to heal per table; extra rows go to the reviewed DELETE file, and once it
 *    is applied to the target the tables reconcile clean;
 *  - the incremental snapshot re-emits exactly the signalled keys (read from the table topics): a hostile
 *    key value cannot widen the filter;
 *  - 10,000 missing keys are sent in batches and all heal;
 *  - a paused connector, or one that does not enable the channel, gets a clear error and nothing is sent
 *    (the signal topic and the signalling table unchanged, the drift still there).
 * The Kafka channel's heal and the 10,000 keys run the real CLI (dist/, as the runner does); the source channel
 * and the refusals run the same application layer in this process, so that coverage of src/ sees that code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { rowsOf } from '../support/recon.js';
import { connectRest, pipeline, query, reconcileCli, reconcileInProcess, sleep, topicEnds, topicRecords, until, waitConnector, type TopicRecord } from './support.js';

const p = pipeline();
const TABLES = ['heal_big', 'heal_comp', 'heal_text'];
const SIGNAL_TOPIC = 'cdc-signal';
const SOURCE = 'cdc-source';

/** Text keys a filter must carry exactly: quotes, unicode, spaces, SQL that would widen a naive filter. */
const HOSTILE = [
  "O'Brien",
  'naïve café ☕ 東京',
  'two  spaces ',
  "x') OR ('1'='1",
  "'; DELETE FROM app.heal_text; --",
  'back\\slash "dq"',
];

const DDL = `
CREATE TABLE IF NOT EXISTS app.heal_big (id bigint PRIMARY KEY, v text NOT NULL, n numeric(12,2) NOT NULL);
CREATE TABLE IF NOT EXISTS app.heal_comp (a bigint NOT NULL, b integer NOT NULL, v text NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE IF NOT EXISTS app.heal_text (k text PRIMARY KEY, v text);`;

const SEED = `
INSERT INTO app.heal_big SELECT i, 'row ' || i, i / 100.0 FROM generate_series(1, 30000) i;
INSERT INTO app.heal_comp SELECT a, b, a || '/' || b FROM generate_series(1, 500) a, generate_series(1, 4) b;
INSERT INTO app.heal_text SELECT 'k-' || lpad(i::text, 5, '0'), 'text ' || i FROM generate_series(1, 2000) i;`;
const HOSTILE_SEED = "INSERT INTO app.heal_text SELECT k, 'hostile ' || ord FROM unnest($1::text[]) WITH ORDINALITY AS h(k, ord)";

const COUNTS = 'SELECT (SELECT count(*) FROM app.heal_big)::int AS big, (SELECT count(*) FROM app.heal_comp)::int AS comp, (SELECT count(*) FROM app.heal_text)::int AS txt';

/** New rows only, far from every planted key: the stream goes on during every repair. */
class Inserter {
  private stopped = false;
  private loop?: Promise<void>;
  private n = 0;
  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const i = 5_000_000 + this.n++;
        await query(p.source.url, "INSERT INTO app.heal_big VALUES ($1, 'live', 1)", [i]);
        await query(p.source.url, "INSERT INTO app.heal_text VALUES ($1, 'live')", [`live-${i}`]);
        await sleep(20);
      }
    })();
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
const inserter = new Inserter();

const REPAIR = (channel: 'kafka' | 'source', extra = '') => `repair:
  recheckDelay: 3m
  healPoll: 1s
  signal:
    channel: ${channel}
    table: app.debezium_signal
    kafka: { bootstrapEnv: PIPELINE_KAFKA_BOOTSTRAP }
    connector: { urlEnv: PIPELINE_CONNECT_URL, name: ${SOURCE} }
    batchSize: 1000
${extra}`;

/** The Kafka channel's runs go through the real CLI; the others through the same application layer in process (coverage). */
async function reconcile(extraYaml = '', args: string[] = [], how: 'cli' | 'in-process' = 'cli'): Promise<RunReport> {
  const run = how === 'cli' ? reconcileCli : reconcileInProcess;
  return run(p, { tables: TABLES, recheckDelayMs: 8000, extraYaml, args });
}

function table(report: RunReport, name: string): TableResult {
  const t = report.tables.find((x) => x.table === name || x.table === `app.${name}`);
  if (!t) throw new Error(`no ${name} in the report`);
  return t;
}

function driftOf(report: RunReport): string[] {
  return report.tables.flatMap((t) => rowsOf(t).map((r) => `${t.table.replace(/^app\./, '')}: ${r}`)).sort();
}

async function converged(): Promise<void> {
  await until(async () => {
    const [s] = await query(p.source.url, COUNTS);
    const [t] = await query(p.target.url, COUNTS);
    return JSON.stringify(s) === JSON.stringify(t);
  }, (v) => v, 'heal tables converged', 180_000);
}

/** The keys of snapshot records (op r) written to the tables' topics since `from`. */
async function snapshotKeys(from: Map<string, Map<number, number>>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) {
    const records: TopicRecord[] = await topicRecords(p, `cdc.app.${t}`, from.get(t));
    out[t] = records
      .filter((r) => r.value?.payload?.op === 'r')
      .map((r) => JSON.stringify((r.key as { payload: unknown }).payload))
      .sort();
  }
  return out;
}

async function ends(): Promise<Map<string, Map<number, number>>> {
  return new Map(await Promise.all(TABLES.map(async (t) => [t, await topicEnds(p, `cdc.app.${t}`)] as const)));
}

const signalRows = async () => Number((await query<{ n: string }>(p.source.url, 'SELECT count(*) AS n FROM app.debezium_signal'))[0]!.n);
const signalTopicEnd = async () => (await topicEnds(p, SIGNAL_TOPIC)).get(0) ?? 0;

const notes: string[] = [];

beforeAll(async () => {
  await query(p.target.url, DDL);
  await query(p.source.url, DDL);
  await query(p.source.url, SEED);
  await query(p.source.url, HOSTILE_SEED, [HOSTILE]);
  await converged();
  inserter.start();
});

afterAll(async () => {
  await inserter.stop();
  if (notes.length) process.stderr.write(`\nrepair through the pipeline:\n  ${notes.join('\n  ')}\n`);
});

describe.sequential('repair through Debezium signals on the live pipeline', () => {
  for (const channel of ['kafka', 'source'] as const) {
    it(`heals missing and changed rows through the ${channel} channel; extra rows heal by the reviewed DELETE file`, async () => {
      // Planted in the target only; each channel its own keys.
      const base = channel === 'kafka' ? 0 : 1;
      const bigMissing = [101, 202, 303, 404].map((i) => i + base * 1000);
      const bigChanged = [111, 222, 333].map((i) => i + base * 1000);
      const comp: [number, number][] = [[10 + base * 100, 1], [20 + base * 100, 3]];
      const [textMissing, textChanged] = channel === 'kafka' ? [HOSTILE[0]!, HOSTILE[3]!] : [HOSTILE[1]!, HOSTILE[4]!];
      await query(p.target.url, 'DELETE FROM app.heal_big WHERE id = ANY($1)', [bigMissing]);
      await query(p.target.url, "UPDATE app.heal_big SET v = v || ' drift' WHERE id = ANY($1)", [bigChanged]);
      await query(p.target.url, 'DELETE FROM app.heal_comp WHERE a = $1 AND b = $2', comp[0]);
      await query(p.target.url, "UPDATE app.heal_comp SET v = 'drift' WHERE a = $1 AND b = $2", comp[1]);
      await query(p.target.url, 'DELETE FROM app.heal_text WHERE k = $1', [textMissing]);
      await query(p.target.url, "UPDATE app.heal_text SET v = 'drift' WHERE k = $1", [textChanged]);
      await query(p.target.url, "INSERT INTO app.heal_text VALUES ($1, 'extra')", [`zz-extra-${channel} 'q'`]);
      await query(p.target.url, "INSERT INTO app.heal_big VALUES ($1, 'extra', 0)", [9_000_000 + base]);

      const before = await ends();
      const [rows0, topic0] = [await signalRows(), await signalTopicEnd()];
      const report = await reconcile(REPAIR(channel), ['--repair', 'debezium-signal'], channel === 'kafka' ? 'cli' : 'in-process');
      expect(report.repair?.warnings).toEqual([]);

      const signalled = { heal_big: 7, heal_comp: 2, heal_text: 2 };
      for (const [name, keys] of Object.entries(signalled)) {
        const r = table(report, name).repair!;
        expect(r.status, `${name}: ${r.reason}`).toBe('signalled');
        expect(r.signals).toMatchObject({ channel, keys, count: 1 });
        expect(r.heal).toMatchObject({ healed: keys, notHealed: 0 });
        expect(r.heal!.timeToHealMs).toBeGreaterThan(0);
        notes.push(`${channel} channel, ${name}: ${keys} keys healed in ${(r.heal!.timeToHealMs! / 1000).toFixed(1)} s (${r.heal!.checks} checks)`);
      }
      expect(report.repair).toMatchObject({ healed: 11, notHealed: 0, signals: 3 });
      // The channel decides where the signal went: a Kafka message, or rows in the signalling table.
      const [rows1, topic1] = [await signalRows(), await signalTopicEnd()];
      if (channel === 'kafka') {
        expect(topic1 - topic0).toBe(3);
        expect(table(report, 'heal_big').repair!.signals!.table).toBe(`Kafka topic ${SIGNAL_TOPIC} (key cdc)`);
      } else {
        expect(topic1).toBe(topic0);
        expect(rows1).toBeGreaterThanOrEqual(rows0 + 3);
      }

      // Exactly the signalled keys were snapshotted again: no filter matched more than it named.
      const snap = await snapshotKeys(before);
      expect(snap.heal_big).toEqual([...bigMissing, ...bigChanged].map((id) => JSON.stringify({ id })).sort());
      expect(snap.heal_comp).toEqual(comp.map(([a, b]) => JSON.stringify({ a, b })).sort());
      expect(snap.heal_text).toEqual([textMissing, textChanged].map((k) => JSON.stringify({ k })).sort());

      // Extra rows: the reviewed DELETE file, applied to the target, makes the tables clean.
      const file = report.repair!.deletesFile!;
      expect(table(report, 'heal_text').repair!.deletesRequired).toBe(1);
      const sql = readFileSync(file, 'utf8');
      expect(sql).toContain('REVIEW BEFORE APPLYING');
      await query(p.target.url, sql);
      const after = await reconcile();
      expect(driftOf(after)).toEqual([]);
    });
  }

  it('a signal naming 10,000 keys is sent in batches and heals completely', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => 10_001 + i);
    await query(p.target.url, 'DELETE FROM app.heal_big WHERE id = ANY($1)', [ids]);
    const before = await ends();
    const report = await reconcile(REPAIR('kafka', '  maxKeys: 20000'), ['--repair', 'debezium-signal']);
    const r = table(report, 'heal_big').repair!;
    expect(r.status, r.reason).toBe('signalled');
    expect(r.signals).toMatchObject({ channel: 'kafka', keys: 10_000, count: 10 });
    expect(r.heal).toMatchObject({ healed: 10_000, notHealed: 0 });
    const snap = await snapshotKeys(before);
    expect(snap.heal_big!.length).toBe(10_000);
    notes.push(`10,000 keys (10 signals of 1,000): healed in ${(r.heal!.timeToHealMs! / 1000).toFixed(1)} s, ${(r.heal!.timeToHealMs! / 10_000).toFixed(2)} s per 1,000 keys (${r.heal!.checks} checks)`);
    expect(driftOf(await reconcile())).toEqual([]);
  });

  it('a paused connector, or one without the channel enabled, gets a clear error and nothing is sent', async () => {
    await query(p.target.url, "UPDATE app.heal_big SET v = 'drift again' WHERE id = 555");
    const expectNothingSent = async (report: RunReport, reason: RegExp) => {
      const r = table(report, 'heal_big').repair!;
      expect(r.status).toBe('failed');
      expect(r.reason).toMatch(reason);
      expect(report.repair!.warnings.join('\n')).toMatch(reason);
      expect(r.heal).toBeUndefined();
    };
    const [rows0, topic0] = [await signalRows(), await signalTopicEnd()];

    await connectRest(p, 'PUT', `/connectors/${SOURCE}/pause`);
    try {
      await waitConnector(p, SOURCE, 'PAUSED');
      const report = await reconcile(REPAIR('kafka'), ['--repair', 'debezium-signal'], 'in-process');
      await expectNothingSent(report, /connector cdc-source is not running \(PAUSED.*nothing was signalled/);
    } finally {
      await connectRest(p, 'PUT', `/connectors/${SOURCE}/resume`);
      await waitConnector(p, SOURCE, 'RUNNING');
    }

    const config = await connectRest<Record<string, string>>(p, 'GET', `/connectors/${SOURCE}/config`);
    await connectRest(p, 'PUT', `/connectors/${SOURCE}/config`, { ...config, 'signal.enabled.channels': 'source' });
    try {
      await sleep(2000);
      await waitConnector(p, SOURCE, 'RUNNING');
      const report = await reconcile(REPAIR('kafka'), ['--repair', 'debezium-signal'], 'in-process');
      await expectNothingSent(report, /connector cdc-source does not enable the kafka signal channel \(signal\.enabled\.channels=source\); nothing was signalled/);
    } finally {
      await connectRest(p, 'PUT', `/connectors/${SOURCE}/config`, config);
      await sleep(2000);
      await waitConnector(p, SOURCE, 'RUNNING');
    }
    expect([await signalRows(), await signalTopicEnd()]).toEqual([rows0, topic0]);
    // The drift is still there, and a repair with the connector back heals it.
    const report = await reconcile(REPAIR('kafka'), ['--repair', 'debezium-signal'], 'in-process');
    expect(driftOf(report)).toEqual(['heal_big: changed 555 [v]']);
    expect(table(report, 'heal_big').repair!.heal).toMatchObject({ healed: 1, notHealed: 0 });
  });
});
