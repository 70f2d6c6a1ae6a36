#!/usr/bin/env node
// The README performance tables, rendered from the bench's JSON (bench-results/*.json): the 10M run, the 1M run (optional,
// adds the 1M -> 10M growth) and the run with --incremental (optional). Figures are copied, never recomputed, except
// the growth (ratio of the two medians).
// node scripts/bench-table.mjs bench-results/bench-10000000-A.json [bench-results/bench-1000000-B.json] [bench-results/bench-10000000-C.json]
import { readFileSync } from 'node:fs';
const [f10, f1, fi] = process.argv.slice(2);
const load = (f) => (f ? JSON.parse(readFileSync(f, 'utf8')) : undefined);
const d10 = load(f10), d1 = load(f1), di = load(fi);
const s = (x, dp = 2) => `${x.median.toFixed(dp)} (${x.min.toFixed(dp)}–${x.max.toFixed(dp)})`;
const r = (x) => `${x.median.toFixed(2)}× (${x.min.toFixed(2)}–${x.max.toFixed(2)})`;
function table(d) {
  const st = Object.fromEntries(d.states.map((x) => [x.name, x]));
  const names = ['same', 'drift1k', 'drift100k'].filter((n) => st[n]);
  const head = `| ${d.rows.toLocaleString('en')} rows, seconds: median (min–max) of ${d.runs}${d.machine?.cliNode && d.machine.cliNode !== d.machine.node ? `, cdc-recon on Node ${d.machine.cliNode}` : ''} | ${names.map((n) => ({ same: 'identical', drift1k: '1,000 drifted', drift100k: '100,000 drifted' })[n]).join(' | ')} |`;
  const lines = [head, `|---|${names.map(() => '---:').join('|')}|`];
  const row = (label, f) => lines.push(`| ${label} | ${names.map((n) => f(st[n])).join(' | ')} |`);
  const ex = (v) => (v.found ? ` — ${v.found.missing}/${v.found.extra}/${v.found.changed} ${v.exactEveryRound ? 'exact' : '**NOT exact**'}` : '');
  // A run with --tools lacks some tools: their rows, and the ratios to them, are left out.
  const has = (t) => names.every((n) => st[n].summary[t]);
  const toReladiff = (x, t) => (has('reladiff') ? `; ${r(x.ratios[t].toReladiff)}` : '');
  if (has('limit')) row('the limit (md5 of `t::text`, ×2 in parallel)', (x) => s(x.summary.limit.seconds));
  if (has('countStar')) row('two parallel `count(*)`', (x) => s(x.summary.countStar.seconds));
  if (has('count') && has('countStar')) row('cdc-recon count — × two `count(*)`', (x) => `${s(x.summary.count.seconds)} — ${r(x.ratios.count.toCountStar)}`);
  for (const t of ['checksum', 'diff']) {
    // Only a diff lists rows: `ex` says nothing of a checksum.
    const label = `cdc-recon ${t} — × limit${has('reladiff') ? '; × reladiff' : ''}${t === 'diff' ? '; drift found (missing/extra/changed)' : ''}`;
    if (has(t) && has('limit')) row(label, (x) => `${s(x.summary[t].seconds)} — ${r(x.ratios[t].toLimit)}${toReladiff(x, t)}${ex(x.summary[t])}`);
  }
  if (has('reladiff') && has('limit')) row('reladiff 0.6.0 — × limit; drift found', (x) => `${s(x.summary.reladiff.seconds)} — ${r(x.ratios.reladiff.toLimit)}${ex(x.summary.reladiff)}`);
  const rss = ['count', 'checksum', 'diff', 'reladiff'].filter(has);
  row(`peak RSS MiB, median (min–max): ${rss.join(' / ')}`, (x) => rss.map((t) => s(x.summary[t].peakMiB, 0)).join(' / '));
  return lines.join('\n');
}
if (d10) console.log(table(d10), '\n');
if (d1) console.log(table(d1), '\n');
if (d10 && d1) {
  const names = d10.states.map((x) => x.name);
  console.log(`| 10M ÷ 1M time (medians; 10× is linear) | ${names.join(' | ')} |\n|---|${names.map(() => '---:').join('|')}|`);
  for (const t of ['limit', 'countStar', 'count', 'checksum', 'diff', 'reladiff']) {
    console.log(`| ${t} | ${names.map((n) => { const a = d10.states.find((x) => x.name === n)?.summary[t]; const b = d1.states.find((x) => x.name === n)?.summary[t]; return a && b ? (a.seconds.median / b.seconds.median).toFixed(2) + '×' : '-'; }).join(' | ')} |`);
  }
  console.log();
}
if (di) {
  const inc = di.incremental;
  const v = inc.summary;
  console.log(`| ${inc.rows.toLocaleString('en')} rows, ${inc.changed.toLocaleString('en')} changed (${(inc.fraction * 100).toFixed(1)} %), ${inc.planted.missing}/${inc.planted.extra}/${inc.planted.changed} drifted among them; median (min–max) of ${di.runs} | seconds | × full diff | table time (report) s | peak RSS MiB | statements | rows read on the target (server's count) | changed keys verified | drift found |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const t of ['incremental', 'diff']) {
    const x = v[t];
    console.log(`| ${t === 'incremental' ? `cdc-recon diff, \`scope: incremental\` (coverage ${inc.coverage}, overlap ${inc.overlap})` : 'cdc-recon diff, full'} | ${s(x.seconds)} | ${t === 'incremental' ? r(inc.toFullDiff) : '1'} | ${s(x.tableSeconds)} | ${s(x.peakMiB, 0)} | ${x.statements.median} | ${x.rowsRead.median.toLocaleString('en')} | ${Number.isFinite(x.changedKeys?.median) ? x.changedKeys.median.toLocaleString('en') : '-'} | ${x.found.missing}/${x.found.extra}/${x.found.changed} ${x.exactEveryRound ? 'exact' : '**NOT exact**'} |`);
  }
  console.log(`\nincremental / full diff: ${r(inc.toFullDiff)} process time, ${r(inc.toFullDiffTableTime)} table time`);
}
