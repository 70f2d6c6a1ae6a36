/**
 * FakeKafkaConnect: an in-memory Kafka Connect REST worker on 127.0.0.1.
 *
 * The test bed runs a real worker (scripts/pipeline.mjs, test/pipeline/): the backup and restore of
 * connectors, offsets through the offsets API, refusals of damaged sets, dry runs and the replication
 * slot check are tested there (test/pipeline/connect-restore.test.ts), and so are connector states,
 * FAILED tasks, lag and worker faults. This fake stays only for what that worker cannot be made to do:
 *  - SQL Server connector offsets (commit_lsn / change_lsn) for the CDC-retention decision, the LSN
 *    repair and lag readings (dr-kafka-connect, dr-full-set, repair-mssql, lag): the live pipeline's
 *    source is PostgreSQL, and `pipeline.mjs up --source mssql` needs a SQL Server this machine lacks;
 *  - a worker behind HTTP basic auth (credential redaction in backups and diagnostics): the test bed's
 *    worker has no REST authentication;
 *  - a worker without the offsets API (Kafka Connect before 3.5): the test bed runs Kafka 4.4;
 *  - the request log, to assert the exact order of the DR calls (created STOPPED, PATCH, resume).
 * It implements the endpoints cdc-recon's DR code uses, with the worker's rules that matter: offsets
 * can only be altered while a connector is STOPPED, a new config on a running connector restarts it
 * RUNNING, and the offsets API can be switched off. Every request is logged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeConnector {
  config: Record<string, string>;
  state: 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED';
  tasks: Array<{ id: number; state: string; trace?: string }>;
  trace?: string;
  offsets: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> | null }>;
}

export interface FakeKafkaConnectOptions {
  /** false: GET/PATCH offsets answer 404 like a pre-3.5 worker. */
  offsetsApi?: boolean;
  /** Require HTTP basic auth with these credentials. */
  basicAuth?: { user: string; password: string };
  version?: string;
  /** Delay before a stop takes effect (status polls see RUNNING meanwhile). */
  stopDelayMs?: number;
}

export class FakeKafkaConnect {
  readonly connectors = new Map<string, FakeConnector>();
  readonly requests: Array<{ method: string; path: string; body?: unknown }> = [];
  private server: Server | undefined;
  port = 0;

  constructor(private readonly options: FakeKafkaConnectOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** URL with the basic-auth credentials in it. */
  get urlWithCredentials(): string {
    const a = this.options.basicAuth;
    return a ? `http://${encodeURIComponent(a.user)}:${encodeURIComponent(a.password)}@127.0.0.1:${this.port}` : this.url;
  }

  add(name: string, connector: Partial<FakeConnector> & { config: Record<string, string> }): void {
    this.connectors.set(name, {
      state: 'RUNNING',
      tasks: [{ id: 0, state: 'RUNNING' }],
      offsets: [],
      ...connector,
      config: { name, ...connector.config },
    });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private status(name: string, c: FakeConnector) {
    return {
      name,
      connector: { state: c.state, worker_id: '127.0.0.1:8083', ...(c.trace ? { trace: c.trace } : {}) },
      tasks: c.tasks.map((t) => ({ ...t, worker_id: '127.0.0.1:8083' })),
      type: c.config['connector.class']?.includes('Sink') ? 'sink' : 'source',
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: `${url.pathname}${url.search}`, body });
    const send = (code: number, payload?: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const a = this.options.basicAuth;
    if (a) {
      const expected = `Basic ${Buffer.from(`${a.user}:${a.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return send(401, { error_code: 401, message: 'Unauthorized' });
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts.length === 0 && method === 'GET') return send(200, { version: this.options.version ?? '3.7.0', commit: 'fake', kafka_cluster_id: 'fake-cluster' });
    if (parts[0] !== 'connectors') return send(404, { error_code: 404, message: 'Not found' });
    if (parts.length === 1 && method === 'GET') {
      const expand = url.searchParams.getAll('expand');
      if (expand.length === 0) return send(200, [...this.connectors.keys()]);
      const out: Record<string, unknown> = {};
      for (const [name, c] of this.connectors) {
        const e: Record<string, unknown> = {};
        if (expand.includes('info')) e.info = { name, config: c.config, tasks: c.tasks.map((t) => ({ connector: name, task: t.id })), type: 'source' };
        if (expand.includes('status')) e.status = this.status(name, c);
        out[name] = e;
      }
      return send(200, out);
    }
    if (parts.length === 1 && method === 'POST') {
      const b = body as { name?: string; config?: Record<string, string>; initial_state?: string };
      if (!b.name || !b.config) return send(400, { error_code: 400, message: 'Connector name and config are required' });
      if (this.connectors.has(b.name)) return send(409, { error_code: 409, message: `Connector ${b.name} already exists` });
      this.add(b.name, { config: { ...b.config, name: b.name }, state: b.initial_state === 'STOPPED' ? 'STOPPED' : 'RUNNING' });
      return send(201, { name: b.name, config: b.config, tasks: [], type: 'source' });
    }
    const name = parts[1]!;
    const sub = parts[2];
    const c = this.connectors.get(name);
    if (sub === 'config' && method === 'PUT') {
      const config = { ...(body as Record<string, string>), name };
      if (c) {
        c.config = config;
        if (c.state !== 'STOPPED') c.state = 'RUNNING';
        return send(200, { name, config, tasks: [], type: 'source' });
      }
      this.add(name, { config });
      return send(201, { name, config, tasks: [], type: 'source' });
    }
    if (!c) return send(404, { error_code: 404, message: `Connector ${name} not found` });
    if (sub === 'config' && method === 'GET') return send(200, c.config);
    if (sub === 'status' && method === 'GET') return send(200, this.status(name, c));
    if (sub === 'offsets') {
      if (this.options.offsetsApi === false) return send(404, { error_code: 404, message: 'HTTP 404 Not Found' });
      if (method === 'GET') return send(200, { offsets: c.offsets });
      if (method === 'PATCH') {
        if (c.state !== 'STOPPED') {
          return send(400, { error_code: 400, message: 'Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a \'PUT\' request to the \'/connectors/' + name + '/stop\' endpoint' });
        }
        c.offsets = (body as { offsets: FakeConnector['offsets'] }).offsets;
        return send(200, { message: 'The offsets for this connector have been altered successfully' });
      }
      if (method === 'DELETE') {
        if (c.state !== 'STOPPED') return send(400, { error_code: 400, message: `Connectors must be in the STOPPED state before their offsets can be modified` });
        c.offsets = [];
        return send(200, { message: 'The offsets for this connector have been reset successfully' });
      }
    }
    if (sub === 'stop' && method === 'PUT') {
      const delay = this.options.stopDelayMs ?? 0;
      if (delay) setTimeout(() => (c.state = 'STOPPED'), delay);
      else c.state = 'STOPPED';
      return send(204);
    }
    if (sub === 'resume' && method === 'PUT') {
      // The worker starts the tasks again (a task FAILED before the stop runs anew).
      c.state = 'RUNNING';
      c.tasks = c.tasks.map((t) => ({ id: t.id, state: 'RUNNING' }));
      return send(202);
    }
    return send(405, { error_code: 405, message: 'Method not allowed' });
  }
}
