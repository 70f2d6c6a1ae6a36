#!/usr/bin/env node
/** CLI entry point (bundled to dist/cli/index.js). */
import './runtime-setup.js';
import { buildProgram } from './cli/program.js';

await buildProgram().parseAsync(process.argv);
