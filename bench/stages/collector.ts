// Bench stage: the collector alone (services/collector's handler + publisher), HTTP on a free port,
// publishing to the bench broker with acks=all. No ClickHouse in this process.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bootstrap } from '../../runtime/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { createCollectorHandler } from '../../services/collector/collector.ts';
import { rawEnvelopePublisher } from '../../services/collector/publish.ts';
import { sendReady, serveStage } from '../lib/proc.ts';

const rt = await bootstrap({ service: 'bench-collector', knownVendors: KNOWN_VENDORS, needClickHouse: false });
const handler = createCollectorHandler({
  map: rt.config.map,
  secrets: rt.secrets,
  sources: SOURCES,
  publish: rawEnvelopePublisher(rt.producer),
  readiness: async () => ({ ready: true, checks: {} }),
  log: rt.log,
  maxBodyBytes: rt.env.PLANEWATCH_MAX_BODY_BYTES,
  ackTimeoutMs: 10_000,
});
const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, handler);
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

serveStage({}, async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await rt.close();
});
sendReady({ url: `http://127.0.0.1:${port}` });
