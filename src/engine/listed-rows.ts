/**
 * The rows a table's report lists, of any number: the first LISTED_ROWS_HELD stay in `rows` / `inFlightRows`
 * (what the summary and the text report show), the rest go to a spool file as they are found, and the JSON
 * report is written from both (report/write.ts). The spool is found from the held array itself, so the result
 * stays the report's plain data, a copy of it (`{ ...result }`) lists the same rows, and a list replaced by
 * another array lists that array alone.
 */
import type { DiffRow } from '../report/model.js';
import { JsonLinesSpool } from '../util/spool.js';

/** Rows of each list kept in memory: the default maxDiffRows, so that a default run never writes a spool. */
export const LISTED_ROWS_HELD = 1000;

const spools = new WeakMap<readonly DiffRow[], JsonLinesSpool<DiffRow>>();

/** A new list; its `held` array is what goes into the result. */
export function newRowList(): JsonLinesSpool<DiffRow> {
  const list = new JsonLinesSpool<DiffRow>(LISTED_ROWS_HELD);
  spools.set(list.held, list);
  return list;
}

/** Every row of a result's list: the held ones, then the spooled ones. */
export async function* allListedRows(held: readonly DiffRow[]): AsyncGenerator<DiffRow> {
  const list = spools.get(held);
  if (list) yield* list.all();
  else yield* held;
}

/** Whether a list has rows beyond its held ones. */
export function listSpills(held: readonly DiffRow[]): boolean {
  return spools.get(held)?.spills ?? false;
}
