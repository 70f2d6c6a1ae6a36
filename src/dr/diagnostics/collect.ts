/**
 * Collects everything support needs into one tar.gz: container status and the
 * last N log lines (docker or kubectl, when present), Kafka Connect connector
 * and task states with failure traces, Pushgateway and Prometheus metric
 * dumps, PostgreSQL health (replication slots and lag, long transactions,
 * sizes), SQL Server CDC health. Every file passes through the redactor
 * before it is written. A part that cannot be reached is recorded in
 * summary.json and errors/<section>.txt; it never fails the collection.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { arch, hostname, platform, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import * as tar from 'tar';
import { errorMessage } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { DEFAULT_ENV, type BackupConfig } from '../../config/backup.js';
import { postgresHealthQueries } from '../postgres/health.js';
import { mssqlHealthSelects, mssqlInDatabaseQueries } from '../mssql/health.js';
import { KafkaConnectClient, redactConnectorConfig } from '../connect/client.js';
import { createMssqlRunner, type MssqlRunner } from '../mssql/backup.js';
import { createRedactor, secretsFromConfig, type Redactor } from '../redact.js';
import { run, which } from '../process.js';
import { TOOL_VERSION } from '../../version.js';

export interface DiagnosticsOptions {
  config?: BackupConfig;
  /** Bundle path (…tar.gz); default ./cdc-recon-diagnostics-<ts>.tar.gz */
  out?: string;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  logger?: Logger;
  /** PATH used to look for docker / kubectl (tests point it elsewhere). */
  path?: string;
  mssqlRunner?: (connection: string) => Promise<MssqlRunner>;
  /** Per HTTP request / command timeout. */
  timeoutMs?: number;
}

export type SectionStatus = 'ok' | 'partial' | 'unreachable' | 'skipped';

export interface SectionResult {
  section: string;
  status: SectionStatus;
  files: string[];
  notes: string[];
}

export interface DiagnosticsResult {
  bundle: string;
  sections: SectionResult[];
  files: number;
}

function stamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/[-:]/g, '');
}

class Bundle {
  readonly files: string[] = [];
  constructor(readonly root: string, private readonly redactor: Redactor) {}

  async put(rel: string, content: string | unknown): Promise<string> {
    const text = typeof content === 'string' ? content : JSON.stringify(content, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
    const path = join(this.root, ...rel.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, this.redactor(text.endsWith('\n') ? text : `${text}\n`));
    this.files.push(rel);
    return rel;
  }
}

type Collector = (b: Bundle, r: SectionResult) => Promise<void>;

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 100) || '_';
}

export async function runDiagnostics(options: DiagnosticsOptions = {}): Promise<DiagnosticsResult> {
  const env = options.env ?? process.env;
  const log = options.logger ?? silentLogger;
  const now = options.now ? options.now() : new Date();
  const cfg = options.config;
  const redactor = createRedactor(secretsFromConfig(cfg, env));
  const timeoutMs = options.timeoutMs ?? 15_000;
  const lines = cfg?.diagnostics?.logLines ?? 1000;
  const pathEnv = options.path ?? env.PATH ?? '';
  const cmdEnv = { ...process.env, ...env, PATH: pathEnv };
  const name = `cdc-recon-diagnostics-${stamp(now)}`;
  const out = resolve(options.out ?? `${name}.tar.gz`);
  const work = await mkdtemp(join(tmpdir(), 'cdc-recon-diag-'));
  const bundle = new Bundle(join(work, name), redactor);

  const fetchText = async (url: string): Promise<string> => {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${redactor(url)}`);
    return body;
  };
  const exe = (bin: string, args: string[]) => run(bin, args, { env: cmdEnv, timeoutMs });

  const collectors: Array<[string, Collector]> = [
    [
      'system',
      async (b) => {
        const relevant = ['PATH', 'NODE_OPTIONS', DEFAULT_ENV.postgres, DEFAULT_ENV.mssql, DEFAULT_ENV.kafkaConnect, 'PUSHGATEWAY_URL', 'AWS_REGION', 'GITHUB_ACTIONS', 'CI'];
        await b.put('system/info.json', {
          collectedAt: now.toISOString(),
          tool: { name: 'cdc-recon', version: TOOL_VERSION },
          node: process.version,
          platform: `${platform()} ${release()} ${arch()}`,
          hostname: hostname(),
          // Names only: which variables are set, never their values.
          envSet: relevant.filter((k) => Boolean(env[k])),
        });
        if (cfg) await b.put('system/backup-config.json', cfg);
      },
    ],
    [
      'containers',
      async (b, r) => {
        const docker = await which('docker', undefined, { PATH: pathEnv });
        const kubectl = await which('kubectl', undefined, { PATH: pathEnv });
        if (!docker && !kubectl) {
          r.status = 'skipped';
          r.notes.push('neither docker nor kubectl is on PATH');
          return;
        }
        const wanted = cfg?.diagnostics?.containers;
        if (docker) {
          try {
            const ps = await exe(docker, ['ps', '-a', '--no-trunc', '--format', '{{json .}}']);
            r.files.push(await b.put('containers/docker-ps.jsonl', ps.stdout));
            const names = ps.stdout
              .split('\n')
              .filter(Boolean)
              .map((l) => (JSON.parse(l) as { Names?: string }).Names ?? '')
              .filter((n) => n && (!wanted || wanted.includes(n)));
            for (const n of names) {
              try {
                const logs = await run(docker, ['logs', '--tail', String(lines), '--timestamps', n], { env: cmdEnv, timeoutMs, allowFailure: true });
                r.files.push(await b.put(`containers/docker/${safeName(n)}.log`, `${logs.stdout}${logs.stderr}`));
                const st = await exe(docker, ['inspect', '--format', '{{json .State}}', n]);
                r.files.push(await b.put(`containers/docker/${safeName(n)}.state.json`, st.stdout));
              } catch (err) {
                r.status = 'partial';
                r.notes.push(`docker logs ${n}: ${errorMessage(err)}`);
              }
            }
          } catch (err) {
            r.status = 'partial';
            r.notes.push(`docker: ${errorMessage(err)}`);
          }
        }
        if (kubectl) {
          const ns = cfg?.diagnostics?.kubernetesNamespace;
          const nsArgs = ns ? ['-n', ns] : [];
          try {
            const wide = await exe(kubectl, ['get', 'pods', '-o', 'wide', ...nsArgs]);
            r.files.push(await b.put('containers/kubectl-pods.txt', wide.stdout));
            const json = await exe(kubectl, ['get', 'pods', '-o', 'json', ...nsArgs]);
            const pods = ((JSON.parse(json.stdout) as { items?: Array<{ metadata?: { name?: string } }> }).items ?? [])
              .map((p) => p.metadata?.name ?? '')
              .filter((n) => n && (!wanted || wanted.some((w) => n.startsWith(w))));
            for (const p of pods) {
              try {
                const logs = await exe(kubectl, ['logs', `--tail=${lines}`, '--all-containers=true', '--timestamps', ...nsArgs, p]);
                r.files.push(await b.put(`containers/kubectl/${safeName(p)}.log`, logs.stdout));
              } catch (err) {
                r.status = 'partial';
                r.notes.push(`kubectl logs ${p}: ${errorMessage(err)}`);
              }
            }
          } catch (err) {
            r.status = 'partial';
            r.notes.push(`kubectl: ${errorMessage(err)}`);
          }
        }
      },
    ],
    [
      'kafka-connect',
      async (b, r) => {
        const kc = cfg?.kafkaConnect;
        const url = kc?.urlEnv ? env[kc.urlEnv] : (kc?.url ?? env[DEFAULT_ENV.kafkaConnect]);
        if (!url) {
          r.status = 'skipped';
          r.notes.push('no Kafka Connect URL configured');
          return;
        }
        const client = new KafkaConnectClient(url, { timeoutMs });
        r.files.push(await b.put('kafka-connect/worker.json', await client.worker()));
        const all = await client.listExpanded();
        const failed: string[] = [];
        const states: Record<string, unknown> = {};
        for (const [n, e] of Object.entries(all)) {
          states[n] = {
            type: e.info?.type,
            config: e.info ? redactConnectorConfig(e.info.config).config : undefined,
            status: e.status,
          };
          const s = e.status;
          if (s?.connector.state === 'FAILED') failed.push(`connector ${n} FAILED on ${s.connector.worker_id ?? '?'}\n${s.connector.trace ?? '(no trace)'}\n`);
          for (const t of s?.tasks ?? []) {
            if (t.state === 'FAILED') failed.push(`task ${n}/${t.id} FAILED on ${t.worker_id ?? '?'}\n${t.trace ?? '(no trace)'}\n`);
          }
          try {
            const o = await client.offsets(n);
            if (o) r.files.push(await b.put(`kafka-connect/offsets/${safeName(n)}.json`, o));
          } catch (err) {
            r.status = 'partial';
            r.notes.push(`offsets of ${n}: ${errorMessage(err)}`);
          }
        }
        r.files.push(await b.put('kafka-connect/connectors.json', states));
        r.files.push(await b.put('kafka-connect/failures.txt', failed.length ? failed.join('\n') : 'no FAILED connector or task'));
        r.notes.push(`${Object.keys(all).length} connector(s), ${failed.length} failure(s)`);
      },
    ],
    [
      'metrics',
      async (b, r) => {
        const d = cfg?.diagnostics;
        const pgw = d?.pushgatewayUrl ?? env.PUSHGATEWAY_URL;
        const prom = d?.prometheusUrl ?? env.PROMETHEUS_URL;
        if (!pgw && !prom) {
          r.status = 'skipped';
          r.notes.push('no Pushgateway or Prometheus URL configured');
          return;
        }
        let ok = 0;
        let tried = 0;
        const grab = async (rel: string, url: string) => {
          tried++;
          try {
            r.files.push(await b.put(rel, await fetchText(url)));
            ok++;
          } catch (err) {
            r.notes.push(`${rel}: ${errorMessage(err)}`);
          }
        };
        if (pgw) await grab('metrics/pushgateway.prom', `${pgw.replace(/\/+$/, '')}/metrics`);
        if (prom) {
          const base = prom.replace(/\/+$/, '');
          const match = encodeURIComponent('{__name__=~"reconciliation_.*|backup_.*|cdc_.*|retry_.*|up"}');
          await grab('metrics/prometheus-federate.prom', `${base}/federate?match[]=${match}`);
          await grab('metrics/prometheus-alerts.json', `${base}/api/v1/alerts`);
          await grab('metrics/prometheus-targets.json', `${base}/api/v1/targets`);
        }
        if (ok === 0) r.status = 'unreachable';
        else if (ok < tried) r.status = 'partial';
      },
    ],
    [
      'postgres',
      async (b, r) => {
        const envName = cfg?.postgres?.urlEnv ?? DEFAULT_ENV.postgres;
        const url = env[envName];
        if (!url) {
          r.status = 'skipped';
          r.notes.push(`${envName} is not set`);
          return;
        }
        const client = new pg.Client({ connectionString: url, application_name: 'cdc-recon-diagnostics', connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs });
        client.on('error', () => undefined);
        await client.connect();
        try {
          for (const q of postgresHealthQueries(cfg?.diagnostics?.longTransactionSeconds ?? 300)) {
            try {
              const res = await client.query(q.text);
              r.files.push(await b.put(`postgres/${q.name}.json`, res.rows));
            } catch (err) {
              r.status = 'partial';
              r.notes.push(`${q.name}: ${errorMessage(err)}`);
            }
          }
        } finally {
          await client.end().catch(() => undefined);
        }
      },
    ],
    [
      'mssql',
      async (b, r) => {
        const ms = cfg?.mssql;
        const url = env[ms?.urlEnv ?? DEFAULT_ENV.mssql];
        if (!url || !ms) {
          r.status = 'skipped';
          r.notes.push(ms ? `${ms.urlEnv} is not set` : 'no backup.mssql section');
          return;
        }
        const runner = await (options.mssqlRunner ?? createMssqlRunner)(url);
        try {
          for (const q of [...mssqlHealthSelects(ms.database), ...mssqlInDatabaseQueries(ms.database)]) {
            try {
              r.files.push(await b.put(`mssql/${q.name}.json`, await runner.query(q.statement, { timeoutMs })));
            } catch (err) {
              r.status = 'partial';
              r.notes.push(`${q.name}: ${errorMessage(err)}`);
            }
          }
        } finally {
          await runner.close().catch(() => undefined);
        }
      },
    ],
  ];

  const sections: SectionResult[] = [];
  try {
    for (const [section, collect] of collectors) {
      const r: SectionResult = { section, status: 'ok', files: [], notes: [] };
      try {
        await collect(bundle, r);
      } catch (err) {
        r.status = 'unreachable';
        r.notes.push(errorMessage(err));
      }
      if (r.status !== 'ok' && r.notes.length) {
        r.files.push(await bundle.put(`errors/${section}.txt`, r.notes.join('\n')));
      }
      r.notes = r.notes.map(redactor);
      log.info('diagnostics section', { section, status: r.status });
      sections.push(r);
    }
    await bundle.put('summary.json', { collectedAt: now.toISOString(), sections });
    await mkdir(dirname(out), { recursive: true });
    await tar.c({ gzip: true, file: out, cwd: work, portable: true }, [name]);
    return { bundle: out, sections, files: bundle.files.length };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
