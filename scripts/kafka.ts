// `npm run kafka`: a local single-node Kafka for development, in the foreground until Ctrl-C.
//   PLANEWATCH_DATA_DIR  storage lives in <dir>/kafka (default ./data); it survives restarts
//   KAFKA_PORT           client port on 127.0.0.1 (default 9092)
//   KAFKA_CONTROLLER_PORT KRaft controller port (default 9093)
//   KAFKA_HEAP_MB        -Xmx (default 512)
// Other shells: `export KAFKA_BROKERS=127.0.0.1:9092` (printed on start-up).
import { startLocalBroker } from '../local-broker/index.ts';
import { logger } from '../core/log.ts';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const dataDir = process.env.PLANEWATCH_DATA_DIR || './data';
const port = intEnv('KAFKA_PORT', 9092);
const controllerPort = intEnv('KAFKA_CONTROLLER_PORT', 9093);
const heapMb = intEnv('KAFKA_HEAP_MB', 512);

// Handle the signals ourselves (before the broker exists) so a Ctrl-C during start-up also cleans up.
let stopping = false;
let broker: Awaited<ReturnType<typeof startLocalBroker>> | undefined;
const keepAlive = setInterval(() => {}, 1 << 30); // the broker child is unref'd; this keeps us up

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    logger.warn({ signal }, 'second signal: killing the broker');
    await broker?.kill();
    process.exit(130);
  }
  stopping = true;
  logger.info({ signal }, 'stopping kafka');
  try {
    await broker?.stop();
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'stopping kafka failed');
    process.exit(1);
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));

try {
  const started = Date.now();
  broker = await startLocalBroker({ dataDir, port, controllerPort, heapMb, log: logger });
  if (stopping) {
    await broker.stop();
    process.exit(0);
  }
  broker.onExit((exit) => {
    if (exit.expected) return;
    logger.error({ code: exit.code, signal: exit.signal, logFile: broker?.logFile }, 'kafka broker died');
    clearInterval(keepAlive);
    process.exit(1);
  });
  console.log(`KAFKA_BROKERS=${broker.brokers.join(',')}`);
  logger.info(
    { brokers: broker.brokers, brokerPid: broker.pid, dataDir, logFile: broker.logFile, ms: Date.now() - started },
    'kafka is up; Ctrl-C to stop',
  );
} catch (err) {
  clearInterval(keepAlive);
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
