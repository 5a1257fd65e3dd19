// Stand-alone SCIM service provider: `tsx services/scim/main.ts` (KAFKA_BROKERS required). It keeps
// resource state in ClickHouse, so it opens it (a server at CLICKHOUSE_URL when other services
// run in other processes: embedded chDB allows one process per data directory). Writes are
// serialized per connection inside the process, so one instance writes: several may run, sharing
// the 'scim-writer' lease (core/kafka/lease.ts); the standbys serve reads and answer writes 503
// with Retry-After: 1 until the active one dies and one of them takes over.
import http from 'node:http';
import { runService } from '../../runtime/service-main.ts';
import { KNOWN_VENDORS } from '../../sources/registry.ts';
import { clickhouseCheck, kafkaCheck, readinessOf } from '../../core/readiness.ts';
import { sendJson } from '../../core/http/respond.ts';
import { serveOpsRoute } from '../../core/http/ops-routes.ts';
import { createScimHandler, SCIM_PREFIX } from './handler.ts';
import { scimEnvelopePublisher } from './publish.ts';
import { clickhouseScimStore } from './store.ts';
import { startLease } from '../../core/kafka/lease.ts';

runService({ service: 'scim', knownVendors: KNOWN_VENDORS }, async (rt) => {
  const readiness = readinessOf({ kafka: kafkaCheck(rt.kafka), clickhouse: clickhouseCheck(rt.clickhouse) });
  const writer = await startLease(rt.kafka, 'scim-writer', { sessionTimeoutMs: rt.env.PLANEWATCH_LEASE_SESSION_TIMEOUT_MS, log: rt.log });
  const scim = createScimHandler({
    writer,
    map: rt.config.map,
    secrets: rt.secrets,
    store: clickhouseScimStore(rt.clickhouse),
    publish: scimEnvelopePublisher(rt.producer),
    log: rt.log,
    maxBodyBytes: rt.env.PLANEWATCH_MAX_BODY_BYTES,
    ackTimeoutMs: 10_000,
    trustedProxies: rt.env.PLANEWATCH_TRUSTED_PROXIES,
  });
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path.startsWith(SCIM_PREFIX)) return scim(req, res);
    if (serveOpsRoute(req, res, path, { readiness })) return;
    sendJson(res, 404, { error: { status: 404, code: 'not_found', message: `no such endpoint: ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(rt.env.PLANEWATCH_HTTP_PORT, rt.env.PLANEWATCH_HTTP_HOST, resolve));
  rt.log.info({ host: rt.env.PLANEWATCH_HTTP_HOST, port: rt.env.PLANEWATCH_HTTP_PORT }, 'SCIM service provider listening');
  return {
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await writer.stop(); // leaves the group: a standby takes over at once
    },
  };
});
