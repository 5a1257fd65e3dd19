// Property-based fuzzing of every webhook source through the collector path: a real HTTP server
// running the collector handler (rate limit → body limit → handler.verify → redactBody →
// checkBody → RawEnvelope), whose "Kafka" acknowledges at once and keeps the envelope; each
// accepted envelope then goes through the normalizer's batch function (Avro decode → the vendor's
// normalize → zod validation → Avro encode of events and dead letters), exactly as on the topic,
// and then through the sink's batch conversion into real (embedded) ClickHouse inserts of the
// raw envelope, the events and the dead letters — a row ClickHouse refuses would stop the sink.
//
// Property, for every case: the answer is 202, 400, 401 or 413 (never 5xx, never a dropped
// connection, within CASE_BOUND_MS) with the JSON error body for 4xx; 401 whenever the
// credentials are missing, wrong or (signed schemes) outside the timestamp tolerance; an accepted
// delivery normalizes without throwing into events that round-trip through Avro and dead letters
// that carry a reason. Over the run: no error-level log (the handler's crash path), no secret in
// any log line or envelope, and the heap does not grow without bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { BoundaryMapSchema } from '../../core/config/boundary-map.ts';
import { createCollectorHandler } from '../../services/collector/collector.ts';
import { normalizeMessages } from '../../services/normalizer/normalizer.ts';
import { deadLetterCodec, identityEventCodec, rawEnvelopeCodec } from '../../core/avro/codecs.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { SOURCES } from '../../sources/registry.ts';
import { convertBatch } from '../../services/sink/sink.ts';
import { insertRows } from '../../core/clickhouse/rows.ts';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import type { KafkaMessage } from 'kafkajs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { signScimCopy } from '../../sources/scim/webhook.ts';
import { CASE_BOUND_MS, FUZZ_RUNS, FUZZ_SEED, Tally, bodyBytes, bodyCaseArb, fixtureFiles, heapAfterGc, type BodyCase } from './harness.ts';

const LIMIT = 256 * 1024;
const SECRETS: Record<string, string> = {
  workos: 'whsec_fuzz_workos_7b1d0c',
  okta: 'okta-hook-secret-fuzz-91ae',
  auth0: 'auth0-stream-token-fuzz-55f2',
  aws: 'aws-forwarder-secret-fuzz-0c3b',
  scim: 'scim-copy-hmac-fuzz-e47a',
};
const VENDORS = Object.keys(SECRETS);
const map = BoundaryMapSchema.parse({
  connections: VENDORS.map((v) => ({ id: `fz-${v}`, vendor: v, transport: 'webhook', secret_env: `FZ_${v.toUpperCase()}` })),
});

const now = Date.now();
const parse = (s: string) => JSON.parse(s) as unknown;

/** Real payloads to mutate, per vendor: fixtures and `send-sample` deliveries, in delivery shape. */
function seedsFor(vendor: string): unknown[] {
  const samples = SOURCES[vendor]!.samples!.events(now).map((e) => e.body);
  switch (vendor) {
    case 'workos':
      return [...fixtureFiles('workos'), ...samples.map(parse)];
    case 'okta': {
      const delivery = parse(samples[0]!) as Record<string, unknown>;
      const fixtures = fixtureFiles('okta');
      return [
        ...samples.map(parse),
        ...fixtures.map((ev, i) => ({ ...delivery, eventId: `fz-${i}`, data: { events: [ev, fixtures[(i + 7) % fixtures.length]] } })),
      ];
    }
    case 'auth0': {
      const fixtures = fixtureFiles('auth0');
      // JSONARRAY bodies (parsed seeds) and JSONLINES bodies (text seeds, mutated line by line).
      return [
        ...fixtures.map((r, i) => [r, fixtures[(i + 3) % fixtures.length]]),
        ...samples.map((s) => (s.includes('\n') ? s : parse(s))),
      ];
    }
    case 'aws': {
      const fixtures = fixtureFiles('aws');
      return [
        ...samples.map(parse),
        ...fixtures.map((r, i) => ({ Records: [r, fixtures[(i + 5) % fixtures.length]] })),
        ...fixtures.map((r) => ({
          version: '0',
          id: 'eb-1',
          'detail-type': 'AWS API Call via CloudTrail',
          source: 'aws.iam',
          account: '111122223333',
          time: '2025-03-01T10:00:00Z',
          region: 'us-east-1',
          resources: [],
          detail: r,
        })),
      ];
    }
    case 'scim':
      return samples.map(parse);
    default:
      throw new Error(`no seeds for ${vendor}`);
  }
}

type Auth = 'valid' | 'missing' | 'wrong' | 'stale';

function authHeaders(vendor: string, body: Buffer, auth: Auth): Record<string, string> {
  const secret = SECRETS[vendor]!;
  if (auth === 'missing') return {};
  const t = auth === 'stale' ? Date.now() - 10 * 60_000 : Date.now();
  const key = auth === 'wrong' ? secret + 'x' : secret;
  if (vendor === 'workos') return { 'workos-signature': signWorkosPayload(body, key, t) };
  if (vendor === 'scim') return { 'x-planewatch-signature': signScimCopy(body, key, t) };
  return SOURCES[vendor]!.samples!.sign('', key, t);
}

const logLines: string[] = [];
const log = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  }),
);
const captured = new Map<string, RawEnvelope>();
const tally = new Tally();
let server: http.Server;
let url: string;
let heapBefore = 0;
let ch: ClickHouse;
let inserts = 0;

beforeAll(async () => {
  ch = createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'pw-fuzz-webhooks-')) });
  await migrate(ch.client);
  const handler = createCollectorHandler({
    map,
    secrets: new Map(VENDORS.map((v) => [`fz-${v}`, SECRETS[v]!])),
    sources: SOURCES,
    publish: async (env) => {
      captured.set(env.id, env);
    },
    readiness: async () => ({ ready: true, checks: {} }),
    log,
    maxBodyBytes: LIMIT,
    ackTimeoutMs: 5000,
  });
  server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  heapBefore = heapAfterGc();
});

afterAll(async () => {
  tally.print('webhook sources (collector → normalizer)');
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
  await ch?.close();
});

async function post(vendor: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}/webhooks/${vendor}/fz-${vendor}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(CASE_BOUND_MS),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/**
 * The sink's path: decode and convert each message as the sink does (convertBatch), then insert
 * into real ClickHouse. Rows are buffered per table and inserted every FLUSH_EVERY cases (inserts
 * are the slow part); when a batch insert is refused, its cases are inserted one by one so the
 * failure names the case whose rows ClickHouse refused.
 */
const FLUSH_EVERY = 100;
const pending: { table: string; rows: Record<string, unknown>[]; label: string }[] = [];
async function sinkStores(topic: string, table: string, values: Buffer[], label: string): Promise<void> {
  if (values.length === 0) return;
  const messages = values.map((value, i) => ({ value, offset: String(i) }) as unknown as KafkaMessage);
  const { rows, undecodable } = convertBatch(topic, 0, messages, Date.now());
  expect(undecodable.map((d) => d.reason)).toEqual([]);
  pending.push({ table, rows, label });
}
async function flushInserts(): Promise<void> {
  const batch = pending.splice(0);
  for (const table of ['raw_envelopes', 'identity_events', 'dead_letters']) {
    const parts = batch.filter((p) => p.table === table);
    if (parts.length === 0) continue;
    try {
      await insertRows(
        ch.client,
        table,
        parts.flatMap((p) => p.rows),
        `fuzz-${++inserts}`,
      );
    } catch {
      for (const p of parts) {
        try {
          await insertRows(ch.client, table, p.rows, `fuzz-${++inserts}`);
        } catch (err) {
          throw new Error(`ClickHouse refused the ${table} rows of case ${p.label}: ${(err as Error).message}`, { cause: err });
        }
      }
    }
  }
}

async function normalizeCaptured(env: RawEnvelope): Promise<string> {
  const encoded = rawEnvelopeCodec.encode(env);
  const out = normalizeMessages([{ value: encoded, offset: '0' }], TOPICS.raw, 0, map, SOURCES, Date.now());
  const label = `${env.source} ${env.id} (${env.body.length} bytes: ${env.body.subarray(0, 120).toString('utf8')}…)`;
  await sinkStores(TOPICS.raw, 'raw_envelopes', [encoded], label);
  await sinkStores(
    TOPICS.events,
    'identity_events',
    out.events.map((m) => m.value as Buffer),
    label,
  );
  await sinkStores(
    TOPICS.dlq,
    'dead_letters',
    out.dlq.map((m) => m.value as Buffer),
    label,
  );
  if (pending.length >= FLUSH_EVERY) await flushInserts();
  for (const m of out.events) {
    const ev = identityEventCodec.decode(m.value as Buffer);
    expect(ev.raw_id).toBe(env.id);
  }
  for (const m of out.dlq) {
    const dl = deadLetterCodec.decode(m.value as Buffer);
    expect(dl.reason.length).toBeGreaterThan(0);
    expect(dl.raw_id === env.id || dl.raw_id === null).toBe(true);
  }
  return out.events.length && out.dlq.length ? 'events+dlq' : out.events.length ? 'events' : out.dlq.length ? 'dlq' : 'empty';
}

describe.each(VENDORS)('fuzz webhook %s', (vendor) => {
  const seeds = seedsFor(vendor);
  it(
    `answers 202/400/401/413 and normalizes every accepted delivery (${FUZZ_RUNS} cases)`,
    async () => {
      const caseArb = fc.record({
        body: bodyCaseArb(seeds.length),
        auth: fc.constantFrom<Auth>(
          ...(vendor === 'workos' || vendor === 'scim'
            ? (['valid', 'valid', 'valid', 'valid', 'missing', 'wrong', 'stale'] as Auth[])
            : (['valid', 'valid', 'valid', 'valid', 'missing', 'wrong'] as Auth[])),
        ),
      });
      await fc.assert(
        fc.asyncProperty(caseArb, async ({ body: bc, auth }: { body: BodyCase; auth: Auth }) => {
          const body = bodyBytes(bc, seeds, LIMIT);
          const t0 = performance.now(); // the system's time only, not the generator's
          let answer: { status: number; json: unknown };
          try {
            answer = await post(vendor, body, authHeaders(vendor, body, auth));
          } catch (err) {
            // Above the limit the collector answers 413 without reading the rest and closes the
            // connection: a client still uploading may see the reset before the answer.
            if (
              body.length > LIMIT &&
              /ECONNRESET|EPIPE|other side closed|fetch failed/.test(
                `${(err as Error).message} ${String((err as { cause?: Error }).cause?.message)}`,
              )
            ) {
              tally.record(vendor, '413(reset)', performance.now() - t0);
              return;
            }
            throw err;
          }
          const { status, json } = answer;
          if (body.length > LIMIT) expect(status).toBe(413);
          else if (auth !== 'valid') expect(status).toBe(401);
          else expect([202, 400]).toContain(status);
          let outcome = String(status);
          if (status === 202) {
            const id = (json as { id: string }).id;
            const env = captured.get(id);
            expect(env, 'the accepted delivery was published').toBeDefined();
            captured.delete(id);
            outcome += ':' + (await normalizeCaptured(env!));
          } else {
            const err = (json as { error?: { status?: number; code?: string; message?: string } }).error;
            expect(err?.status).toBe(status);
            expect(typeof err?.message).toBe('string');
          }
          const ms = performance.now() - t0;
          expect(ms).toBeLessThan(CASE_BOUND_MS);
          tally.record(vendor, outcome, ms);
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED + VENDORS.indexOf(vendor), endOnFailure: true },
      );
      await flushInserts();
      expect(tally.cases(vendor)).toBeGreaterThanOrEqual(FUZZ_RUNS);
    },
    Math.max(120_000, FUZZ_RUNS * 200),
  );
});

describe('fuzz webhooks: over the whole run', () => {
  it('logged no handler crash and no secret, and kept the heap bounded', () => {
    const errors = logLines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    for (const secret of Object.values(SECRETS)) expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
    // Everything the run allocated is garbage now: what stays is bounded by a constant, not by the case count.
    const grown = heapAfterGc() - heapBefore;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  });
});
