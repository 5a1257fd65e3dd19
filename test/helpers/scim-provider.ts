// The SCIM service provider for a test file, on real components: the file's embedded ClickHouse
// (migratedStore), the shared test broker (every change is published and acknowledged by Kafka),
// a real HTTP server on loopback. Records the envelopes Kafka acknowledged, so a test can map them
// through the real scim source module into the identity events the pipeline would store.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { createKafka, createProducer, ensureTopics } from '../../core/kafka/client.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import type { MappedEvent } from '../../core/events/identity-event.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { createScimHandler } from '../../services/scim/handler.ts';
import { scimEnvelopePublisher } from '../../services/scim/publish.ts';
import { clickhouseScimStore } from '../../services/scim/store.ts';
import type { WriterLease } from '../../services/scim/standby.ts';
import { scim } from '../../sources/scim/index.ts';
import { migratedStore } from './migrated-store.ts';

export interface ScimAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export interface ScimProvider {
  /** Base URL of the connection, e.g. http://127.0.0.1:1234/scim/v2/<connection>. */
  base: string;
  /** Envelopes Kafka acknowledged, in order. */
  published: RawEnvelope[];
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimAnswer>;
}

/** Mapped identity events of envelopes (what the normalizer derives from them). */
export function eventsOf(envelopes: readonly RawEnvelope[]): MappedEvent[] {
  return envelopes.flatMap(
    (e) =>
      scim.normalize({ body: e.body, contentType: e.content_type, transport: e.transport, receivedAt: e.received_at, rawId: e.id }).events,
  );
}

/**
 * Registers beforeAll / afterAll hooks; `start` (inside a test or beforeAll) opens one provider
 * per options, each on its own port, sharing the file's store.
 */
export function scimProviders(tmpPrefix: string, connection: string, token: string) {
  const store = migratedStore(tmpPrefix);
  const map = validateBoundaryMap(
    { connections: [{ id: connection, vendor: 'scim', transport: 'scim', secret_env: 'SCIM_TOKEN' }] },
    'test',
    ['scim'],
  );
  const servers: http.Server[] = [];
  let producer: Producer | undefined;

  beforeAll(async () => {
    const kafka = createKafka(process.env.KAFKA_BROKERS!.split(','), `${tmpPrefix}test`);
    await ensureTopics(kafka, [{ topic: TOPICS.raw, numPartitions: 4 }]);
    producer = createProducer(kafka);
    await producer.connect();
  });
  afterAll(async () => {
    for (const s of servers)
      await new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      });
    await producer?.disconnect();
  });

  return async function start(opts: { trustedProxies?: string[]; writer?: WriterLease } = {}): Promise<ScimProvider> {
    const published: RawEnvelope[] = [];
    const publish = scimEnvelopePublisher(producer!);
    const handler = createScimHandler({
      map,
      secrets: new Map([[connection, token]]),
      store: clickhouseScimStore(store.client),
      publish: (e) => publish(e).then(() => void published.push(e)),
      log: pino({ level: 'silent' }),
      maxBodyBytes: 1_048_576,
      ackTimeoutMs: 15_000,
      ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}),
      ...(opts.writer ? { writer: opts.writer } : {}),
    });
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2/${connection}`;
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimAnswer> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
    };
    return { base, published, call };
  };
}
