/**
 * A list that keeps its first items in memory and appends the rest to a temporary file as JSON lines, so that a
 * list of any length costs a bounded amount of memory (a report listing 100,000 drifted rows). Read it back in
 * order with `all()`. The files go into one directory of the process's own, removed when the process exits.
 */
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Bytes of JSON lines gathered before one write to the file. */
const WRITE_BUFFER_BYTES = 64 * 1024;

let spoolDir: string | undefined;
let spoolCount = 0;

function newSpoolFile(): string {
  if (!spoolDir) {
    spoolDir = mkdtempSync(join(tmpdir(), 'cdc-recon-spool-'));
    const dir = spoolDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  spoolCount += 1;
  return join(spoolDir, `${spoolCount}.jsonl`);
}

export class JsonLinesSpool<T> {
  /** The first `heldLimit` items, in memory. */
  readonly held: T[] = [];
  private spilled = 0;
  private file: string | undefined;
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;

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
    const line = `${JSON.stringify(item)}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.spilled += 1;
    if (this.pendingBytes >= WRITE_BUFFER_BYTES) this.flush();
  }

  /** Every item in the order pushed: the held ones, then the file's. */
  async *all(): AsyncGenerator<T> {
    yield* this.held;
    if (this.spilled === 0) return;
    this.flush();
    const lines = createInterface({ input: createReadStream(this.file!, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) if (line.length > 0) yield JSON.parse(line) as T;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    if (this.fd === undefined) {
      this.file = newSpoolFile();
      this.fd = openSync(this.file, 'a');
    }
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }
}
