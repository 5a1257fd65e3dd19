// `planewatch replay`: re-normalizes stored raw envelopes through the normal pipeline after a
// mapping change (docs/OPERATIONS.md "Replay").
//
// Per wave (one page of envelopes, cut to a byte budget):
//  1. snapshot the content hash of every stored event these envelopes produced (identity_events FINAL);
//  2. re-publish the envelopes, byte for byte with their stored id and received_at, to
//     planewatch.raw.v1 with the replay header; the normalizer maps them with the CURRENT code and
//     boundary map, and the sink writes the events: same event ids, so ReplacingMergeTree replaces
//     the rows (no duplicates). The sink does not store the raw envelope again (it is the stored one);
//  3. wait until the normalizer and then the sink have committed past everything published;
//  4. compare: written / changed / new / unchanged, and the events these envelopes no longer produce:
//     each is published as a dead letter (stage 'replay', payload = the old row) and then deleted
//     from identity_events, so nothing disappears without a record and the raw envelope stays;
//  5. checkpoint the wave.
// After the last wave the detection state is rebuilt from identity_events FINAL (the materialized
// views keep every version they saw) and a detection evaluation runs.
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { TOPICS } from '../../core/kafka/topics.ts';
import { deadLetterCodec, rawEnvelopeCodec } from '../../core/avro/codecs.ts';
import { sendBatchBounded } from '../../core/kafka/send-bounded.ts';
import { decodeBody, fromDateTime64 } from '../../core/clickhouse/rows.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { boundedDeadLetter, deadLetterId, type DeadLetter } from '../../core/events/dead-letter.ts';
import { rebuildDetectionState } from '../../store/read-models/state.ts';
import { REPLAY_HEADER } from '../../core/events/replay-marker.ts';
import { countQuery, cutPage, pageKeysQuery, type EnvelopeKey, type ReplayFilter } from './filter.ts';
import { classifyWave, type EventHash } from './classify.ts';
import { targetsOf, waitCommitted } from './consumed.ts';
import { readReplayCheckpoint, writeReplayCheckpoint, ZERO_TOTALS, type ReplayCheckpoint, type ReplayTotals } from './checkpoint.ts';

export interface ReplayDeps {
  clickhouse: ClickHouseClient;
  kafka: Kafka;
  producer: Producer;
  /** Consumer groups whose commits mean "normalized" and "stored". */
  groups: { normalizer: string; sink: string };
  checkpointFile: string;
  log: Logger;
  /** Runs one detection evaluation after the state rebuild; resolves false when no detector runs here. */
  evaluate?: () => Promise<boolean>;
  /** Per-wave wait for the consumers (default 10 min). */
  waitTimeoutMs?: number;
  now?: () => number;
}

export interface ReplayRequest {
  filter: ReplayFilter;
  /** replaySpec() of the options as given: the same spec resumes an unfinished replay. */
  spec: string;
  dryRun?: boolean;
  /** Envelopes per wave (default 500). */
  batchSize?: number;
  /** Body bytes per wave (default 16 MiB; one larger envelope goes alone). */
  maxBatchBytes?: number;
}

export interface ReplayProgress {
  replay_id: string;
  phase: 'replaying' | 'rebuilding' | 'evaluating';
  matched: number;
  totals: ReplayTotals;
  elapsed_ms: number;
}

export interface ReplaySummary extends ReplayTotals {
  dry_run: false;
  replay_id: string;
  resumed: boolean;
  filter: ReplayFilter;
  matched: number;
  state_rebuilt: boolean;
  evaluated: boolean;
  elapsed_ms: number;
}

export interface ReplayDryRun {
  dry_run: true;
  filter: ReplayFilter;
  matched: number;
  bytes: number;
  by_connection: { source: string; connection_id: string; envelopes: number; bytes: number }[];
  /** An unfinished replay with the same options would be resumed (from its stored filter). */
  would_resume: boolean;
}

/** Content hash of an identity_events row: every mapped column, not raw_id/connection_id/received_at/ingested_at. */
export const CONTENT_HASH_SQL = `toString(cityHash64(toString(tuple(plane, tenant_id, authoritative_for, category, action, outcome,
  subject_kind, subject_id, subject_email, subject_name, actor_kind, actor_id, actor_email, actor_ip, actor_user_agent, actor_credential_id,
  credential_id, credential_kind, credential_owner_id, credential_owner_kind, credential_scopes, credential_created_at, credential_last_used_at,
  occurred_at, vendor_type, ocsf_class_uid, ocsf_activity_id, attributes))))`;

const DT = "DateTime64(3, 'UTC')";

async function rows<T>(ch: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<T[]> {
  const rs = await ch.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

function groupBySource<T extends { source: string }>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(i.source, [...(m.get(i.source) ?? []), i]);
  return m;
}

type StoredEnvelopeRow = {
  id: string;
  source: string;
  connection_id: string;
  received_at: string;
  transport: string;
  content_type: string | null;
  headers: Record<string, string>;
  body: string;
  body_encoding: string;
  verification_scheme: string;
  verified: number;
  verification_detail: string | null;
};

async function loadEnvelopes(ch: ClickHouseClient, keys: readonly EnvelopeKey[]): Promise<RawEnvelope[]> {
  const got = await rows<StoredEnvelopeRow>(
    ch,
    `SELECT id, source, connection_id, received_at, transport, content_type, headers, body, body_encoding, verification_scheme, verified, verification_detail
     FROM raw_envelopes FINAL WHERE source IN {sources:Array(String)} AND id IN {ids:Array(String)}`,
    { sources: [...new Set(keys.map((k) => k.source))], ids: keys.map((k) => k.id) },
  );
  const byKey = new Map(got.map((r) => [`${r.source}\0${r.connection_id}\0${r.id}`, r]));
  const out: RawEnvelope[] = [];
  for (const k of keys) {
    const r = byKey.get(`${k.source}\0${k.connection_id}\0${k.id}`);
    if (!r) continue; // vanished between the two reads (cannot happen without a manual delete)
    out.push({
      id: r.id,
      source: r.source,
      connection_id: r.connection_id,
      received_at: fromDateTime64(r.received_at),
      transport: r.transport,
      content_type: r.content_type,
      headers: r.headers,
      body: decodeBody(r),
      verification: { scheme: r.verification_scheme, verified: Number(r.verified) === 1, detail: r.verification_detail },
    });
  }
  return out;
}

async function eventHashes(ch: ClickHouseClient, envelopes: readonly RawEnvelope[], writtenSince: string | null): Promise<EventHash[]> {
  return rows<EventHash>(
    ch,
    `SELECT source, event_id, ${CONTENT_HASH_SQL} AS h FROM identity_events FINAL
     WHERE source IN {sources:Array(String)} AND raw_id IN {ids:Array(String)}${writtenSince === null ? '' : ` AND ingested_at >= {t:${DT}}`}`,
    {
      sources: [...new Set(envelopes.map((e) => e.source))],
      ids: envelopes.map((e) => e.id),
      ...(writtenSince === null ? {} : { t: writtenSince }),
    },
  );
}

/** `--dry-run`: what a replay would select (needs only ClickHouse, so it also works while planewatch is stopped). */
export async function dryRunReplay(
  ch: ClickHouseClient,
  checkpointFile: string,
  req: Pick<ReplayRequest, 'filter' | 'spec'>,
): Promise<ReplayDryRun> {
  const previous = readReplayCheckpoint(checkpointFile);
  const resume = previous !== null && previous.phase !== 'done' && previous.spec === req.spec;
  const filter = resume ? previous.filter : req.filter;
  const q = countQuery(filter);
  const by = (await rows<{ source: string; connection_id: string; envelopes: string; bytes: string }>(ch, q.query, q.params)).map((r) => ({
    source: r.source,
    connection_id: r.connection_id,
    envelopes: Number(r.envelopes),
    bytes: Number(r.bytes),
  }));
  return {
    dry_run: true,
    filter,
    matched: by.reduce((a, r) => a + r.envelopes, 0),
    bytes: by.reduce((a, r) => a + r.bytes, 0),
    by_connection: by,
    would_resume: resume,
  };
}

export async function runReplay(
  deps: ReplayDeps,
  req: ReplayRequest,
  opts: { signal?: AbortSignal; onProgress?: (p: ReplayProgress) => void } = {},
): Promise<ReplaySummary | ReplayDryRun> {
  const now = deps.now ?? Date.now;
  const started = now();
  const ch = deps.clickhouse;
  if (req.dryRun) return dryRunReplay(ch, deps.checkpointFile, req);
  const previous = readReplayCheckpoint(deps.checkpointFile);
  const resume = previous !== null && previous.phase !== 'done' && previous.spec === req.spec;

  let cp: ReplayCheckpoint;
  if (resume) {
    cp = previous;
    deps.log.info({ replay: cp.replay_id, cursor: cp.cursor, phase: cp.phase }, 'resuming replay');
  } else {
    if (previous !== null && previous.phase !== 'done')
      deps.log.warn(
        { replay: previous.replay_id, spec: previous.spec },
        'an unfinished replay with other options is abandoned; this replay starts over',
      );
    const q = countQuery(req.filter);
    const matched = (await rows<{ envelopes: string }>(ch, q.query, q.params)).reduce((a, r) => a + Number(r.envelopes), 0);
    cp = {
      replay_id: `replay_${randomUUID()}`,
      spec: req.spec,
      filter: req.filter,
      started_at: new Date(started).toISOString(),
      matched,
      cursor: null,
      phase: 'replaying',
      totals: { ...ZERO_TOTALS },
      updated_at: new Date(started).toISOString(),
    };
  }
  const save = () => {
    cp.updated_at = new Date(now()).toISOString();
    writeReplayCheckpoint(deps.checkpointFile, cp);
  };
  save();
  const progress = (phase: ReplayProgress['phase']) =>
    opts.onProgress?.({ replay_id: cp.replay_id, phase, matched: cp.matched, totals: { ...cp.totals }, elapsed_ms: now() - started });
  const aborted = () => {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('replay aborted');
  };
  const batchSize = req.batchSize ?? 500;
  const maxBytes = req.maxBatchBytes ?? 16 * 1024 * 1024;

  let evaluated = false;
  const admin = deps.kafka.admin();
  await admin.connect();
  try {
    progress('replaying');
    while (cp.phase === 'replaying') {
      aborted();
      const pq = pageKeysQuery(cp.filter, cp.cursor, batchSize);
      const page = (await rows<EnvelopeKey & { size: string }>(ch, pq.query, pq.params)).map((k) => ({ ...k, size: Number(k.size) }));
      if (page.length === 0) {
        cp.phase = 'rebuilding';
        save();
        break;
      }
      const keys = cutPage(page, maxBytes);
      const envelopes = await loadEnvelopes(ch, keys);

      // 1. before: what these envelopes produced so far; the wave's start on ClickHouse's clock
      //    (rows get ingested_at = now64(3) on insert), so "rewritten" = ingested_at >= waveStart.
      const before = await eventHashes(ch, envelopes, null);
      const [{ t: waveStart }] = (await rows<{ t: string }>(ch, 'SELECT toString(now64(3)) AS t', {})) as [{ t: string }];

      // 2. publish, marked as a replay (acks=all)
      await sendBatchBounded(
        deps.producer,
        [
          {
            topic: TOPICS.raw,
            messages: envelopes.map((e) => ({
              key: e.id,
              value: rawEnvelopeCodec.encode(e),
              headers: { 'pw-source': e.source, 'pw-connection': e.connection_id, [REPLAY_HEADER]: cp.replay_id },
            })),
          },
        ],
        { acks: -1 },
      );

      // 3. fully consumed: normalizer past our messages, then the sink past the normalizer's output
      const wait = { signal: opts.signal, timeoutMs: deps.waitTimeoutMs };
      await waitCommitted(admin, deps.groups.normalizer, { [TOPICS.raw]: await targetsOf(admin, TOPICS.raw) }, wait);
      await waitCommitted(
        admin,
        deps.groups.sink,
        { [TOPICS.events]: await targetsOf(admin, TOPICS.events), [TOPICS.dlq]: await targetsOf(admin, TOPICS.dlq) },
        wait,
      );

      // 4. compare, and retire the events the current mapping no longer produces
      const after = await eventHashes(ch, envelopes, waveStart);
      const outcome = classifyWave(before, after);
      let removed = 0;
      for (const [source, missing] of groupBySource(outcome.missing)) {
        const stale = await rows<Record<string, unknown> & { event_id: string; connection_id: string; raw_id: string }>(
          ch,
          `SELECT * FROM identity_events FINAL WHERE source = {s:String} AND event_id IN {ids:Array(String)} AND ingested_at < {t:${DT}}`,
          { s: source, ids: missing.map((m) => m.event_id), t: waveStart },
        );
        if (stale.length === 0) continue; // rewritten meanwhile by another delivery of the same vendor event
        const failedAt = now();
        const dls: DeadLetter[] = stale.map((row) => {
          const payload = Buffer.from(JSON.stringify(row));
          const reason = `replay: the current mapping no longer produces event ${row.event_id} from raw envelope ${row.raw_id}; the stored event was removed from identity_events (payload: its last stored row)`;
          return boundedDeadLetter({
            id: deadLetterId('replay', reason, payload, `${source}/${row.event_id}`),
            stage: 'replay',
            reason,
            source,
            connection_id: row.connection_id,
            raw_id: row.raw_id,
            origin_topic: null,
            origin_partition: null,
            origin_offset: null,
            payload,
            failed_at: failedAt,
          });
        });
        // The record first (acknowledged by Kafka, stored by the sink), then the delete.
        await sendBatchBounded(
          deps.producer,
          [{ topic: TOPICS.dlq, messages: dls.map((dl) => ({ key: dl.raw_id ?? dl.id, value: deadLetterCodec.encode(dl) })) }],
          { acks: -1 },
        );
        await ch.command({
          query: `DELETE FROM identity_events WHERE source = {s:String} AND event_id IN {ids:Array(String)} AND ingested_at < {t:${DT}}`,
          query_params: { s: source, ids: stale.map((r) => r.event_id), t: waveStart },
        });
        removed += stale.length;
        deps.log.warn(
          { replay: cp.replay_id, source, removed: stale.length },
          'replay: events no longer produced by the current mapping were removed (dead letters with stage replay)',
        );
      }
      const [{ n: dead }] = (await rows<{ n: string }>(
        ch,
        `SELECT count() AS n FROM dead_letters FINAL WHERE stage = 'normalizer' AND raw_id IN {ids:Array(String)} AND ingested_at >= {t:${DT}}`,
        { ids: envelopes.map((e) => e.id), t: waveStart },
      )) as [{ n: string }];

      // 5. checkpoint
      const t = cp.totals;
      t.envelopes_replayed += envelopes.length;
      t.events_written += outcome.written;
      t.events_changed += outcome.changed;
      t.events_new += outcome.added;
      t.events_unchanged += outcome.unchanged;
      t.events_removed += removed;
      t.dead_lettered += Number(dead);
      t.waves += 1;
      const last = keys[keys.length - 1]!;
      cp.cursor = { source: last.source, connection_id: last.connection_id, id: last.id };
      save();
      progress('replaying');
    }

    // Rebuild the derived detection state from identity_events FINAL, then evaluate.
    if (cp.phase === 'rebuilding') {
      aborted();
      progress('rebuilding');
      await rebuildDetectionState(ch, `replay ${cp.replay_id}`, now());
      progress('evaluating');
      evaluated = deps.evaluate ? await deps.evaluate() : false;
      cp.phase = 'done';
      save();
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return {
    dry_run: false,
    replay_id: cp.replay_id,
    resumed: resume,
    filter: cp.filter,
    matched: cp.matched,
    ...cp.totals,
    state_rebuilt: true,
    evaluated,
    elapsed_ms: now() - started,
  };
}
