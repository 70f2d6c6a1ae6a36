/** The exit code of a finished run under the `fail-on` policy, the same for every face. */
import type { FailOn } from '../config/model.js';
import { exitCodeFor } from '../engine/results.js';
import type { TableStatus } from '../report/model.js';

export function exitCodeWithPolicy(status: TableStatus, failOn: FailOn): number {
  if (failOn === 'never') return 0;
  if (failOn === 'error' && status === 'mismatch') return 0;
  return exitCodeFor(status);
}

/** A run that failed before it had a report: 2, or 0 under `fail-on: never`. */
export function exitCodeForFailure(failOn: FailOn): number {
  return failOn === 'never' ? 0 : 2;
}
