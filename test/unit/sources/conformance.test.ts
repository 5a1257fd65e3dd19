// One contract for every vendor module in sources/registry.ts, so a vendor added there is covered
// without a line here: the file set its transports need, webhook authentication that refuses
// tampering, samples that map cleanly through the real normalizer, and redaction that holds for
// secrets planted at every depth of its own sample bodies. Vendor-specific behaviour stays in
// test/unit/sources/<vendor>/.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../../sources/registry.ts';
import type { SampleDeliveries, SourceModule } from '../../../source-kit/source-module.ts';
import { STATIC_SECRET_SCHEME } from '../../../source-kit/static-secret.ts';
import { BoundaryMapSchema } from '../../../core/config/boundary-map.ts';
import { normalizeEnvelope } from '../../../services/normalizer/normalize-envelope.ts';

const SOURCES_DIR = new URL('../../../sources/', import.meta.url);
const NOW = Date.parse('2026-06-01T12:00:00Z');
const SECRET = 'conformance-signing-secret-0123456789';
const TOLERANCE_MS = 180_000;

interface PageSample {
  description: string;
  transport: string;
  contentType: string;
  body: string;
}
interface SamplesFile {
  webhookSamples?: SampleDeliveries;
  pageSamples?: (nowMs: number) => PageSample[];
}
interface RedactFile {
  redactBody?: (raw: Buffer) => Buffer;
}

/** The files every vendor has, plus the ones its transports need (CONTRIBUTING.md, "add a vendor"). */
function requiredFiles(m: SourceModule): string[] {
  return [
    'index.ts',
    'map.ts',
    'payloads.ts',
    'redact.ts',
    'samples.ts',
    'README.md',
    ...(m.webhook ? ['webhook.ts'] : []),
    ...(m.poller ? ['poller.ts'] : []),
  ];
}

const vendorFile = (name: string, file: string) => new URL(`${name}/${file}`, SOURCES_DIR);

async function samplesOf(name: string): Promise<SamplesFile> {
  return (await import(vendorFile(name, 'samples.ts').href)) as SamplesFile;
}

async function redactionOf(name: string): Promise<(raw: Buffer) => Buffer> {
  const { redactBody } = (await import(vendorFile(name, 'redact.ts').href)) as RedactFile;
  if (typeof redactBody !== 'function') throw new Error(`sources/${name}/redact.ts exports no redactBody(raw: Buffer): Buffer`);
  return redactBody;
}

/** Every sample body of a vendor with the transport and content type it arrives with. */
async function allSamples(m: SourceModule): Promise<PageSample[]> {
  const file = await samplesOf(m.name);
  const deliveries = (file.webhookSamples?.events(NOW) ?? []).map((d) => ({ ...d, transport: 'webhook', contentType: 'application/json' }));
  return [...deliveries, ...(file.pageSamples?.(NOW) ?? [])];
}

const lowerKeys = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

/** The raw envelope the collector or poll runner would build, mapped by the real normalizer. */
function normalizeSample(m: SourceModule, sample: PageSample, body: Buffer) {
  const map = BoundaryMapSchema.parse({
    connections: [{ id: `${m.name}-conformance`, vendor: m.name, transport: 'webhook', secret_env: 'CONFORMANCE_SECRET' }],
  });
  const envelope = {
    id: `raw_${m.name}_conformance`,
    source: m.name,
    connection_id: `${m.name}-conformance`,
    received_at: NOW,
    transport: sample.transport,
    content_type: sample.contentType,
    headers: {},
    body,
    verification: { scheme: 'none', verified: true, detail: null },
  };
  return normalizeEnvelope(envelope, map, SOURCES, null, NOW);
}

const PLANTED_KEYS = ['password', 'client_secret', 'api_key', 'token', 'private_key'] as const;

/** `value` with the planted keys added to every object at every depth; the markers planted are collected. */
function plantSecrets(value: unknown, markers: string[], depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => plantSecrets(v, markers, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plantSecrets(v, markers, depth + 1);
  for (const key of PLANTED_KEYS.filter((k) => !(k in out))) {
    const marker = `PLANTED-${key}-${depth}-${markers.length}`;
    markers.push(marker);
    out[key] = marker;
  }
  return out;
}

/** A body (JSON, or JSON lines) with secrets planted; lines that are not JSON are left as they are. */
function plantInBody(body: string, markers: string[]): string {
  try {
    return JSON.stringify(plantSecrets(JSON.parse(body), markers));
  } catch {
    return body
      .split('\n')
      .map((line) => {
        try {
          return JSON.stringify(plantSecrets(JSON.parse(line), markers));
        } catch {
          return line;
        }
      })
      .join('\n');
  }
}

describe.each(Object.values(SOURCES).map((m) => [m.name, m] as const))('vendor module %s', (name, m) => {
  it('has the file set its transports need', () => {
    const missing = requiredFiles(m).filter((f) => !existsSync(vendorFile(name, f)));
    expect(missing, `sources/${name}/ is missing ${missing.join(', ')}`).toEqual([]);
  });

  it('samples.ts provides samples for each transport, and the module registers the webhook samples it has', async () => {
    const file = await samplesOf(name);
    if (m.webhook)
      expect(typeof file.webhookSamples?.sign, `sources/${name}/samples.ts exports no webhookSamples (SampleDeliveries)`).toBe('function');
    if (m.poller) expect(typeof file.pageSamples, `sources/${name}/samples.ts exports no pageSamples(nowMs)`).toBe('function');
    if (m.samples) expect(m.samples, `${name}: module.samples is not samples.ts webhookSamples`).toBe(file.webhookSamples);
    expect((await allSamples(m)).length, `sources/${name}/samples.ts yields no sample`).toBeGreaterThan(0);
  });

  // Only a module with a webhook has one to test: the case is not declared at all for the others.
  if (m.webhook)
    it('webhook: a signed sample verifies; a wrong secret, missing auth headers and (where signed) a tampered body are refused', async () => {
      const webhook = m.webhook!;
      const { webhookSamples } = await samplesOf(name);
      for (const sample of webhookSamples!.events(NOW)) {
        const rawBody = Buffer.from(sample.body);
        const signed = lowerKeys(webhookSamples!.sign(sample.body, SECRET, NOW));
        const verify = (headers: Record<string, string>, body: Buffer, secret = SECRET) =>
          webhook.verify({ headers, rawBody: body, secret, nowMs: NOW, toleranceMs: TOLERANCE_MS });

        const good = await verify(signed, rawBody);
        expect(good, `${name}: ${sample.description}`).toMatchObject({ ok: true, verification: { verified: true } });
        expect(webhook.checkBody(rawBody), `${name}: ${sample.description}`).toBeNull();

        expect(
          await verify(lowerKeys(webhookSamples!.sign(sample.body, `${SECRET}-other`, NOW)), rawBody),
          `${name}: wrong secret`,
        ).toMatchObject({ ok: false, status: 401 });
        const unsigned = Object.fromEntries(
          Object.entries(signed).filter(([k]) => !(k in lowerKeys(webhookSamples!.sign('', SECRET, NOW)))),
        );
        expect(await verify(unsigned, rawBody), `${name}: no auth header`).toMatchObject({ ok: false });

        const tampered = Buffer.from(sample.body.replace(/.$/s, ' $&'));
        const bodySigned = JSON.stringify(lowerKeys(webhookSamples!.sign(tampered.toString(), SECRET, NOW))) !== JSON.stringify(signed);
        if (bodySigned) {
          expect(await verify(signed, tampered), `${name}: tampered body`).toMatchObject({ ok: false, status: 401 });
        } else {
          // Headers that do not depend on the body authenticate the sender only: that scheme must say so.
          expect(good.ok && good.verification.scheme, `${name}: unsigned bodies must use the static-secret scheme`).toBe(
            STATIC_SECRET_SCHEME,
          );
        }
      }
    });

  it('every sample, redacted as the pipeline does, maps to at least one valid identity event and no dead letter', async () => {
    const redact = await redactionOf(name);
    for (const sample of await allSamples(m)) {
      const out = normalizeSample(m, sample, redact(Buffer.from(sample.body)));
      expect(
        out.deadLetters.map((d) => d.reason),
        `${name}: ${sample.description}`,
      ).toEqual([]);
      expect(out.events.length, `${name}: ${sample.description} maps to no event`).toBeGreaterThan(0);
      for (const ev of out.events) expect([ev.source, ev.plane], `${name}: ${sample.description}`).toEqual([name, m.defaultPlane]);
    }
  });

  it('redaction removes password, client_secret, api_key, token and private_key planted at every depth, and keeps what the mapping reads', async () => {
    const redact = await redactionOf(name);
    for (const sample of await allSamples(m)) {
      const markers: string[] = [];
      const planted = plantInBody(sample.body, markers);
      expect(markers.length, `${name}: ${sample.description}: nothing planted`).toBeGreaterThanOrEqual(PLANTED_KEYS.length * 2);
      const stored = redact(Buffer.from(planted)).toString('utf8');
      expect(
        markers.filter((s) => stored.includes(s)),
        `${name}: ${sample.description}: secrets left after redaction`,
      ).toEqual([]);

      const ids = (body: Buffer) => normalizeSample(m, sample, body).events.map((e) => e.event_id);
      expect(ids(Buffer.from(stored)), `${name}: ${sample.description}: redaction changed the mapping`).toEqual(
        ids(redact(Buffer.from(sample.body))),
      );
    }
  });
});
