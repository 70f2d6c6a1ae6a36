#!/usr/bin/env node
/**
 * A real CDC pipeline on loopback, for trying cdc-recon and for its tests:
 *   source PostgreSQL (wal_level=logical) -> Debezium PostgreSQL connector (pgoutput)
 *   -> Kafka (one KRaft node, broker + controller) -> Kafka Connect (one distributed worker)
 *   -> Debezium JDBC sink connector -> target PostgreSQL.
 *
 *   node scripts/pipeline.mjs up [--dir DIR] [--json] [--source mssql]   start everything, print endpoints and a cdc-recon config
 *     (--source mssql: an existing SQL Server from PIPELINE_MSSQL_URL with the Debezium SQL Server connector)
 *   node scripts/pipeline.mjs status [--dir DIR]        what runs, connector states
 *   node scripts/pipeline.mjs down [--dir DIR]          stop exactly what `up` started (PIDs from the state file)
 *   node scripts/pipeline.mjs env [--dir DIR]           `export` lines for the config's environment variables
 *   node scripts/pipeline.mjs recon [--dir DIR] [-- ARGS]  run the cdc-recon CLI on the live pipeline
 *   node scripts/pipeline.mjs restart connect|kafka [--kill]  restart one JVM (--kill: SIGKILL, as a crash)
 *
 * Jars: Maven Central through scripts/pipeline/pom.xml into CDC_RECON_PIPELINE_CACHE
 * (default ~/.cache/cdc-recon/pipeline). State (data, logs, state.json): --dir or CDC_RECON_PIPELINE_DIR
 * (default .tmp/pipeline in the repository, gitignored).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, connect as tcpConnect } from 'node:net';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { $, argv, fs, path, retry, sleep, spinner, which } from 'zx';

$.verbose = false;
$.quiet = true;

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pomDir = path.join(repo, 'scripts', 'pipeline');
const cacheDir = process.env.CDC_RECON_PIPELINE_CACHE ?? path.join(homedir(), '.cache', 'cdc-recon', 'pipeline');
const stateDir = path.resolve(argv.dir ?? process.env.CDC_RECON_PIPELINE_DIR ?? path.join(repo, '.tmp', 'pipeline'));
const stateFile = path.join(stateDir, 'state.json');
const isRoot = process.getuid?.() === 0;
/** `--source mssql`: an existing SQL Server (PIPELINE_MSSQL_URL, CDC enabled by scripts/pipeline/mssql-source.sql) instead of a source PostgreSQL. */
const sourceKind = argv.source === 'mssql' ? 'mssql' : 'postgres';

/** Tables the pipeline carries: a bigint key, a composite key and a text key (schema `app` on both sides). */
export const TABLES_SQL = `
CREATE SCHEMA IF NOT EXISTS app;
CREATE TABLE IF NOT EXISTS app.accounts (
  id bigint PRIMARY KEY, name text NOT NULL, balance numeric(14,2) NOT NULL, active boolean NOT NULL,
  updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS app.order_lines (
  order_id bigint NOT NULL, line_no integer NOT NULL, sku text NOT NULL, qty integer NOT NULL,
  price numeric(12,2) NOT NULL, PRIMARY KEY (order_id, line_no));
CREATE TABLE IF NOT EXISTS app.products (
  sku text PRIMARY KEY, title text, weight_g integer, tags text);
CREATE TABLE IF NOT EXISTS app.heartbeat (id integer PRIMARY KEY, beat bigint NOT NULL, at timestamptz NOT NULL);
`;

/** Debezium's signalling table (source channel, and the incremental snapshots' watermarks): on the source only. */
export const SIGNAL_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS app.debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data text);
`;
/** The Kafka signal channel's topic (one partition: Debezium reads partition 0). */
export const SIGNAL_TOPIC = 'cdc-signal';

const SOURCE_CONNECTOR = 'cdc-source';
const timings = {};

/** A spinner around one step of `up`, its duration kept for the summary. */
async function step(title, fn) {
  const t = Date.now();
  try {
    return await spinner(title, fn);
  } finally {
    timings[title] = Number(((Date.now() - t) / 1000).toFixed(1));
  }
}
const SINK_CONNECTOR = 'cdc-sink';

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(addr.port));
    });
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readState() {
  try {
    return JSON.parse(await fs.readFile(stateFile, 'utf8'));
  } catch {
    return undefined;
  }
}

async function writeState(state) {
  await fs.mkdirp(stateDir);
  // Passwords are in it: readable by its owner only.
  await fs.writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

// ---------------------------------------------------------------- jars

async function pomHash() {
  const h = createHash('sha256');
  for (const f of ['pom.xml', 'settings.xml', 'kafka/pom.xml', 'debezium-postgres/pom.xml', 'debezium-jdbc/pom.xml', 'debezium-sqlserver/pom.xml']) {
    h.update(await fs.readFile(path.join(pomDir, f)));
  }
  h.update(sourceKind);
  return h.digest('hex').slice(0, 16);
}

/** Copies the jars into the cache unless the stamp says this exact Maven project already did. */
export async function ensureJars() {
  const stamp = path.join(cacheDir, '.stamp');
  const want = await pomHash();
  if ((await fs.pathExists(stamp)) && (await fs.readFile(stamp, 'utf8')).trim() === want) return false;
  const mvn = await which('mvn', { nothrow: true });
  if (!mvn) throw new Error('mvn not found: install Maven (apt-get install maven) to fetch the pipeline jars');
  await fs.remove(cacheDir);
  await spinner(`fetching Kafka and Debezium jars into ${cacheDir}`, () =>
    retry(2, '5s', () => $`${mvn} -B -q -s ${path.join(pomDir, 'settings.xml')} -f ${path.join(pomDir, 'pom.xml')} package ${sourceKind === 'mssql' ? ['-Pmssql'] : []} -Dpipeline.cache=${cacheDir}`),
  );
  await fs.writeFile(stamp, `${want}\n`);
  return true;
}

// ---------------------------------------------------------------- PostgreSQL

async function pgBinDir() {
  const root = '/usr/lib/postgresql';
  const versions = (await fs.pathExists(root)) ? (await fs.readdir(root)).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'postgres'))) : [];
  if (versions.length === 0) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install postgresql');
  versions.sort((a, b) => Number(b) - Number(a));
  return path.join(root, versions[0], 'bin');
}

/** Runs a PostgreSQL binary as the postgres OS user when we are root (initdb refuses root). */
function asPg(cmd, args) {
  return isRoot ? $`runuser -u postgres -- ${cmd} ${args}` : $`${cmd} ${args}`;
}

async function startCluster(name, { logical }) {
  const bin = await pgBinDir();
  const dataDir = path.join(stateDir, name);
  const port = await freePort();
  const password = randomBytes(12).toString('base64url');
  await fs.remove(dataDir);
  await fs.mkdirp(dataDir);
  const pwFile = path.join(stateDir, `.pw-${name}`);
  await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (isRoot) await $`chown postgres:postgres ${dataDir} ${pwFile}`;
  await fs.chmod(dataDir, 0o700);
  await asPg(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256',
    `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  await fs.remove(pwFile);
  const conf = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dataDir}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 100',
    'shared_buffers = 64MB',
    'logging_collector = on',
    "log_directory = 'log'",
    "log_filename = 'postgresql.log'",
    ...(logical ? ['wal_level = logical', 'max_replication_slots = 8', 'max_wal_senders = 8'] : []),
  ];
  await fs.appendFile(path.join(dataDir, 'postgresql.auto.conf'), `${conf.join('\n')}\n`);
  if (isRoot) await $`chown -R postgres:postgres ${dataDir}`;
  // -l: the postmaster must not inherit our pipes, or this process never ends.
  await asPg(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-w', '-t', '60', '-l', path.join(dataDir, 'startup.log'), 'start']);
  const pid = Number((await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  await asPg(path.join(bin, 'createdb'), ['-h', dataDir, '-p', String(port), '-U', 'postgres', 'app']);
  await asPg(path.join(bin, 'psql'), ['-h', dataDir, '-p', String(port), '-U', 'postgres', '-d', 'app', '-v', 'ON_ERROR_STOP=1', '-q', '-c', logical ? TABLES_SQL + SIGNAL_TABLE_SQL : TABLES_SQL]);
  return {
    name, dataDir, port, pid, password, binDir: bin,
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/app`,
  };
}

async function stopCluster(c) {
  if (!c || !(await fs.pathExists(path.join(c.dataDir, 'postmaster.pid')))) return;
  await asPg(path.join(c.binDir, 'pg_ctl'), ['-D', c.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() => undefined);
}

// ---------------------------------------------------------------- JVMs

function classpath(dir) {
  return `${path.join(cacheDir, dir)}/*`;
}

/** A JVM that outlives this script: own process group, output to a log file, PID kept in the state. */
async function startJava(name, heap, mainClass, args, extraProps = []) {
  const logFile = path.join(stateDir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn('java', [
    `-Xms${Math.min(128, parseInt(heap, 10))}m`, `-Xmx${heap}`, '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${path.join(stateDir, 'log4j2.properties')}`, ...extraProps,
    '-cp', classpath('kafka'), mainClass, ...args,
  ], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  closeSync(out);
  return { pid: child.pid, log: logFile };
}

async function writeLog4j() {
  await fs.writeFile(path.join(stateDir, 'log4j2.properties'), [
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.out.ref = OUT',
    'appender.out.type = Console',
    'appender.out.name = OUT',
    'appender.out.layout.type = PatternLayout',
    'appender.out.layout.pattern = [%d] %p %m (%c{1})%n',
    // The broker's per-request and per-segment chatter drowns what matters in a failure.
    'logger.kafka.name = kafka', 'logger.kafka.level = WARN',
    'logger.kafkaorg.name = org.apache.kafka', 'logger.kafkaorg.level = WARN',
    'logger.connect.name = org.apache.kafka.connect', 'logger.connect.level = INFO',
    'logger.reflections.name = org.reflections', 'logger.reflections.level = ERROR',
    'logger.hibernate.name = org.hibernate', 'logger.hibernate.level = WARN',
    '',
  ].join('\n'));
}

export async function startBroker(state) {
  const k = state.kafka;
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${k.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${k.port},CONTROLLER://127.0.0.1:${k.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${k.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${k.dataDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=2',
    'background.threads=2',
    'log.flush.interval.messages=100000',
  ];
  await fs.writeFile(k.config, `${props.join('\n')}\n`);
  if (!(await fs.pathExists(path.join(k.dataDir, 'meta.properties')))) {
    await $`java -Xmx256m -cp ${classpath('kafka')} -Dlog4j2.configurationFile=${path.join(stateDir, 'log4j2.properties')} kafka.tools.StorageTool format -t ${k.clusterId} -c ${k.config}`;
  }
  const p = await startJava('kafka', '384m', 'kafka.Kafka', [k.config]);
  k.pid = p.pid;
  k.log = p.log;
  await retry(120, '500ms', async () => {
    if (!alive(k.pid)) throw new Error(`the broker exited: see ${k.log}`);
    if (!(await portOpen(k.port))) throw new Error('broker port not open yet');
  });
}

export async function startWorker(state) {
  const c = state.connect;
  const props = [
    `bootstrap.servers=127.0.0.1:${state.kafka.port}`,
    'group.id=cdc-recon-connect',
    'key.converter=org.apache.kafka.connect.json.JsonConverter',
    'value.converter=org.apache.kafka.connect.json.JsonConverter',
    // The JDBC sink needs the schema of every record.
    'key.converter.schemas.enable=true',
    'value.converter.schemas.enable=true',
    'config.storage.topic=connect-configs',
    'offset.storage.topic=connect-offsets',
    'status.storage.topic=connect-status',
    'config.storage.replication.factor=1',
    'offset.storage.replication.factor=1',
    'status.storage.replication.factor=1',
    'offset.storage.partitions=1',
    'status.storage.partitions=1',
    // Short flushes: the source's committed position (and the slot) follows the stream closely.
    'offset.flush.interval.ms=1000',
    `listeners=http://127.0.0.1:${c.port}`,
    `rest.advertised.host.name=127.0.0.1`,
    `rest.advertised.port=${c.port}`,
    `plugin.path=${path.join(cacheDir, 'plugins')}`,
    // Both Debezium plugins declare their classes as services: skips an ~8 s reflective scan of every jar.
    'plugin.discovery=service_load',
    'scheduled.rebalance.max.delay.ms=5000',
    'task.shutdown.graceful.timeout.ms=5000',
    // Per-connector consumer settings (auto.offset.reset for the sink) are allowed.
    'connector.client.config.override.policy=All',
  ];
  await fs.writeFile(c.config, `${props.join('\n')}\n`);
  const p = await startJava('connect', '512m', 'org.apache.kafka.connect.cli.ConnectDistributed', [c.config]);
  c.pid = p.pid;
  c.log = p.log;
  await retry(240, '500ms', async () => {
    if (!alive(c.pid)) throw new Error(`the Connect worker exited: see ${c.log}`);
    const res = await fetch(`${c.url}/connectors`);
    if (!res.ok) throw new Error(`Connect REST answered ${res.status}`);
  });
}

// ---------------------------------------------------------------- connectors

/** Signals through both channels: the Kafka topic (cdc-recon's default) and the signalling table. */
function signalSettings(state, collection) {
  return {
    'signal.enabled.channels': 'source,kafka',
    'signal.data.collection': collection,
    'signal.kafka.topic': SIGNAL_TOPIC,
    'signal.kafka.bootstrap.servers': `127.0.0.1:${state.kafka.port}`,
    'signal.kafka.poll.timeout.ms': '100',
    'incremental.snapshot.chunk.size': '1024',
  };
}

function mssqlSourceConfig(state) {
  const u = new URL(state.source.url);
  return {
    'connector.class': 'io.debezium.connector.sqlserver.SqlServerConnector',
    'tasks.max': '1',
    'database.hostname': u.hostname,
    'database.port': u.port || '1433',
    'database.user': decodeURIComponent(u.username),
    'database.password': decodeURIComponent(u.password),
    'database.names': 'cdcapp',
    'database.encrypt': 'false',
    'topic.prefix': 'cdc',
    'table.include.list': 'app.accounts,app.order_lines,app.products,app.heartbeat,app.debezium_signal',
    ...signalSettings(state, 'cdcapp.app.debezium_signal'),
    'schema.history.internal.kafka.bootstrap.servers': `127.0.0.1:${state.kafka.port}`,
    'schema.history.internal.kafka.topic': 'cdc-schema-history',
    'snapshot.mode': 'initial',
    'poll.interval.ms': '200',
    'heartbeat.interval.ms': '1000',
    'tombstones.on.delete': 'false',
  };
}

export function connectorConfigs(state) {
  const s = state.source;
  const t = state.target;
  return {
    [SOURCE_CONNECTOR]: state.source.kind === 'mssql' ? mssqlSourceConfig(state) : ({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'plugin.name': 'pgoutput',
      'database.hostname': '127.0.0.1',
      'database.port': String(s.port),
      'database.user': 'postgres',
      'database.password': s.password,
      'database.dbname': 'app',
      'topic.prefix': 'cdc',
      // Every table of schema app, also those a test creates later (the publication is FOR ALL TABLES).
      'schema.include.list': 'app',
      ...signalSettings(state, 'app.debezium_signal'),
      'slot.name': 'cdc_recon',
      'publication.name': 'cdc_recon',
      'publication.autocreate.mode': 'all_tables',
      'snapshot.mode': 'initial',
      'poll.interval.ms': '100',
      'heartbeat.interval.ms': '1000',
      // Tombstones are not needed: the sink deletes on the delete event itself.
      'tombstones.on.delete': 'false',
    }),
    [SINK_CONNECTOR]: {
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'tasks.max': '1',
      // SQL Server topics carry the database name: cdc.cdcapp.app.accounts.
      // Every table of schema app but the signalling table (tests add tables: the sink creates none, they exist on both sides).
      'topics.regex': 'cdc\\.([^.]+\\.)?app\\.(?!debezium_signal$)[A-Za-z0-9_]+',
      'connection.url': `jdbc:postgresql://127.0.0.1:${t.port}/app`,
      'connection.username': 'postgres',
      'connection.password': t.password,
      'insert.mode': 'upsert',
      'delete.enabled': 'true',
      'primary.key.mode': 'record_key',
      'schema.evolution': 'none',
      'collection.name.format': 'app.${source.table}',
      'use.time.zone': 'UTC',
      'batch.size': '500',
      'consumer.override.auto.offset.reset': 'earliest',
      'consumer.override.max.poll.records': '500',
      // The source creates a table's topic at its first change; without this the regex subscription sees it 5 min later.
      'consumer.override.metadata.max.age.ms': '2000',
    },
  };
}

export async function connectRest(state, method, p, body) {
  const res = await fetch(`${state.connect.url}${p}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export async function connectorStates(state) {
  const out = {};
  for (const name of [SOURCE_CONNECTOR, SINK_CONNECTOR]) {
    try {
      const st = await connectRest(state, 'GET', `/connectors/${name}/status`);
      out[name] = { connector: st.connector.state, tasks: st.tasks.map((t) => t.state), trace: st.tasks.find((t) => t.trace)?.trace?.split('\n')[0] };
    } catch (err) {
      out[name] = { connector: 'UNKNOWN', tasks: [], error: String(err.message ?? err) };
    }
  }
  return out;
}

export async function waitRunning(state, tries = 240) {
  await retry(tries, '500ms', async () => {
    const st = await connectorStates(state);
    for (const [name, s] of Object.entries(st)) {
      if (s.connector !== 'RUNNING' || s.tasks.length === 0 || s.tasks.some((t) => t !== 'RUNNING')) {
        if (s.tasks.includes('FAILED')) throw Object.assign(new Error(`${name} task FAILED: ${s.trace}`), { fatal: true });
        throw new Error(`${name}: ${s.connector} ${s.tasks.join(',')}`);
      }
    }
  });
}

/** The signal topic exists before the connector's Kafka signal channel looks for it. */
async function createSignalTopic(state) {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'pipeline', brokers: [`127.0.0.1:${state.kafka.port}`], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: SIGNAL_TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

async function registerConnectors(state) {
  await createSignalTopic(state);
  for (const [name, config] of Object.entries(connectorConfigs(state))) {
    await retry(20, '1s', () => connectRest(state, 'PUT', `/connectors/${name}/config`, config));
  }
}

// ---------------------------------------------------------------- config for cdc-recon

function reconYaml(state) {
  return [
    '# cdc-recon config for the live test-bed pipeline (node scripts/pipeline.mjs up); URLs from `pipeline.mjs env`.',
    'version: 1',
    `source: { dialect: ${state.source.kind === 'mssql' ? 'mssql' : 'postgres'}, urlEnv: PIPELINE_SOURCE_URL, schema: app }`,
    'target: { dialect: postgres, urlEnv: PIPELINE_TARGET_URL, schema: app }',
    'defaults:',
    '  mode: diff',
    '  chunkSize: 500',
    '  concurrency: 2',
    '  recheckDelay: 5s',
    'tables:',
    '  - table: accounts',
    '  - table: order_lines',
    '  - table: products',
    `report: { dir: ${path.join(stateDir, 'reports')} }`,
    'repair:',
    '  recheckDelay: 2m',
    '  signal:',
    '    channel: kafka',
    '    kafka: { bootstrapEnv: PIPELINE_KAFKA_BOOTSTRAP }',
    `    connector: { urlEnv: PIPELINE_CONNECT_URL, name: ${SOURCE_CONNECTOR} }`,
    '    table: app.debezium_signal',
    '',
  ].join('\n');
}

function envLines(state) {
  return [
    `export PIPELINE_SOURCE_URL='${state.source.url}'`,
    `export PIPELINE_TARGET_URL='${state.target.url}'`,
    `export PIPELINE_CONNECT_URL='${state.connect.url}'`,
    `export PIPELINE_KAFKA_BOOTSTRAP='127.0.0.1:${state.kafka.port}'`,
  ].join('\n');
}

// ---------------------------------------------------------------- commands


/**
 * A KRaft cluster id: 16 random bytes in base64url, as Kafka's own Uuid.randomUuid makes them, never starting with
 * '-' (Kafka draws again for the same reason): `kafka-storage format -t -xyz…` reads such an id as an option and
 * fails ("argument --cluster-id/-t: expected one argument"), one start in 64.
 */
function kafkaClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function up() {
  const t0 = Date.now();
  const prev = await readState();
  if (prev && alive(prev.kafka?.pid)) throw new Error(`a pipeline already runs from ${stateDir}: \`node scripts/pipeline.mjs down\` first`);
  if (!(await which('java', { nothrow: true }))) throw new Error('java not found: install a JDK 17+ (apt-get install openjdk-17-jre-headless)');
  await ensureJars();
  await fs.remove(stateDir);
  await fs.mkdirp(stateDir);
  // The postgres OS user must reach its data folders inside (mkdtemp makes 0700 folders); secrets in here are 0600.
  await fs.chmod(stateDir, 0o755);
  await writeLog4j();
  const kafkaPort = await freePort();
  const state = {
    startedAt: new Date().toISOString(),
    dir: stateDir,
    cache: cacheDir,
    connectors: { source: SOURCE_CONNECTOR, sink: SINK_CONNECTOR },
    kafka: { port: kafkaPort, controllerPort: await freePort(), dataDir: path.join(stateDir, 'kafka-data'), config: path.join(stateDir, 'server.properties'),
      clusterId: kafkaClusterId() },
    connect: { port: 0, url: '', config: path.join(stateDir, 'connect-distributed.properties') },
  };
  state.connect.port = await freePort();
  state.connect.url = `http://127.0.0.1:${state.connect.port}`;
  // Saved at each step, so `down` stops what was started even when a later step fails.
  try {
    await step('starting PostgreSQL source and target', async () => {
      if (sourceKind === 'mssql') {
        const url = process.env.PIPELINE_MSSQL_URL;
        if (!url) throw new Error('--source mssql needs PIPELINE_MSSQL_URL (mssql://user:password@host:port/cdcapp), the database made by scripts/pipeline/mssql-source.sql');
        state.source = { kind: 'mssql', url };
      } else {
        state.source = { kind: 'postgres', ...(await startCluster('source-pg', { logical: true })) };
      }
      await writeState(state);
      state.target = await startCluster('target-pg', { logical: false });
      await writeState(state);
    });
    await step('starting Kafka (KRaft broker + controller)', async () => {
      await startBroker(state);
      await writeState(state);
    });
    await step('starting the Kafka Connect worker', async () => {
      await startWorker(state);
      await writeState(state);
    });
    await step('registering the Debezium connectors', async () => {
      await registerConnectors(state);
      await waitRunning(state);
    });
  } catch (err) {
    await writeState(state);
    log(`pipeline up failed: ${err.message ?? err} (steps: ${JSON.stringify(timings)})`);
    log(`logs in ${stateDir}; stopping what was started`);
    await down();
    process.exitCode = 1;
    return;
  }
  await fs.writeFile(path.join(stateDir, 'recon.yml'), reconYaml(state));
  await fs.writeFile(path.join(stateDir, 'env'), `${envLines(state)}\n`, { mode: 0o600 });
  state.upSeconds = (Date.now() - t0) / 1000;
  state.timings = timings;
  await writeState(state);
  if (argv.json) {
    process.stdout.write(`${JSON.stringify(state)}\n`);
    return;
  }
  console.log(`pipeline up in ${state.upSeconds.toFixed(1)} s (state: ${stateFile})`);
  console.log(`  steps: ${Object.entries(timings).map(([k, v]) => `${k} ${v} s`).join('; ')}`);
  if (state.source.kind === 'mssql') console.log(`  source SQL Server   ${new URL(state.source.url).host}  db cdcapp, schema app (CDC enabled)`);
  else console.log(`  source PostgreSQL   127.0.0.1:${state.source.port}  db app, schema app (wal_level=logical, slot cdc_recon)`);
  console.log(`  target PostgreSQL   127.0.0.1:${state.target.port}  db app, schema app`);
  console.log(`  Kafka bootstrap     127.0.0.1:${state.kafka.port}`);
  console.log(`  Kafka Connect REST  ${state.connect.url}  connectors ${SOURCE_CONNECTOR} (Debezium PostgreSQL), ${SINK_CONNECTOR} (Debezium JDBC sink)`);
  console.log(`  passwords and URLs: ${path.join(stateDir, 'env')} (eval "$(node scripts/pipeline.mjs env)")`);
  console.log(`\ncdc-recon config (${path.join(stateDir, 'recon.yml')}):\n`);
  console.log(reconYaml(state));
  console.log('try it:  node scripts/pipeline.mjs recon');
}

async function status() {
  const state = await readState();
  if (!state) {
    console.log(`no pipeline state in ${stateDir}`);
    process.exitCode = 1;
    return;
  }
  const row = (name, pid, extra = '') => console.log(`  ${name.padEnd(18)} ${alive(pid) ? 'running' : 'stopped'} (pid ${pid ?? '-'}) ${extra}`);
  console.log(`pipeline in ${stateDir}, started ${state.startedAt}`);
  if (state.source?.kind === 'mssql') console.log(`  source SQL Server   external (${new URL(state.source.url).host})`);
  else row('source PostgreSQL', state.source?.pid, `127.0.0.1:${state.source?.port}`);
  row('target PostgreSQL', state.target?.pid, `127.0.0.1:${state.target?.port}`);
  row('Kafka', state.kafka?.pid, `127.0.0.1:${state.kafka?.port}`);
  row('Kafka Connect', state.connect?.pid, state.connect?.url);
  if (alive(state.connect?.pid)) {
    for (const [name, s] of Object.entries(await connectorStates(state))) {
      console.log(`  connector ${name}: ${s.connector}, tasks ${s.tasks.join(', ') || 'none'}${s.trace ? ` (${s.trace})` : ''}${s.error ? ` (${s.error})` : ''}`);
    }
  }
}

async function killAndWait(pid, what) {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 60 && alive(pid); i++) await sleep(250);
  if (alive(pid)) {
    log(`${what} (pid ${pid}) did not stop in 15 s: SIGKILL`);
    process.kill(pid, 'SIGKILL');
  }
}

async function down() {
  const state = await readState();
  if (!state) {
    log(`no pipeline state in ${stateDir}: nothing to stop`);
    return;
  }
  // Reverse order: the worker first, so its tasks do not fail on a vanished broker or database.
  await killAndWait(state.connect?.pid, 'Kafka Connect');
  await killAndWait(state.kafka?.pid, 'Kafka');
  await stopCluster(state.target);
  if (state.source?.kind !== 'mssql') await stopCluster(state.source);
  await fs.remove(stateFile);
  log(`pipeline in ${stateDir} stopped`);
}

/**
 * `restart connect|kafka [--kill]`: stops one JVM (SIGTERM, or SIGKILL with --kill, as a crash would)
 * and starts it again on the same ports and data; the state file gets the new PID, so `down` still
 * stops exactly what runs.
 */
async function restart() {
  const state = await readState();
  if (!state) throw new Error(`no pipeline in ${stateDir}`);
  const which_ = argv._[1];
  if (which_ !== 'connect' && which_ !== 'kafka') throw new Error('usage: restart connect|kafka [--kill]');
  const part = state[which_];
  if (argv.kill) {
    if (alive(part.pid)) process.kill(part.pid, 'SIGKILL');
    for (let i = 0; i < 40 && alive(part.pid); i++) await sleep(250);
  } else {
    await killAndWait(part.pid, which_);
  }
  if (which_ === 'kafka') await startBroker(state);
  else await startWorker(state);
  await writeState(state);
  log(`${which_} restarted (pid ${part.pid})`);
}

async function recon() {
  const state = await readState();
  if (!state) throw new Error(`no pipeline in ${stateDir}: node scripts/pipeline.mjs up`);
  const rest = argv._.slice(1);
  const cli = path.join(repo, 'dist', 'cli', 'index.js');
  const env = { ...process.env, PIPELINE_SOURCE_URL: state.source.url, PIPELINE_TARGET_URL: state.target.url, PIPELINE_CONNECT_URL: state.connect.url };
  const p = await $({ env, stdio: 'inherit', nothrow: true })`node ${cli} reconcile -c ${path.join(stateDir, 'recon.yml')} ${rest}`;
  process.exitCode = p.exitCode ?? 1;
}

const commands = { up, status, down, recon, restart, env: async () => {
  const state = await readState();
  if (!state) throw new Error(`no pipeline in ${stateDir}`);
  console.log(envLines(state));
} };

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = argv._[0];
  const fn = commands[cmd];
  if (!fn) {
    log('usage: node scripts/pipeline.mjs up|status|down|env|recon|restart [--dir DIR] [--json]');
    process.exit(2);
  }
  try {
    await fn();
  } catch (err) {
    log(`pipeline ${cmd}: ${err.message ?? err}`);
    process.exit(1);
  }
}
