// The whole ingest pipeline in one process: collector HTTP server, normalizer and sink consumers,
// plus the local read API. Each part is the same code the stand-alone services run; here they
// only share the process (and still meet only through Kafka topics).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from '../../core/bootstrap.ts';
import type { SourceModule } from '../../core/sources/source-module.ts';
import { clickhouseCheck, kafkaCheck, readinessOf } from '../../core/readiness.ts';
import { createCollectorHandler } from '../collector/collector.ts';
import { rawEnvelopePublisher } from '../collector/publish.ts';
import { startNormalizer } from '../normalizer/normalizer.ts';
import { startSink, type RunningSink } from '../sink/sink.ts';
import { createApiHandler } from '../api/api.ts';

export interface Pipeline {
  url: string;
  sink: RunningSink;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  host?: string;
  port?: number;
  ackTimeoutMs?: number;
  /** Bearer token for the local read API (the CLI finds it in the data dir). */
  apiToken?: string;
  groupSuffix?: string;
}

export async function startPipeline(rt: Runtime, sources: Readonly<Record<string, SourceModule>>, opts: PipelineOptions = {}): Promise<Pipeline> {
  const sink = await startSink({ kafka: rt.kafka, producer: rt.producer, clickhouse: rt.clickhouse, log: rt.log.child({ service: 'sink' }), groupId: opts.groupSuffix ? `planewatch-sink-${opts.groupSuffix}` : undefined });
  const normalizer = await startNormalizer({ kafka: rt.kafka, producer: rt.producer, map: rt.config.map, sources, log: rt.log.child({ service: 'normalizer' }), groupId: opts.groupSuffix ? `planewatch-normalizer-${opts.groupSuffix}` : undefined });

  const readiness = readinessOf({
    kafka: kafkaCheck(rt.kafka),
    clickhouse: clickhouseCheck(rt.clickhouse),
    sink: async () => (sink.health.lastError ? { ok: false, detail: sink.health.lastError } : { ok: true }),
  });
  const collector = createCollectorHandler({
    map: rt.config.map,
    secrets: rt.secrets,
    sources,
    publish: rawEnvelopePublisher(rt.producer),
    readiness,
    log: rt.log.child({ service: 'collector' }),
    maxBodyBytes: rt.env.PLANEWATCH_MAX_BODY_BYTES,
    ackTimeoutMs: opts.ackTimeoutMs ?? 10_000,
  });
  const api = opts.apiToken ? createApiHandler({ clickhouse: rt.clickhouse, token: opts.apiToken, log: rt.log.child({ service: 'api' }) }) : null;

  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    if (api && req.url?.startsWith('/api/')) return api(req, res);
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

  return {
    url,
    sink,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await normalizer.stop();
      await sink.stop();
    },
  };
}
