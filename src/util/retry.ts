/**
 * The one retry helper: exponential backoff (factor 2) with jitter, for
 * transient errors only. Anything else fails at once.
 */
import pRetry from 'p-retry';

export interface RetryOptions {
  retries: number;
  /** First delay, ms (doubled each attempt, randomised x1..x2). */
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  isTransient: (err: unknown) => boolean;
  /** Metrics / logging hook, called before each retry. */
  onRetry?: (info: { attempt: number; retriesLeft: number; error: unknown }) => void;
  signal?: AbortSignal;
}

export const DEFAULT_RETRIES = 3;

export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  return pRetry(fn, {
    retries: options.retries,
    factor: 2,
    minTimeout: options.minTimeoutMs ?? 200,
    maxTimeout: options.maxTimeoutMs ?? 10_000,
    randomize: true,
    signal: options.signal,
    shouldRetry: ({ error }) => options.isTransient(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && options.isTransient(error)) {
        options.onRetry?.({ attempt: attemptNumber, retriesLeft, error });
      }
    },
  });
}
