#!/usr/bin/env node
// Nightly backup of PostgreSQL, SQL Server and Kafka Connect into a verified set (manifest.json), with retention
// and optional S3 upload: a zx face over the application layer (dist/app.js), the same code as `cdc-recon backup`.
// Usage: node scripts/backup.mjs --config recon.yml [--out DIR] [--components postgres,kafka-connect] ...
import { fail, loadApp, logger, parseOptions, withSpinner } from './face.mjs';

const usage = `Usage: node scripts/backup.mjs --config <file> [options]
  --config <file>            YAML config with a backup: section (required)
  --out <dir>                directory holding backup sets (default: backup.dir)
  --components <list>        comma-separated subset of postgres,mssql,kafka-connect
  --retention-days <n>       delete sets older than n days, never the newest verified one
  --s3-bucket <bucket>       upload the set to this S3 bucket
  --s3-prefix <prefix>       key prefix in the bucket
  --pushgateway-url <url>    push backup_* metrics here
  --metrics-textfile <path>  also write backup_* metrics to a node_exporter .prom file
  --log-level <level>        debug | info | warn | error
`;
const args = parseOptions(usage, {
  string: ['config', 'out', 'components', 'retention-days', 's3-bucket', 's3-prefix', 'pushgateway-url', 'metrics-textfile', 'log-level'],
  required: ['config'],
});
const app = await loadApp();
let config;
try {
  const retentionDays = args['retention-days'] === undefined ? undefined : Number(args['retention-days']);
  if (retentionDays !== undefined && !(Number.isInteger(retentionDays) && retentionDays >= 1)) throw new Error(`--retention-days: expected a positive integer, got ${args['retention-days']}`);
  const settings = {
    configFile: args.config,
    outDir: args.out,
    components: args.components === undefined ? undefined : app.parseComponentList(args.components),
    retentionDays,
    s3Bucket: args['s3-bucket'],
    s3Prefix: args['s3-prefix'],
    pushgatewayUrl: args['pushgateway-url'],
    metricsTextfile: args['metrics-textfile'],
    env: process.env,
    logger: logger(app, args['log-level']),
  };
  config = app.loadBackupSettings(settings);
  const { summary, warnings } = await withSpinner('backing up', () => app.backup(settings, config));
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} catch (err) {
  for (const w of await app.backupFailureWarnings(err)) process.stderr.write(`warning: ${w}\n`);
  fail(app, err, config);
}
