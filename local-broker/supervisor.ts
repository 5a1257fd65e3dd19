// Keeps the local broker planewatch started itself (no KAFKA_BROKERS) running: when its JVM exits
// unexpectedly (crash, OOM, kill -9), it is restarted on the same ports and storage, with
// exponential backoff between attempts. An attempt succeeds only once the broker took a produce
// (acks=-1) and a consumer-group consume (LocalBroker.restart waits for that). Every attempt is
// logged and counted (planewatch_kafka_broker_restarts_total{outcome}). After `maxAttempts` failed
// attempts in a row the supervisor gives up and liveness() turns false, so /healthz fails and a
// process supervisor (systemd, Kubernetes) restarts the whole process: the process cannot heal
// itself any more. An external cluster (KAFKA_BROKERS) is never supervised: its outage is a
// readiness matter only.
import type { Logger } from 'pino';
import type { BrokerExit, LocalBroker } from './process.ts';
import type { CheckResult } from '../core/readiness.ts';
import { brokerRestarts } from './metrics.ts';

export interface SupervisorOptions {
  log: Logger;
  /** Failed restart attempts in a row before giving up. Default 5. */
  maxAttempts?: number;
  /** Wait before the first attempt; doubled after each failure, up to maxBackoffMs. Default 1 s. */
  initialBackoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
}

export interface BrokerSupervisor {
  /** false once the broker could not be brought back after maxAttempts attempts. */
  liveness(): CheckResult;
  /** Stops supervising (before a deliberate stop of the broker); waits for an attempt in flight. */
  stop(): Promise<void>;
}

/** Backoff before attempt `n` (1-based): initial × 2^(n−1), capped. */
export function backoffMs(n: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** (n - 1));
}

export function superviseBroker(broker: LocalBroker, opts: SupervisorOptions): BrokerSupervisor {
  const maxAttempts = opts.maxAttempts ?? 5;
  const initial = opts.initialBackoffMs ?? 1000;
  const max = opts.maxBackoffMs ?? 30_000;
  const log = opts.log.child({ component: 'kafka-broker-supervisor' });
  let stopped = false;
  let gaveUp: string | null = null;
  let healing: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => { clearTimeout(timer); resolve(); };
  });

  async function heal(exit: BrokerExit): Promise<void> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const wait = backoffMs(attempt, initial, max);
      log.warn({ attempt, maxAttempts, backoffMs: wait, code: exit.code, signal: exit.signal }, 'kafka broker down; restarting it');
      await sleep(wait);
      if (stopped) return;
      try {
        await broker.restart();
        brokerRestarts.inc({ outcome: 'ready' });
        log.warn({ attempt, brokerPid: broker.pid }, 'kafka broker restarted and ready (produce and consume confirmed)');
        return;
      } catch (err) {
        brokerRestarts.inc({ outcome: 'failed' });
        log.error({ attempt, maxAttempts, err: (err as Error).message.split('\n', 1)[0] }, 'kafka broker restart failed');
        if (stopped) return;
      }
    }
    gaveUp = `the local kafka broker did not come back after ${maxAttempts} restart attempts (see ${broker.logFile})`;
    log.fatal({ maxAttempts, logFile: broker.logFile }, 'kafka broker cannot be restarted; /healthz now fails so the process gets restarted');
  }

  const unsubscribe = broker.onExit((exit) => {
    // Exits we asked for (stop, restart) and exits during an attempt (that attempt reports them) are not new outages.
    if (exit.expected || stopped || healing || gaveUp) return;
    healing = heal(exit).finally(() => { healing = null; });
  });

  return {
    liveness: () => (gaveUp ? { ok: false, detail: gaveUp } : { ok: true }),
    stop: async () => {
      stopped = true;
      unsubscribe();
      wake?.();
      await healing;
    },
  };
}
