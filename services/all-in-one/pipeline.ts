// The whole ingest pipeline in one process: collector HTTP server, normalizer and sink consumers,
// plus the local read API. Each part is the same code the stand-alone services run; here they
// only share the process (and still meet only through Kafka topics).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from '../../runtime/bootstrap.ts';
import type { SourceModule } from '../../source-kit/source-module.ts';
import { clickhouseCheck, kafkaCheck, readinessOf, type CheckResult } from '../../core/readiness.ts';
import { createCollectorHandler } from '../collector/collector.ts';
import { rawEnvelopePublisher } from '../collector/publish.ts';
import { startNormalizer } from '../normalizer/normalizer.ts';
import { startSink, type RunningSink } from '../sink/sink.ts';
import { createApiHandler } from '../api/api.ts';
import { resolveApiTokens } from '../api/auth.ts';
import { createScimHandler, SCIM_PREFIX } from '../scim/handler.ts';
import { scimEnvelopePublisher } from '../scim/publish.ts';
import { clickhouseScimStore } from '../scim/store.ts';
import type { PollRunner } from '../poller/runner.ts';
import { leasedPollerStore, startLeasedPollRunner } from '../poller/leased-runner.ts';
import { kafkaPollPublishers } from '../poller/publish.ts';
import { startDetector, type RunningDetector } from '../detector/detector.ts';
import { startAlerter, type RunningAlerter } from '../alerter/alerter.ts';
import { sendError } from '../../core/http/respond.ts';
import { openFindingsFrom, registerOpenFindings } from '../detector/metrics.ts';
import { separateConnection } from '../../core/clickhouse/client.ts';
import { createReplayEndpoint, REPLAY_PATH } from '../replay/http.ts';
import { replayCheckpointPath } from '../replay/checkpoint.ts';
import { CONSUMER_GROUPS } from '../../core/kafka/topics.ts';
import { SOURCES } from '../../sources/registry.ts';
import { startNormalizerThread, type NormalizerThread } from './normalizer-thread.ts';
import { startLease, type KafkaLease } from '../../core/kafka/lease.ts';

export interface Pipeline {
  url: string;
  sink: RunningSink;
  /** The API poll runner (enabled poll/inventory connections whose vendor has a poller), or null when there are none. */
  poller: PollRunner | null;
  /** The detector (evaluates detections, publishes finding transitions), or null when disabled. */
  detector: RunningDetector | null;
  /** The alerter (finding transitions → channels), or null when no alert channel is configured or it is disabled. */
  alerter: RunningAlerter | null;
  /** The normalizer's worker thread (PLANEWATCH_NORMALIZER_THREAD=worker), or null when it runs inline. */
  normalizerThread: NormalizerThread | null;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  host?: string;
  port?: number;
  ackTimeoutMs?: number;
  /** Bearer token for the local read API (the CLI finds it in the data dir). */
  apiToken?: string;
  groupSuffix?: string;
  /** Where pollers read api_key_env values (default process.env). */
  pollerEnv?: NodeJS.ProcessEnv;
  /** Detector: false = do not run it; `now` = its evaluation clock (default Date.now). */
  detector?: false | { now?: () => number };
  /** Alerter: false = do not run it; else runs when `alerts.channels` is not empty. `env` = where channel URLs/keys are read (default process.env); `now` defaults to the detector's clock. */
  alerter?: false | { now?: () => number; env?: NodeJS.ProcessEnv };
  /**
   * Called once when the normalizer can no longer run (its worker thread died or its consumer gave
   * up); readiness fails either way. `npm start` (main.ts) shuts down and exits non-zero.
   */
  onFatal?: (err: Error) => void;
}

/**
 * How long start-up waits for a lease's first join. A fresh group joins at once (the local broker
 * has group.initial.rebalance.delay.ms=0); right after a crash the join waits for the dead
 * member's session to expire, and start-up goes on as a standby meanwhile.
 */
const LEASE_JOIN_WAIT_MS = 5000;

/** The lease role of this pipeline: a pipeline with its own consumer groups (tests) has its own leases too. */
function leaseRole(role: string, groupSuffix: string | undefined): string {
  return groupSuffix ? `${role}-${groupSuffix.replace(/[^A-Za-z0-9._-]/g, '_')}` : role;
}

/**
 * One active detector and one SCIM writer per store (core/kafka/lease.ts), so two all-in-one
 * processes on one ClickHouse server stay safe. Each lease only where its part runs.
 */
async function startLeases(
  rt: Runtime,
  opts: PipelineOptions,
): Promise<{ detector: KafkaLease | null; scimWriter: KafkaLease | null; poller: KafkaLease | null }> {
  const leaseOpts = { sessionTimeoutMs: rt.env.PLANEWATCH_LEASE_SESSION_TIMEOUT_MS, log: rt.log, joinWaitMs: LEASE_JOIN_WAIT_MS };
  const hasScim = rt.config.map.connections.some((c) => c.enabled && c.vendor === 'scim' && c.transport === 'scim');
  const started = await Promise.allSettled([
    opts.detector === false ? null : startLease(rt.kafka, leaseRole('detector', opts.groupSuffix), leaseOpts),
    hasScim ? startLease(rt.kafka, leaseRole('scim-writer', opts.groupSuffix), leaseOpts) : null,
    hasPolling(rt) ? startLease(rt.kafka, leaseRole('poller', opts.groupSuffix), leaseOpts) : null,
  ]);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of started) if (r.status === 'fulfilled') await r.value?.stop();
    throw failed.reason;
  }
  const [detector, scimWriter, poller] = started.map((r) => (r.status === 'fulfilled' ? r.value : null));
  return { detector: detector ?? null, scimWriter: scimWriter ?? null, poller: poller ?? null };
}

/** Whether the boundary map has a connection for the poll runner. */
function hasPolling(rt: Runtime): boolean {
  return rt.config.map.connections.some((c) => c.enabled && (c.transport === 'poll' || c.transport === 'inventory'));
}

export async function startPipeline(
  rt: Runtime,
  sources: Readonly<Record<string, SourceModule>>,
  opts: PipelineOptions = {},
): Promise<Pipeline> {
  // The sink inserts on a ClickHouse connection of its own, so its inserts never wait behind a
  // detection evaluation or an API query on the shared one (core/clickhouse/client.ts separateConnection).
  const sinkClickhouse = separateConnection(rt.clickhouse);
  const sink = await startSink({
    kafka: rt.kafka,
    producer: rt.producer,
    clickhouse: sinkClickhouse ?? rt.clickhouse,
    log: rt.log.child({ service: 'sink' }),
    groupId: opts.groupSuffix ? `planewatch-sink-${opts.groupSuffix}` : undefined,
  }).catch(async (err: unknown) => {
    await sinkClickhouse?.close();
    throw err;
  });
  // PLANEWATCH_NORMALIZER_THREAD=inline (default): the normalizer runs on this thread; `worker`: on a
  // worker thread, i.e. on a second core (normalizer-thread.ts; no gain measured on a shared 2-core
  // machine, docs/PERFORMANCE.md). The worker loads the source registry itself, so a caller's own
  // `sources` run inline.
  const normalizerGroup = opts.groupSuffix ? `planewatch-normalizer-${opts.groupSuffix}` : CONSUMER_GROUPS.normalizer;
  const normalizerLog = rt.log.child({ service: 'normalizer' });
  let normalizerFailure: string | null = null;
  const normalizerFatal = (err: Error) => {
    if (normalizerFailure !== null) return;
    normalizerFailure = err.message;
    opts.onFatal?.(err);
  };
  const normalizer: { health(): CheckResult; stop(): Promise<void>; worker?: NormalizerThread['worker'] } = await (
    rt.env.PLANEWATCH_NORMALIZER_THREAD === 'worker' && sources === SOURCES
      ? startNormalizerThread({
          kafka: rt.kafka,
          brokers: rt.brokers,
          map: rt.config.map,
          groupId: normalizerGroup,
          log: normalizerLog,
          logLevel: rt.env.PLANEWATCH_LOG_LEVEL,
          logName: 'planewatch-all-in-one',
          onFatal: normalizerFatal,
        })
      : startNormalizer({
          kafka: rt.kafka,
          producer: rt.producer,
          map: rt.config.map,
          sources,
          log: normalizerLog,
          groupId: normalizerGroup,
          onCrash: (err, restart) => {
            if (restart) return;
            normalizerLog.error({ err }, 'normalizer consumer crashed and will not restart: this process normalizes nothing more');
            normalizerFatal(err);
          },
        }).then((n) => ({ ...n, health: () => (normalizerFailure === null ? { ok: true } : { ok: false, detail: normalizerFailure }) }))
  ).catch(async (err: unknown) => {
    await sink.stop();
    await sinkClickhouse?.close();
    throw err;
  });

  const readiness = readinessOf({
    kafka: kafkaCheck(rt.kafka),
    clickhouse: clickhouseCheck(rt.clickhouse),
    sink: async () => (sink.health.lastError ? { ok: false, detail: sink.health.lastError } : { ok: true }),
    normalizer: async () => normalizer.health(),
  });
  const collector = createCollectorHandler({
    map: rt.config.map,
    secrets: rt.secrets,
    sources,
    publish: rawEnvelopePublisher(rt.producer),
    readiness,
    liveness: rt.liveness,
    log: rt.log.child({ service: 'collector' }),
    maxBodyBytes: rt.env.PLANEWATCH_MAX_BODY_BYTES,
    ackTimeoutMs: opts.ackTimeoutMs ?? 10_000,
    apiKeyOf: (c) => (c.api_key_env ? (opts.pollerEnv ?? process.env)[c.api_key_env] : undefined),
  });
  const api = opts.apiToken
    ? createApiHandler({
        clickhouse: rt.clickhouse,
        token: opts.apiToken,
        log: rt.log.child({ service: 'api' }),
        map: rt.config.map,
        sources,
        tokens: resolveApiTokens(rt.config.map, opts.pollerEnv ?? process.env),
      })
    : null;

  const leases = await startLeases(rt, opts).catch(async (err: unknown) => {
    await normalizer.stop();
    await sink.stop();
    await sinkClickhouse?.close();
    throw err;
  });

  const scim = createScimHandler({
    ...(leases.scimWriter ? { writer: leases.scimWriter } : {}),
    map: rt.config.map,
    secrets: rt.secrets,
    store: clickhouseScimStore(rt.clickhouse),
    publish: scimEnvelopePublisher(rt.producer),
    log: rt.log.child({ service: 'scim' }),
    maxBodyBytes: rt.env.PLANEWATCH_MAX_BODY_BYTES,
    ackTimeoutMs: opts.ackTimeoutMs ?? 10_000,
    trustedProxies: rt.env.PLANEWATCH_TRUSTED_PROXIES,
  });

  // `planewatch replay` (services/replay/): POST /admin/replay with the local token re-publishes stored raw
  // envelopes through this process's normalizer and sink, then rebuilds the detection state and evaluates.
  const replay = opts.apiToken
    ? createReplayEndpoint({
        clickhouse: rt.clickhouse,
        kafka: rt.kafka,
        producer: rt.producer,
        token: opts.apiToken,
        log: rt.log.child({ service: 'replay' }),
        groups: {
          normalizer: normalizerGroup,
          sink: opts.groupSuffix ? `planewatch-sink-${opts.groupSuffix}` : CONSUMER_GROUPS.sink,
        },
        checkpointFile: replayCheckpointPath(rt.dataDir),
        evaluate: async () => {
          if (!detector) return false;
          await detector.evaluateNow();
          return true;
        },
      })
    : null;

  // Graceful shutdown (stop()): once draining, new requests (on kept-alive connections) get 503 +
  // Retry-After and `connection: close`; requests already in flight finish (a delivery still gets
  // its answer after its Kafka acknowledgement) before the connections are closed.
  let draining = false;
  let inFlight = 0;
  let onIdle: (() => void) | null = null;
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    if (draining) {
      req.resume();
      return sendError(res, 503, 'shutting_down', 'planewatch is shutting down; retry later', { 'retry-after': '5', connection: 'close' });
    }
    inFlight++;
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      inFlight--;
      if (inFlight === 0) onIdle?.();
    };
    res.once('finish', finished);
    res.once('close', finished);
    if (replay && req.url?.startsWith(REPLAY_PATH)) return replay.handle(req, res);
    if (api && (req.url?.startsWith('/api/') || /^\/dashboard(\/|\?|$)/.test(req.url ?? ''))) return api(req, res);
    if (req.url?.startsWith(SCIM_PREFIX)) return scim(req, res);
    return collector(req, res);
  });
  server.keepAliveTimeout = 65_000;
  const host = opts.host ?? rt.env.PLANEWATCH_HTTP_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? rt.env.PLANEWATCH_HTTP_PORT, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  // API pollers publish through the same acks=all path as the collector, then checkpoint in ClickHouse.
  const pollLog = rt.log.child({ service: 'poller' });
  const poller = leases.poller
    ? startLeasedPollRunner({
        map: rt.config.map,
        sources,
        publishers: kafkaPollPublishers(rt.producer),
        store: leasedPollerStore(rt.clickhouse, leases.poller),
        lease: leases.poller,
        log: pollLog,
        env: opts.pollerEnv,
      })
    : null;

  // Detector: evaluates on a schedule and after new events; finding transitions go to planewatch.alerts.v1.
  const detector =
    opts.detector === false
      ? null
      : await startDetector({
          clickhouse: rt.clickhouse,
          map: rt.config.map,
          log: rt.log.child({ service: 'detector' }),
          kafka: rt.kafka,
          producer: rt.producer,
          groupId: opts.groupSuffix ? `planewatch-detector-${opts.groupSuffix}` : undefined,
          now: opts.detector?.now,
          ...(leases.detector ? { lease: leases.detector } : {}),
          defaultPlaneOf: (vendor) => sources[vendor]?.defaultPlane ?? 'application',
        });
  // planewatch_open_findings on /metrics: the latest version of each finding, open or reopened.
  const stopOpenFindings = detector ? registerOpenFindings(openFindingsFrom(rt.clickhouse)) : () => undefined;

  // Alerter: planewatch.alerts.v1 → webhook / Slack / PagerDuty / log, once per transition and channel.
  const alerter =
    opts.alerter === false || rt.config.map.alerts.channels.length === 0
      ? null
      : await startAlerter({
          kafka: rt.kafka,
          producer: rt.producer,
          clickhouse: rt.clickhouse,
          map: rt.config.map,
          log: rt.log.child({ service: 'alerter' }),
          env: opts.alerter?.env,
          now: opts.alerter?.now ?? (opts.detector ? opts.detector.now : undefined),
          groupId: opts.groupSuffix ? `planewatch-alerter-${opts.groupSuffix}` : undefined,
        });

  return {
    url,
    sink,
    poller,
    detector,
    alerter,
    normalizerThread: normalizer.worker ? (normalizer as NormalizerThread) : null,
    stop: async () => {
      // 1. Stop accepting: no new connections, 503 for new requests on open ones.
      draining = true;
      stopOpenFindings();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // 2. Drain: in-flight requests finish (bounded by the ack timeout plus a margin), while the
      //    poller and the detector stop (a page in flight is acknowledged and checkpointed first).
      const drained = new Promise<void>((resolve) => {
        if (inFlight === 0) return resolve();
        onIdle = resolve;
      });
      let drainTimer: NodeJS.Timeout | undefined;
      await Promise.all([
        Promise.race([
          drained,
          new Promise<void>((resolve) => {
            drainTimer = setTimeout(resolve, (opts.ackTimeoutMs ?? 10_000) + 5000);
          }),
        ]),
        detector?.stop().then(() => leases.detector?.stop()),
        replay?.stop(),
        poller?.stop().then(() => leases.poller?.stop()),
      ]);
      await alerter?.stop();
      clearTimeout(drainTimer);
      server.closeAllConnections();
      await closed;
      await leases.scimWriter?.stop();
      // 3. Consumers finish their current batch, commit it and leave their groups.
      await normalizer.stop();
      await sink.stop();
      await sinkClickhouse?.close();
    },
  };
}
