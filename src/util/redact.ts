/**
 * Removes secrets from any text before it is logged or written: passwords
 * inside connection URLs, key=value passwords, and every value registered as
 * secret at run time (connection strings read from the environment).
 */
const registered = new Set<string>();

/** Register a secret value (and, for URLs, the password inside it). */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 4) return;
  registered.add(value);
  try {
    const u = new URL(value);
    // Short passwords are still masked inside URLs by the pattern below; registering them would blank out common letters.
    for (const p of [u.password, decodeURIComponent(u.password)]) if (p.length >= 4) registered.add(p);
  } catch {
    /* not a URL */
  }
}

export function registeredSecrets(): string[] {
  return [...registered];
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@\s/]*)@/gi;
const KV_PASSWORD = /\b(password|pwd|passwd|secret|token)\s*=\s*([^;\s&]+)/gi;

export function redact(text: string): string {
  let out = text;
  // Longest first, so a URL is replaced before the password inside it.
  for (const secret of [...registered].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('***');
  }
  return out.replace(URL_PASSWORD, '$1:***@').replace(KV_PASSWORD, '$1=***');
}
