/**
 * Structured JSON logs, one object per line on stderr, with timezone-aware
 * UTC ISO-8601 timestamps. Every line goes through redact().
 */
import { redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

/** UTC timestamp with an explicit offset ("+00:00"), never a naive local time. */
export function utcTimestamp(date = new Date()): string {
  return date.toISOString().replace('Z', '+00:00');
}

export function createLogger(
  options: { level?: LogLevel; sink?: LogSink; base?: Record<string, unknown>; skip?: (msg: string) => boolean } = {},
): Logger {
  const min = ORDER[options.level ?? 'info'];
  // A face that shows some messages its own way (the CLI's progress line) leaves them out of the JSON lines.
  const skip = options.skip ?? (() => false);
  const sink: LogSink = options.sink ?? ((line) => process.stderr.write(`${line}\n`));
  const base = options.base ?? {};
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min || skip(msg)) return;
    const record = { timestamp: utcTimestamp(), level, msg, ...base, ...fields };
    sink(redact(JSON.stringify(record, jsonSafe)));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ level: options.level, sink, base: { ...base, ...fields }, skip }),
  };
}

/** BigInt and Error values serialise readably instead of throwing. */
export function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  return value;
}

export const silentLogger: Logger = createLogger({ sink: () => undefined });
