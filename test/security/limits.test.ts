// The pure pieces behind the limits: the per-connection token bucket (with its clock injected),
// the JSON nesting guard, the bounds of a dead letter, the AWS key-material redaction, and the
// consumer-lag arithmetic.
import { describe, expect, it } from 'vitest';
import { RateLimiter, TokenBucket } from '../../core/http/rate-limit.ts';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../core/http/body.ts';
import { boundedDeadLetter, MAX_DEAD_LETTER_PAYLOAD_BYTES, type DeadLetter } from '../../core/events/dead-letter.ts';
import { redactSecrets } from '../../source-kit/redact.ts';
import { lagRows } from '../../core/kafka/lag.ts';

describe('token bucket', () => {
  it('allows the burst, then one request per 1/per_second, and says how long to wait', () => {
    let now = 1_000_000;
    const b = new TokenBucket({ per_second: 2, burst: 3 }, () => now);
    expect([b.take(), b.take(), b.take()]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(b.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 500; // one token back
    expect(b.take()).toEqual({ ok: true });
    expect(b.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 60_000; // refills to the burst, not beyond
    expect([b.take(), b.take(), b.take(), b.take()].map((r) => r.ok)).toEqual([true, true, true, false]);
  });

  it('rounds Retry-After up to whole seconds for slow buckets, and keeps one bucket per key', () => {
    let now = 0;
    const limiter = new RateLimiter(
      (key) => (key === 'slow' ? { per_second: 0.1, burst: 1 } : { per_second: 100, burst: 1 }),
      () => now,
    );
    expect(limiter.take('slow')).toEqual({ ok: true });
    expect(limiter.take('slow')).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(limiter.take('fast')).toEqual({ ok: true });
    now += 20;
    expect(limiter.take('fast')).toEqual({ ok: true });
    expect(limiter.take('slow')).toEqual({ ok: false, retryAfterSeconds: 10 });
  });
});

describe('JSON nesting guard', () => {
  const enc = (s: string) => Buffer.from(s, 'utf8');
  it('counts arrays and objects outside strings only, escapes included', () => {
    expect(jsonDepthExceeds(enc('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)))).toBe(false);
    expect(jsonDepthExceeds(enc('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)))).toBe(true);
    expect(jsonDepthExceeds(enc('{"a":'.repeat(200) + '1' + '}'.repeat(200)))).toBe(true);
    expect(jsonDepthExceeds(enc(`{"s":"${'['.repeat(10_000)}"}`))).toBe(false);
    expect(jsonDepthExceeds(enc(`{"s":"\\"${'{'.repeat(10_000)}"}`))).toBe(false);
    expect(jsonDepthExceeds(enc(`{"s":"\\\\"}${'['.repeat(200)}`))).toBe(true);
    expect(jsonDepthExceeds(enc('{"a":1}\n'.repeat(1000)))).toBe(false); // JSON lines: each line is shallow
    expect(jsonDepthExceeds(enc('not json at all ]]]]'))).toBe(false);
  });
});

describe('dead-letter bounds', () => {
  const dl = (payload: Buffer, reason = 'r'): DeadLetter => ({
    id: 'dlq_1',
    stage: 'normalizer',
    reason,
    source: 'workos',
    connection_id: 'c',
    raw_id: 'raw_1',
    origin_topic: 't',
    origin_partition: 0,
    origin_offset: '1',
    payload,
    failed_at: 1,
  });
  it('keeps a small dead letter as it is', () => {
    const small = dl(Buffer.from('abc'));
    expect(boundedDeadLetter(small)).toBe(small);
  });
  it('cuts a large payload and says so in the reason; cuts a long reason', () => {
    const big = boundedDeadLetter(dl(Buffer.alloc(MAX_DEAD_LETTER_PAYLOAD_BYTES + 10, 0x61), 'too big'));
    expect(big.payload.length).toBe(524_288);
    expect(big.reason).toBe('too big (payload truncated to its first 524288 of 524298 bytes)');
    const long = boundedDeadLetter(dl(Buffer.from('x'), 'y'.repeat(5000)));
    expect(long.reason).toBe('y'.repeat(4096) + '…');
  });
});

describe('AWS key material', () => {
  it('removes secret access keys, session tokens and passwords at any depth, and keeps other bodies byte for byte', () => {
    const body = Buffer.from(
      JSON.stringify({
        Records: [
          {
            eventName: 'AssumeRole',
            responseElements: {
              credentials: { accessKeyId: 'ASIA1', SessionToken: 'tok', expiration: 'x' },
              accessKey: { secretAccessKey: 'sk', accessKeyId: 'AKIA1' },
            },
            requestParameters: { password: 'pw' },
          },
        ],
      }),
    );
    expect(JSON.parse(redactSecrets(body).toString())).toEqual({
      Records: [
        {
          eventName: 'AssumeRole',
          responseElements: { credentials: { accessKeyId: 'ASIA1', expiration: 'x' }, accessKey: { accessKeyId: 'AKIA1' } },
          requestParameters: {},
        },
      ],
    });
    const clean = Buffer.from('{ "Records": [ {"eventName":"CreateUser"} ] }');
    expect(redactSecrets(clean)).toBe(clean);
    const notJson = Buffer.from('{"Records":');
    expect(redactSecrets(notJson)).toBe(notJson);
  });
});

describe('consumer lag', () => {
  it('is the high watermark minus the committed offset, from the low watermark when nothing was committed', () => {
    expect(
      lagRows(
        't',
        [
          { partition: 0, high: '100', low: '0' },
          { partition: 1, high: '50', low: '20' },
          { partition: 2, high: '7', low: '0' },
        ],
        [
          { partition: 0, offset: '90' },
          { partition: 1, offset: '-1' },
          { partition: 2, offset: '7' },
        ],
      ),
    ).toEqual([
      { topic: 't', partition: 0, lag: 10 },
      { topic: 't', partition: 1, lag: 30 },
      { topic: 't', partition: 2, lag: 0 },
    ]);
  });
});

describe('bounded produce requests', () => {
  it('cuts a batch into consecutive requests of at most maxBytes, keeps order, and sends a single larger message alone', async () => {
    const { boundedRequests } = await import('../../core/kafka/send-bounded.ts');
    const m = (key: string, bytes: number) => ({ key, value: Buffer.alloc(bytes) });
    const requests = boundedRequests(
      [
        { topic: 'events', messages: [m('a', 400), m('b', 400), m('c', 400)] },
        { topic: 'dlq', messages: [m('d', 2000), m('e', 10)] },
      ],
      1000,
    );
    expect(requests.map((r) => r.map((tm) => `${tm.topic}:${tm.messages.map((x) => x.key).join('')}`))).toEqual([
      ['events:ab'],
      ['events:c'],
      ['dlq:d'],
      ['dlq:e'],
    ]);
    expect(boundedRequests([], 1000)).toEqual([]);
  });
});
