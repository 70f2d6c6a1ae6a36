/**
 * Kafka Connect REST client (the endpoints DR needs) and the backup of every
 * connector's config, status and offsets. Literal secrets in connector
 * configs (database.password, sasl.jaas.config, ...) are never written to the
 * set: they are replaced and listed, and resupplied on restore.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFiles, type KafkaConnectManifest, type ManifestFile } from '../store/manifest.js';
import { safeUrl } from '../redact.js';

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: Array<{ connector: string; task: number }>;
  type: string;
}

export interface ConnectorState {
  state: string;
  worker_id?: string;
  trace?: string;
}

export interface ConnectorStatus {
  name: string;
  connector: ConnectorState;
  tasks: Array<ConnectorState & { id: number }>;
  type?: string;
}

export interface OffsetEntry {
  partition: Record<string, unknown>;
  offset: Record<string, unknown> | null;
}

export interface ConnectorOffsets {
  offsets: OffsetEntry[];
}

export type ExpandedConnectors = Record<string, { info?: ConnectorInfo; status?: ConnectorStatus }>;

export class KafkaConnectError extends Error {
  override readonly name = 'KafkaConnectError';
  constructor(message: string, readonly status: number | undefined, readonly method: string, readonly path: string) {
    super(message);
  }
}

const enc = encodeURIComponent;

export class KafkaConnectClient {
  private readonly base: string;
  private readonly auth: string | undefined;
  readonly displayUrl: string;

  constructor(url: string, private readonly options: { timeoutMs?: number } = {}) {
    const u = new URL(url);
    // fetch() refuses credentials in the URL: turn them into a Basic header.
    this.auth = u.username
      ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
      : undefined;
    u.username = '';
    u.password = '';
    this.base = u.toString().replace(/\/+$/, '');
    this.displayUrl = safeUrl(this.base).replace(/\/+$/, '');
  }

  private async request<T>(method: string, path: string, body?: unknown, okMissing = false): Promise<T | undefined> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.auth) headers.authorization = this.auth;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new KafkaConnectError(`Kafka Connect at ${this.displayUrl} unreachable (${method} ${path}): ${cause ?? (err as Error).message}`, undefined, method, path);
    }
    const text = await res.text();
    if (okMissing && (res.status === 404 || res.status === 405 || res.status === 501)) return undefined;
    if (!res.ok) {
      let msg = text.slice(0, 500);
      try {
        msg = (JSON.parse(text) as { message?: string }).message ?? msg;
      } catch {
        /* not JSON */
      }
      throw new KafkaConnectError(`Kafka Connect ${method} ${path} -> ${res.status}: ${msg}`, res.status, method, path);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** GET / : worker version. */
  async worker(): Promise<{ version: string; commit?: string; kafka_cluster_id?: string }> {
    return (await this.request<{ version: string }>('GET', '/'))!;
  }

  /** GET /connectors?expand=info&expand=status */
  async listExpanded(): Promise<ExpandedConnectors> {
    return (await this.request<ExpandedConnectors>('GET', '/connectors?expand=info&expand=status')) ?? {};
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    return this.request<ConnectorStatus>('GET', `/connectors/${enc(name)}/status`, undefined, true);
  }

  async config(name: string): Promise<Record<string, string> | undefined> {
    return this.request<Record<string, string>>('GET', `/connectors/${enc(name)}/config`, undefined, true);
  }

  /** GET /connectors/{name}/offsets; undefined when the worker has no offsets API (before Kafka 3.5). */
  async offsets(name: string): Promise<ConnectorOffsets | undefined> {
    return this.request<ConnectorOffsets>('GET', `/connectors/${enc(name)}/offsets`, undefined, true);
  }

  /** PUT /connectors/{name}/config: creates or updates. */
  async putConfig(name: string, config: Record<string, string>): Promise<ConnectorInfo> {
    return (await this.request<ConnectorInfo>('PUT', `/connectors/${enc(name)}/config`, config))!;
  }

  /**
   * POST /connectors with initial_state STOPPED (Kafka 3.5+): the connector exists but runs nothing until
   * resumed, so saved offsets can be written before its first read (a new connector would otherwise start
   * from scratch, a source connector with a full snapshot).
   */
  async createStopped(name: string, config: Record<string, string>): Promise<ConnectorInfo> {
    return (await this.request<ConnectorInfo>('POST', '/connectors', { name, config, initial_state: 'STOPPED' }))!;
  }

  async stop(name: string): Promise<void> {
    await this.request('PUT', `/connectors/${enc(name)}/stop`);
  }

  async resume(name: string): Promise<void> {
    await this.request('PUT', `/connectors/${enc(name)}/resume`);
  }

  /** PATCH /connectors/{name}/offsets: the connector must be STOPPED. */
  async patchOffsets(name: string, offsets: ConnectorOffsets): Promise<{ message?: string }> {
    return (await this.request<{ message?: string }>('PATCH', `/connectors/${enc(name)}/offsets`, offsets)) ?? {};
  }

  /**
   * DELETE /connectors/{name}/offsets (Kafka 3.6+): the connector must be STOPPED; it then starts as a new one
   * would. false when the worker has no such endpoint.
   */
  async resetOffsets(name: string): Promise<boolean> {
    const res = await this.request<{ message?: string }>('DELETE', `/connectors/${enc(name)}/offsets`, undefined, true);
    return res !== undefined;
  }

  /**
   * Polls until the connector and every task run (a connector with tasks.max >= 1 gets at least one);
   * a FAILED task is an error carrying the first line of its trace.
   */
  async waitForRunning(name: string, timeoutMs = 60_000, intervalMs = 250): Promise<ConnectorStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const st = await this.status(name);
      const failed = st?.tasks.find((t) => t.state === 'FAILED') ?? (st?.connector.state === 'FAILED' ? { ...st.connector, id: -1 } : undefined);
      if (failed) {
        throw new KafkaConnectError(`connector ${name} ${failed.id >= 0 ? `task ${failed.id} ` : ''}FAILED after resume: ${(failed.trace ?? '').split('\n')[0]}`, undefined, 'GET', `/connectors/${name}/status`);
      }
      if (st?.connector.state === 'RUNNING' && st.tasks.length > 0 && st.tasks.every((t) => t.state === 'RUNNING')) return st;
      if (Date.now() > deadline) {
        throw new KafkaConnectError(`connector ${name} did not run within ${timeoutMs} ms after resume (state: ${st?.connector.state ?? 'absent'}, tasks: ${st?.tasks.map((t) => t.state).join(',') || 'none'})`, undefined, 'GET', `/connectors/${name}/status`);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** Polls the connector's status until it is in `state`. */
  async waitForState(name: string, state: string, timeoutMs = 60_000, intervalMs = 250): Promise<ConnectorStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: ConnectorStatus | undefined;
    for (;;) {
      last = await this.status(name);
      if (last?.connector.state === state) return last;
      if (Date.now() > deadline) {
        throw new KafkaConnectError(`connector ${name} did not reach ${state} within ${timeoutMs} ms (state: ${last?.connector.state ?? 'absent'})`, undefined, 'GET', `/connectors/${name}/status`);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Config keys whose literal values are secrets. */
const SECRET_KEY = /(password|passwd|secret|token|jaas\.config|credentials?$|user\.info$|api\.key$|private\.key$|access\.key)/i;
/** Values that reference a config provider (${file:...}, ${env:...}) are not secrets themselves. */
const PROVIDER_REF = /^\$\{[^}]+\}$/;
export const REDACTED_VALUE = '[redacted by cdc-recon]';

/**
 * Values that carry a credential whatever their key: a URL with user:password@ (connection.url,
 * bootstrap URLs) or a password=/secret= pair (JDBC URL query, connection strings).
 */
const SECRET_IN_VALUE = [/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, /(?:^|[?&;\s])(?:password|passwd|pwd|secret|token)\s*=\s*[^&;\s]/i];

export function redactConnectorConfig(config: Record<string, string>): { config: Record<string, string>; redactedKeys: string[] } {
  const out: Record<string, string> = {};
  const redactedKeys: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const secret = SECRET_KEY.test(k) || (typeof v === 'string' && SECRET_IN_VALUE.some((re) => re.test(v)));
    if (secret && typeof v === 'string' && v !== '' && !PROVIDER_REF.test(v)) {
      out[k] = REDACTED_VALUE;
      redactedKeys.push(k);
    } else out[k] = v;
  }
  return { config: out, redactedKeys };
}

/** Env var that supplies a redacted value on restore: CDC_RECON_SECRET_<CONNECTOR>__<KEY>. */
export function secretEnvName(connector: string, key: string): string {
  const norm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return `CDC_RECON_SECRET_${norm(connector)}__${norm(key)}`;
}

export interface SavedConnector {
  config: Record<string, string>;
  redactedKeys: string[];
  status: ConnectorStatus | null;
  offsets: OffsetEntry[] | null;
}

export interface SavedConnect {
  capturedAt: string;
  workerVersion: string;
  offsetsSupported: boolean;
  connectors: Record<string, SavedConnector>;
}

export const CONNECT_FILE = 'kafka-connect/connectors.json';

export async function captureKafkaConnect(client: KafkaConnectClient, include?: string[]): Promise<SavedConnect> {
  const worker = await client.worker();
  const all = await client.listExpanded();
  const names = Object.keys(all).filter((n) => !include || include.includes(n)).sort();
  const missing = (include ?? []).filter((n) => !(n in all));
  if (missing.length) throw new Error(`Kafka Connect has no connector named ${missing.join(', ')}`);
  let offsetsSupported = true;
  const connectors: Record<string, SavedConnector> = {};
  const capturedAt = new Date().toISOString();
  for (const name of names) {
    const entry = all[name]!;
    const config = entry.info?.config ?? (await client.config(name)) ?? {};
    const red = redactConnectorConfig(config);
    let offsets: OffsetEntry[] | null = null;
    if (offsetsSupported) {
      const o = await client.offsets(name);
      if (o) offsets = o.offsets;
      else offsetsSupported = false;
    }
    connectors[name] = { config: red.config, redactedKeys: red.redactedKeys, status: entry.status ?? null, offsets };
  }
  return { capturedAt, workerVersion: worker.version, offsetsSupported, connectors };
}

export async function backupKafkaConnect(options: {
  client: KafkaConnectClient;
  setDir: string;
  include?: string[];
}): Promise<{ manifest: KafkaConnectManifest; files: ManifestFile[] }> {
  const started = Date.now();
  const saved = await captureKafkaConnect(options.client, options.include);
  await mkdir(join(options.setDir, 'kafka-connect'), { recursive: true });
  await writeFile(join(options.setDir, ...CONNECT_FILE.split('/')), `${JSON.stringify(saved, null, 2)}\n`);
  const files = await describeFiles(options.setDir, [CONNECT_FILE], 'kafka-connect');
  const redactedKeys: Record<string, string[]> = {};
  for (const [n, c] of Object.entries(saved.connectors)) if (c.redactedKeys.length) redactedKeys[n] = c.redactedKeys;
  return {
    files,
    manifest: {
      workerVersion: saved.workerVersion,
      file: CONNECT_FILE,
      connectors: Object.keys(saved.connectors),
      offsetsSupported: saved.offsetsSupported,
      offsetsCapturedAt: saved.capturedAt,
      redactedKeys,
      durationMs: Date.now() - started,
    },
  };
}
