// Publishes a scenario's raw envelopes through the running test pipeline (normalizer, sink) and
// waits until every distinct event and envelope is stored and the sink's inserts have finished
// (so the detection state derived from them is written too). For tests whose ClickHouse holds
// only this scenario.
import type { TestPipeline } from '../pipeline.ts';
import type { Scenario } from '../../../demo/company/seeded-company.ts';
import { normalizeAll } from './load.ts';
import { rawEnvelopePublisher } from '../../../services/collector/publish.ts';

export async function ingestScenario(t: TestPipeline, sc: Scenario): Promise<void> {
  const rows = normalizeAll(sc.envelopes, sc.map).flatMap((n) => n.rows);
  const distinctEvents = new Set(rows.map((r) => `${r.source}|${r.event_id}`)).size;
  // Identical pages of two snapshots are one envelope (same id), as with the real poll runner.
  const distinctEnvelopes = new Set(sc.envelopes.map((e) => e.id)).size;
  const publish = rawEnvelopePublisher(t.rt.producer);
  await Promise.all(sc.envelopes.map((e) => publish(e)));
  await t.waitStored(
    async () => {
      const [c] = await t.query<{ events: string; raws: string }>(
        'SELECT (SELECT count() FROM identity_events FINAL) AS events, (SELECT count() FROM raw_envelopes FINAL) AS raws',
      );
      return Number(c!.events) === distinctEvents && Number(c!.raws) === distinctEnvelopes ? true : undefined;
    },
    'every scenario event and envelope in ClickHouse',
    90_000,
  );
}
