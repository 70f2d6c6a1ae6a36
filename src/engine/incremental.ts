/**
 * `scope: incremental`: what a run verifies, decided from the state the last
 * run left, and the state it leaves for the next one. Pure: the state file
 * (CLI) or the Actions cache (action) is read and written by the app layer.
 *
 * A run verifies (1) every key whose change column is at or after the last
 * run's newest change minus the overlap, on either side, and (2) one slice of
 * the key space, 1/coverage of it, a different one each run, so that every row
 * is verified at least once every `coverage` runs even when nothing marks it
 * changed. Whenever the window cannot be trusted (no state, another canonical
 * form, another change column or coverage, the change column went backwards),
 * the table gets a full run and says why: rows are never skipped.
 */
import { compareCanonical, shiftCanonical } from '../canonical/shift.js';
import { CANONICAL_FORM_VERSION, type CanonicalSpec } from '../canonical/types.js';
import type { TableSpec } from '../config/model.js';
import type { TablePart } from './part.js';

/** State from another canonical form is not trusted (its hashes were computed on other text). */
export { CANONICAL_FORM_VERSION };

export interface IncrementalTableState {
  changeColumn: string | null;
  coverage: number;
  /** The source's newest change (canonical text) when the last run started; null without a change column. */
  watermark: string | null;
  /** The slice (0-based) the next run verifies. */
  nextSlice: number;
  /** When each slice was last verified (ISO time); a full run verifies them all. */
  sliceVerifiedAt: string[];
}

export interface IncrementalState {
  form: number;
  tables: Record<string, IncrementalTableState>;
}

export type IncrementalDecision =
  | { scope: 'full'; reason: string }
  | { scope: 'incremental'; since: string | null; slice: TablePart; previous: IncrementalTableState };

/** What this run verifies of a table, from the state the last run left (undefined: none). */
export function decide(spec: TableSpec, state: IncrementalState | undefined): IncrementalDecision {
  const inc = spec.incremental;
  if (!state) return { scope: 'full', reason: 'no state from an earlier run: a full run sets the starting point' };
  if (state.form !== CANONICAL_FORM_VERSION) return { scope: 'full', reason: `the state was written for canonical form ${state.form}, this is form ${CANONICAL_FORM_VERSION}` };
  const prev = state.tables[spec.id];
  if (!prev) return { scope: 'full', reason: 'no state for this table yet: a full run sets the starting point' };
  if ((prev.changeColumn ?? null) !== (inc.changeColumn ?? null)) return { scope: 'full', reason: `the change column changed (${prev.changeColumn ?? 'none'} -> ${inc.changeColumn ?? 'none'})` };
  if (prev.coverage !== inc.coverage || prev.sliceVerifiedAt.length !== inc.coverage) return { scope: 'full', reason: `coverage changed (${prev.coverage} -> ${inc.coverage})` };
  if (inc.changeColumn && prev.watermark === null) return { scope: 'full', reason: 'the last run saw no change on the source: a full run sets the starting point' };
  const slice = ((prev.nextSlice % inc.coverage) + inc.coverage) % inc.coverage;
  return { scope: 'incremental', since: prev.watermark, slice: { index: slice + 1, count: inc.coverage }, previous: prev };
}

/** The first change verified key by key: the last watermark moved back by the overlap. */
export function windowStart(spec: TableSpec, change: CanonicalSpec, watermark: string): string {
  return shiftCanonical(change, watermark, -spec.incremental.overlapMs);
}

/** Why the change window cannot be answered, or undefined when it can. */
export function windowProblem(change: CanonicalSpec, previous: string | null, current: string | null): string | undefined {
  if (previous === null) return undefined;
  if (current === null) return `the change column holds no value any more (last run's newest change was ${previous})`;
  if (compareCanonical(change, current, previous) < 0) return `the change column went backwards (newest change ${current}, last run's ${previous})`;
  return undefined;
}

/** The state this run leaves: full runs verify every slice; incremental runs the one they read. */
export function nextState(spec: TableSpec, decision: IncrementalDecision, ranIncrementally: boolean, watermark: string | null, now: Date): IncrementalTableState {
  const coverage = spec.incremental.coverage;
  const at = now.toISOString();
  if (decision.scope === 'full' || !ranIncrementally) {
    return { changeColumn: spec.incremental.changeColumn ?? null, coverage, watermark, nextSlice: 0, sliceVerifiedAt: Array.from({ length: coverage }, () => at) };
  }
  const verified = [...decision.previous.sliceVerifiedAt];
  verified[decision.slice.index - 1] = at;
  return { changeColumn: spec.incremental.changeColumn ?? null, coverage, watermark, nextSlice: decision.slice.index % coverage, sliceVerifiedAt: verified };
}

/** Seconds since the least recently verified slice was verified. */
export function coverageAgeSeconds(state: IncrementalTableState, now: Date): number {
  const oldest = state.sliceVerifiedAt.reduce((a, t) => Math.min(a, Date.parse(t)), Number.POSITIVE_INFINITY);
  return Number.isFinite(oldest) ? Math.max(0, Math.round((now.getTime() - oldest) / 1000)) : 0;
}
