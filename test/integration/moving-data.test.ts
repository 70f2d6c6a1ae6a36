/**
 * Moving data: a writer keeps changing the source while a delayed replicator
 * (a loop copying changed rows to the target some time after the change, as
 * a CDC pipeline with lag would) runs during the reconcile.
 *
 * - With a recheck delay longer than the lag: nothing in flight is reported
 *   as drift, every planted drift still is, and the rows that were in flight
 *   are reported as such (inFlightRows).
 * - With no recheck: in-flight rows are reported as drift (the engine cannot
 *   tell them apart), alongside every planted drift.
 *
 * Deterministic by construction: the writer changes each row at most once
 * (so a row in flight at the first look has converged at the recheck), the
 * planted drift is on rows the writer never touches, a burst of changes is
 * held back by the replicator until the engine has looked (so some rows are
 * surely in flight), and every loop is bounded and stopped; the final check
 * waits for quiescence.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { runReconcile } from '../../src/engine/run.js';
import type { TableResult } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { seededRandom } from '../support/fault-proxy.js';
import { createDatabase, exec } from '../support/pg.js';
import { rowsOf } from '../support/recon.js';

const ROWS = 5000;
/** Replication lag of the replicator. */
const LAG_MS = 800;
/** Recheck delay of the engine: comfortably longer than the lag plus the replicator's polling. */
const RECHECK_MS = LAG_MS + 2500;
const BURST = 40;

const DDL = `
CREATE TABLE events (id int PRIMARY KEY, val bigint NOT NULL, note text, updated_at timestamptz NOT NULL);
INSERT INTO events SELECT i, i, 'n' || i, timestamptz '2024-01-01 00:00:00+00' FROM generate_series(1, ${ROWS}) i;`;
const CHANGE_LOG = 'CREATE TABLE change_log (seq bigserial PRIMARY KEY, id int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());';

/** Real drift, on rows the writer never touches (multiples of 10): the replicator never repairs it. */
const PLANT = `
UPDATE events SET val = -1 WHERE id = 100;
DELETE FROM events WHERE id = 2000;
UPDATE events SET note = 'drift' WHERE id = 3500;
INSERT INTO events VALUES (6000, 6000, 'extra', timestamptz '2024-01-01 00:00:00+00');`;
const PLANTED = ['changed 100 [val]', 'changed 3500 [note]', 'extra 6000', 'missing 2000'];

type Op = { kind: 'update' | 'delete' | 'insert'; id: number };

/** Every row the writer may touch, once each, in a seeded order: updates, some deletes, inserts of new ids. */
function operations(seed: number): Op[] {
  const rnd = seededRandom(seed);
  const ops: Op[] = [];
  for (let id = 1; id <= ROWS; id++) if (id % 10 !== 0) ops.push({ kind: rnd() < 0.1 ? 'delete' : 'update', id });
  for (let id = ROWS + 1; id <= ROWS + 500; id++) if (id % 10 !== 0) ops.push({ kind: 'insert', id });
  for (let i = ops.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [ops[i], ops[j]] = [ops[j]!, ops[i]!];
  }
  return ops;
}

const OP_SQL: Record<Op['kind'], string> = {
  update: 'WITH c AS (UPDATE events SET val = val + 1000000, updated_at = clock_timestamp() WHERE id = $1 RETURNING id) INSERT INTO change_log (id) SELECT id FROM c',
  delete: 'WITH c AS (DELETE FROM events WHERE id = $1 RETURNING id) INSERT INTO change_log (id) SELECT id FROM c',
  insert: "WITH c AS (INSERT INTO events VALUES ($1::int, $1::bigint, 'new', clock_timestamp()) RETURNING id) INSERT INTO change_log (id) SELECT id FROM c",
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** Changes the source, one row per statement (each its own transaction), until stopped. */
class Writer {
  readonly touched = new Set<number>();
  private next = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  constructor(private readonly client: pg.Client, private readonly ops: Op[]) {}

  /** `n` changes now, as fast as possible; returns their ids. */
  async burst(n: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < n && this.next < this.ops.length; i++) ids.push(await this.apply(this.ops[this.next++]!));
    return ids;
  }

  /** Keeps writing (one change every `everyMs`) until stop() or the list or `maxMs` runs out. */
  start(everyMs: number, maxMs = 60_000): void {
    const deadline = Date.now() + maxMs;
    this.loop = (async () => {
      while (!this.stopped && this.next < this.ops.length && Date.now() < deadline) {
        await this.apply(this.ops[this.next++]!);
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async apply(op: Op): Promise<number> {
    await this.client.query(OP_SQL[op.kind], [op.id]);
    this.touched.add(op.id);
    return op.id;
  }
}

/**
 * Copies each logged change to the target once it is `lagMs` old (the row as it is in the source
 * then: deleted, inserted or updated). Ids in `held` wait, whatever their age, until release().
 */
class Replicator {
  private last = 0n;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly held = new Set<number>();
  /** Changes seen but held back. */
  private readonly deferred = new Set<number>();
  applied = 0;

  constructor(private readonly source: pg.Client, private readonly target: pg.Client, private readonly lagMs: number) {}

  hold(ids: number[]): void {
    for (const id of ids) this.held.add(id);
  }

  release(): void {
    this.held.clear();
  }

  start(maxMs = 60_000): void {
    const deadline = Date.now() + maxMs;
    this.loop = (async () => {
      while (!this.stopped && Date.now() < deadline) {
        await this.step();
        await sleep(20);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Waits (bounded) until every logged change has been applied: the target has caught up. */
  async quiesce(maxMs = 20_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    for (;;) {
      const { rows } = await this.source.query<{ max: string | null }>('SELECT max(seq)::text AS max FROM change_log');
      if (BigInt(rows[0]?.max ?? 0) <= this.last && this.deferred.size === 0) return;
      if (Date.now() > deadline) throw new Error('the replicator did not catch up');
      await sleep(50);
    }
  }

  private async step(): Promise<void> {
    const { rows } = await this.source.query<{ seq: string; id: number }>(
      'SELECT seq::text AS seq, id FROM change_log WHERE seq > $1 AND at <= clock_timestamp() - make_interval(secs => $2) ORDER BY seq',
      [this.last.toString(), this.lagMs / 1000],
    );
    const ids = new Set<number>();
    const deferNow: number[] = [];
    for (const r of rows) {
      if (this.held.has(r.id)) deferNow.push(r.id);
      else ids.add(r.id);
    }
    const released = [...this.deferred].filter((id) => !this.held.has(id));
    for (const id of released) ids.add(id);
    if (ids.size > 0) {
      const list = [...ids];
      const current = await this.source.query<{ rows: unknown }>("SELECT coalesce(json_agg(e), '[]') AS rows FROM events e WHERE id = ANY($1::int[])", [list]);
      await this.target.query('BEGIN');
      await this.target.query('DELETE FROM events WHERE id = ANY($1::int[])', [list]);
      await this.target.query('INSERT INTO events SELECT * FROM json_populate_recordset(NULL::events, $1::json)', [JSON.stringify(current.rows[0]!.rows)]);
      await this.target.query('COMMIT');
      this.applied += list.length;
    }
    // Progress is recorded once committed, so quiesce() never returns before the target has it.
    for (const id of released) this.deferred.delete(id);
    for (const id of deferNow) this.deferred.add(id);
    if (rows.length > 0) this.last = BigInt(rows[rows.length - 1]!.seq);
  }
}

interface Scene {
  urls: { source: string; target: string };
  writer: Writer;
  replicator: Replicator;
  close: () => Promise<void>;
}

const open: Scene[] = [];

async function scene(seed: number, lagMs: number): Promise<Scene> {
  const [s, t] = await Promise.all([createDatabase('mvs'), createDatabase('mvt')]);
  await Promise.all([exec(s.url, DDL + CHANGE_LOG), exec(t.url, DDL)]);
  await exec(t.url, PLANT);
  const clients = await Promise.all([connect(s.url), connect(s.url), connect(t.url)]);
  const writer = new Writer(clients[0], operations(seed));
  const replicator = new Replicator(clients[1], clients[2], lagMs);
  const sc: Scene = {
    urls: { source: s.url, target: t.url },
    writer,
    replicator,
    close: async () => {
      await writer.stop();
      await replicator.stop();
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    },
  };
  open.push(sc);
  return sc;
}

async function reconcile(urls: Scene['urls'], recheckDelay: string, onRecheck?: () => void): Promise<TableResult> {
  const config = parseConfig(
    `source: { dialect: postgres, urlEnv: S_URL }\ntarget: { dialect: postgres, urlEnv: T_URL }\ntables: [{ table: events, chunkSize: 250, leafSize: 32, bisectionFactor: 4, recheckDelay: ${recheckDelay} }]`,
    'moving.yml',
  );
  const report = await runReconcile({
    config,
    logger: silentLogger,
    env: { S_URL: urls.source, T_URL: urls.target },
    minRetryDelayMs: 10,
    sleep: async (ms) => {
      onRecheck?.();
      await sleep(ms);
    },
  });
  expect(report.tables).toHaveLength(1);
  return report.tables[0]!;
}

const keysOf = (rows: TableResult['rows']) => rows.map((r) => Number(r.key.id));

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('moving data: a live writer and a lagging replicator during the reconcile', () => {
  it('with a recheck delay longer than the lag: nothing in flight is drift, every planted drift is, in-flight rows are reported as such', async () => {
    const { urls, writer, replicator } = await scene(11, LAG_MS);
    replicator.start();
    // Rows surely in flight when the engine first looks: changed now, held by the replicator until the recheck starts.
    const burst = await writer.burst(BURST);
    replicator.hold(burst);
    writer.start(2);
    let rechecks = 0;
    const t = await reconcile(urls, `${RECHECK_MS}ms`, () => {
      rechecks += 1;
      replicator.release();
    });
    await writer.stop();

    expect(rechecks).toBe(1);
    // Only the planted drift: no in-flight change reported as drift, no planted drift lost.
    expect(rowsOf(t)).toEqual(PLANTED);
    expect(t.status).toBe('mismatch');
    // The held burst was in flight at the first look and had converged at the recheck.
    const inFlight = keysOf(t.inFlightRows);
    expect(t.inFlight).toBe(inFlight.length);
    for (const id of burst) expect(inFlight, `burst row ${id}`).toContain(id);
    // Every in-flight row is one the writer changed, never a planted one.
    for (const id of inFlight) {
      expect(writer.touched.has(id), `in-flight row ${id} was written`).toBe(true);
      expect(id % 10).not.toBe(0);
    }

    // Once the writer stopped and the replicator caught up, a plain run finds exactly the planted drift.
    await replicator.quiesce();
    const settled = await reconcile(urls, '0s');
    expect(rowsOf(settled)).toEqual(PLANTED);
    expect(settled.inFlight).toBe(0);
    expect(writer.touched.size).toBeGreaterThan(BURST);
    expect(replicator.applied).toBeGreaterThan(BURST);
  });

  it('with no recheck: rows in flight are reported as drift, next to every planted drift', async () => {
    const { urls, writer, replicator } = await scene(23, LAG_MS);
    replicator.start();
    const burst = await writer.burst(BURST);
    // The replicator is behind for the whole run.
    replicator.hold(burst);
    writer.start(2);
    let rechecks = 0;
    const t = await reconcile(urls, '0s', () => {
      rechecks += 1;
    });
    await writer.stop();

    expect(rechecks).toBe(0);
    const rows = rowsOf(t);
    for (const p of PLANTED) expect(rows).toContain(p);
    const reported = keysOf(t.rows);
    // Every held row is reported as drift (nothing can tell it from real drift without a recheck)...
    for (const id of burst) expect(reported, `burst row ${id}`).toContain(id);
    // ...and everything reported is either planted or a row the writer changed.
    const planted = new Set([100, 2000, 3500, 6000]);
    for (const id of reported) expect(planted.has(id) || writer.touched.has(id), `row ${id}`).toBe(true);
    expect(t.inFlight).toBe(0);
    expect(t.inFlightRows).toEqual([]);
    expect(t.drift.missing + t.drift.extra + t.drift.changed).toBe(reported.length);

    replicator.release();
    await replicator.quiesce();
    const settled = await reconcile(urls, '0s');
    expect(rowsOf(settled)).toEqual(PLANTED);
  });
});
