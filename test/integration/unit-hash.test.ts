/**
 * Canonical form 3's range sums: one hash per unit of up to UNIT_KEYS keys, the unit's row texts joined in key
 * order. For generated tables (dense and sparse keys, negative keys, text holding the field and unit separators,
 * non-ASCII and NULLs), generated bucketings (widths that are and are not whole units) and filters, PostgreSQL's
 * grouped statement, its packed statements (read a unit at a time and grouped) and Node's hashing of the streamed
 * rows (client mode, the reference render.ts) give the same count and sum for every bucket.
 */
import fc from 'fast-check';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowHash, unitHash } from '../../src/canonical/render.js';
import { UNIT_KEYS, UNIT_SEPARATOR } from '../../src/canonical/types.js';
import { parseConfig } from '../../src/config/load.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import type { Bucketing, Endpoint, SegmentFilter, SideTable } from '../../src/dialects/types.js';
import { BucketBuffer } from '../../src/engine/bucket-buffer.js';
import { planTable } from '../../src/engine/plan.js';
import { ClientReader, ServerReader, type BucketSum } from '../../src/engine/reader.js';
import { QueryRunner } from '../../src/engine/runner.js';
import { silentLogger } from '../../src/util/logger.js';
import { createDatabase, exec } from '../support/pg.js';

let url: string;
let endpoint: Endpoint;
let table: SideTable;

beforeAll(async () => {
  ({ url } = await createDatabase('unithash'));
  await exec(url, 'CREATE TABLE u (id bigint PRIMARY KEY, note text, n int);');
  const config = parseConfig('source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: u }]', 'u.yml');
  endpoint = await postgresDialect.connect(url, 'source', { poolSize: 2, statementTimeoutMs: 60_000, connectTimeoutMs: 10_000, applicationName: 'unit-hash' });
  table = (await planTable({ spec: config.tables[0]!, source: { dialect: postgresDialect, endpoint }, target: { dialect: postgresDialect, endpoint } })).source;
}, 60_000);

afterAll(async () => endpoint?.close());

/** Every bucket as "bucket count sum" (the sum modulo 2^64), in bucket order: one form for every way of reading. */
function normalise(sums: Iterable<[bigint, { count: bigint; sum: bigint }]>): string[] {
  return [...sums].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([b, s]) => `${b} ${s.count} ${BigInt.asUintN(64, s.sum)}`);
}

async function packed(reader: ServerReader, filter: SegmentFilter, bucketing: Extract<Bucketing, { kind: 'range' }>, denseKeys: boolean): Promise<string[]> {
  const out = new Map<bigint, BucketSum>();
  await new BucketBuffer().read(reader, filter, bucketing, (b, count, hi, lo) => {
    const cur = out.get(BigInt(b)) ?? { count: 0n, sum: 0n };
    cur.count += BigInt(count);
    cur.sum += (BigInt(hi) << 32n) | BigInt(lo);
    out.set(BigInt(b), cur);
  }, denseKeys);
  return normalise(out);
}

const row = fc.record({
  note: fc.option(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('a|b', 'x\ny', '\n', '|', '3:abc', 'é')), { nil: null }),
  n: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null }),
});

/** Unique keys: a dense run near zero (negative ones too) and a few far apart. */
const keys = fc.tuple(fc.integer({ min: -200, max: 200 }), fc.integer({ min: 0, max: 300 }), fc.uniqueArray(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), { maxLength: 8 }))
  .map(([start, length, far]) => [...new Set([...Array.from({ length }, (_, i) => BigInt(start + i)), ...far])]);

const widths = fc.constantFrom(1n, 2n, 3n, 16n, 48n, UNIT_KEYS, 128n, 1024n, 2n ** 20n);

describe('range sums hash units (canonical form 3)', () => {
  it('the reference: a unit of one row hashes as the row; more rows as their texts joined in order', () => {
    expect(unitHash(['1|a'])).toBe(rowHash('1|a'));
    expect(unitHash(['1|a', '2|b'])).toBe(rowHash(`1|a${UNIT_SEPARATOR}2|b`));
    expect(unitHash(['1|a', '2|b'])).not.toBe(unitHash(['2|b', '1|a']));
  });

  it('PostgreSQL grouped, packed by unit scans, packed grouped, and Node from the streamed rows agree bucket for bucket', async () => {
    const runner = new QueryRunner(endpoint, postgresDialect, pLimit(2), 0, silentLogger);
    const server = new ServerReader(runner, table);
    const client = new ClientReader(runner, table);
    await fc.assert(
      fc.asyncProperty(keys, fc.array(row, { minLength: 400, maxLength: 400 }), widths, fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 3 }), async (ks, values, width, below, ranges) => {
        await exec(url, 'TRUNCATE u');
        if (ks.length > 0) {
          await exec(url, 'INSERT INTO u SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[])', [ks.map(String), ks.map((_, i) => values[i % values.length]!.note), ks.map((_, i) => values[i % values.length]!.n)]);
        }
        const sorted = [...ks].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const lo = sorted[0] ?? 0n;
        // The base at or below every key, not always on a unit boundary.
        const bucketing = { kind: 'range', base: lo - BigInt(below), width } as const;
        // No filter, or 1-3 key ranges cut out of the keys (each from one key to a later one).
        const filter: SegmentFilter =
          ranges === 0 || sorted.length === 0
            ? { kind: 'all' }
            : { kind: 'ranges', ranges: Array.from({ length: ranges }, (_, i) => [sorted[Math.floor((i * sorted.length) / ranges)]!, sorted[Math.floor(((i + 0.5) * sorted.length) / ranges)]!] as const) };
        const expected = normalise(await client.checksums(filter, bucketing));
        expect(normalise(await server.checksums(filter, bucketing))).toEqual(expected);
        if (filter.kind === 'ranges') {
          expect(await packed(server, filter, bucketing, false)).toEqual(expected);
          // A unit scan per unit of the range, empty ones too: what the engine asks only of dense keys.
          const units = filter.ranges.reduce((a, [l, h]) => a + (h - l) / UNIT_KEYS, 0n);
          if (units < 10_000n) expect(await packed(server, filter, bucketing, true)).toEqual(expected);
        }
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});
