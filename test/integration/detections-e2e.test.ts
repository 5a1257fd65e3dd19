// End to end through the real broker: the seeded scenario's envelopes go onto planewatch.raw.v1
// (as the collector and the poll runner publish them), the real normalizer and sink bring them to
// ClickHouse, the detector started by the all-in-one pipeline evaluates, and finding transitions
// come out on planewatch.alerts.v1 keyed by fingerprint. The scenario is placed at the wall clock,
// the detector's default clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { TOPICS } from '../../core/kafka/topics.ts';
import { listFindings, type FindingJson } from '../../store/findings/findings.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import { buildScenario, type Scenario } from '../../demo/company/seeded-company.ts';
import { ingestScenario } from '../helpers/scenario/ingest.ts';

let t: TestPipeline;
let sc: Scenario;
let alerts: Consumer;
const received: { key: string; value: { schema: string; transition: string; finding: FindingJson } }[] = [];

beforeAll(async () => {
  sc = buildScenario(Date.now() % 1_000_000_007, { now: Date.now() - 60_000, openaiEnabled: false });
  t = await startTestPipeline({
    configYaml: sc.configYaml,
    env: { SCENARIO_WORKOS_SECRET: `whsec_${randomUUID()}`, SCENARIO_WORKOS_EU_SECRET: `whsec_${randomUUID()}` },
    ackTimeoutMs: 15_000,
    detector: {},
  });
  alerts = t.rt.kafka.consumer({ groupId: `detections-e2e-alerts-${randomUUID()}` });
  await alerts.connect();
  await alerts.subscribe({ topic: TOPICS.alerts, fromBeginning: true });
  await alerts.run({
    eachMessage: async ({ message }) => {
      received.push({ key: message.key?.toString() ?? '', value: JSON.parse(message.value?.toString() ?? 'null') });
    },
  });
});
afterAll(async () => {
  await alerts?.disconnect();
  await t?.stop();
});

describe('scenario through Kafka, normalizer, sink and the detector', () => {
  it('ends on the ground truth and publishes each opened finding to planewatch.alerts.v1', async () => {
    await ingestScenario(t, sc);
    const dead = await t.query<{ n: string }>('SELECT count() AS n FROM dead_letters FINAL');
    expect(dead).toEqual([{ n: '0' }]);

    const result = await t.pipeline.detector!.evaluateNow();
    expect(result.errors).toEqual([]);
    const open = await listFindings(t.rt.clickhouse, { status: 'open' });
    const got = open.map((f) => `${f.detection}|${f.subject.kind}|${f.subject.id}|${f.tenant ?? ''}`).sort();
    expect(got).toEqual([...sc.truth(result.now)].sort());

    const fingerprints = new Set(open.map((f) => f.fingerprint));
    const mine = await waitFor(
      async () => {
        const seen = new Set(
          received.filter((m) => fingerprints.has(m.key) && ['opened', 'reopened'].includes(m.value.transition)).map((m) => m.key),
        );
        return seen.size === fingerprints.size ? received.filter((m) => fingerprints.has(m.key)) : undefined;
      },
      'an alert for every open finding',
      60_000,
    );
    for (const m of mine) {
      expect(m.value.schema).toBe('planewatch.finding-transition.v1');
      expect(m.value.finding.fingerprint).toBe(m.key);
    }
    const overdue = open.find((f) => f.detection === 'PW-DEPROV-OVERDUE' && f.subject.id === sc.named.overdue!.openaiUserId)!;
    expect(mine.find((m) => m.key === overdue.fingerprint)?.value.finding).toMatchObject({
      detection: 'PW-DEPROV-OVERDUE',
      severity: 'high',
      plane: 'platform',
      subject: { kind: 'human', id: sc.named.overdue!.openaiUserId, email: sc.named.overdue!.email },
    });
  }, 240_000);
});
