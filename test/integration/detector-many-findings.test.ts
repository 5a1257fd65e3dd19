// One evaluation can open far more findings than one produce request may carry: a first evaluation
// over a large store (the bench's 10 M stored events opened 194 k). The detector publishes its
// transitions to planewatch.alerts.v1 in bounded requests (core/kafka/send-bounded.ts); in one
// request the record batch exceeds the broker's message.max.bytes (10 MiB on the test broker) and
// the evaluation could never be published. Here 15,000 unmanaged OpenAI accounts (with
// 3 kB event ids: ~4 kB per alert, ~57 MB together, over 10 MiB on each of the topic's 4
// partitions) are opened and every opening is read back from the topic.
// Real broker, real embedded ClickHouse, real detector.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import { identityEventToRow, insertRows } from '../../core/clickhouse/rows.ts';
import { IdentityEventSchema } from '../../core/events/identity-event.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { listFindings } from '../../store/findings/findings.ts';

const RUN = randomUUID().replace(/-/g, '').slice(0, 10);
const N = 15_000;
const PARTITIONS = 4; // PLANEWATCH_PARTITIONS default: a request carries one record batch per partition
const NOW = Date.now();
let t: TestPipeline;
let consumer: Consumer | undefined;

beforeAll(async () => {
  t = await startTestPipeline({
    configYaml: `
connections:
  - { id: openai-main, vendor: openai, transport: poll, api_key_env: E2E_OPENAI_KEY, poll_interval: 5m, enabled: false }
`,
    env: { E2E_OPENAI_KEY: `sk-admin-${RUN}` },
    ackTimeoutMs: 15_000,
    detector: { now: () => NOW },
  });
}, 120_000);

afterAll(async () => {
  await consumer?.disconnect();
  await t?.stop();
});

function observed(i: number) {
  const id = `user-${RUN}-${i}`;
  return identityEventToRow(
    IdentityEventSchema.parse({
      event_id: `inv-${RUN}-${i}-${'e'.repeat(3000)}`,
      source: 'openai',
      connection_id: 'openai-main',
      plane: 'platform',
      tenant_id: null,
      authoritative_for: null,
      category: 'inventory',
      action: 'observed',
      outcome: null,
      subject: { kind: 'human', id, email: `contractor.${RUN}.${i}@freelance.example`, name: `Contractor ${i}` },
      actor: null,
      credential: null,
      occurred_at: NOW - 3_600_000,
      received_at: NOW - 3_600_000,
      raw_id: `raw-${RUN}-${Math.floor(i / 100)}`,
      vendor_type: 'inventory.users',
      ocsf_class_uid: null,
      ocsf_activity_id: null,
      attributes: {},
    }),
  );
}

describe('an evaluation opening thousands of findings', () => {
  it('publishes every transition to the alerts topic', async () => {
    const rows = Array.from({ length: N }, (_, i) => observed(i));
    // One insert: whichever evaluation sees them sees them all, and opens them together.
    await insertRows(t.rt.clickhouse, 'identity_events', rows, `many-${RUN}`);

    // The detector also evaluates on its own schedule: whichever evaluation opened them, every
    // opening must reach the topic.
    const result = await t.pipeline.detector!.evaluateNow();
    expect(result.errors).toEqual([]);
    const open = (await listFindings(t.rt.clickhouse, { status: 'open', detection: 'PW-UNMANAGED-ACCOUNT' })).filter((f) =>
      f.subject.id.startsWith(`user-${RUN}-`),
    );
    expect(open.length).toBe(N);

    const opened = new Set<string>();
    let bytes = 0;
    consumer = t.rt.kafka.consumer({ groupId: `many-findings-${RUN}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPICS.alerts], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const v = JSON.parse(message.value!.toString('utf8')) as {
          transition: string;
          finding: { fingerprint: string; subject: { id: string } };
        };
        if (v.transition !== 'opened' || !v.finding.subject.id.startsWith(`user-${RUN}-`)) return;
        opened.add(v.finding.fingerprint);
        bytes += message.value!.length;
      },
    });
    await waitFor(async () => opened.size >= N, `${N} 'opened' alert messages`, 90_000);
    expect(opened).toEqual(new Set(open.map((f) => f.fingerprint)));
    // More than the broker takes in one record batch on each of the topic's partitions.
    expect(bytes).toBeGreaterThan(PARTITIONS * 10 * 1024 * 1024);
  }, 240_000);
});
