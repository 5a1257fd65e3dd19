// The batching logic alone, with a scripted stand-in for kafkajs's sendBatch (the broker side is
// covered by the e2e tests): concurrent callers share round trips, each caller learns its own
// outcome, and the queue is bounded.
import { describe, expect, it } from 'vitest';
import type { Producer, ProducerBatch } from 'kafkajs';
import { BatchingProducer, QueueFullError } from '../../../../core/kafka/batching-producer.ts';

function scriptedProducer() {
  const calls: ProducerBatch[] = [];
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const producer = {
    sendBatch: (batch: ProducerBatch) => {
      calls.push(batch);
      return new Promise<unknown>((resolve, reject) => pending.push({ resolve: () => resolve([]), reject }));
    },
  } as unknown as Producer;
  return { producer, calls, pending };
}

const msg = (v: string) => ({ key: v, value: Buffer.from(v) });
const tick = () => new Promise((r) => setImmediate(r));

describe('BatchingProducer', () => {
  it('sends the first message at once and merges the ones that arrive meanwhile into one batch', async () => {
    const { producer, calls, pending } = scriptedProducer();
    const bp = new BatchingProducer(producer, { maxInFlight: 1 });
    const first = bp.send('t', [msg('a')]);
    const rest = [bp.send('t', [msg('b')]), bp.send('u', [msg('c')]), bp.send('t', [msg('d')])];
    await tick();
    expect(calls).toHaveLength(1);
    pending[0]!.resolve();
    await first;
    await tick();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.topicMessages!.map((tm) => [tm.topic, tm.messages.map((m) => m.key)])).toEqual([
      ['t', ['b', 'd']],
      ['u', ['c']],
    ]);
    expect(calls[1]!.acks).toBe(-1);
    pending[1]!.resolve();
    await Promise.all(rest);
  });

  it('rejects every caller of a failed batch, and only those', async () => {
    const { producer, pending } = scriptedProducer();
    const bp = new BatchingProducer(producer, { maxInFlight: 1 });
    const a = bp.send('t', [msg('a')]);
    await tick();
    const b = bp.send('t', [msg('b')]);
    pending[0]!.reject(new Error('broker gone'));
    await expect(a).rejects.toThrow('broker gone');
    await tick();
    pending[1]!.resolve();
    await expect(b).resolves.toBeUndefined();
  });

  it('refuses new messages once the queue is full, and accepts them again when it drains', async () => {
    const { producer, pending } = scriptedProducer();
    const bp = new BatchingProducer(producer, { maxInFlight: 1, maxQueuedMessages: 2 });
    const inFlight = bp.send('t', [msg('a')]);
    await tick();
    const queued = bp.send('t', [msg('b'), msg('c')]);
    await expect(bp.send('t', [msg('d')])).rejects.toBeInstanceOf(QueueFullError);
    expect(bp.pending).toBe(2);
    pending[0]!.resolve();
    await inFlight;
    await tick();
    expect(bp.pending).toBe(0);
    const again = bp.send('t', [msg('e')]);
    pending[1]!.resolve();
    await queued;
    await tick();
    pending[2]!.resolve();
    await again;
  });

  it('never puts more than maxBatchMessages in one batch', async () => {
    const { producer, calls, pending } = scriptedProducer();
    const bp = new BatchingProducer(producer, { maxInFlight: 1, maxBatchMessages: 3 });
    const all = [bp.send('t', [msg('0')]), ...Array.from({ length: 5 }, (_, i) => bp.send('t', [msg(String(i + 1))]))];
    for (let i = 0; i < 3; i++) {
      await tick();
      pending[i]!.resolve();
    }
    await Promise.all(all);
    expect(calls.map((c) => c.topicMessages![0]!.messages.length)).toEqual([1, 3, 2]);
  });
});
