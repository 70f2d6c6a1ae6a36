#!/usr/bin/env node
// Restore a verified backup set (sha256 checked first; PostgreSQL into a scratch database, swapped in only with --promote).
//
// A thin zx wrapper: it runs `cdc-recon restore` from the bundled CLI
// (dist/cli/index.js), so this script and the CLI are one implementation.
// Usage: node scripts/restore.mjs [options]   (or: npx zx scripts/restore.mjs [options])
//        node scripts/restore.mjs --help
// CDC_RECON_CLI overrides the CLI entry (e.g. an installed cdc-recon).
import { $, fs } from 'zx';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const cli = process.env.CDC_RECON_CLI ?? fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));
// Arguments after this script's own path (works under node and under zx).
const at = process.argv.findIndex((a) => resolve(a) === self);
const args = process.argv.slice(at >= 0 ? at + 1 : 2);

if (!fs.existsSync(cli)) {
  console.error(`error: ${cli} not found: build the CLI first (npm run build) or set CDC_RECON_CLI`);
  process.exit(2);
}
$.verbose = false;
const run = await $({ stdio: 'inherit', nothrow: true })`${process.execPath} ${cli} restore ${args}`;
process.exit(run.exitCode ?? 1);
