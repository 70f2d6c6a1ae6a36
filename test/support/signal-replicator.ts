/**
 * SignalReplicator: a stand-in for Debezium + a JDBC sink on PostgreSQL (no
 * Kafka here). It watches the source's signalling table and, for every new
 * `execute-snapshot` signal of type `incremental`, does what an incremental
 * snapshot does: runs `SELECT * FROM <collection> WHERE (<filter>)` on the
 * source with the signal's additional-condition filter as SQL text, exactly
 * as Debezium would, and re-copies the rows it returns into the target
 * (upsert by key, values bound). Like Debezium, it emits nothing for keys the
 * source does not have: a snapshot never deletes.
 *
 * Still used by the repair tests (test/integration/repair*.test.ts): moving them onto the live
 * pipeline's Debezium signals (test/pipeline/) is not done yet.
 */
import pg from 'pg';

export interface ReplicatedTable {
  /** Quoted source table. */
  source: string;
  /** Quoted target table. */
  target: string;
  key: string[];
}

export interface ProcessedSignal {
  id: string;
  collection: string;
  filter: string | undefined;
  /** Key values (text) of the rows the filter selected and that were copied. */
  copied: string[][];
}

/** Every value as the server's text: what goes back in as a parameter is exactly what came out. */
const asText = { getTypeParser: () => (v: string) => v } as unknown as typeof pg.types;

export class SignalReplicator {
  readonly processed: ProcessedSignal[] = [];
  private readonly seen = new Set<string>();
  private chain: Promise<number> = Promise.resolve(0);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: {
      sourceUrl: string;
      targetUrl: string;
      /** Quoted signalling table. */
      signalTable: string;
      /** Data-collection id -> table. */
      tables: Record<string, ReplicatedTable>;
      intervalMs?: number;
    },
  ) {}

  /** Polls in the background, like a running connector. */
  start(): this {
    this.timer = setInterval(() => void this.poll().catch(() => undefined), this.options.intervalMs ?? 50);
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.chain.catch(() => undefined);
  }

  /** One pass over the signalling table; serialised with the background polls. Returns the signals handled. */
  poll(): Promise<number> {
    this.chain = this.chain.catch(() => 0).then(() => this.pass());
    return this.chain;
  }

  /** Polls until a pass finds nothing new. */
  async drain(): Promise<void> {
    while ((await this.poll()) > 0) {
      /* keep going */
    }
  }

  private async pass(): Promise<number> {
    const source = new pg.Client({ connectionString: this.options.sourceUrl, types: asText });
    const target = new pg.Client({ connectionString: this.options.targetUrl, types: asText });
    await Promise.all([source.connect(), target.connect()]);
    let handled = 0;
    try {
      const { rows } = await source.query<{ id: string; type: string; data: string | null }>(`SELECT id, type, data FROM ${this.options.signalTable}`);
      for (const s of rows) {
        if (this.seen.has(s.id)) continue;
        this.seen.add(s.id);
        handled += 1;
        if (s.type !== 'execute-snapshot' || !s.data) continue;
        const data = JSON.parse(s.data) as {
          type?: string;
          'data-collections': string[];
          'additional-conditions'?: Array<{ 'data-collection': string; filter: string }>;
        };
        if ((data.type ?? 'incremental') !== 'incremental') continue;
        for (const collection of data['data-collections']) {
          const table = this.options.tables[collection];
          if (!table) throw new Error(`signal names unknown collection ${collection}`);
          const filter = data['additional-conditions']?.find((c) => c['data-collection'] === collection)?.filter;
          const selected = await source.query<Record<string, string | null>>(`SELECT * FROM ${table.source}${filter ? ` WHERE ${filter}` : ''}`);
          const copied: string[][] = [];
          for (const row of selected.rows) {
            const cols = Object.keys(row);
            const q = (c: string) => pg.escapeIdentifier(c);
            const update = cols.filter((c) => !table.key.includes(c)).map((c) => `${q(c)} = EXCLUDED.${q(c)}`);
            await target.query(
              `INSERT INTO ${table.target} (${cols.map(q).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) ` +
                `ON CONFLICT (${table.key.map(q).join(', ')}) ${update.length ? `DO UPDATE SET ${update.join(', ')}` : 'DO NOTHING'}`,
              cols.map((c) => row[c]),
            );
            copied.push(table.key.map((k) => String(row[k])));
          }
          this.processed.push({ id: s.id, collection, filter, copied });
        }
      }
    } finally {
      await Promise.all([source.end(), target.end()]);
    }
    return handled;
  }
}
