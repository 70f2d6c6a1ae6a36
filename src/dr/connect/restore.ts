/**
 * Kafka Connect restore: re-create every saved connector and, with `offsets`,
 * write the saved offsets (PATCH) before it ever runs (a new connector is
 * created STOPPED, an existing one stopped first), then resume it.
 * Connectors whose saved offsets cannot be used (see offsets.ts) get
 * snapshot.mode=when_needed and no offsets. Redacted secrets are resupplied
 * from the running connector's config or from CDC_RECON_SECRET_* env vars;
 * a connector whose secret cannot be resupplied is refused before anything
 * is changed.
 */
import { readFile } from 'node:fs/promises';
import { REDACTED_VALUE, secretEnvName, type KafkaConnectClient, type SavedConnect } from './client.js';
import type { KafkaConnectManifest } from '../store/manifest.js';
import { resolveInSet } from '../store/manifest.js';
import { assessOffsets, type LsnBounds, type OffsetAssessment } from './offsets.js';
import { RestoreError } from '../postgres/restore.js';

export async function readSavedConnect(setDir: string, part: KafkaConnectManifest): Promise<SavedConnect> {
  return JSON.parse(await readFile(resolveInSet(setDir, part.file), 'utf8')) as SavedConnect;
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
}

export interface ConnectPlanResult {
  connectors: ConnectorPlan[];
  /** Final configs (with secrets) — kept out of any report. */
  configs: Map<string, Record<string, string>>;
}

export async function planConnectRestore(options: {
  client: KafkaConnectClient;
  saved: SavedConnect;
  offsets: boolean;
  now: Date;
  retentionMinutes: number;
  bounds?: LsnBounds;
  env?: NodeJS.ProcessEnv;
}): Promise<ConnectPlanResult> {
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
    const assessment = assessOffsets({
      connector: name,
      config,
      offsets: saved.offsets,
      savedAt,
      now: options.now,
      retentionMinutes: options.retentionMinutes,
      bounds: options.bounds,
    });
    const steps: string[] = [];
    if (assessment.action === 'resnapshot') {
      config['snapshot.mode'] = 'when_needed';
      steps.push(`PUT /connectors/${name}/config (snapshot.mode=when_needed; saved offsets NOT restored: ${assessment.reason})`);
    } else {
      if (options.offsets && assessment.action === 'restore-offsets') {
        // Never running before its offsets are written: created STOPPED, or stopped before its config changes.
        if (current) steps.push(`PUT /connectors/${name}/stop`, 'wait for STOPPED', `PUT /connectors/${name}/config (update, stays STOPPED)`);
        else steps.push(`POST /connectors (create with initial_state STOPPED)`, 'wait for STOPPED');
        steps.push(`PATCH /connectors/${name}/offsets (${saved.offsets!.length} partition(s))`, `PUT /connectors/${name}/resume`);
      } else steps.push(`PUT /connectors/${name}/config (${current ? 'update' : 'create'})`);
    }
    configs.set(name, config);
    connectors.push({ name, exists: Boolean(current), assessment, steps, secretSources, missingSecrets });
  }
  return { connectors, configs };
}

export interface ConnectorOutcome {
  name: string;
  action: 'created' | 'updated';
  offsets: 'restored' | 'resnapshot' | 'not-requested' | 'none-saved';
  reason: string;
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
    let offsets: ConnectorOutcome['offsets'] = 'not-requested';
    if (c.assessment.action === 'resnapshot') offsets = 'resnapshot';
    else if (c.assessment.action === 'none') offsets = 'none-saved';
    if (!writeOffsets) await client.putConfig(c.name, config);
    else {
      // The connector never runs before its saved offsets are in place: a new one is created STOPPED, an
      // existing one is stopped before its config changes (a stopped connector stays stopped on a new config).
      if (c.exists) {
        await client.stop(c.name);
        await client.waitForState(c.name, 'STOPPED', timeout);
        await client.putConfig(c.name, config);
      } else await client.createStopped(c.name, config);
      await client.waitForState(c.name, 'STOPPED', timeout);
      await client.patchOffsets(c.name, { offsets: saved.offsets! });
      await client.resume(c.name);
      offsets = 'restored';
    }
    out.push({ name: c.name, action: c.exists ? 'updated' : 'created', offsets, reason: c.assessment.reason });
  }
  return out;
}
