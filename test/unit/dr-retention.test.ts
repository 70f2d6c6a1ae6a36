import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFiles, setIdFor, writeManifest, type Manifest } from '../../src/dr/store/manifest.js';
import { applyLocalRetention, listLocalSets, planRetention, type SetInfo } from '../../src/dr/store/retention.js';

const DAY = 86_400_000;
const NOW = new Date('2024-06-30T02:00:00.000Z');

function set(daysAgo: number, verified = true): SetInfo {
  const createdAt = new Date(NOW.getTime() - daysAgo * DAY);
  return { id: setIdFor(createdAt), createdAt, verified };
}

describe('planRetention', () => {
  it('over 20 nightly sets keeps exactly the last 7 days (boundary included) and deletes the rest', () => {
    const sets = Array.from({ length: 20 }, (_, i) => set(i));
    const d = planRetention(sets, NOW, 7);
    expect(d.filter((x) => x.action === 'keep').map((x) => x.id)).toEqual(sets.slice(0, 8).reverse().map((s) => s.id));
    expect(d.filter((x) => x.action === 'delete')).toHaveLength(12);
  });

  it('never deletes the newest verified set, even when every set is older than the window', () => {
    const sets = [set(30), set(20), set(10, true), set(9, false)];
    const d = planRetention(sets, NOW, 7);
    expect(d.find((x) => x.action === 'keep')?.id).toBe(sets[2]!.id);
    expect(d.filter((x) => x.action === 'keep')).toHaveLength(1);
    expect(d.find((x) => x.id === sets[3]!.id)?.reason).toMatch(/incomplete, older than 7 days/);
  });

  it('an incomplete newer set does not protect itself, nor replace the newest verified one', () => {
    const sets = [set(12, true), set(11, false), set(8, false)];
    const d = Object.fromEntries(planRetention(sets, NOW, 7).map((x) => [x.id, x.action]));
    expect(d).toEqual({ [sets[0]!.id]: 'keep', [sets[1]!.id]: 'delete', [sets[2]!.id]: 'delete' });
  });

  it('keeps incomplete sets inside the window (a backup may be running)', () => {
    const d = planRetention([set(0.01, false), set(1)], NOW, 7);
    expect(d.every((x) => x.action === 'keep')).toBe(true);
  });

  it('property: kept = (inside the window) ∪ {newest verified}; nothing else', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ age: fc.double({ min: 0, max: 60, noNaN: true }), verified: fc.boolean() }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 30 }),
        (specs, days) => {
          const sets = specs.map((s, i) => ({ ...set(s.age, s.verified), id: `s${i}` }));
          const d = planRetention(sets, NOW, days);
          const newest = sets.filter((s) => s.verified).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
          for (const x of d) {
            const inside = x.createdAt.getTime() >= NOW.getTime() - days * DAY;
            const expected = inside || (newest !== undefined && x.createdAt.getTime() === newest.createdAt.getTime() && x.id === newest.id);
            if ((x.action === 'keep') !== expected) return false;
          }
          if (newest && !d.some((x) => x.action === 'keep' && x.verified)) return false;
          return d.length === sets.length;
        },
      ),
    );
  });
});

describe('local retention on disk', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function makeSet(root: string, createdAt: Date, complete: boolean): Promise<string> {
    const id = setIdFor(createdAt);
    const setDir = join(root, id);
    await mkdir(join(setDir, 'postgres'), { recursive: true });
    await writeFile(join(setDir, 'postgres', 'database.dump'), `dump of ${id}`);
    if (complete) {
      const manifest: Manifest = {
        formatVersion: 1,
        kind: 'cdc-recon-backup-set',
        setId: id,
        createdAt: createdAt.toISOString(),
        completedAt: createdAt.toISOString(),
        tool: { name: 'cdc-recon', version: 'test' },
        verified: true,
        components: {},
        files: await describeFiles(setDir, ['postgres/database.dump'], 'postgres'),
      };
      await writeManifest(setDir, manifest);
    }
    return id;
  }

  it('deletes exactly the expired sets over a range of dated sets and leaves foreign entries alone', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dr-ret-'));
    const ids: Record<number, string> = {};
    for (const age of [0, 1, 2, 5, 6.9, 7.5, 8, 14, 30]) ids[age] = await makeSet(dir, new Date(NOW.getTime() - age * DAY), age !== 8);
    const incompleteRecent = await makeSet(dir, new Date(NOW.getTime() - 0.1 * DAY), false);
    await mkdir(join(dir, 'important-stuff'));
    await mkdir(join(dir, 'cdc-recon-not-a-timestamp'));
    await writeFile(join(dir, 'cdc-recon-20200101T000000000Z'), 'a file, not a set');

    const decisions = await applyLocalRetention(dir, { retentionDays: 7, now: NOW });
    const left = (await readdir(dir)).sort();
    expect(left).toEqual(
      [ids[0], ids[1], ids[2], ids[5], ids[6.9], incompleteRecent, 'important-stuff', 'cdc-recon-not-a-timestamp', 'cdc-recon-20200101T000000000Z'].sort(),
    );
    expect(decisions.filter((d) => d.action === 'delete').map((d) => d.id).sort()).toEqual([ids[7.5], ids[8], ids[14], ids[30]].sort());
  });

  it('when all sets are old, keeps only the newest one with a manifest', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dr-ret-'));
    const a = await makeSet(dir, new Date(NOW.getTime() - 20 * DAY), true);
    const b = await makeSet(dir, new Date(NOW.getTime() - 10 * DAY), true);
    const c = await makeSet(dir, new Date(NOW.getTime() - 9 * DAY), false);
    await applyLocalRetention(dir, { retentionDays: 7, now: NOW });
    expect(await readdir(dir)).toEqual([b]);
    expect([a, c]).not.toContain(b);
    expect((await listLocalSets(dir))[0]).toMatchObject({ id: b, verified: true });
  });

  it('dry run decides without deleting', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dr-ret-'));
    await makeSet(dir, new Date(NOW.getTime() - 20 * DAY), true);
    await makeSet(dir, new Date(NOW.getTime() - 1 * DAY), true);
    const d = await applyLocalRetention(dir, { retentionDays: 7, now: NOW, dryRun: true });
    expect(d.map((x) => x.action)).toEqual(['delete', 'keep']);
    expect(await readdir(dir)).toHaveLength(2);
  });
});
