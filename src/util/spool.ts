/**
 * A list that keeps its first items in memory and appends the rest to a temporary file, so that a list of any
 * length costs a bounded amount of memory (a report listing 100,000 drifted rows). Read it back in order with
 * `texts()` (each item's JSON text, as the report writes it). The files go into one directory of the process's
 * own, removed when the process exits.
 *
 * The file is a JSON text sequence (RFC 7464: each record is RS, a JSON text, LF) of indented texts, the form
 * the JSON report prints, so writing the report copies them instead of parsing and printing every row again.
 * RS (U+001E) never occurs inside a record: JSON escapes control characters.
 */
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Characters of records gathered before one write to the file, and read back at once: young-generation strings (see report/write.ts). */
const BUFFER_CHARS = 16 * 1024;
const RS = '\u001e';

let spoolDir: string | undefined;
let spoolCount = 0;

function newSpoolFile(): string {
  if (!spoolDir) {
    spoolDir = mkdtempSync(join(tmpdir(), 'cdc-recon-spool-'));
    const dir = spoolDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  spoolCount += 1;
  return join(spoolDir, `${spoolCount}.json-seq`);
}

/** An item's text as the spool holds it and `texts()` gives it: JSON indented by two spaces. */
export function itemText(item: unknown): string {
  return JSON.stringify(item, null, 2);
}

export class JsonSeqSpool<T> {
  /** The first `heldLimit` items, in memory. */
  readonly held: T[] = [];
  private spilled = 0;
  private file: string | undefined;
  private fd: number | undefined;
  private pending = '';

  /** Items must be plain JSON data (no BigInt): they are written with JSON.stringify. */
  constructor(private readonly heldLimit: number) {}

  get length(): number {
    return this.held.length + this.spilled;
  }

  /** Whether some items live in the file (not all are in `held`). */
  get spills(): boolean {
    return this.spilled > 0;
  }

  push(item: T): void {
    if (this.held.length < this.heldLimit && this.spilled === 0) {
      this.held.push(item);
      return;
    }
    this.pending += `${RS}${itemText(item)}\n`;
    this.spilled += 1;
    if (this.pending.length >= BUFFER_CHARS) this.flush();
  }

  /** Every item's JSON text, indented by two spaces as JSON.stringify(item, null, 2) gives it, in order. */
  async *texts(): AsyncGenerator<string> {
    for (const item of this.held) yield itemText(item);
    yield* this.spilledTexts();
  }


  private async *spilledTexts(): AsyncGenerator<string> {
    if (this.spilled === 0) return;
    this.flush();
    let rest = '';
    for await (const chunk of createReadStream(this.file!, { encoding: 'utf8', highWaterMark: BUFFER_CHARS })) {
      const records = (rest + (chunk as string)).split(RS);
      rest = records.pop()!;
      // The text before the first RS of the file is empty; every other piece ends with its LF.
      for (const record of records) if (record.length > 0) yield record.slice(0, -1);
    }
    if (rest.length > 0) yield rest.slice(0, -1);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    if (this.fd === undefined) {
      this.file = newSpoolFile();
      this.fd = openSync(this.file, 'a');
    }
    writeSync(this.fd, this.pending);
    this.pending = '';
  }
}
