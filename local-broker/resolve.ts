// KAFKA_BROKERS when set, otherwise a local broker.
import { startLocalBroker, type LocalBroker, type StartLocalBrokerOptions } from './process.ts';

export interface ResolvedKafka {
  brokers: string[];
  /** Stops the local broker if one was started; a no-op for KAFKA_BROKERS. */
  stop(): Promise<void>;
  /** The local broker, when one was started. */
  local?: LocalBroker;
}

/**
 * `KAFKA_BROKERS` (comma-separated host:port list) when set: nothing is started. Otherwise a local
 * broker under `opts.dataDir` (default `PLANEWATCH_DATA_DIR` or ./data).
 */
export async function resolveKafka(
  env: NodeJS.ProcessEnv = process.env,
  opts: Partial<StartLocalBrokerOptions> = {},
): Promise<ResolvedKafka> {
  const list = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length > 0) return { brokers: list, stop: async () => {} };
  const local = await startLocalBroker({ ...opts, dataDir: opts.dataDir ?? env.PLANEWATCH_DATA_DIR ?? './data' });
  return { brokers: local.brokers, stop: () => local.stop(), local };
}
