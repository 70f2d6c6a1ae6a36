/**
 * Reads the project's YAML file and validates only its `backup:` section
 * (the main config loader in src/config/ owns the rest).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../util/errors.js';
import { backupConfigSchema, secretEnvNames, type BackupConfig } from './backup.js';
import { registerSecret } from '../util/redact.js';
import { parseConfigYaml } from './yaml.js';

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return ['backup', ...path.map(String)].join('.');
}

export function parseBackupConfig(value: unknown, file: string): BackupConfig {
  const res = backupConfigSchema.safeParse(value ?? {});
  if (!res.success) {
    const issues = res.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`);
    throw new ConfigError(`${file}: invalid backup config:\n  ${issues.join('\n  ')}`, file, issues);
  }
  return res.data;
}

export function loadBackupConfig(file: string): BackupConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`, file);
  }
  const doc = parseConfigYaml(text, file);
  const section = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).backup : undefined;
  const cfg = parseBackupConfig(section, file);
  // Everything the config points at is a secret from here on (logger redaction).
  for (const name of secretEnvNames(cfg)) registerSecret(process.env[name]);
  return cfg;
}

/** The value of a required env var, or a clear error naming it (never its value). */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (!v) throw new ConfigError(`environment variable ${name} is not set (named by the backup config)`);
  return v;
}
