/** The `cdc-recon` command line: every subcommand is registered here. */
import { Command } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { reconcileCommand } from './reconcile-command.js';
import { planCommand } from './plan-command.js';
import { mergeReportsCommand } from './merge-reports-command.js';
import { registerDrCommands } from './dr-commands.js';

export function buildProgram(): Command {
  const program = new Command('cdc-recon')
    .description('Keep a SQL Server -> PostgreSQL CDC pipeline honest and recoverable')
    .version(TOOL_VERSION)
    .showHelpAfterError();
  program.addCommand(reconcileCommand());
  program.addCommand(planCommand());
  program.addCommand(mergeReportsCommand());
  registerDrCommands(program);
  return program;
}
