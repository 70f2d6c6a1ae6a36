/**
 * Runs the optional sinks (job summary, artifacts, cache, metrics) so that
 * none of them can fail a reconcile: whatever a sink throws, or however long
 * it hangs, becomes one warning with the reason, and the next sink runs.
 */
import { errorMessage } from '../util/errors.js';
import { redact } from '../util/redact.js';

export type SinkStatus = 'ok' | 'skipped' | 'failed';

export interface SinkOutcome {
  sink: string;
  status: SinkStatus;
  message: string;
}

/** What a sink's `run` returns: what it did, or why it did nothing. */
export type SinkResultLike = { status: 'ok' | 'skipped'; message: string };

export interface Sink {
  name: string;
  run: () => Promise<SinkResultLike>;
  /** Give up after this long (default 10 minutes): a hung upload must not hang the job. */
  timeoutMs?: number;
}

export interface SinkReporter {
  info(message: string): void;
  warning(message: string): void;
}

export const ok = (message: string): SinkResultLike => ({ status: 'ok', message });
export const skipped = (message: string): SinkResultLike => ({ status: 'skipped', message });

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${Math.round(ms / 1000)} s`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every sink in order; never throws. */
export async function runSinks(sinks: Sink[], reporter: SinkReporter): Promise<SinkOutcome[]> {
  const outcomes: SinkOutcome[] = [];
  for (const sink of sinks) {
    let outcome: SinkOutcome;
    try {
      const r = await withTimeout(Promise.resolve().then(sink.run), sink.timeoutMs ?? 10 * 60_000);
      outcome = { sink: sink.name, status: r.status, message: redact(r.message) };
    } catch (err) {
      outcome = { sink: sink.name, status: 'failed', message: redact(errorMessage(err) || String(err)) };
    }
    outcomes.push(outcome);
    try {
      if (outcome.status === 'failed') reporter.warning(`${sink.name}: ${outcome.message}`);
      else reporter.info(`${sink.name}: ${outcome.message}`);
    } catch {
      /* a reporter that throws must not fail the run either */
    }
  }
  return outcomes;
}
