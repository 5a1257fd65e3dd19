// Group-commit style producer: concurrent callers (e.g. 64 webhook requests in flight) are merged
// into one `sendBatch` per broker round trip instead of one produce request each. While a send is in
// flight new messages queue up; when a slot frees, the whole queue goes out together. Each caller's
// promise resolves only when the broker acknowledged its messages (acks=all), which is what lets
// the collector answer 2xx safely.
import type { Message, Producer } from 'kafkajs';

interface Pending {
  topic: string;
  messages: Message[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface BatchingProducerOptions {
  /** Concurrent sendBatch calls (the producer itself sends one request per broker at a time). */
  maxInFlight?: number;
  /** Upper bound of messages in one sendBatch. */
  maxBatchMessages?: number;
  /**
   * Upper bound of the value bytes of one sendBatch (a single larger message still goes alone).
   * Fault-suite fix: without it, concurrent large deliveries were merged into one record batch
   * above the broker's message.max.bytes (1,048,588 by default; 10 MiB on the local broker), the
   * broker refused the whole batch (MESSAGE_TOO_LARGE) and every delivery in it was answered 503,
   * again on each retry. Default 1,000,000: under any broker's default limit.
   */
  maxBatchBytes?: number;
  /**
   * Messages allowed to wait for a send slot. Beyond it `send` rejects at once (the collector
   * answers 503): during a broker outage memory stays bounded and vendors retry later.
   */
  maxQueuedMessages?: number;
  acks?: -1 | 0 | 1;
  timeoutMs?: number;
}

export class QueueFullError extends Error {
  constructor(queued: number) {
    super(`${queued} messages already wait for the broker; refusing more until it catches up`);
    this.name = 'QueueFullError';
  }
}

export class BatchingProducer {
  private queue: Pending[] = [];
  private queuedMessages = 0;
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly maxBatchMessages: number;
  private readonly maxBatchBytes: number;
  private readonly maxQueuedMessages: number;
  private readonly acks: -1 | 0 | 1;
  private readonly timeoutMs: number;

  constructor(
    private readonly producer: Producer,
    opts: BatchingProducerOptions = {},
  ) {
    this.maxInFlight = opts.maxInFlight ?? 2;
    this.maxBatchMessages = opts.maxBatchMessages ?? 5000;
    this.maxBatchBytes = opts.maxBatchBytes ?? 1_000_000;
    this.maxQueuedMessages = opts.maxQueuedMessages ?? 20_000;
    this.acks = opts.acks ?? -1;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Resolves once every message is acknowledged by the broker. */
  send(topic: string, messages: Message[]): Promise<void> {
    if (this.queuedMessages + messages.length > this.maxQueuedMessages) {
      return Promise.reject(new QueueFullError(this.queuedMessages));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, messages, resolve, reject });
      this.queuedMessages += messages.length;
      this.pump();
    });
  }

  get pending(): number {
    return this.queuedMessages;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch: Pending[] = [];
      let count = 0;
      let bytes = 0;
      while (
        this.queue.length > 0 &&
        (batch.length === 0 ||
          (count + this.queue[0]!.messages.length <= this.maxBatchMessages && bytes + pendingBytes(this.queue[0]!) <= this.maxBatchBytes))
      ) {
        const next = this.queue.shift()!;
        batch.push(next);
        count += next.messages.length;
        bytes += pendingBytes(next);
      }
      this.queuedMessages -= count;
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic);
      if (list) list.push(...p.messages);
      else byTopic.set(p.topic, [...p.messages]);
    }
    try {
      await this.producer.sendBatch({
        acks: this.acks,
        timeout: this.timeoutMs,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
    }
  }
}

function pendingBytes(p: Pending): number {
  let n = 0;
  for (const m of p.messages) n += (m.value?.length ?? 0) + (m.key?.length ?? 0);
  return n;
}
