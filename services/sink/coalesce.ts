// Insert coalescing for the sink: the partition batches of one fetch (one per topic-partition with
// data, processed concurrently) that go to the same table join ONE insert, sent when it holds
// `maxRows` rows or `lingerMs` after its first batch joined, whichever comes first. Each joining
// batch waits for that insert and commits its own offsets only after it succeeded, so "commit after
// insert" holds exactly as with one insert per batch; the deduplication token names every
// (topic, partition, offset range) in the insert.
//
// Why: every insert into identity_events pays a fixed cost in the engine (a new part in the table
// and in each materialized view's target table of migrations/0004, then background merges of those
// small parts). Under live traffic a fetch brings a few hundred messages spread over the partitions,
// and one insert per partition batch made that fixed cost dominate (`npm run bench`,
// docs/PERFORMANCE.md "Where the time goes").

export interface InsertPart {
  topic: string;
  partition: number;
  /** First and last offset of the batch (strings, as kafkajs gives them). */
  first: string;
  last: string;
  rows: Record<string, unknown>[];
  /** False once the batch's partition was revoked or the consumer stops: its rows need not be inserted for it. */
  alive: () => boolean;
  heartbeat: () => Promise<void>;
}

export interface CoalescerOptions {
  lingerMs: number;
  maxRows: number;
  insert: (table: string, rows: Record<string, unknown>[], token: string) => Promise<void>;
  /** Called after each failed attempt, before the backoff sleep. */
  onFailure: (table: string, err: unknown, token: string, retryInMs: number) => void;
  onSuccess: (table: string, rows: number, seconds: number) => void;
  /** True once the sink stops: a failing insert is then abandoned (its batches stay uncommitted). */
  stopping: () => boolean;
  backoffMs: number;
  maxBackoffMs: number;
}

interface Group {
  table: string;
  parts: InsertPart[];
  rows: number;
  timer: NodeJS.Timeout | null;
  done: Promise<boolean>;
  settle: (inserted: boolean) => void;
}

/** The deduplication token of an insert made of these batches (pure; order-independent). */
export function coalescedToken(parts: ReadonlyArray<Pick<InsertPart, 'topic' | 'partition' | 'first' | 'last'>>): string {
  return [...parts]
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
    .map((p) => `${p.topic}:${p.partition}:${p.first}-${p.last}`)
    .join(',');
}

export class InsertCoalescer {
  private readonly open = new Map<string, Group>();

  constructor(private readonly opts: CoalescerOptions) {}

  /**
   * Adds a batch's rows to the table's next insert. Resolves true once that insert succeeded
   * (the caller may commit), false when it was abandoned (stopping, or every batch in it went
   * stale): the caller must not commit; the messages are redelivered.
   */
  add(table: string, part: InsertPart): Promise<boolean> {
    let group = this.open.get(table);
    if (!group) {
      let settle!: (inserted: boolean) => void;
      const done = new Promise<boolean>((resolve) => (settle = resolve));
      group = { table, parts: [], rows: 0, timer: null, done, settle };
      this.open.set(table, group);
      const g = group;
      g.timer = setTimeout(() => this.flush(g), this.opts.lingerMs);
    }
    group.parts.push(part);
    group.rows += part.rows.length;
    if (group.rows >= this.opts.maxRows) this.flush(group);
    return group.done;
  }

  private flush(group: Group): void {
    if (this.open.get(group.table) !== group) return; // already flushed
    this.open.delete(group.table);
    if (group.timer) clearTimeout(group.timer);
    void this.insertWithRetry(group).then(group.settle, () => group.settle(false));
  }

  private async insertWithRetry(group: Group): Promise<boolean> {
    const rows = group.parts.length === 1 ? group.parts[0]!.rows : group.parts.flatMap((p) => p.rows);
    const token = coalescedToken(group.parts);
    let delay = this.opts.backoffMs;
    for (;;) {
      if (this.opts.stopping() || group.parts.every((p) => !p.alive())) return false;
      try {
        const started = process.hrtime.bigint();
        await this.opts.insert(group.table, rows, token);
        this.opts.onSuccess(group.table, rows.length, Number(process.hrtime.bigint() - started) / 1e9);
        return true;
      } catch (err) {
        this.opts.onFailure(group.table, err, token, delay);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.opts.maxBackoffMs);
        await Promise.all(group.parts.map((p) => p.heartbeat().catch(() => undefined)));
      }
    }
  }
}
