/**
 * Redaction for everything DR writes (diagnostics bundles, reports, manifests):
 * passwords inside URLs, `password=…` pairs (URL query, ADO connection strings,
 * libpq), JSON/YAML "password"/"secret"/"token" fields, SQL `PASSWORD '…'`,
 * bearer/basic authorization headers, AWS keys, and the exact value of every
 * env var named in the config (plus the password parsed out of it).
 */
import type { BackupConfig } from '../config/backup.js';
import { secretEnvNames } from '../config/backup.js';
import { redact as baseRedact, secretParts } from '../util/redact.js';

export const MASK = '***';

/** Env vars whose values are secrets whatever the config says. */
const ALWAYS_SECRET_ENV = [
  'PGPASSWORD',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'GITHUB_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
  'PUSHGATEWAY_PASSWORD',
];

/** A secret's value and the parts of it that are secret on their own (shared with the engine and the action). */
export { secretParts };

/** Secret values named by the config, read from `env`. */
export function secretsFromConfig(cfg: BackupConfig | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  // CDC_RECON_SECRET_*: connector secrets resupplied on a Kafka Connect restore.
  const resupplied = Object.keys(env).filter((n) => n.startsWith('CDC_RECON_SECRET_'));
  const names = [...(cfg ? secretEnvNames(cfg) : []), ...ALWAYS_SECRET_ENV, ...resupplied];
  return names.flatMap((n) => (env[n] ? secretParts(env[n] as string) : []));
}

const PATTERNS: Array<[RegExp, string]> = [
  // scheme://user:password@host (greedy to the last @ of the authority: passwords may hold an unencoded @)
  [/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"']*):([^\s/"']*)@/gi, `$1:${MASK}@`],
  // JSON "…password…": "…" (database.password, ssl.key.password, sasl.jaas.config, …) — before key=value,
  // so a JAAS string holding password="…" is masked whole.
  [/("[^"\s]*(?:password|passwd|secret|token|credentials?|api[_-]?key|jaas\.config|user\.info)[^"\s]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, `$1"${MASK}"`],
  // YAML  some_password: value
  [/^(\s*[\w.-]*(?:password|passwd|secret|token|api[_-]?key)[\w.-]*\s*:\s*)(\S.*)$/gim, `$1${MASK}`],
  // password=…, pwd=…, token=…, secret=…, api_key=…, aws_secret_access_key=… (URL query, ADO, libpq, env dumps)
  [
    /\b([\w.-]*?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?access[_-]?key)\s*=\s*)(\{[^}]*\}|\\?'[^']*'|\\?"[^"]*"|[^;\s&,"']+)/gi,
    `$1${MASK}`,
  ],
  // SQL: PASSWORD 'x' / PASSWORD = 'x'
  [/\b(PASSWORD\s*=?\s*)'(?:[^']|'')*'/gi, `$1'${MASK}'`],
  // Authorization headers
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${MASK}`],
  // GitHub tokens, AWS access key ids
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, MASK],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, MASK],
];

export type Redactor = (text: string) => string;

export function createRedactor(secrets: Iterable<string> = []): Redactor {
  const list = [...new Set([...secrets].flatMap(secretParts))].sort((a, b) => b.length - a.length);
  const encoded = list.flatMap((s) => {
    const e = encodeURIComponent(s);
    return e !== s ? [e] : [];
  });
  return (text: string) => {
    let out = text;
    for (const s of [...list, ...encoded]) out = out.split(s).join(MASK);
    for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
    return baseRedact(out);
  };
}

/** A URL safe to show: password removed. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = MASK;
    for (const k of [...u.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(k)) u.searchParams.set(k, MASK);
    }
    return u.toString();
  } catch {
    return createRedactor()(url);
  }
}
