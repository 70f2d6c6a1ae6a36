/**
 * The layers of ARCHITECTURE.md, held by dependency-cruiser (.dependency-cruiser.cjs): no import circles,
 * no import against the layer order, the faces never import each other. The rules are also shown to catch
 * what they forbid, on a copy of src/ with one bad import planted.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const depcruise = join(root, 'node_modules/.bin/depcruise');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

async function violations(cwd: string): Promise<Violation[]> {
  const config = join(root, '.dependency-cruiser.cjs');
  const out = await run(depcruise, ['src', '--config', config, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024 }).catch((e: { stdout: string }) => e);
  return (JSON.parse(out.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('layers', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('src/ has no import circle and no import against the layer order', async () => {
    const found = await violations(root);
    expect(found.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  async function copyWith(file: string, text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'layers-'));
    dirs.push(dir);
    await cp(join(root, 'src'), join(dir, 'src'), { recursive: true });
    await cp(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
    return dir;
  }

  it.each([
    ['src/util/planted.ts', "export { reconcile } from '../app/reconcile.js';\n", 'no-upward-from-utilities-and-the-canonical-form'],
    ['src/dialects/planted.ts', "export { runReconcile } from '../engine/run.js';\n", 'no-upward-from-dialects'],
    ['src/sinks/planted.ts', "export { reconcileCommand } from '../cli/reconcile-command.js';\n", 'no-upward-from-sinks'],
    ['src/action/planted.ts', "export { reconcileCommand } from '../cli/reconcile-command.js';\n", 'action-not-cli'],
    ['src/elsewhere/planted.ts', "export const x = 1;\nexport { redact } from '../util/redact.js';\n", 'every-file-placed'],
  ])('%s is caught (%s)', async (file, text, rule) => {
    const dir = await copyWith(file, text);
    const found = await violations(dir);
    expect(found.map((v) => v.rule.name)).toContain(rule);
  });

  it('an import circle is caught', async () => {
    const dir = await copyWith('src/util/planted-a.ts', "import { b } from './planted-b.js';\nexport const a = () => b;\n");
    await writeFile(join(dir, 'src/util/planted-b.ts'), "import { a } from './planted-a.js';\nexport const b = () => a;\n");
    const found = await violations(dir);
    expect(found.map((v) => v.rule.name)).toContain('no-circular');
  });
});
