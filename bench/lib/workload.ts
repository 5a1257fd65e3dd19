// The benchmark's events: real WorkOS deliveries built from the recorded fixtures in
// test/fixtures/workos (every event type planewatch maps), each made unique by its event id and
// spread over a bounded population of subjects, signed like WorkOS signs them. From the same bodies
// the bench derives exactly what each stage sees: the RawEnvelope the collector would publish and
// the IdentityEvents the normalizer would produce (through the real WorkOS module and the real
// normalizer core), so every stage and every baseline works on the same events.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Message } from 'kafkajs';
import { REPO_ROOT } from '../../local-broker/index.ts';
import { BoundaryMapSchema, type BoundaryMap } from '../../core/config/boundary-map.ts';
import { parse as parseYaml } from 'yaml';
import { rawEnvelopeId, type RawEnvelope } from '../../core/events/raw-envelope.ts';
import type { IdentityEvent } from '../../core/events/identity-event.ts';
import { identityEventCodec, rawEnvelopeCodec } from '../../core/avro/codecs.ts';
import { identityEventToRow } from '../../core/clickhouse/rows.ts';
import { SOURCES } from '../../sources/registry.ts';
import { signWorkosPayload, verifyWorkosSignature } from '../../sources/workos/webhook.ts';
import { eventKey, normalizeEnvelope } from '../../services/normalizer/normalize-envelope.ts';

export const BENCH_CONNECTION = 'workos-bench';
export const BENCH_SECRET_ENV = 'PW_BENCH_WORKOS_SECRET';
export const BENCH_SECRET = 'whsec_planewatch_bench_only_not_a_real_secret';
export const WEBHOOK_PATH = `/webhooks/workos/${BENCH_CONNECTION}`;

/**
 * The boundary map every bench process uses. signature_tolerance is raised from the default 3 min
 * to 15 min so that the full run's pre-signed pools stay valid for their whole load phase; the
 * verification work per delivery (HMAC-SHA256 over the raw bytes + constant-time compare) is the
 * same whatever the tolerance.
 */
export const BENCH_CONFIG_YAML = `
connections:
  - id: ${BENCH_CONNECTION}
    vendor: workos
    transport: webhook
    secret_env: ${BENCH_SECRET_ENV}
    plane: application
    authoritative_for: customers
    signature_tolerance: 15m
    plane_rules:
      - { organization_id: org_01HZXACMEWORKFORCE0000000001, plane: platform, authoritative_for: employees }
`;

export function benchBoundaryMap(): BoundaryMap {
  return BoundaryMapSchema.parse(parseYaml(BENCH_CONFIG_YAML));
}

type Template = Record<string, unknown> & { id: string; data: Record<string, unknown> };

let templates: Template[] | undefined;

/** The WorkOS fixtures as compact objects (one per event type / variant), sorted by file name. */
export function workosTemplates(): Template[] {
  if (templates) return templates;
  const dir = path.join(REPO_ROOT, 'test', 'fixtures', 'workos');
  templates = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Template);
  return templates;
}

/** How many distinct subjects the generated events are spread over (events per subject ≈ n / this). */
export const SUBJECTS = 50_000;

/**
 * When the generated events happened: a live webhook stream, so just before the run (the fixtures'
 * own dates span seven months of 2025, which would make every insert write a part into seven month
 * partitions of identity_events and of each detection view — a backfill's cost, not a stream's).
 */
const EMITTED_BASE_MS = Date.now() - 3_600_000;

/**
 * Delivery body number `i` of run `tag`: fixture i mod #fixtures, with a unique event id, the
 * subject id suffixed by (i mod SUBJECTS) and an emission time (`created_at`) in the last hour.
 * Compact JSON, as WorkOS sends it.
 */
export function deliveryBody(tag: string, i: number): string {
  const all = workosTemplates();
  const t = all[i % all.length]!;
  const data = typeof t.data.id === 'string' ? { ...t.data, id: `${t.data.id}_${i % SUBJECTS}` } : t.data;
  return JSON.stringify({ ...t, id: `${t.id}_${tag}_${i}`, data, created_at: new Date(EMITTED_BASE_MS + (i % 3_600_000)).toISOString() });
}

export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
}

/** `n` deliveries of run `tag`, signed at `nowMs` (call right before the load starts). */
export function signedDeliveries(tag: string, n: number, nowMs: number, from = 0): SignedDelivery[] {
  const out: SignedDelivery[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const body = deliveryBody(tag, from + k);
    out[k] = { body, headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(body, BENCH_SECRET, nowMs) } };
  }
  return out;
}

/** The envelope the collector publishes for this body (same id, verification, headers). */
export function envelopeFor(body: string, receivedAt: number): RawEnvelope {
  const bytes = Buffer.from(body, 'utf8');
  const headers = { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(bytes, BENCH_SECRET, receivedAt) };
  const verdict = verifyWorkosSignature({ headers, rawBody: bytes, secret: BENCH_SECRET, nowMs: receivedAt, toleranceMs: 900_000 });
  if (!verdict.ok) throw new Error(`bench envelope does not verify: ${verdict.error}`);
  return {
    id: rawEnvelopeId('workos', BENCH_CONNECTION, bytes),
    source: 'workos',
    connection_id: BENCH_CONNECTION,
    received_at: receivedAt,
    transport: 'webhook',
    content_type: 'application/json',
    headers: { 'content-type': 'application/json' },
    body: bytes,
    verification: verdict.verification,
  };
}

/** The identity events the normalizer makes of this envelope (plus how many dead letters). */
export function eventsFor(envelope: RawEnvelope, map: BoundaryMap, now: number): { events: IdentityEvent[]; dead: number } {
  const r = normalizeEnvelope(envelope, map, SOURCES, null, now);
  return { events: r.events, dead: r.deadLetters.length };
}

/** Kafka messages for the raw topic, exactly as services/collector/publish.ts builds them. */
export function rawMessage(envelope: RawEnvelope): Message {
  return {
    key: envelope.id,
    value: rawEnvelopeCodec.encode(envelope),
    headers: { 'pw-source': envelope.source, 'pw-connection': envelope.connection_id },
  };
}

/** Kafka messages for the events topic, exactly as the normalizer builds them. */
export function eventMessage(ev: IdentityEvent): Message {
  return { key: eventKey(ev), value: identityEventCodec.encode(ev) };
}

/** One JSONEachRow line of identity_events for the ClickHouse Kafka-engine peer (same row the sink inserts). */
export function eventJsonRow(ev: IdentityEvent): string {
  return JSON.stringify(identityEventToRow(ev));
}

export interface RecordSizes {
  deliveries: number;
  /** Average bytes of a delivery body (HTTP payload). */
  bodyBytes: number;
  /** Average encoded RawEnvelope (Avro single-object) = the raw topic's record value. */
  rawEnvelopeBytes: number;
  /** Average encoded IdentityEvent = the events topic's record value. */
  identityEventBytes: number;
  /** Average JSONEachRow line of the same event (the Kafka-engine peer's record value). */
  jsonRowBytes: number;
  eventsPerDelivery: number;
  deadLettersPerDelivery: number;
}

/** Average record sizes over one full cycle of fixtures (a multiple of their count). */
export function measureRecordSizes(tag: string, map: BoundaryMap, cycles = 20): RecordSizes {
  const n = workosTemplates().length * cycles;
  const now = Date.now();
  let body = 0,
    raw = 0,
    ev = 0,
    json = 0,
    events = 0,
    dead = 0;
  for (let i = 0; i < n; i++) {
    const b = deliveryBody(tag, i);
    const env = envelopeFor(b, now);
    body += Buffer.byteLength(b);
    raw += rawEnvelopeCodec.encode(env).length;
    const r = eventsFor(env, map, now);
    dead += r.dead;
    for (const e of r.events) {
      events++;
      ev += identityEventCodec.encode(e).length;
      json += Buffer.byteLength(eventJsonRow(e));
    }
  }
  return {
    deliveries: n,
    bodyBytes: Math.round(body / n),
    rawEnvelopeBytes: Math.round(raw / n),
    identityEventBytes: Math.round(ev / Math.max(events, 1)),
    jsonRowBytes: Math.round(json / Math.max(events, 1)),
    eventsPerDelivery: events / n,
    deadLettersPerDelivery: dead / n,
  };
}
