/**
 * Vitest global setup of the `pipeline` project: one live CDC pipeline (scripts/pipeline.mjs up) for the
 * whole suite, stopped at the end (down stops exactly the PIDs it started).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export interface PipelineState {
  dir: string;
  upSeconds: number;
  connectors: { source: string; sink: string };
  source: { url: string; port: number; dataDir: string; binDir: string; pid: number };
  target: { url: string; port: number; dataDir: string; binDir: string; pid: number };
  kafka: { port: number; pid: number; log: string; config: string };
  connect: { url: string; port: number; pid: number; log: string; config: string };
}

const script = join(process.cwd(), 'scripts', 'pipeline.mjs');
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  // Development: CDC_RECON_PIPELINE_REUSE=<dir> runs the files on a pipeline already up there (`pipeline.mjs up --dir`), left running.
  const reuse = process.env.CDC_RECON_PIPELINE_REUSE;
  if (reuse) {
    project.provide('pipelineState', readFileSync(join(reuse, 'state.json'), 'utf8'));
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'cdc-recon-pipeline-'));
  try {
    execFileSync('node', [script, 'up', '--dir', dir, '--json'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as PipelineState;
  process.stderr.write(`pipeline up in ${state.upSeconds.toFixed(1)} s (${dir})\n`);
  project.provide('pipelineState', JSON.stringify(state));
}

export async function teardown(): Promise<void> {
  if (!dir) return;
  try {
    execFileSync('node', [script, 'down', '--dir', dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  } finally {
    if (!process.env.CDC_RECON_KEEP_PIPELINE_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    pipelineState: string;
  }
}
