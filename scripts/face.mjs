// What the zx scripts share: the application layer from the bundle (dist/app.js), a logger on stderr,
// a spinner only where a person watches, and one clear `error:` line (redacted) on failure.
import { fs, minimist, spinner } from 'zx';
import { fileURLToPath } from 'node:url';

/** The bundled application layer; CDC_RECON_APP points elsewhere (an installed cdc-recon). */
export async function loadApp() {
  const entry = process.env.CDC_RECON_APP ?? fileURLToPath(new URL('../dist/app.js', import.meta.url));
  if (!fs.existsSync(entry)) {
    process.stderr.write(`error: ${entry} not found: build it first (npm run build) or set CDC_RECON_APP\n`);
    process.exit(2);
  }
  return import(entry);
}

/** Options as `--kebab-case value`; unknown options are an error naming them. */
export function parseOptions(usage, spec) {
  const known = new Set([...(spec.string ?? []), ...(spec.boolean ?? []), 'help']);
  const args = minimist(process.argv.slice(2), { string: spec.string, boolean: [...(spec.boolean ?? []), 'help'], default: spec.default });
  const unknown = Object.keys(args).filter((k) => k !== '_' && !known.has(k));
  if (args.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  if (unknown.length || args._.length) {
    process.stderr.write(`error: unknown option ${unknown.map((k) => `--${k}`).concat(args._).join(', ')}\n${usage}`);
    process.exit(2);
  }
  for (const name of spec.required ?? []) {
    if (!args[name]) {
      process.stderr.write(`error: --${name} is required\n${usage}`);
      process.exit(2);
    }
  }
  return args;
}

/** Runs the work under a spinner on a terminal; plain elsewhere (CI logs stay clean). */
export function withSpinner(title, work) {
  return process.stderr.isTTY && !process.env.CI ? spinner(title, work) : work();
}

export function logger(app, level) {
  return app.createLogger({ level: level ?? 'info', sink: (line) => process.stderr.write(`${line}\n`) });
}

export function fail(app, err, config) {
  process.stderr.write(`error: ${app.drRedactor(config, process.env)(app.errorMessage(err))}\n`);
  process.exitCode = 1;
}
