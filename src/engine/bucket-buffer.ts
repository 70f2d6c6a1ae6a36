/**
 * The buckets of one packed answer, held until its statement has succeeded: a transient failure part way through
 * a stream retries the statement from the start, and what the failed attempt heard must not be added twice. Numbers
 * in one growing typed array (four a bucket), reused statement after statement: no object per bucket.
 */
import type { BucketAdd, Bucketing, SegmentFilter } from '../dialects/types.js';
import type { SideReader } from './reader.js';

type RangeBucketing = Extract<Bucketing, { kind: 'range' }>;

export class BucketBuffer {
  private data = new Float64Array(4 * 1024);
  private length = 0;

  readonly add: BucketAdd = (bucket, count, hi, lo) => {
    if (this.length + 4 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length] = bucket;
    this.data[this.length + 1] = count;
    this.data[this.length + 2] = hi;
    this.data[this.length + 3] = lo;
    this.length += 4;
  };

  clear(): void {
    this.length = 0;
  }

  /** Hands every held bucket to `add`, in the order heard, and empties the buffer. */
  drain(add: BucketAdd): void {
    const d = this.data;
    for (let i = 0; i < this.length; i += 4) add(d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!);
    this.length = 0;
  }

  /** `reader.packedChecksums` of one statement, heard by `add` once all of it has come. */
  async read(reader: SideReader, filter: SegmentFilter, bucketing: RangeBucketing, add: BucketAdd, denseKeys = false): Promise<void> {
    if (!reader.packedChecksums) throw new Error('this side does not pack its checksums');
    this.clear();
    await reader.packedChecksums(filter, bucketing, this.add, () => this.clear(), denseKeys);
    this.drain(add);
  }
}
