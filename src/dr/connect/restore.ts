/**
 * Kafka Connect restore: re-create every saved connector and, with `offsets`,
 * write the saved offsets (PATCH) before it ever runs (a new connector is
 * created STOPPED, an existing one stopped first), then resume it and wait
 * until it and its tasks run. Connectors whose saved offsets cannot be used
 * (SQL Server LSN outside CDC retention, see offsets.ts) get
 * snapshot.mode=when_needed and no offsets. A PostgreSQL source's saved
 * offset is checked against its replication slot: one older than the slot's
 * confirmed position (or a slot gone) is restored but reported as a gap with
 * what to do (an incremental snapshot of the captured tables). Redacted
 * secrets are resupplied from the running connector's config or from
 * CDC_RECON_SECRET_* env vars; a connector whose secret cannot be resupplied
 * is refused before anything is changed.
 */
import { REDACTED_VALUE, secretEnvName, type KafkaConnectClient, type SavedConnect } from './client.js';
import { assessOffsets, checkPostgresPosition, gapAdvice, isPostgresSource, type LsnBounds, type OffsetAssessment, type PostgresPositionCheck, type SlotPosition } from './offsets.js';
import { RestoreError } from '../postgres/restore.js';
import { readSlotPosition, slotNameOf, sourceUrlFromConfig } from './source-slot.js';

export { readSavedConnect } from './saved.js';

/** Reads a source's slot: (connector, its final config) -> position; injectable for tests. */
export type SlotReader = (connector: string, config: Record<string, string>) => Promise<SlotPosition>;

/** The default reader: the URL from `sourceUrls` (kafkaConnect.sources), else the connector's own config. */
export function slotReader(sourceUrls: Record<string, string> = {}): SlotReader {
  return async (connector, config) => {
    let url = sourceUrls[connector];
    if (!url) {
      if (config['database.password'] === REDACTED_VALUE) throw new Error(`its database.password is not resupplied (set ${secretEnvName(connector, 'database.password')}, or name a URL in backup.kafkaConnect.sources)`);
      url = sourceUrlFromConfig(config);
    }
    if (!url) throw new Error('no way to reach its database: name a URL in backup.kafkaConnect.sources');
    return readSlotPosition(url, slotNameOf(config));
  };
}

export interface ConnectorPlan {
  name: string;
  exists: boolean;
  assessment: OffsetAssessment;
  /** What will be done, in order. */
  steps: string[];
  /** Secrets resolved (values never reported): key -> where from. */
  secretSources: Record<string, string>;
  missingSecrets: string[];
  /** PostgreSQL sources: the saved offset against the source's replication slot. */
  position?: PostgresPositionCheck;
  /** What the operator must know before (or after) this connector is restored. */
  warnings: string[];
  /** What to do about the warnings (exact commands). */
  advice: string[];
}

export interface ConnectPlanResult {
  connectors: ConnectorPlan[];
  /** Final configs (with secrets) — kept out of any report. */
  configs: Map<string, Record<string, string>>;
}

/** Plan steps that leave a connector STOPPED on its new config, never running in between (`note`: what the config changes). */
function stoppedSteps(name: string, exists: boolean, note = ''): string[] {
  return exists
    ? [`PUT /connectors/${name}/stop`, 'wait for STOPPED', `PUT /connectors/${name}/config (update${note}, stays STOPPED)`]
    : [`POST /connectors (create with initial_state STOPPED${note})`, 'wait for STOPPED'];
}

const resumeSteps = (name: string): string[] => [`PUT /connectors/${name}/resume`, 'wait for RUNNING (connector and tasks)'];

export async function planConnectRestore(options: {
  client: KafkaConnectClient;
  saved: SavedConnect;
  offsets: boolean;
  now: Date;
  retentionMinutes: number;
  bounds?: LsnBounds;
  env?: NodeJS.ProcessEnv;
  /** Reads PostgreSQL sources' replication slots (default: slotReader()); false: do not check. */
  readSlot?: SlotReader | false;
}): Promise<ConnectPlanResult> {
  const readSlot = options.readSlot === undefined ? slotReader() : options.readSlot;
  const env = options.env ?? process.env;
  const connectors: ConnectorPlan[] = [];
  const configs = new Map<string, Record<string, string>>();
  const savedAt = new Date(options.saved.capturedAt);
  for (const [name, saved] of Object.entries(options.saved.connectors)) {
    const current = await options.client.config(name);
    const config = { ...saved.config };
    const secretSources: Record<string, string> = {};
    const missingSecrets: string[] = [];
    for (const key of saved.redactedKeys) {
      const envName = secretEnvName(name, key);
      if (current && current[key] !== undefined && current[key] !== REDACTED_VALUE) {
        config[key] = current[key]!;
        secretSources[key] = 'running connector';
      } else if (env[envName]) {
        config[key] = env[envName]!;
        secretSources[key] = `env ${envName}`;
      } else missingSecrets.push(`${key} (set ${envName})`);
    }
    let assessment = assessOffsets({
      connector: name,
      config,
      offsets: saved.offsets,
      savedAt,
      now: options.now,
      retentionMinutes: options.retentionMinutes,
      bounds: options.bounds,
    });
    const warnings: string[] = [];
    const advice: string[] = [];
    let position: PostgresPositionCheck | undefined;
    if (options.offsets && assessment.action === 'restore-offsets' && isPostgresSource(config) && readSlot && saved.offsets) {
      try {
        position = checkPostgresPosition(saved.offsets, await readSlot(name, config));
      } catch (err) {
        position = { status: 'unchecked', reason: `replication slot not checked: ${(err as Error).message}` };
      }
      if (position.status === 'gap') {
        warnings.push(position.reason);
        if (position.unavailable) {
          // Restored as saved it would FAIL on start: it re-snapshots instead, and the report says so.
          assessment = { connector: name, kind: assessment.kind, action: 'resnapshot', reason: `${position.reason}: the saved offsets are not written and the connector re-snapshots (snapshot.mode=when_needed)` };
          advice.push(`${name}: it takes a full snapshot of its tables on start; to avoid one on a large source, restore it without --offsets and snapshot.mode=never, then heal the gap incrementally (below)`);
        }
        advice.push(...gapAdvice(name, config));
      } else if (position.status === 'unchecked') {
        warnings.push(`${position.reason}; the saved offset may be older than the slot's position (changes in between would not be replayed)`);
      }
    }
    const steps: string[] = [];
    if (assessment.action === 'resnapshot') {
      config['snapshot.mode'] = 'when_needed';
      if (options.saved.offsetsSupported) {
        steps.push(
          ...stoppedSteps(name, Boolean(current), ', snapshot.mode=when_needed'),
          `DELETE /connectors/${name}/offsets (saved offsets NOT restored: ${assessment.reason}; offsets an earlier connector of this name left in the worker are cleared, or it would resume from them instead of re-snapshotting)`,
          ...resumeSteps(name),
        );
      } else steps.push(`PUT /connectors/${name}/config (snapshot.mode=when_needed; saved offsets NOT restored: ${assessment.reason})`);
    } else {
      if (options.offsets && assessment.action === 'restore-offsets') {
        // Never running before its offsets are written: created STOPPED, or stopped before its config changes.
        steps.push(...stoppedSteps(name, Boolean(current)), `PATCH /connectors/${name}/offsets (${saved.offsets!.length} partition(s))`, ...resumeSteps(name));
      } else steps.push(`PUT /connectors/${name}/config (${current ? 'update' : 'create'})`);
    }
    configs.set(name, config);
    connectors.push({ name, exists: Boolean(current), assessment, steps, secretSources, missingSecrets, position, warnings, advice });
  }
  return { connectors, configs };
}

export interface ConnectorOutcome {
  name: string;
  action: 'created' | 'updated';
  offsets: 'restored' | 'resnapshot' | 'not-requested' | 'none-saved';
  reason: string;
  /** From create (or stop) to RUNNING, when offsets were written. */
  durationMs: number;
  warnings: string[];
}

export async function executeConnectRestore(options: {
  client: KafkaConnectClient;
  saved: SavedConnect;
  plan: ConnectPlanResult;
  offsets: boolean;
  stateTimeoutMs?: number;
}): Promise<ConnectorOutcome[]> {
  const missing = options.plan.connectors.filter((c) => c.missingSecrets.length);
  if (missing.length) {
    throw new RestoreError(
      'connector secrets were redacted at backup time and cannot be resupplied (nothing was changed in Kafka Connect)',
      missing.map((c) => `${c.name}: ${c.missingSecrets.join(', ')}`),
    );
  }
  const out: ConnectorOutcome[] = [];
  const { client } = options;
  for (const c of options.plan.connectors) {
    const config = options.plan.configs.get(c.name)!;
    const saved = options.saved.connectors[c.name]!;
    const writeOffsets = options.offsets && c.assessment.action === 'restore-offsets';
    const timeout = options.stateTimeoutMs ?? 60_000;
    const t0 = Date.now();
    let offsets: ConnectorOutcome['offsets'] = 'not-requested';
    if (c.assessment.action === 'resnapshot') offsets = 'resnapshot';
    else if (c.assessment.action === 'none') offsets = 'none-saved';
    // A re-snapshot must start without offsets: the worker keeps the offsets of a deleted connector, and one
    // re-created under its name resumes from them (skipping the gap) whenever their LSN still looks available.
    const clearOffsets = c.assessment.action === 'resnapshot' && options.saved.offsetsSupported;
    const warnings = [...c.warnings];
    if (!writeOffsets && !clearOffsets) await client.putConfig(c.name, config);
    else {
      // The connector never runs before its offsets are in place (saved ones written, or stale ones cleared): a new
      // one is created STOPPED, an existing one is stopped before its config changes (it stays stopped on a new config).
      if (c.exists) {
        await client.stop(c.name);
        await client.waitForState(c.name, 'STOPPED', timeout);
        await client.putConfig(c.name, config);
      } else await client.createStopped(c.name, config);
      await client.waitForState(c.name, 'STOPPED', timeout);
      if (writeOffsets) {
        await client.patchOffsets(c.name, { offsets: saved.offsets! });
        offsets = 'restored';
      } else if (!(await client.resetOffsets(c.name))) {
        warnings.push(`the worker cannot clear ${c.name}'s offsets (DELETE /connectors/{name}/offsets needs Kafka 3.6+): if an earlier connector of this name left offsets, it resumes from them instead of re-snapshotting`);
      }
      await client.resume(c.name);
      await client.waitForRunning(c.name, timeout);
    }
    out.push({ name: c.name, action: c.exists ? 'updated' : 'created', offsets, reason: c.assessment.reason, durationMs: Date.now() - t0, warnings });
  }
  return out;
}
