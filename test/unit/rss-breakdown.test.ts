import { describe, expect, it } from 'vitest';
import { measure, parseArgs, residentByKind } from '../../scripts/bench/rss-breakdown.mjs';
// The README's account of where peak RSS goes comes from this sampler: it must split a real process's resident
// pages by kind, keep the exit code, and refuse bad arguments by name.

describe('rss-breakdown', () => {
  it('splits smaps text by kind of mapping', () => {
    const smaps = [
      '00400000-00500000 r-xp 00000000 08:01 1 /usr/bin/node',
      'Rss:                 100 kB',
      '00600000-00700000 r--p 00100000 08:01 1 /usr/bin/node',
      'Rss:                  20 kB',
      '01000000-02000000 rw-p 00000000 00:00 0 [heap]',
      'Rss:                  30 kB',
      '7f0000000000-7f0000100000 rw-p 00000000 00:00 0 ',
      'Rss:                  40 kB',
      '7f0000200000-7f0000300000 r-xp 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6',
      'Rss:                   5 kB',
      '7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]',
      'Rss:                   6 kB',
    ].join('\n');
    expect(residentByKind(smaps, '/usr/bin/node')).toEqual({ binary: 120, libraries: 5, heap: 30, anonymous: 40, other: 6 });
  });

  it('measures a real Node process from outside: its binary, libraries and the rest add up to its peak', async () => {
    const r = await measure({ everyMs: 20, command: [process.execPath, '-e', 'const keep = Buffer.alloc(32 << 20, 1); setTimeout(() => keep.length, 400)'] });
    expect(r.code).toBe(0);
    expect(r.binary).toBeGreaterThan(10 * 1024);
    // The 32 MiB buffer was written, so it is resident, and anonymous (malloc puts a block that large in a mapping of its own).
    expect(r.anonymous).toBeGreaterThan(32 * 1024);
    // VmRSS and smaps are two reads, a moment apart.
    expect(Math.abs(r.peakKiB - (r.binary! + r.libraries! + r.heap! + r.anonymous! + r.other!))).toBeLessThan(1024);
  });

  it('keeps the exit code, and says what it could not run', async () => {
    expect((await measure({ everyMs: 20, command: [process.execPath, '-e', 'process.exit(3)'] })).code).toBe(3);
    await expect(measure({ everyMs: 20, command: ['/nonexistent/command'] })).rejects.toThrow(/cannot run \/nonexistent\/command/);
  });

  it('refuses bad arguments by name', () => {
    expect(parseArgs(['--every', '10', '--', 'node', '-v'])).toEqual({ everyMs: 10, command: ['node', '-v'] });
    expect(parseArgs(['node', '-v']).command).toEqual(['node', '-v']);
    expect(() => parseArgs(['--every', '0', '--', 'node'])).toThrow(/--every/);
    expect(() => parseArgs(['--sample', '--', 'node'])).toThrow(/--sample/);
    expect(() => parseArgs(['--'])).toThrow(/usage/);
  });
});
