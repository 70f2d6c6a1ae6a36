#!/usr/bin/env node
// One bundler pass for every face: the action (dist/index.js), the CLI (dist/cli/index.js) and the
// application layer the zx scripts import (dist/app.js), ESM with shared chunks (dist/chunks/), so no
// code is bundled twice and a command loads only the chunks it uses. Type-checks first.
import { build } from 'esbuild';
import { $ } from 'zx';
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
$.cwd = root;
$.verbose = false;

await $({ stdio: 'inherit' })`npx tsc -p tsconfig.build.json --noEmit`;
await rm(`${root}/dist`, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { index: 'src/index.ts', 'cli/index': 'src/cli.ts', app: 'src/app/index.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies inside an ES module still call require() and read __dirname.
  // Free references only: modules that declare their own __filename keep it.
  define: { __filename: '__cdcReconFilename', __dirname: '__cdcReconDirname' },
  banner: {
    js: [
      "import { createRequire as __cdcReconRequire } from 'node:module';",
      "import { fileURLToPath as __cdcReconPath } from 'node:url';",
      "import { dirname as __cdcReconDir } from 'node:path';",
      'const require = __cdcReconRequire(import.meta.url);',
      'const __cdcReconFilename = __cdcReconPath(import.meta.url);',
      'const __cdcReconDirname = __cdcReconDir(__cdcReconFilename);',
    ].join(' '),
  },
});
// The bundles are ES modules wherever dist/ is copied to, not only under this package.json.
await writeFile(`${root}/dist/package.json`, '{ "type": "module" }\n');
const outputs = Object.entries(result.metafile.outputs);
const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
console.log(`dist/: ${outputs.length} files, ${(total / 1024 / 1024).toFixed(2)} MiB`);
