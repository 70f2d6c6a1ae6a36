/** `cdc-recon plan`: the CLI face of app/plan.ts (what would be compared and how, reading catalogs only). */
import { Command } from 'commander';
import { plan } from '../app/plan.js';
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
        const { plans, exitCode } = await plan({ configFile: opts.config, tables: opts.table, sql: opts.sql });
        process.stdout.write(`${JSON.stringify(plans, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
        process.exitCode = exitCode;
      } catch (err) {
        process.stderr.write(`cdc-recon: ${redact(errorMessage(err))}\n`);
        process.exitCode = 2;
      }
    });
}
