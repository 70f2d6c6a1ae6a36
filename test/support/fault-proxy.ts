/**
 * A TCP proxy on 127.0.0.1 in front of a real PostgreSQL server, with faults
 * the tests switch on and off:
 *
 * - `resetAfterBytes(n)`: every connection is reset (both sockets destroyed,
 *   RST to the client) once the server has sent it `n` bytes; the client gets
 *   exactly `n` bytes, then the reset.
 * - `resetOnQuery({ nth })`: the nth query (counted from the call, among the
 *   queries that `match`) and every nth after it is reset mid-flight: the query
 *   reaches the server, the connection dies as the answer starts.
 * - `resetRandomly({ seed, rate })`: each matching query is reset with
 *   probability `rate`, from a seeded generator (same seed, same decisions).
 * - `blackHole({ nth })`: the matching query and everything after it on that
 *   connection is swallowed in both directions, FIN included; the sockets stay
 *   open until the client destroys its own (or the proxy closes).
 *   `blackHoleAll()`: every connection, present and future, goes silent.
 * - `closeAll()`: every current connection is reset at once (a crash, as the
 *   client sees it).
 * - `fatalAfterStartup({ max })`: the server's answer to a new connection's
 *   startup (ending in ReadyForQuery) is followed, in the same TCP write, by a
 *   FATAL 57P01 ErrorResponse and the connection closes: what a client sees
 *   when the server shuts down right after accepting it.
 *
 * Every fault takes a `max` (how many times it may fire, default 1 for
 * black holes, unbounded otherwise) so a test cannot loop forever, and the
 * proxy closes itself after `lifetimeMs` (default 5 minutes) whatever
 * happens. Queries are recognised by parsing the frontend protocol: simple
 * Query ('Q') and Parse ('P') messages, whose SQL text `match` can test.
 */
import { createServer, createConnection, type Server, type Socket } from 'node:net';

export type QueryMatch = RegExp | ((sql: string) => boolean);

export interface FaultStats {
  /** Connections accepted since the proxy started. */
  connections: number;
  /** Connections open right now. */
  active: number;
  /** Connections a fault reset (closeAll included). */
  resets: number;
  /** Connections a fault made silent. */
  blackHoled: number;
  /** Query / Parse messages seen since the proxy started. */
  queries: number;
}

interface RuleBase {
  match?: QueryMatch;
  /** How many times the rule may fire; default unbounded (1 for black holes). */
  max?: number;
}

interface Rule {
  kind: 'reset' | 'blackhole';
  match?: QueryMatch;
  max: number;
  fired: number;
  /** Among matching queries since the rule was set: fire on this one? */
  decide: (matchingIndex: number) => boolean;
  seen: number;
}

interface Conn {
  id: number;
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes sent server -> client. */
  down: number;
  /** The server's startup answer has gone through (a query has been sent since). */
  started: boolean;
  /** The next server bytes are not forwarded: the connection is reset instead. */
  resetOnAnswer: boolean;
  blackHoled: boolean;
  dead: boolean;
  parser: FrontendParser;
}

/** mulberry32: a tiny seeded PRNG, enough for reproducible fault decisions. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Splits the client -> server byte stream into protocol messages; yields the SQL of Query / Parse messages. */
export class FrontendParser {
  private buf: Buffer = Buffer.alloc(0);
  private untyped = true;

  /** Feed a chunk; returns the SQL texts of the queries that completed in it. */
  push(chunk: Buffer): string[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const queries: string[] = [];
    for (;;) {
      if (this.untyped) {
        if (this.buf.length < 8) break;
        const len = this.buf.readInt32BE(0);
        if (this.buf.length < len) break;
        const code = this.buf.readInt32BE(4);
        this.buf = this.buf.subarray(len);
        // An SSL / GSS request is answered with one byte and followed by the real startup message.
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.untyped = false;
        continue;
      }
      if (this.buf.length < 5) break;
      const type = String.fromCharCode(this.buf[0]!);
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < 1 + len) break;
      const body = this.buf.subarray(5, 1 + len);
      this.buf = this.buf.subarray(1 + len);
      if (type === 'Q') queries.push(cstring(body, 0).text);
      else if (type === 'P') queries.push(cstring(body, cstring(body, 0).end + 1).text);
    }
    return queries;
  }
}

function cstring(buf: Buffer, start: number): { text: string; end: number } {
  let end = buf.indexOf(0, start);
  if (end < 0) end = buf.length;
  return { text: buf.toString('utf8', start, end), end };
}

function matches(match: QueryMatch | undefined, sql: string): boolean {
  if (!match) return true;
  return typeof match === 'function' ? match(sql) : match.test(sql);
}

export interface FaultProxyOptions {
  /** The real server. */
  target: { host: string; port: number };
  /** The proxy closes itself after this long, whatever happens (default 5 minutes). */
  lifetimeMs?: number;
  /** A mid-flight reset waits at most this long for the server's answer to start (default 50 ms). */
  resetDelayMs?: number;
}

export class FaultProxy {
  readonly host = '127.0.0.1';
  port = 0;
  readonly stats: FaultStats = { connections: 0, active: 0, resets: 0, blackHoled: 0, queries: 0 };
  private server: Server | undefined;
  private readonly conns = new Set<Conn>();
  private rules: Rule[] = [];
  private resetBytes: { bytes: number; max: number; fired: number } | undefined;
  private silentAll = false;
  private fatalStartup: { max: number; fired: number } | undefined;
  private queryListeners: Array<(sql: string) => void> = [];
  private lifetime: NodeJS.Timeout | undefined;
  private nextId = 1;

  constructor(private readonly options: FaultProxyOptions) {}

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await proxy.listen();
    return proxy;
  }

  private async listen(): Promise<void> {
    // Half-open allowed: a silenced connection must not answer the client's FIN either (a real black hole).
    const server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    this.lifetime = setTimeout(() => void this.close(), this.options.lifetimeMs ?? 5 * 60_000);
    this.lifetime.unref();
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string {
    const u = new URL(url);
    u.hostname = this.host;
    u.port = String(this.port);
    return u.toString();
  }

  /** Called with the SQL of every query the proxy sees (before any fault applies). */
  onQuery(listener: (sql: string) => void): void {
    this.queryListeners.push(listener);
  }

  resetAfterBytes(bytes: number, opts: { max?: number } = {}): void {
    this.resetBytes = { bytes, max: opts.max ?? Infinity, fired: 0 };
  }

  resetOnQuery(opts: RuleBase & { nth: number }): void {
    this.rules.push({ kind: 'reset', match: opts.match, max: opts.max ?? Infinity, fired: 0, seen: 0, decide: (i) => i % opts.nth === 0 });
  }

  resetRandomly(opts: RuleBase & { seed: number; rate: number }): void {
    const rnd = seededRandom(opts.seed);
    this.rules.push({ kind: 'reset', match: opts.match, max: opts.max ?? Infinity, fired: 0, seen: 0, decide: () => rnd() < opts.rate });
  }

  blackHole(opts: RuleBase & { nth?: number } = {}): void {
    const nth = opts.nth ?? 1;
    this.rules.push({ kind: 'blackhole', match: opts.match, max: opts.max ?? 1, fired: 0, seen: 0, decide: (i) => i % nth === 0 });
  }

  /** The next `max` (default 1) new connections get a FATAL right behind their startup's ReadyForQuery. */
  fatalAfterStartup(opts: { max?: number } = {}): void {
    this.fatalStartup = { max: opts.max ?? 1, fired: 0 };
  }

  /** Every connection, open or to come, stops forwarding anything. */
  blackHoleAll(): void {
    this.silentAll = true;
    for (const c of this.conns) this.silence(c);
  }

  /** Removes every fault rule (connections already silenced stay silent). */
  heal(): void {
    this.rules = [];
    this.resetBytes = undefined;
    this.silentAll = false;
    this.fatalStartup = undefined;
  }

  /** Resets every open connection. */
  closeAll(): number {
    let n = 0;
    for (const c of [...this.conns]) {
      this.kill(c, true);
      n += 1;
    }
    return n;
  }

  /** How many times each kind of fault fired. */
  fired(): { reset: number; blackhole: number; bytes: number; fatalStartup: number } {
    const sum = (k: Rule['kind']) => this.rules.filter((r) => r.kind === k).reduce((a, r) => a + r.fired, 0);
    return { reset: sum('reset'), blackhole: sum('blackhole'), bytes: this.resetBytes?.fired ?? 0, fatalStartup: this.fatalStartup?.fired ?? 0 };
  }

  /** Sockets the proxy itself holds open (both ends of every live connection). */
  heldSockets(): number {
    let n = 0;
    for (const c of this.conns) n += (c.client.destroyed ? 0 : 1) + (c.upstream && !c.upstream.destroyed ? 1 : 0);
    return n;
  }

  async close(): Promise<void> {
    if (this.lifetime) clearTimeout(this.lifetime);
    this.lifetime = undefined;
    this.heal();
    const server = this.server;
    this.server = undefined;
    for (const c of [...this.conns]) this.kill(c, false);
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const conn: Conn = { id: this.nextId++, client, upstream: undefined, down: 0, started: false, resetOnAnswer: false, blackHoled: false, dead: false, parser: new FrontendParser() };
    this.conns.add(conn);
    this.stats.connections += 1;
    this.stats.active += 1;
    client.setNoDelay(true);
    client.on('error', () => this.kill(conn, false));
    client.on('close', () => this.kill(conn, false));
    if (this.silentAll) {
      this.silence(conn);
      return;
    }
    const upstream = createConnection({ host: this.options.target.host, port: this.options.target.port });
    conn.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => this.kill(conn, false));
    upstream.on('close', () => this.kill(conn, false));
    client.on('data', (chunk: Buffer) => this.fromClient(conn, chunk));
    upstream.on('data', (chunk: Buffer) => this.fromServer(conn, chunk));
    // Half-closes are passed on, unless the connection has been silenced.
    client.on('end', () => {
      if (!conn.blackHoled && !conn.dead) upstream.end();
    });
    upstream.on('end', () => {
      if (!conn.blackHoled && !conn.dead) client.end();
    });
  }

  private fromClient(conn: Conn, chunk: Buffer): void {
    if (conn.dead || conn.blackHoled) return;
    let action: Rule['kind'] | undefined;
    for (const sql of conn.parser.push(chunk)) {
      conn.started = true;
      this.stats.queries += 1;
      for (const l of this.queryListeners) l(sql);
      for (const rule of this.rules) {
        if (!matches(rule.match, sql)) continue;
        rule.seen += 1;
        if (rule.fired < rule.max && rule.decide(rule.seen) && !action) {
          rule.fired += 1;
          action = rule.kind;
        }
      }
    }
    if (action === 'blackhole') {
      this.silence(conn);
      return;
    }
    conn.upstream?.write(chunk);
    if (action === 'reset') {
      conn.resetOnAnswer = true;
      setTimeout(() => this.kill(conn, true), this.options.resetDelayMs ?? 50).unref();
    }
  }

  private fromServer(conn: Conn, chunk: Buffer): void {
    if (conn.dead || conn.blackHoled) return;
    if (conn.resetOnAnswer) {
      this.kill(conn, true);
      return;
    }
    const rb = this.resetBytes;
    if (rb && rb.fired < rb.max && conn.down + chunk.length > rb.bytes) {
      rb.fired += 1;
      const part = chunk.subarray(0, Math.max(0, rb.bytes - conn.down));
      conn.down += part.length;
      if (part.length > 0) conn.client.write(part, () => this.kill(conn, true));
      else this.kill(conn, true);
      return;
    }
    const fs = this.fatalStartup;
    if (fs && fs.fired < fs.max && !conn.started && endsWithReadyForQuery(chunk)) {
      fs.fired += 1;
      conn.started = true;
      conn.down += chunk.length;
      // One write, so that the client parses both messages in one go, then a clean close (as the server does).
      conn.client.write(Buffer.concat([chunk, FATAL_ADMIN_SHUTDOWN]), () => {
        conn.client.end();
        conn.upstream?.destroy();
      });
      return;
    }
    conn.down += chunk.length;
    conn.client.write(chunk);
  }

  private silence(conn: Conn): void {
    if (conn.blackHoled || conn.dead) return;
    conn.blackHoled = true;
    this.stats.blackHoled += 1;
  }

  /** Destroys both sockets; `reset` sends an RST to the client and counts the fault. */
  private kill(conn: Conn, reset: boolean): void {
    if (conn.dead) return;
    conn.dead = true;
    this.conns.delete(conn);
    this.stats.active -= 1;
    if (reset) this.stats.resets += 1;
    if (reset && !conn.client.destroyed) conn.client.resetAndDestroy();
    else conn.client.destroy();
    conn.upstream?.destroy();
  }
}

/** ReadyForQuery ('Z', length 5, a status byte) closes the chunk. */
function endsWithReadyForQuery(chunk: Buffer): boolean {
  const at = chunk.length - 6;
  return at >= 0 && chunk[at] === 0x5a && chunk.readInt32BE(at + 1) === 5;
}

/** ErrorResponse: severity FATAL, SQLSTATE 57P01 (admin_shutdown), as PostgreSQL sends on a fast shutdown. */
const FATAL_ADMIN_SHUTDOWN = (() => {
  const fields = ['SFATAL', 'VFATAL', 'C57P01', 'Mterminating connection due to administrator command'];
  const body = Buffer.concat([...fields.map((f) => Buffer.from(`${f}\0`, 'utf8')), Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
})();

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  return FaultProxy.start(options);
}
