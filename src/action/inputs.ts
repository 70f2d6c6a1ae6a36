/**
 * The action's inputs (action.yml), read with @actions/core and checked.
 * Secrets are masked first: `maskSecretInputs()` runs before anything else
 * reads an input or writes a line.
 */
import * as core from '@actions/core';
import { MODES, type Mode } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import type { FailOn } from '../config/model.js';
import { parseShard } from '../config/shard.js';
import type { Shard } from '../engine/shard.js';
import { ConfigError } from '../util/errors.js';
import { registerSecret, secretParts as connectionSecretParts } from '../util/redact.js';
import { REPAIR_METHODS, type RepairMethod } from '../config/repair.js';

export const COMMANDS = ['reconcile', 'merge-reports', 'backup'] as const;
export type ActionCommand = (typeof COMMANDS)[number];

/** The defaults action.yml declares (a test checks that the two agree). */
export const INPUT_DEFAULTS = {
  command: 'reconcile',
  config: 'cdc-recon.yml',
  'fail-on': 'mismatch',
  'upload-artifact': 'true',
  'artifact-name': 'cdc-recon-report',
  'retention-days': '14',
  'metrics-job': 'cdc-recon',
  'compare-with-previous': 'true',
  reports: 'reports/**/report-shard-*.json',
} as const;

/** Inputs whose values are secrets. */
export const SECRET_INPUTS = ['source-url', 'target-url', 'pushgateway-url'] as const;

export interface ActionInputs {
  command: ActionCommand;
  config: string;
  tables: string[];
  mode?: Mode;
  sourceUrl?: string;
  targetUrl?: string;
  chunkSize?: number;
  concurrency?: number;
  maxRetries?: number;
  recheckDelayMs?: number;
  failOn: FailOn;
  reportDir?: string;
  uploadArtifact: boolean;
  artifactName: string;
  retentionDays?: number;
  pushgatewayUrl?: string;
  metricsJob: string;
  metricsFile?: string;
  shard?: Shard;
  compareWithPrevious: boolean;
  reports: string;
  repair?: RepairMethod;
  scope?: 'full' | 'incremental';
}

export type GetInput = (name: string) => string;

const defaultGet: GetInput = (name) => core.getInput(name);

/** Secret parts of a connection value (see util/redact); the runner masks parts from 3 characters. */
export function secretParts(value: string): string[] {
  return connectionSecretParts(value, 3);
}

/** Masks (core.setSecret) and registers for redact() every secret part of `value`. */
const masked = new Set<string>();

export function maskSecret(value: string | undefined, mask: (s: string) => void = core.setSecret): void {
  if (!value) return;
  for (const part of secretParts(value)) {
    // Once per value and mask function (the runner needs one ::add-mask:: per value).
    const key = `${mask === core.setSecret ? 'core' : 'custom'}\u0000${part}`;
    if (mask === core.setSecret && masked.has(key)) continue;
    masked.add(key);
    mask(part);
    registerSecret(part);
  }
}

/** Masks the secret inputs. Call before anything is logged. */
export function maskSecretInputs(get: GetInput = defaultGet, mask?: (s: string) => void): void {
  for (const name of SECRET_INPUTS) {
    const v = get(name).trim();
    // A Pushgateway URL is only secret when it carries credentials.
    if (name === 'pushgateway-url') {
      try {
        const u = new URL(v);
        if (!u.username && !u.password && ![...u.searchParams.keys()].some((k) => /pass|pwd|secret|token|key/i.test(k))) continue;
      } catch {
        /* not a URL: mask it whole */
      }
    }
    maskSecret(v, mask);
  }
}

function int(name: string, raw: string, min: number, max: number): number | undefined {
  if (raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`input ${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function bool(name: string, raw: string): boolean {
  if (/^(true|yes|on|1)$/i.test(raw)) return true;
  if (/^(false|no|off|0)$/i.test(raw)) return false;
  throw new ConfigError(`input ${name}: expected true or false, got ${JSON.stringify(raw)}`);
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(`input ${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
}

/** Reads and checks every input; empty inputs take INPUT_DEFAULTS (the runner fills them from action.yml, a bare `node dist/index.js` does not). */
export function readInputs(get: GetInput = defaultGet): ActionInputs {
  const input = (name: string): string => {
    const v = get(name).trim();
    return v !== '' ? v : ((INPUT_DEFAULTS as Record<string, string>)[name] ?? '');
  };
  const opt = (name: string): string | undefined => input(name) || undefined;

  const recheck = input('recheck-delay');
  let recheckDelayMs: number | undefined;
  if (recheck) {
    recheckDelayMs = parseDuration(recheck);
    if (recheckDelayMs === undefined) throw new ConfigError(`input recheck-delay: expected a duration like "30s", got ${JSON.stringify(recheck)}`);
  }
  const mode = opt('mode');
  const shard = opt('shard');
  let parsedShard: Shard | undefined;
  if (shard) {
    try {
      parsedShard = parseShard(shard);
    } catch (err) {
      throw new ConfigError(`input shard: ${(err as Error).message}`);
    }
  }
  return {
    command: oneOf('command', input('command'), COMMANDS),
    config: input('config'),
    tables: input('tables').split(/[,\n]/).map((t) => t.trim()).filter(Boolean),
    mode: mode ? oneOf('mode', mode, MODES) : undefined,
    sourceUrl: opt('source-url'),
    targetUrl: opt('target-url'),
    chunkSize: int('chunk-size', input('chunk-size'), 10, 10_000_000),
    concurrency: int('concurrency', input('concurrency'), 1, 64),
    maxRetries: int('max-retries', input('max-retries'), 0, 20),
    recheckDelayMs,
    failOn: oneOf('fail-on', input('fail-on'), ['mismatch', 'error', 'never'] as const),
    reportDir: opt('report-dir'),
    uploadArtifact: bool('upload-artifact', input('upload-artifact')),
    artifactName: input('artifact-name'),
    retentionDays: int('retention-days', input('retention-days'), 1, 90),
    pushgatewayUrl: opt('pushgateway-url'),
    metricsJob: input('metrics-job'),
    metricsFile: opt('metrics-file'),
    shard: parsedShard,
    compareWithPrevious: bool('compare-with-previous', input('compare-with-previous')),
    reports: input('reports'),
    repair: opt('repair') ? oneOf('repair', input('repair'), REPAIR_METHODS) : undefined,
    scope: opt('scope') ? oneOf('scope', input('scope'), ['full', 'incremental'] as const) : undefined,
  };
}
