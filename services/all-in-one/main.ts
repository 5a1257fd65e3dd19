// `npm start`: broker (unless KAFKA_BROKERS is set) + collector + normalizer + sink + local API in
// one process, on the embedded defaults unless planewatch.yaml / PLANEWATCH_CONFIG says otherwise.
import { bootstrap } from '../../runtime/bootstrap.ts';
import { ConfigError } from '../../core/config/errors.ts';
import { devSecretPath } from '../../core/config/secrets.ts';
import { clearRunInfo, writeRunInfo } from '../../core/run-file.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline } from './pipeline.ts';
import { randomBytes } from 'node:crypto';

async function main(): Promise<void> {
  const rt = await bootstrap({ service: 'all-in-one', knownVendors: KNOWN_VENDORS, startBroker: true });
  const token = randomBytes(24).toString('base64url');
  // A normalizer that can no longer run (worker thread died, consumer gave up) must not leave a
  // process that accepts deliveries and ingests nothing: readiness fails and the process exits 1.
  let fatal: Error | null = null;
  let shutdownOnFatal: (() => void) | null = null;
  const pipeline = await startPipeline(rt, SOURCES, {
    apiToken: token,
    onFatal: (err) => {
      fatal = err;
      rt.log.fatal({ err }, 'normalizer failed; shutting down');
      shutdownOnFatal?.();
    },
  });
  writeRunInfo(rt.dataDir, { pid: process.pid, url: pipeline.url, startedAt: new Date().toISOString() }, token);

  const webhookConnections = rt.config.map.connections.filter((c) => c.enabled && c.transport === 'webhook');
  const lines = [
    '',
    `planewatch is running (${rt.config.embedded ? 'embedded defaults' : rt.config.origin})`,
    ...webhookConnections.map(
      (c) => `  webhook     ${pipeline.url}/webhooks/${c.vendor}/${c.id}   (${c.vendor}, plane ${c.plane ?? 'vendor default'})`,
    ),
    `  health      ${pipeline.url}/healthz  ${pipeline.url}/readyz  ${pipeline.url}/metrics`,
    `  api         ${pipeline.url}/api/v1/events   (token in ${rt.dataDir}/run/api-token)`,
    `  kafka       ${rt.brokers.join(',')}${process.env.KAFKA_BROKERS ? '' : `   (local broker, data in ${rt.dataDir}/kafka)`}`,
    `  clickhouse  ${rt.clickhouseMode === 'embedded' ? `embedded chDB, data in ${rt.dataDir}/clickhouse` : 'server at CLICKHOUSE_URL'}`,
  ];
  if (rt.config.embedded) {
    lines.push(
      `  demo secret ${devSecretPath(rt.dataDir, 'PLANEWATCH_DEMO_WORKOS_SECRET')}`,
      '',
      'Try it:  npx planewatch send-sample workos   then   npx planewatch events --last 10',
    );
  }
  process.stdout.write(lines.join('\n') + '\n\n');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.log.info({ signal }, 'stopping');
    // Bounded shutdown: whatever hangs (a broker that never answers), the process is gone within
    // 30 s; anything not committed by then is redelivered on the next start (at-least-once).
    setTimeout(() => {
      rt.log.error({ signal }, 'shutdown did not finish within 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    const stopStarted = Date.now();
    clearRunInfo(rt.dataDir);
    await pipeline.stop().catch((err: unknown) => rt.log.error({ err }, 'pipeline stop failed'));
    await rt.close();
    rt.log.info({ signal, ms: Date.now() - stopStarted }, 'stopped');
    process.exit(fatal ? 1 : 0);
  };
  shutdownOnFatal = () => void shutdown('normalizer-failure');
  if (fatal) shutdownOnFatal();
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`planewatch: ${err.message}\n`);
  else process.stderr.write(`planewatch: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
