#!/usr/bin/env node
// Restore a verified backup set (sha256 checked first; PostgreSQL into a scratch database, swapped in only with
// --promote): a zx face over the application layer (dist/app.js), the same code as `cdc-recon restore`.
// Usage: node scripts/restore.mjs --set <dir|s3://…> [--config recon.yml] [--dry-run] ...
import { fail, loadApp, logger, parseOptions, withSpinner } from './face.mjs';

const usage = `Usage: node scripts/restore.mjs --set <path|s3://…> [options]
  --set <path>          backup set directory or s3://bucket/prefix/<set id> (with --latest: the parent) (required)
  --config <file>       YAML config with a backup: section
  --latest              restore the newest complete set under --set
  --components <list>   subset of postgres,mssql,kafka-connect
  --target <name>       PostgreSQL database to restore as
  --mssql-target <name> SQL Server database to restore as
  --confirm <name>      must equal the target database name when given
  --promote             swap the verified scratch copy in
  --force               SQL Server: REPLACE; PostgreSQL --promote: terminate sessions
  --offsets             Kafka Connect: write the saved offsets
  --dry-run             verify the set and print the plan; change nothing
  --drop-scratch        drop the scratch database after it verified
  --no-owner            PostgreSQL: skip ownership and privileges
  --json                print the report as JSON
  --report <file>       also write the JSON report here
  --summary <file>      append a Markdown summary here
`;
const args = parseOptions(usage, {
  string: ['set', 'config', 'components', 'target', 'mssql-target', 'confirm', 'report', 'summary', 'summary-title', 'log-level'],
  boolean: ['latest', 'promote', 'force', 'offsets', 'dry-run', 'drop-scratch', 'owner', 'json'],
  default: { owner: true },
  required: ['set'],
});
const app = await loadApp();
let config;
try {
  config = app.loadDrConfig(args.config);
  const { report, text, redact } = await withSpinner('restoring', () =>
    app.restore(
      {
        set: args.set,
        configFile: args.config,
        latest: args.latest,
        components: args.components === undefined ? undefined : app.parseComponentList(args.components),
        target: args.target,
        mssqlTarget: args['mssql-target'],
        confirm: args.confirm,
        promote: args.promote,
        force: args.force,
        offsets: args.offsets,
        dryRun: args['dry-run'],
        dropScratch: args['drop-scratch'],
        noOwner: args.owner === false,
        reportFile: args.report,
        summaryFile: args.summary,
        summaryTitle: args['summary-title'],
        env: process.env,
        logger: logger(app, args['log-level']),
      },
      config,
    ),
  );
  process.stdout.write(args.json ? redact(`${JSON.stringify(report, null, 2)}\n`) : `${text}\n`);
} catch (err) {
  fail(app, err, config);
}
