/**
 * Every `cdc-recon …` command written in the runbooks exists in the CLI:
 * the subcommand, each `--flag`, the value of each flag that has fixed
 * choices, and the required options. A runbook that drifts from the CLI fails
 * here instead of at 3 a.m.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

const RUNBOOKS = resolve(dirname(fileURLToPath(import.meta.url)), '../../runbooks');

interface CommandLine {
  file: string;
  line: number;
  text: string;
  words: string[];
}

const OPERATORS = new Set(['|', '||', '&&', ';', '&', '>', '>>', '<', '2>', '2>&1', '1>', '1>>', '2>>', '&>', '>&1', '>&2', '1>&2']);

/** Shell-like split: quotes, escapes, comments, operators as their own words. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  const push = () => {
    if (has) words.push(cur);
    cur = '';
    has = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${text}`);
      cur += text.slice(i + 1, end);
      has = true;
      i = end;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(c)) {
      push();
    } else if (c === '#' && !has) {
      break; // comment
    } else if ('|&;<>'.includes(c)) {
      let op = /^(>&\d|&>|>>|\|\||&&|[|&;<>])/.exec(text.slice(i))![0];
      i += op.length - 1;
      if ((cur === '1' || cur === '2') && op.startsWith('>')) {
        op = cur + op; // 2> and 2>&1 redirect stderr
        cur = '';
        has = false;
      } else {
        push();
      }
      words.push(op);
    } else {
      cur += c;
      has = true;
    }
  }
  push();
  return words;
}

/** `cdc-recon …` command lines in fenced code blocks and in inline code spans. */
export function commandLines(file: string, markdown: string): CommandLine[] {
  const out: CommandLine[] = [];
  const lines = markdown.split('\n');
  let fence = false;
  let pending: { text: string; line: number } | undefined;
  const prose: Array<{ text: string; line: number }> = [];
  lines.forEach((raw, idx) => {
    if (/^\s*```/.test(raw)) {
      fence = !fence;
      return;
    }
    if (!fence) {
      prose.push({ text: raw, line: idx + 1 });
      return;
    }
    // Join backslash continuations.
    const line = raw.replace(/\s+$/, '');
    const text = pending ? `${pending.text} ${line.trim()}` : line.trim();
    const start = pending?.line ?? idx + 1;
    if (line.endsWith('\\')) {
      pending = { text: text.slice(0, -1), line: start };
      return;
    }
    pending = undefined;
    if (/(^|[\s;&|(])cdc-recon\s/.test(text)) out.push({ file, line: start, text, words: shellWords(text.replace(/^\$\s+/, '')) });
  });
  // Inline code spans may wrap over lines inside a paragraph.
  const paragraphs: Array<{ text: string; line: number }> = [];
  for (const p of prose) {
    const last = paragraphs[paragraphs.length - 1];
    if (p.text.trim() === '' || !last) paragraphs.push({ text: p.text, line: p.line });
    else last.text += ` ${p.text.trim()}`;
  }
  for (const p of paragraphs) {
    for (const m of p.text.matchAll(/`([^`]+)`/g)) {
      const code = m[1]!.trim();
      if (/^cdc-recon\s+[a-z]/.test(code)) out.push({ file, line: p.line, text: code, words: shellWords(code) });
    }
  }
  return out;
}

function isPlaceholder(value: string): boolean {
  return /^<.*>$/.test(value) || value.startsWith('$');
}

interface Invocation {
  where: string;
  sub: string;
  flags: Array<{ flag: string; value?: string }>;
}

/** Each `cdc-recon` invocation inside a command line (there can be several). */
export function invocations(cl: CommandLine): Invocation[] {
  const out: Invocation[] = [];
  const w = cl.words;
  for (let i = 0; i < w.length; i++) {
    if (w[i] !== 'cdc-recon') continue;
    const sub = w[i + 1] ?? '';
    const flags: Invocation['flags'] = [];
    let j = i + 2;
    for (; j < w.length && !OPERATORS.has(w[j]!); j++) {
      const word = w[j]!;
      if (!word.startsWith('--')) continue;
      const eq = word.indexOf('=');
      if (eq > 0) flags.push({ flag: word.slice(0, eq), value: word.slice(eq + 1) });
      else {
        const next = w[j + 1];
        flags.push({ flag: word, value: next !== undefined && !next.startsWith('-') && !OPERATORS.has(next) ? next : undefined });
      }
    }
    out.push({ where: `${cl.file}:${cl.line}: ${cl.text}`, sub, flags });
    i = j;
  }
  return out;
}

/** Problems of one invocation against the real CLI; empty when it is valid. */
export function problems(program: Command, inv: Invocation): string[] {
  if (inv.sub === '--help' || inv.sub === '--version' || inv.sub === '-V' || inv.sub === '-h') return [];
  const cmd = program.commands.find((c) => c.name() === inv.sub || c.aliases().includes(inv.sub));
  if (!cmd) return [`unknown subcommand "${inv.sub}" in ${inv.where}`];
  const out: string[] = [];
  const options = cmd.options as readonly Option[];
  const byLong = new Map(options.filter((o) => o.long).map((o) => [o.long!, o]));
  for (const { flag, value } of inv.flags) {
    if (flag === '--help') continue;
    const opt = byLong.get(flag);
    if (!opt) {
      out.push(`"${inv.sub}" has no option ${flag} (${inv.where})`);
      continue;
    }
    const choices = opt.argChoices;
    if (choices && value !== undefined && !isPlaceholder(value) && !choices.includes(value)) {
      out.push(`${flag} ${value}: not one of ${choices.join(', ')} (${inv.where})`);
    }
  }
  // A bare `cdc-recon backup` in prose names the command; a command with
  // flags is one to run, and must carry the required options.
  if (inv.flags.length > 0 && !inv.flags.some((f) => f.flag === '--help')) {
    for (const o of options.filter((x) => x.mandatory)) {
      if (!inv.flags.some((f) => f.flag === o.long)) out.push(`"${inv.sub}" needs ${o.long} (${inv.where})`);
    }
  }
  return out;
}

const files = readdirSync(RUNBOOKS).filter((f) => f.endsWith('.md'));
const all = files.flatMap((f) => commandLines(f, readFileSync(join(RUNBOOKS, f), 'utf8')));
const allInvocations = all.flatMap(invocations);

describe('runbook command parser', () => {
  it('splits like a shell', () => {
    expect(shellWords(`cdc-recon diagnostics --out "diag-$(date -u +%Y).tar.gz" | tee x # note`)).toEqual([
      'cdc-recon', 'diagnostics', '--out', 'diag-$(date -u +%Y).tar.gz', '|', 'tee', 'x',
    ]);
    expect(shellWords(`a 'b c' d\\ e && f`)).toEqual(['a', 'b c', 'd e', '&&', 'f']);
    expect(shellWords('x --a 2> err.log --b 2>&1')).toEqual(['x', '--a', '2>', 'err.log', '--b', '2>&1']);
  });

  it('finds commands in code blocks (with continuations) and inline code, flags with values', () => {
    const md = [
      'Run `cdc-recon reconcile --config x.yml',
      '--mode schema` first.',
      '',
      '```sh',
      'cdc-recon restore --set s3://b/p \\',
      '  --dry-run',
      'psql "$TARGET_URL" -c "SELECT 1"',
      'TARGET_URL=x cdc-recon reconcile --config=r.yml --fail-on never 2> log',
      '```',
    ].join('\n');
    const found = commandLines('t.md', md).flatMap(invocations);
    expect(found.map((i) => [i.sub, i.flags])).toEqual([
      ['restore', [{ flag: '--set', value: 's3://b/p' }, { flag: '--dry-run', value: undefined }]],
      ['reconcile', [{ flag: '--config', value: 'r.yml' }, { flag: '--fail-on', value: 'never' }]],
      ['reconcile', [{ flag: '--config', value: 'x.yml' }, { flag: '--mode', value: 'schema' }]],
    ]);
  });
});

describe('runbooks use only real cdc-recon commands and flags', () => {
  it('the runbooks contain cdc-recon commands for every subcommand', () => {
    expect(allInvocations.length).toBeGreaterThan(30);
    const subs = new Set(allInvocations.map((i) => i.sub));
    for (const s of ['reconcile', 'merge-reports', 'backup', 'restore', 'diagnostics']) expect(subs).toContain(s);
  });

  it('every subcommand, flag, choice value and required option exists in buildProgram()', () => {
    const program = buildProgram();
    const found = allInvocations.flatMap((inv) => problems(program, inv));
    expect(found).toEqual([]);
  });

  it('the check rejects what the CLI does not have', () => {
    const program = buildProgram();
    const bad = (text: string) =>
      commandLines('bad.md', `\`\`\`sh\n${text}\n\`\`\``).flatMap(invocations).flatMap((inv) => problems(program, inv));
    expect(bad('cdc-recon reconcile --config r.yml --no-such-flag')).toHaveLength(1);
    expect(bad('cdc-recon reconcile --config r.yml --mode everything')).toHaveLength(1);
    expect(bad('cdc-recon reconcile --mode count')).toHaveLength(1); // --config is required
    expect(bad('cdc-recon frobnicate --config r.yml')).toHaveLength(1);
    expect(bad('cdc-recon reconcile --config r.yml --mode schema --table a b')).toEqual([]);
  });
});
