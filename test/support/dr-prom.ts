/**
 * Real Pushgateway and Prometheus (Debian packages, installed by .ci/run) on
 * free loopback ports, for the diagnostics tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './pg-server.js';

export interface Service {
  url: string;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.spawnfile} exited before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startPushgateway(): Promise<Service> {
  const port = await freePort();
  const child = spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file='], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`, child);
  return { url, stop: () => stopChild(child) };
}

export async function startPrometheus(scrape: string): Promise<Service> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'prom-'));
  const host = new URL(scrape).host;
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n    static_configs: [{targets: ['${host}']}]\n`,
  );
  const child = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`, child);
  return {
    url,
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
