/**
 * Removes secrets from any text before it is logged or written: passwords
 * inside connection URLs, key=value passwords, and every value registered as
 * secret at run time (connection strings read from the environment).
 */
const registered = new Set<string>();

/**
 * The secret parts of a connection value: the value itself, the password of
 * a URL (raw, decoded and encoded), `password=` query parameters and
 * `Password=` / `Pwd=` items of ADO-style connection strings.
 */
export function secretParts(value: string, minLength = 4): string[] {
  const out = new Set<string>([value]);
  try {
    const u = new URL(value);
    if (u.password) {
      out.add(u.password);
      try {
        out.add(decodeURIComponent(u.password));
      } catch {
        /* malformed escape: the raw form is masked */
      }
    }
    for (const [k, v] of u.searchParams) if (/pass|pwd|secret|token|key/i.test(k) && v) out.add(v);
  } catch {
    /* not a URL */
  }
  for (const m of value.matchAll(/(?:^|;)\s*(?:password|pwd)\s*=\s*(\{[^}]*\}|[^;]*)/gi)) {
    const v = (m[1] ?? '').trim().replace(/^\{|\}$/g, '');
    if (v) out.add(v);
  }
  // Parts (not the whole value) may also show up URL-encoded.
  for (const p of [...out]) {
    const enc = encodeURIComponent(p);
    if (p !== value && enc !== p) out.add(enc);
  }
  return [...out].filter((s) => s.length >= minLength);
}

/**
 * Register a secret value and its secret parts. Parts shorter than 4 characters are not registered
 * (they would blank out common letters); inside URLs the pattern below still masks them.
 */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 4) return;
  for (const part of secretParts(value)) registered.add(part);
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
