import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { parseDuration } from '../../src/config/duration.js';
import { ConfigError } from '../../src/util/errors.js';

const BASE = 'source: { dialect: postgres, urlEnv: SRC }\ntarget: { dialect: postgres, urlEnv: TGT }\n';

function errorOf(yaml: string): ConfigError {
  try {
    parseConfig(yaml, 'bad.yml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('config was accepted');
}

describe('config validation', () => {
  it('accepts a full config and applies defaults, per-table overrides and CLI overrides in that order', () => {
    const c = parseConfig(`${BASE}defaults: { chunkSize: 500, recheckDelay: 30s }\ntables:\n  - table: a\n  - { source: dbo.b, target: public.b, chunkSize: 50, key: [id], where: { source: "x > 1" } }\n`, 'ok.yml', { concurrency: 7 });
    expect(c.tables[0]).toMatchObject({ id: 'a', chunkSize: 500, recheckDelayMs: 30_000, concurrency: 7, mode: 'diff', maxRetries: 3 });
    expect(c.tables[1]).toMatchObject({ source: { schema: 'dbo', name: 'b' }, target: { schema: 'public', name: 'b' }, chunkSize: 50, key: ['id'], sourceWhere: 'x > 1' });
    expect(c.source.statementTimeoutMs).toBeGreaterThan(0);
  });

  it('default chunk size is 10,000 rows, as the old tool had', () => {
    expect(parseConfig(`${BASE}tables: [{ table: a }]`, 'x.yml').tables[0]!.chunkSize).toBe(10_000);
  });

  // Each bad config fails before any query, naming the file, the field path and what was expected.
  const BAD: Array<[string, string, RegExp]> = [
    ['missing tables', BASE, /tables: /],
    ['empty table list', `${BASE}tables: []`, /tables: list at least one table/],
    ['tables not a list', `${BASE}tables: a`, /tables: /],
    ['missing source', 'target: { dialect: postgres, urlEnv: T }\ntables: [{ table: a }]', /source: /],
    ['unknown dialect', 'source: { dialect: oracle, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: a }]', /source\.dialect/],
    ['inline URL instead of env name', 'source: { dialect: postgres, urlEnv: "postgres://u:p@h/db" }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: a }]', /source\.urlEnv: must be an environment variable name/],
    ['inline url field', 'source: { dialect: postgres, urlEnv: S, url: "postgres://x" }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: a }]', /source: Unrecognized key.*url/],
    ['unknown top-level field', `${BASE}tables: [{ table: a }]\ntabels: []`, /Unrecognized key.*tabels/],
    ['unknown table field', `${BASE}tables: [{ table: a, chunksize: 5 }]`, /tables\[0\]: Unrecognized key.*chunksize/],
    ['chunk size wrong type', `${BASE}tables: [{ table: a, chunkSize: "big" }]`, /tables\[0\]\.chunkSize/],
    ['chunk size too small', `${BASE}tables: [{ table: a, chunkSize: 1 }]`, /tables\[0\]\.chunkSize/],
    ['negative concurrency', `${BASE}defaults: { concurrency: -1 }\ntables: [{ table: a }]`, /defaults\.concurrency/],
    ['fractional retries', `${BASE}defaults: { maxRetries: 1.5 }\ntables: [{ table: a }]`, /defaults\.maxRetries/],
    ['bad mode', `${BASE}tables: [{ table: a, mode: full }]`, /tables\[0\]\.mode/],
    ['bad duration', `${BASE}tables: [{ table: a, recheckDelay: soon }]`, /tables\[0\]\.recheckDelay: expected a duration/],
    ['bad duration unit', `${BASE}defaults: { recheckDelay: 5d }\ntables: [{ table: a }]`, /defaults\.recheckDelay/],
    ['table with neither table nor source', `${BASE}tables: [{ key: [id] }]`, /tables\[0\]: needs "table"/],
    ['table and source together', `${BASE}tables: [{ table: a, source: b }]`, /tables\[0\]: use either/],
    ['duplicate tables', `${BASE}tables: [{ table: a }, { table: a }]`, /tables\[1\]: duplicate table/],
    ['empty key list', `${BASE}tables: [{ table: a, key: [] }]`, /tables\[0\]\.key/],
    ['empty table name', `${BASE}tables: [{ table: "" }]`, /tables\[0\]\.table/],
    ['bad hash mode', `${BASE}defaults: { hash: gpu }\ntables: [{ table: a }]`, /defaults\.hash/],
    ['float digits out of range', `${BASE}defaults: { floatDigits: 17 }\ntables: [{ table: a }]`, /defaults\.floatDigits/],
    ['column rename to non-string', `${BASE}tables: [{ table: a, columns: { rename: { x: 5 } } }]`, /tables\[0\]\.columns\.rename\.x/],
    ['empty where', `${BASE}tables: [{ table: a, where: { source: "" } }]`, /tables\[0\]\.where\.source/],
    ['pool size zero', 'source: { dialect: postgres, urlEnv: S, poolSize: 0 }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: a }]', /source\.poolSize/],
    ['duplicate YAML keys', `${BASE}tables: [{ table: a }]\ntables: [{ table: b }]`, /invalid YAML.*bad\.yml/s],
    ['YAML syntax error', `${BASE}tables: [{ table: a }`, /invalid YAML in bad\.yml/],
    ['two YAML documents', `${BASE}tables: [{ table: a }]\n---\ntables: [{ table: b }]`, /invalid YAML in bad\.yml:\n  - 2 documents where one is expected/],
    ['an empty file', '', /source: .*expected object/],
    ['a file of comments only', '# nothing yet\n', /source: .*expected object/],
    // YAML 1.2 core schema: `yes` is a string (YAML 1.1 would have read true), so a boolean field refuses it.
    ['a YAML 1.1 boolean', 'source: { dialect: postgres, urlEnv: S, cdc: yes }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: a }]', /source\.cdc: .*expected boolean/],
    ['not a mapping', '- just\n- a list', /\(root\)|expected object/],
    // Faults suite (issue 8): more wrong types, missing keys, bad durations, duplicates written two ways.
    ['endpoint statement timeout not a duration', 'source: { dialect: postgres, urlEnv: S, statementTimeout: forever }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: a }]', /source\.statementTimeout: expected a duration/],
    ['negative connect timeout', 'source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T, connectTimeout: -5 }\ntables: [{ table: a }]', /target\.connectTimeout: expected a duration/],
    ['missing urlEnv', 'source: { dialect: postgres }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: a }]', /source\.urlEnv/],
    ['unsupported version', `version: 2\n${BASE}tables: [{ table: a }]`, /version/],
    ['key not a list', `${BASE}tables: [{ table: a, key: id }]`, /tables\[0\]\.key/],
    ['empty include list', `${BASE}tables: [{ table: a, columns: { include: [] } }]`, /tables\[0\]\.columns\.include/],
    ['bisection factor 1', `${BASE}tables: [{ table: a, bisectionFactor: 1 }]`, /tables\[0\]\.bisectionFactor/],
    ['retries above the cap', `${BASE}defaults: { maxRetries: 100 }\ntables: [{ table: a }]`, /defaults\.maxRetries/],
    ['NUL inside a table name', `${BASE}tables: [{ table: "a\\0b" }]`, /tables\[0\]\.table: must not contain NUL/],
    ['empty report dir', `${BASE}tables: [{ table: a }]\nreport: { dir: "" }`, /report\.dir/],
    ['duplicate table written two ways', `${BASE}tables: [{ table: a }, { source: a, target: a }]`, /tables\[1\]: duplicate table/],
    ['table entry not a mapping', `${BASE}tables: [a]`, /tables\[0\]/],
  ];

  it(`rejects ${BAD.length} malformed configs with file, path and reason`, () => {
    expect(BAD.length).toBeGreaterThanOrEqual(20);
    for (const [what, yaml, re] of BAD) {
      const err = errorOf(yaml);
      expect(err.message, what).toMatch(re);
      expect(err.message, what).toContain('bad.yml');
    }
  });

  it('bad shard strings are refused before anything runs, with the reason', async () => {
    const { parseShard } = await import('../../src/config/shard.js');
    for (const bad of ['', 'two', '1/0', '0/4', '5/4', '-1/2', '1/2/3', '1.5/2', '1 / 2', '/2', '2/']) {
      expect(() => parseShard(bad), JSON.stringify(bad)).toThrow(/shard/);
    }
    expect(parseShard(' 3/4 ')).toEqual({ index: 3, count: 4 });
  });

  it('a missing file is a config error naming the file', () => {
    expect(() => loadConfigFile('/nonexistent/recon.yml')).toThrow(/cannot read config \/nonexistent\/recon\.yml/);
  });

  it('loads from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'r.yml'), `${BASE}tables: [{ table: x }]`);
    expect(loadConfigFile(join(dir, 'r.yml')).tables).toHaveLength(1);
  });

  it('parses durations', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration(42)).toBe(42);
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration('3 weeks')).toBeUndefined();
  });
});
