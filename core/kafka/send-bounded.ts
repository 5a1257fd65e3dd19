// sendBatch in requests of bounded size. A broker refuses a record batch above message.max.bytes
// (1,048,588 by default; 10 MiB on the local broker) with MESSAGE_TOO_LARGE, and kafkajs puts all
// of one request's messages for a partition into one record batch. A consumer that produced its
// whole output in one request could therefore fail the same way on every retry of a big batch and
// stop its partition for good (found by test/faults/broker-limits.fault.ts). Here the messages go
// out in consecutive requests of at most `maxBytes` of keys + values each (a single larger message
// goes alone), one after the other, so per-partition order is kept; the call resolves when every
// request was acknowledged.
import type { Message, Producer, TopicMessages } from 'kafkajs';

export const DEFAULT_MAX_REQUEST_BYTES = 1_000_000;

function sizeOf(m: Message): number {
  const v = m.value;
  const k = m.key;
  return (
    (v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length) +
    (k === null || k === undefined ? 0 : typeof k === 'string' ? Buffer.byteLength(k) : k.length)
  );
}

/** The requests sendBatchBounded makes, in order (pure; exported for tests). */
export function boundedRequests(topicMessages: readonly TopicMessages[], maxBytes = DEFAULT_MAX_REQUEST_BYTES): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let bytes = 0;
  const flush = () => {
    if (current.size) requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
    current = new Map();
    bytes = 0;
  };
  for (const tm of topicMessages) {
    for (const m of tm.messages) {
      const size = sizeOf(m);
      if (bytes > 0 && bytes + size > maxBytes) flush();
      const list = current.get(tm.topic);
      if (list) list.push(m);
      else current.set(tm.topic, [m]);
      bytes += size;
    }
  }
  flush();
  return requests;
}

export async function sendBatchBounded(
  producer: Producer,
  topicMessages: readonly TopicMessages[],
  opts: { acks?: -1 | 0 | 1; maxBytes?: number } = {},
): Promise<void> {
  for (const request of boundedRequests(topicMessages, opts.maxBytes)) {
    await producer.sendBatch({ acks: opts.acks ?? -1, topicMessages: request });
  }
}
