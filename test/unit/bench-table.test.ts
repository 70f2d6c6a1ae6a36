import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The README's performance tables are this script's output: a run of some tools only (--tools) must render the
// rows it has, never a row or ratio of a tool it did not run, and say which Node ran the CLI (--node).

const stat = (median: number) => ({ median, min: median * 0.9, max: median * 1.1, n: 3 });
const range = (median: number) => ({ median, min: median * 0.9, max: median * 1.1 });

function benchJson(tools: string[], cliNode: string): object {
  const seconds: Record<string, number> = { limit: 20, countStar: 0.8, count: 1, checksum: 14, diff: 15, reladiff: 30 };
  const peak: Record<string, number> = { count: 62, checksum: 69, diff: 71, reladiff: 34 };
  const summary = Object.fromEntries(
    tools.map((t) => [t, { seconds: stat(seconds[t]!), peakMiB: stat(peak[t] ?? NaN), ...(t === 'diff' || t === 'reladiff' ? { exactEveryRound: true, found: { missing: 0, extra: 0, changed: 0 } } : {}) }]),
  );
  const ratios = Object.fromEntries(
    tools.map((t) => [
      t,
      {
        toLimit: range(seconds[t]! / seconds.limit!),
        ...(tools.includes('reladiff') ? { toReladiff: range(seconds[t]! / seconds.reladiff!) } : {}),
        ...(t === 'count' ? { toCountStar: range(seconds.count! / seconds.countStar!) } : {}),
      },
    ]),
  );
  return { rows: 10_000_000, runs: 3, tools, machine: { cpus: 2, node: 'v20.20.2', cliNode }, states: [{ name: 'same', summary, ratios }] };
}

function render(data: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-table-'));
  const file = join(dir, 'bench.json');
  try {
    writeFileSync(file, JSON.stringify(data));
    return execFileSync(process.execPath, ['scripts/bench-table.mjs', file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bench table', () => {
  it('renders a run without reladiff: no reladiff row, ratio or RSS column, and names the Node that ran the CLI', () => {
    const out = render(benchJson(['limit', 'countStar', 'count', 'checksum', 'diff'], 'v24.22.3'));
    expect(out).toContain('median (min–max) of 3, cdc-recon on Node v24.22.3 | identical |');
    expect(out).not.toMatch(/reladiff/);
    expect(out).toContain('| cdc-recon checksum — × limit | 14.00 (12.60–15.40) — 0.70× (0.63–0.77) |');
    expect(out).toContain('| peak RSS MiB, median (min–max): count / checksum / diff | 62 (56–68) / 69 (62–76) / 71 (64–78) |');
  });

  it('renders a full run with every tool, and no Node note when the CLI ran on the bench’s own Node', () => {
    const out = render(benchJson(['limit', 'countStar', 'count', 'checksum', 'diff', 'reladiff'], 'v20.20.2'));
    expect(out).toContain('median (min–max) of 3 | identical |');
    expect(out).toContain('| cdc-recon checksum — × limit; × reladiff | 14.00 (12.60–15.40) — 0.70× (0.63–0.77); 0.47× (0.42–0.51) |');
    expect(out).toContain('| reladiff 0.6.0 — × limit; drift found | 30.00 (27.00–33.00) — 1.50× (1.35–1.65) — 0/0/0 exact |');
    expect(out).toContain('count / checksum / diff / reladiff | 62 (56–68) / 69 (62–76) / 71 (64–78) / 34 (31–37) |');
  });
});
