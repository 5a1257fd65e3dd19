// The supervisor's restart loop with a stand-in broker (the real broker killed and restarted:
// test/faults/broker-killed-twice.fault.ts; its disk filled: test/faults/disk-full.fault.ts).
// While the broker's disk is full no restart is attempted and none is counted, so a long outage of
// space never makes it give up; once space is back the broker is restarted.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { BrokerExit, LocalBroker } from '../../../local-broker/index.ts';
import { superviseBroker } from '../../../local-broker/supervisor.ts';
import { waitFor } from '../../helpers/wait.ts';

function fakeBroker(restartOutcomes: Array<'ok' | 'fail'>) {
  const listeners = new Set<(exit: BrokerExit) => void>();
  let restarts = 0;
  const broker = {
    brokers: ['127.0.0.1:1'],
    pid: 1,
    port: 1,
    controllerPort: 2,
    clusterId: 'c',
    kafkaDir: '/nonexistent',
    logFile: '/nonexistent/server.log',
    stop: async () => {},
    kill: async () => {},
    logTail: async () => '',
    restart: async () => {
      const outcome = restartOutcomes[restarts++] ?? 'ok';
      if (outcome === 'fail') throw new Error('ENOSPC: no space left on device, write');
    },
    onExit: (l: (exit: BrokerExit) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } satisfies LocalBroker;
  return {
    broker,
    restarts: () => restarts,
    crash: () => {
      for (const l of listeners) l({ code: 1, signal: null, expected: false });
    },
  };
}

const log = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('superviseBroker and a full disk', () => {
  it('attempts no restart while the disk is full, counts none, and restarts once space is back', async () => {
    const fake = fakeBroker(['ok']);
    let free = 0;
    let polls = 0;
    const sup = superviseBroker(fake.broker, {
      log,
      maxAttempts: 2,
      initialBackoffMs: 1,
      maxBackoffMs: 1,
      minFreeBytes: 1000,
      spacePollMs: 5,
      freeBytes: async () => {
        polls++;
        return free;
      },
    });
    fake.crash();
    await waitFor(async () => polls >= 20, 'the supervisor polling the free space');
    // Far longer than 2 attempts with 1 ms backoff: without the wait it would have given up.
    expect(fake.restarts()).toBe(0);
    expect(sup.liveness().ok).toBe(true);
    free = 1000;
    await waitFor(async () => fake.restarts() === 1, 'the restart once space is back');
    await sleep(20);
    expect(fake.restarts()).toBe(1);
    expect(sup.liveness().ok).toBe(true);
    await sup.stop();
  });

  it('still gives up after maxAttempts failed restarts with space available', async () => {
    const fake = fakeBroker(['fail', 'fail', 'fail']);
    const sup = superviseBroker(fake.broker, {
      log,
      maxAttempts: 2,
      initialBackoffMs: 1,
      maxBackoffMs: 1,
      minFreeBytes: 1000,
      spacePollMs: 5,
      freeBytes: async () => 10_000,
    });
    fake.crash();
    await waitFor(async () => !sup.liveness().ok, 'the supervisor giving up');
    expect(fake.restarts()).toBe(2);
    await sup.stop();
  });

  it('stops waiting for space when it is stopped', async () => {
    const fake = fakeBroker([]);
    const sup = superviseBroker(fake.broker, { log, initialBackoffMs: 1, minFreeBytes: 1000, spacePollMs: 5, freeBytes: async () => 0 });
    fake.crash();
    await sleep(30);
    await sup.stop();
    expect(fake.restarts()).toBe(0);
  });
});
