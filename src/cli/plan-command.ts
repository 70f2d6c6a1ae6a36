/** `cdc-recon plan`: what would be compared and how, without reading any rows. */
import { Command } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { planTables } from '../engine/plan-run.js';
import { errorMessage } from '../util/errors.js';
import { redact } from '../util/redact.js';

export function planCommand(): Command {
  return new Command('plan')
    .description('show the column mapping, canonical types, key, segmentation and SQL for each table (reads catalogs only)')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .option('-t, --table <name...>', 'only these tables')
    .option('--sql', 'include the full-table checksum statement of each side')
    .action(async (opts: { config: string; table?: string[]; sql?: boolean }) => {
      try {
        const plans = await planTables(loadConfigFile(opts.config), { tables: opts.table });
        const shown = plans.map((p) => (opts.sql ? p : { ...p, sql: undefined }));
        process.stdout.write(`${JSON.stringify(shown, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
        process.exitCode = plans.some((p) => p.error) ? 2 : 0;
      } catch (err) {
        process.stderr.write(`cdc-recon: ${redact(errorMessage(err))}\n`);
        process.exitCode = 2;
      }
    });
}
