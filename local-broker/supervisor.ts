// Keeps the local broker planewatch started itself (no KAFKA_BROKERS) running: when its JVM exits
// unexpectedly (crash, OOM, kill -9), it is restarted on the same ports and storage, with
// exponential backoff between attempts. An attempt succeeds only once the broker took a produce
// (acks=-1) and a consumer-group consume (LocalBroker.restart waits for that). Every attempt is
// logged and counted (planewatch_kafka_broker_restarts_total{outcome}). After `maxAttempts` failed
// attempts in a row the supervisor gives up and liveness() turns false, so /healthz fails and a
// process supervisor (systemd, Kubernetes) restarts the whole process: the process cannot heal
// itself any more. An external cluster (KAFKA_BROKERS) is never supervised: its outage is a
// readiness matter only.
//
// While the broker's disk is full no attempt is made and none is counted: the supervisor waits
// until `minFreeBytes` are free again. A start on a full disk cannot succeed (the broker dies on its
// first write), counting those attempts would give up within a minute although a process restart
// cannot free space either, and Kafka's log recovery empties a segment when it hits an I/O error.
import { statfs } from 'node:fs/promises';
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
  /** Free bytes needed on the broker's disk before an attempt. Default 64 MiB. */
  minFreeBytes?: number;
  /** Free bytes on the broker's disk. Default: statfs of broker.kafkaDir. */
  freeBytes?: () => Promise<number>;
  /** How often to look again while the disk is full. Default 2 s. */
  spacePollMs?: number;
}

export const DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024;

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
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
  const minFree = opts.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
  const freeBytes = opts.freeBytes ?? (() => statfsFree(broker.kafkaDir));
  const spacePollMs = opts.spacePollMs ?? 2000;
  const log = opts.log.child({ component: 'kafka-broker-supervisor' });
  let stopped = false;
  let gaveUp: string | null = null;
  let healing: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Resolves once the broker's disk has minFree bytes free (false if stopped meanwhile). */
  async function spaceToStart(): Promise<boolean> {
    let waitingSince = 0;
    for (;;) {
      if (stopped) return false;
      let free: number;
      try {
        free = await freeBytes();
      } catch {
        return true; // cannot tell: let the attempt find out
      }
      if (free >= minFree) {
        if (waitingSince)
          log.warn({ freeBytes: free, waitedMs: Date.now() - waitingSince }, 'disk space is back; restarting the kafka broker');
        return true;
      }
      if (!waitingSince) {
        waitingSince = Date.now();
        log.error(
          { dir: broker.kafkaDir, freeBytes: free, minFreeBytes: minFree },
          'kafka broker down and its disk is full; waiting for free space before restarting it',
        );
      }
      await sleep(spacePollMs);
    }
  }

  async function heal(exit: BrokerExit): Promise<void> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const wait = backoffMs(attempt, initial, max);
      log.warn({ attempt, maxAttempts, backoffMs: wait, code: exit.code, signal: exit.signal }, 'kafka broker down; restarting it');
      await sleep(wait);
      if (!(await spaceToStart())) return;
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
    log.fatal(
      { maxAttempts, logFile: broker.logFile },
      'kafka broker cannot be restarted; /healthz now fails so the process gets restarted',
    );
  }

  const unsubscribe = broker.onExit((exit) => {
    // Exits we asked for (stop, restart) and exits during an attempt (that attempt reports them) are not new outages.
    if (exit.expected || stopped || healing || gaveUp) return;
    healing = heal(exit).finally(() => {
      healing = null;
    });
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
