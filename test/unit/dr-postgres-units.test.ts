import { describe, expect, it } from 'vitest';
import { databaseOf, toolConnection, withDatabase } from '../../src/dr/postgres/conn.js';
import { parseToc, pgDumpArgs, tocHasTableData } from '../../src/dr/postgres/backup.js';
import { boundedName, nameStamp, planPostgresRestore } from '../../src/dr/postgres/restore.js';
import { checksumSql, compareStats } from '../../src/dr/postgres/stats.js';

describe('PostgreSQL tool connection', () => {
  it('keeps the password out of argv and hands it over in PGPASSWORD', () => {
    const c = toolConnection('postgres://app:p%40ss%3Aw0rd@db.local:6543/shop?sslmode=require', {});
    expect(c.dbname).toBe('postgres://app@db.local:6543/shop?sslmode=require');
    expect(c.env.PGPASSWORD).toBe('p@ss:w0rd');
    expect(c.database).toBe('shop');
    const args = pgDumpArgs({ format: 'directory', jobs: 4, file: '/x', snapshot: '00000003-1', dbname: c.dbname });
    expect(args).toEqual(['--format=directory', '--file', '/x', '--no-password', '--jobs=4', '--snapshot=00000003-1', '--dbname', c.dbname]);
    expect(args.join(' ')).not.toContain('w0rd');
    expect(pgDumpArgs({ format: 'custom', jobs: 4, file: '/x', dbname: 'd' })).not.toContain('--jobs=4');
  });

  it('database names and other databases on the same server', () => {
    expect(databaseOf('postgres://u@h/my%20db')).toBe('my db');
    expect(databaseOf('postgres://u@h')).toBe('u');
    expect(withDatabase('postgres://u:p@h:1/a?x=1', 'b c')).toBe('postgres://u:p@h:1/b%20c?x=1');
    expect(() => toolConnection('mysql://u@h/db')).toThrow(/postgres:\/\/ URL/);
    expect(() => toolConnection('host=h dbname=x')).toThrow(/postgres:\/\/ URL/);
  });
});

describe('archive TOC', () => {
  const toc = parseToc(`;
; Archive created at 2024-01-01
;     dbname: shop
;
215; 1259 16386 TABLE public orders postgres
3347; 0 16386 TABLE DATA public orders postgres
3349; 0 16393 TABLE DATA s p ta ble app owner
`);
  it('finds TABLE DATA entries, names with spaces included', () => {
    expect(toc.entries).toBe(3);
    expect(tocHasTableData(toc, { schema: 'public', name: 'orders' })).toBe(true);
    expect(tocHasTableData(toc, { schema: 's p', name: 'ta ble' })).toBe(true);
    expect(tocHasTableData(toc, { schema: 'public', name: 'order' })).toBe(false);
    expect(tocHasTableData(toc, { schema: 'public', name: 'customers' })).toBe(false);
  });
});

describe('restored stats vs manifest', () => {
  const t = (name: string, rows: number, exact = true, checksum?: string) => ({ schema: 'public', name, rows, exact, ...(checksum ? { checksum } : {}) });
  it('passes equal figures, skips estimated ones and reports every difference', () => {
    expect(compareStats([t('a', 5, true, '1-2'), t('b', 1000, false)], [t('a', 5, true, '1-2'), t('b', 0, false)])).toEqual({ ok: true, checked: 1, estimatedSkipped: 1, problems: [] });
    const bad = compareStats([t('a', 5), t('gone', 1), t('h', 2, true, '1-1')], [t('a', 4), t('h', 2, true, '9-9'), t('new', 3)]);
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual([
      'public.a: 4 rows, manifest says 5',
      'public.gone: missing after restore',
      'public.h: content hash differs from the manifest',
      'public.new: not in the manifest',
    ]);
  });

  it('the content hash query quotes hostile names', () => {
    expect(checksumSql({ schema: 'a"b', name: 'x; DROP TABLE y' })).toContain('FROM "a""b"."x; DROP TABLE y" AS t');
  });
});

describe('restore naming', () => {
  it('scratch and pre-restore names fit in 63 bytes', () => {
    const now = new Date('2024-05-06T07:08:09Z');
    expect(nameStamp(now)).toBe('20240506070809');
    const long = 'é'.repeat(40);
    const name = boundedName(long, `_restore_${nameStamp(now)}`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(name.endsWith('_restore_20240506070809')).toBe(true);
    const plan = planPostgresRestore({
      manifest: { database: 'shop', serverVersion: '15', pgDumpVersion: 'x', format: 'custom', dumpPath: 'postgres/database.dump', tocEntries: 1, verify: 'count', tables: [], durationMs: 1 },
      target: 'shop',
      now,
      promote: false,
      dropScratch: false,
      force: false,
      jobs: 1,
      noOwner: true,
    });
    expect(plan.scratch).toBe('shop_restore_20240506070809');
    expect(plan.steps.at(-1)).toMatch(/keep "shop_restore_20240506070809" for inspection; "shop" untouched/);
    expect(plan.steps[1]).toContain('--no-owner --no-acl');
  });
});
