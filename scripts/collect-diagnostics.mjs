#!/usr/bin/env node
// Collect a redacted diagnostics tar.gz (containers, logs, Kafka Connect, metrics, PostgreSQL and SQL Server CDC
// health): a zx face over the application layer (dist/app.js), the same code as `cdc-recon diagnostics`.
// Usage: node scripts/collect-diagnostics.mjs [--config recon.yml] [--out bundle.tar.gz]
import { fail, loadApp, logger, parseOptions, withSpinner } from './face.mjs';

const usage = `Usage: node scripts/collect-diagnostics.mjs [options]
  --config <file>      YAML config with a backup: section
  --out <file>         bundle path (default ./cdc-recon-diagnostics-<timestamp>.tar.gz)
  --log-level <level>  debug | info | warn | error
`;
const args = parseOptions(usage, { string: ['config', 'out', 'log-level'] });
const app = await loadApp();
let config;
try {
  config = app.loadDrConfig(args.config);
  const result = await withSpinner('collecting diagnostics', () => app.diagnostics({ configFile: args.config, out: args.out, env: process.env, logger: logger(app, args['log-level']) }, config));
  const lines = [`diagnostics bundle: ${result.bundle} (${result.files} files)`];
  for (const s of result.sections) lines.push(`  ${s.section.padEnd(14)} ${s.status}${s.notes.length ? ` — ${s.notes[0]}` : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (err) {
  fail(app, err, config);
}
