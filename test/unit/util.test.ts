import { describe, expect, it } from 'vitest';
import { createLogger, utcTimestamp } from '../../src/util/logger.js';
import { redact, registerSecret, registeredSecrets } from '../../src/util/redact.js';
import { withRetry } from '../../src/util/retry.js';
import { classifyPgError } from '../../src/dialects/postgres/errors.js';
import { ClassifiedError } from '../../src/util/errors.js';
import { parseShard } from '../../src/config/shard.js';
import { TOOL_VERSION } from '../../src/version.js';
import { readFileSync } from 'node:fs';

describe('structured logs', () => {
  it('are JSON lines with timezone-aware UTC timestamps, levels filtered, children carry fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', sink: (l) => lines.push(l) });
    log.debug('hidden');
    log.child({ table: 't1' }).info('hello', { n: 5n, err: new Error('boom') });
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ level: 'info', msg: 'hello', table: 't1', n: '5', err: { message: 'boom' } });
    expect(rec.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
    expect(new Date(rec.timestamp).getTime()).not.toBeNaN();
    expect(utcTimestamp(new Date(0))).toBe('1970-01-01T00:00:00.000+00:00');
  });

  it('never print a registered secret or a URL password', () => {
    const lines: string[] = [];
    registerSecret('postgres://app:S3cr3t%21pw@db.example:5432/prod');
    const log = createLogger({ sink: (l) => lines.push(l) });
    log.warn('failed', { url: 'postgres://app:S3cr3t%21pw@db.example:5432/prod', raw: 'S3cr3t!pw', other: 'mysql://u:hunter22@h/db', kv: 'Password=abc123;' });
    expect(lines[0]).not.toMatch(/S3cr3t|hunter22|abc123/);
    expect(registeredSecrets()).toContain('S3cr3t!pw');
    expect(redact('x')).toBe('x');
  });
});

describe('retry helper', () => {
  it('retries transient errors with backoff and reports each retry', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      return 'ok';
    }, { retries: 3, minTimeoutMs: 1, isTransient: (e) => classifyPgError(e) === 'transient', onRetry: ({ attempt }) => retries.push(attempt) });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('never retries authentication, missing objects or syntax errors', async () => {
    for (const code of ['28P01', '42P01', '42601']) {
      let calls = 0;
      await expect(withRetry(async () => { calls += 1; throw Object.assign(new Error(code), { code }); }, { retries: 3, minTimeoutMs: 1, isTransient: (e) => classifyPgError(e) === 'transient' })).rejects.toThrow(code);
      expect(calls).toBe(1);
    }
  });

  it('gives up after the retry budget', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls += 1; throw Object.assign(new Error('gone'), { code: '57P01' }); }, { retries: 2, minTimeoutMs: 1, isTransient: () => true })).rejects.toThrow('gone');
    expect(calls).toBe(3);
  });
});

describe('PostgreSQL error classes', () => {
  it.each([
    ['08006', 'transient'], ['08001', 'transient'], ['40001', 'transient'], ['40P01', 'transient'], ['57P01', 'transient'],
    ['57P02', 'transient'], ['57P03', 'transient'], ['53300', 'transient'], ['ECONNRESET', 'transient'], ['ECONNREFUSED', 'transient'],
    ['ETIMEDOUT', 'transient'], ['28P01', 'critical'], ['28000', 'critical'], ['3D000', 'critical'], ['42P01', 'table'], ['42601', 'table'], ['42703', 'table'],
  ])('%s is %s', (code, cls) => {
    expect(classifyPgError(Object.assign(new Error('x'), { code }))).toBe(cls);
  });
  it('classifies by message when there is no code', () => {
    expect(classifyPgError(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(classifyPgError(new Error('Client has encountered a connection error and is not queryable'))).toBe('transient');
    expect(classifyPgError(new Error('something else'))).toBe('table');
    expect(classifyPgError('string error')).toBe('table');
    // A ClassifiedError keeps the class it was given where it happened (a failed connect), whatever its message says.
    expect(classifyPgError(new ClassifiedError('cannot connect to source: something else', 'transient'))).toBe('transient');
    expect(classifyPgError(new ClassifiedError('Connection terminated', 'critical'))).toBe('critical');
  });
});

describe('misc', () => {
  it('parses shards', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('0/4')).toThrow(/1 <= i <= n/);
    expect(() => parseShard('5/4')).toThrow();
    expect(() => parseShard('two')).toThrow(/i\/n/);
  });
  it('version matches package.json', () => {
    expect(TOOL_VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
