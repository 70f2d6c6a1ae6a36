/**
 * Where `scope: incremental` keeps its state between runs: a JSON file for the
 * CLI (--state-file), the previous report for the action (restored from the
 * Actions cache, where the report already goes). A state that is missing or
 * cannot be read gives a warning and full runs, never skipped rows.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CANONICAL_FORM_VERSION, type IncrementalState } from '../engine/incremental.js';
import type { RunReport } from '../report/model.js';
import { errorMessage } from '../util/errors.js';

export interface LoadedState {
  state?: IncrementalState;
  warning?: string;
}

function isState(v: unknown): v is IncrementalState {
  if (!v || typeof v !== 'object') return false;
  const s = v as Partial<IncrementalState>;
  return typeof s.form === 'number' && !!s.tables && typeof s.tables === 'object' && Object.values(s.tables).every((t) => t && Array.isArray(t.sliceVerifiedAt) && typeof t.coverage === 'number');
}

export function readStateFile(path: string): LoadedState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { warning: `incremental state ${path} cannot be read (${errorMessage(err)}): full runs` };
  }
  try {
    const value: unknown = JSON.parse(text);
    if (isState(value)) return { state: value };
  } catch {
    /* below */
  }
  return { warning: `incremental state ${path} is not a cdc-recon state file: full runs` };
}

/** The state a report holds (its tables' incremental.state), for the action's cache. */
export function stateFromReport(report: RunReport | undefined): LoadedState {
  if (!report) return { warning: 'no previous report in the cache: full runs of the incremental tables' };
  const tables: IncrementalState['tables'] = {};
  for (const t of report.tables) if (t.incremental?.state) tables[t.table] = t.incremental.state;
  return { state: { form: CANONICAL_FORM_VERSION, tables } };
}

/** The previous state with every table this run verified replaced (a failed table keeps its old state). */
export function nextStateOf(previous: IncrementalState | undefined, report: RunReport): IncrementalState {
  const tables = { ...(previous?.form === CANONICAL_FORM_VERSION ? previous.tables : {}) };
  for (const t of report.tables) if (t.incremental?.state) tables[t.table] = t.incremental.state;
  return { form: CANONICAL_FORM_VERSION, tables };
}

export function writeStateFile(path: string, state: IncrementalState): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}
