/** How many mismatching buckets one refinement statement takes, however many there are. */
import { describe, expect, it } from 'vitest';
import type { Bucketing } from '../../src/dialects/types.js';
import { parentsPerStatement, type Segment } from '../../src/engine/reconcile-table.js';

const parent: Bucketing = { kind: 'range', base: 1n, width: 512n };
const child: Bucketing = { kind: 'range', base: 1n, width: 16n };
const segments = (n: number): Segment[] => Array.from({ length: n }, (_, i) => ({ bucket: BigInt(i), bucketing: parent, sourceCount: 512n, targetCount: 0n }));

describe('parentsPerStatement', () => {
  it('answers at most 8,192 child buckets a statement', () => {
    expect(parentsPerStatement(segments(10), child)).toBe(8192 / 32);
    expect(parentsPerStatement(segments(1), { kind: 'range', base: 1n, width: 1n })).toBe(16);
    expect(parentsPerStatement(segments(3), { kind: 'range', base: 1n, width: 512n })).toBe(8192);
    const hashParents: Segment[] = [{ bucket: 0n, bucketing: { kind: 'hash', modulus: 64 }, sourceCount: 1n, targetCount: 0n }];
    expect(parentsPerStatement(hashParents, { kind: 'hash', modulus: 64 * 4096 })).toBe(2);
  });

  it('takes hundreds of thousands of mismatching buckets (a truncated target) without running out of stack', () => {
    expect(parentsPerStatement(segments(300_000), child)).toBe(256);
  });
});
