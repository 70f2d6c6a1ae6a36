/**
 * The rows a table's report lists, of any number: the first LISTED_ROWS_HELD stay in `rows` / `inFlightRows`
 * (what the summary and the text report show), the rest go to a spool file as they are found, and the JSON
 * report is written from both (report/write.ts). The spool is found from the held array itself, so the result
 * stays the report's plain data, a copy of it (`{ ...result }`) lists the same rows, and a list replaced by
 * another array lists that array alone.
 */
import type { DiffRow } from '../report/model.js';
import { itemText, JsonSeqSpool } from '../util/spool.js';

/** Rows of each list kept in memory: the default maxDiffRows, so that a default run never writes a spool. */
export const LISTED_ROWS_HELD = 1000;

const spools = new WeakMap<readonly DiffRow[], JsonSeqSpool<DiffRow>>();

/** A new list; its `held` array is what goes into the result. */
export function newRowList(): JsonSeqSpool<DiffRow> {
  const list = new JsonSeqSpool<DiffRow>(LISTED_ROWS_HELD);
  spools.set(list.held, list);
  return list;
}

/** The JSON text of every row of a result's list, spooled or not, in the spool's one form (rows hold strings only). */
export async function* allListedRowTexts(held: readonly DiffRow[]): AsyncGenerator<string> {
  const list = spools.get(held);
  if (list) yield* list.texts();
  else for (const row of held) yield itemText(row);
}

/** Whether a list has rows beyond its held ones. */
export function listSpills(held: readonly DiffRow[]): boolean {
  return spools.get(held)?.spills ?? false;
}
