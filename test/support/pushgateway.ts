/**
 * A real Prometheus Pushgateway (Debian's `prometheus-pushgateway`, installed
 * by .ci/run) on a free loopback port, persistence off, for the tests that
 * push metrics and read them back. Also a small parser of the Prometheus text
 * exposition format for assertions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from './pg-server.js';

export interface PushgatewayServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** The Pushgateway's own /metrics text (every pushed group, with job/shard labels). */
  metricsText(): Promise<string>;
  /** Parsed samples of /metrics. */
  samples(): Promise<Sample[]>;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/bin/prometheus-pushgateway', '/usr/local/bin/pushgateway', '/usr/bin/pushgateway'];

/** Path of the Pushgateway binary, or a clear error saying how to get it. */
export function findPushgatewayBinary(): string {
  const fromEnv = process.env.PUSHGATEWAY_BIN;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`PUSHGATEWAY_BIN=${fromEnv} does not exist`);
  }
  for (const c of CANDIDATES) if (existsSync(c)) return c;
  for (const name of ['prometheus-pushgateway', 'pushgateway']) {
    const which = spawnSync('which', [name], { encoding: 'utf8' });
    if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  }
  throw new Error(
    'Prometheus Pushgateway binary not found (looked for prometheus-pushgateway / pushgateway): ' +
      'run .ci/run, or `apt-get install prometheus-pushgateway`, or set PUSHGATEWAY_BIN',
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`pushgateway exited early (${child.exitCode ?? child.signalCode}): ${log()}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(50);
  }
  throw new Error(`pushgateway not ready at ${url} after ${timeoutMs} ms: ${log()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts a Pushgateway with persistence off and waits until /-/ready answers. */
export async function startPushgateway(): Promise<PushgatewayServer> {
  const bin = findPushgatewayBinary();
  let lastError: unknown;
  // The free port can be taken between probing and binding: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Debian's build defaults --persistence.file to /var/lib/prometheus/pushgateway.data
    // (shared by every instance): an empty value turns persistence off.
    const child = spawn(bin, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    try {
      await Promise.race([waitReady(url, child, () => output, 15_000), spawnError]);
    } catch (err) {
      lastError = err;
      await stopChild(child);
      continue;
    }
    const metricsText = async () => {
      const res = await fetch(`${url}/metrics`);
      if (!res.ok) throw new Error(`GET ${url}/metrics: ${res.status}`);
      return res.text();
    };
    return {
      url,
      port,
      metricsText,
      samples: async () => parsePrometheusText(await metricsText()),
      stop: () => stopChild(child),
    };
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (samples only; comments skipped). */
export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new Error(`bad sample line: ${line}`);
    const name = nameMatch[0];
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        if (line[i] === ',') {
          i++;
          continue;
        }
        const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
        if (!ln || line[i + ln[0].length] !== '=' || line[i + ln[0].length + 1] !== '"') {
          throw new Error(`bad label in: ${line}`);
        }
        i += ln[0].length + 2;
        let value = '';
        while (line[i] !== '"') {
          if (i >= line.length) throw new Error(`unterminated label value in: ${line}`);
          if (line[i] === '\\') {
            const next = line[i + 1];
            value += next === 'n' ? '\n' : (next ?? '');
            i += 2;
          } else {
            value += line[i];
            i++;
          }
        }
        i++;
        labels[ln[0]] = value;
      }
      i++;
    }
    const rest = line.slice(i).trim().split(/\s+/);
    const v = rest[0] ?? '';
    const lower = v.toLowerCase();
    const value = lower === 'nan' ? Number.NaN : lower === '+inf' ? Infinity : lower === '-inf' ? -Infinity : Number(v);
    out.push({ name, labels, value });
  }
  return out;
}

/** Samples of one metric whose labels include every given label. */
export function findSamples(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
