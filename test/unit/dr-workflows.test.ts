/**
 * The DR workflows say what the runbook promises (schema and expression
 * validity of every workflow is checked by workflows.test.ts). The typed
 * confirmation of restore.yml is executed with bash, as the runner would.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load as parseYaml } from 'js-yaml';

const WF = resolve(import.meta.dirname, '..', '..', '.github', 'workflows');

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown> & { schedule?: Array<{ cron: string }>; workflow_dispatch?: { inputs?: Record<string, { required?: boolean; default?: unknown; type?: string }> } | null };
  jobs: Record<string, { steps: Step[]; environment?: string; services?: Record<string, unknown> }>;
}

const load = (name: string) => parseYaml(readFileSync(join(WF, name), 'utf8')) as Workflow;
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);

describe('backup.yml', () => {
  const wf = load('backup.yml');
  it('runs nightly and on demand', () => {
    expect(wf.on.schedule?.[0]?.cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect('workflow_dispatch' in wf.on).toBe(true);
  });

  it('runs the CLI backup, uploads exactly the new set with a 7-day retention, and pushes metrics', () => {
    const s = steps(wf);
    const backup = s.find((x) => x.id === 'backup')!;
    expect(backup.run).toContain('node dist/cli/index.js "${args[@]}"');
    expect(backup.run).toContain('args=(backup --config cdc-recon.yml --out backups --retention-days 7)');
    expect(backup.env?.PUSHGATEWAY_URL).toBe('${{ secrets.PUSHGATEWAY_URL }}');
    const upload = s.find((x) => x.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.with).toMatchObject({ 'retention-days': 7, path: '${{ steps.backup.outputs.set-dir }}', name: '${{ steps.backup.outputs.set-id }}' });
    // Secrets only through env, never inline in a script.
    for (const x of s) expect(x.run ?? '').not.toMatch(/secrets\./);
  });
});

describe('restore.yml', () => {
  const wf = load('restore.yml');
  const inputs = wf.on.workflow_dispatch!.inputs!;
  const confirm = steps(wf)[0]!;

  it('is manual only, with inputs for the set, the target and a typed confirmation; dry run by default', () => {
    expect(Object.keys(wf.on)).toEqual(['workflow_dispatch']);
    expect(inputs.set?.required).toBe(true);
    expect(inputs.target?.required).toBe(true);
    expect(inputs.confirm?.required).toBe(true);
    expect(inputs['dry-run']?.default).toBe(true);
    expect(inputs.promote?.default).toBe(false);
    expect(Object.values(wf.jobs)[0]!.environment).toBe('production-restore');
  });

  it('checks the confirmation first, and the check really refuses a mismatch', () => {
    expect(confirm.name).toMatch(/confirmation/);
    const runIt = (target: string, conf: string) => spawnSync('bash', ['-e', '-c', confirm.run!], { env: { TARGET: target, CONFIRM: conf }, encoding: 'utf8' });
    expect(runIt('shop', 'shop').status).toBe(0);
    const bad = runIt('shop', 'shop2');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('::error::the confirmation does not match');
    expect(runIt('', '').status).toBe(1);
    expect(runIt('shop; rm -rf /', 'shop').status).toBe(1);
  });

  it('passes the inputs to the CLI through env (no expression injection) and also re-checks --confirm there', () => {
    const restore = steps(wf).find((x) => x.name === 'Restore')!;
    expect(restore.run).not.toMatch(/\$\{\{/);
    expect(restore.run).toContain('--confirm "$CONFIRM"');
    expect(restore.run).toContain('--summary "$GITHUB_STEP_SUMMARY"');
    expect(restore.env?.TARGET).toBe('${{ inputs.target }}');
  });
});

describe('dr-drill.yml', () => {
  const wf = load('dr-drill.yml');
  it('runs quarterly', () => {
    const cron = wf.on.schedule![0]!.cron.split(' ');
    expect(cron[2]).toBe('1');
    expect(cron[3]!.split(',')).toHaveLength(4);
  });

  it('restores the newest set into a throwaway scratch database, verifies, drops it and reports RTO/RPO in the job summary', () => {
    const s = steps(wf);
    const restore = s.find((x) => x.name === 'Restore into scratch and verify')!;
    expect(restore.run).toContain('--latest');
    expect(restore.run).toContain('--drop-scratch');
    expect(restore.run).not.toContain('--promote');
    expect(restore.run).toContain('--summary "$GITHUB_STEP_SUMMARY"');
    expect(restore.env?.TARGET_URL).toMatch(/@localhost:5432\//);
    const rto = s.find((x) => x.name?.startsWith('RTO'))!;
    expect(rto.run).toContain('"$rto" -gt 7200');
    expect(rto.run).toContain('"$rpo" -gt 86400');
    expect(rto.run).toContain('$GITHUB_STEP_SUMMARY');
    expect(Object.values(wf.jobs)[0]!.services).toHaveProperty('postgres');
  });
});
