// ClickHouse makes an insert's rows visible in identity_events before the insert's materialized
// views (the detection state) have written theirs. A test that waited only for the rows and then
// evaluated detections could read a state without them (it failed that way in CI). The sink counts
// its inserts in flight; `waitStored` waits for the rows AND no insert in flight. Proven here with
// a deliberately slow materialized view on identity_events: the in-between state is observed, and
// waitStored returns only once the slow view has its row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { rawEnvelopePublisher } from '../../services/collector/publish.ts';
import { envelope, workos } from '../../demo/company/vendor-shapes.ts';

const RUN = randomUUID().replace(/-/g, '').slice(0, 10);
let t: TestPipeline;

beforeAll(async () => {
  t = await startTestPipeline({
    configYaml: `
connections:
  - { id: workos-main, vendor: workos, transport: webhook, secret_env: S_WORKOS, plane: application, authoritative_for: customers }
`,
    env: { S_WORKOS: `whsec_${randomUUID()}` },
    ackTimeoutMs: 15_000,
  });
  await t.rt.clickhouse.command({ query: 'CREATE TABLE slow_probe (event_id String) ENGINE = MergeTree ORDER BY event_id' });
  // 1.5 s per row: far longer than the poll interval below.
  await t.rt.clickhouse.command({
    query: 'CREATE MATERIALIZED VIEW slow_probe_mv TO slow_probe AS SELECT event_id FROM identity_events WHERE sleepEachRow(1.5) = 0',
  });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('sink inserts in flight', () => {
  it('rows show before their materialized views ran; waitStored waits for the views', async () => {
    const at = Date.now() - 60_000;
    const person = {
      id: `directory_user_${RUN}`,
      directoryId: 'directory_01X',
      orgId: 'org_01X',
      email: `p.${RUN}@x.example`,
      first: 'P',
      last: 'X',
      createdAt: at,
    };
    await rawEnvelopePublisher(t.rt.producer)(
      envelope('workos', 'workos-main', 'webhook', 'application/json', workos.dsyncUserCreated(`evt_${RUN}`, person), at),
    );

    const counts = async () => {
      const [c] = await t.query<{ ev: string; probe: string }>(
        'SELECT (SELECT count() FROM identity_events WHERE subject_id = {s:String}) AS ev, (SELECT count() FROM slow_probe) AS probe',
        { s: person.id },
      );
      return { ev: Number(c!.ev), probe: Number(c!.probe), inFlight: t.pipeline.sink.health.insertsInFlight };
    };
    // The in-between state exists: the event is queryable, its view row is not, the insert is still running.
    const between = await (async () => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const c = await counts();
        if (c.ev === 1) return c;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the event never showed in identity_events');
    })();
    expect(between).toEqual({ ev: 1, probe: 0, inFlight: 1 });

    await t.waitStored(async () => (await counts()).ev === 1, 'the event', 30_000);
    expect(await counts()).toEqual({ ev: 1, probe: 1, inFlight: 0 });
  }, 120_000);
});
