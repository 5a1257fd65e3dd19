// The detector under a lease (services/detector/detector.ts), on a real embedded ClickHouse with a
// lease whose answers the test sets: a failed fence right before the commit stage discards the
// evaluation (no pw_evaluations row), a process not holding the lease does not evaluate, and
// gaining the lease drops the cache and rebuilds the snapshot (the next evaluation is a full one).
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBoundaryMap } from '../../core/config/load.ts';
import type { Lease } from '../../core/kafka/lease.ts';
import { NotLeadingError, startDetector, type RunningDetector } from '../../services/detector/detector.ts';
import { lastEvaluation } from '../../store/findings/findings-store.ts';
import { migratedStore } from '../helpers/migrated-store.ts';

class ScriptedLease extends EventEmitter implements Lease {
  readonly role = 'detector';
  holding = true;
  fenceOk = false;
  holds() {
    return this.holding;
  }
  async fence() {
    return this.holding && this.fenceOk;
  }
  async waitUntilLeading() {
    return this.holding;
  }
}

const store = migratedStore('pw-detector-lease-');
/** The detector's 'detections evaluated' log lines, in order (they carry how many detections were reused). */
const evaluated: { evaluationId: string; reused: number; snapshot: string }[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as { msg?: string; evaluationId: string; reused: number; snapshot: string };
      if (entry.msg === 'detections evaluated')
        evaluated.push({ evaluationId: entry.evaluationId, reused: entry.reused, snapshot: entry.snapshot });
    }
    done();
  },
});
const lease = new ScriptedLease();
let detector: RunningDetector;

beforeAll(async () => {
  detector = await startDetector({
    clickhouse: store.client,
    map: validateBoundaryMap({ connections: [] }, 'test', []),
    log: pino({ level: 'info' }, logSink),
    defaultPlaneOf: () => 'application',
    evaluateEveryMs: 3_600_000,
    lease,
  });
});
afterAll(async () => {
  await detector?.stop();
});

describe('detector under a lease', () => {
  it('discards an evaluation whose fence fails right before the commit stage', async () => {
    lease.holding = true;
    lease.fenceOk = false;
    await expect(detector.evaluateNow()).rejects.toBeInstanceOf(NotLeadingError);
    expect((await lastEvaluation(store.client)).version).toBe(0);
  });

  it('does not evaluate while another process holds the lease', async () => {
    lease.holding = false;
    await expect(detector.evaluateNow()).rejects.toBeInstanceOf(NotLeadingError);
    expect((await lastEvaluation(store.client)).version).toBe(0);
  });

  it('commits when the fence passes, and starts from scratch after gaining the lease', async () => {
    lease.holding = true;
    lease.fenceOk = true;
    const first = await detector.evaluateNow();
    expect(first.version).toBe(1);
    const second = await detector.evaluateNow();
    expect(second.version).toBe(2);
    expect(second.reused.length).toBeGreaterThan(0); // nothing changed: clock-independent detections are reused

    lease.emit('lost');
    // Gaining the lease evaluates at once, from scratch: another process may have evaluated in between.
    lease.emit('acquired');
    const fourth = await detector.evaluateNow(); // queued behind the one the acquisition started
    expect(fourth.version).toBe(4);
    expect(evaluated).toHaveLength(4);
    expect(evaluated.map((e) => e.snapshot)).toEqual(['full', 'incremental', 'full', 'incremental']);
    expect(evaluated[2]!.reused).toBe(0);
    expect(evaluated[3]!.reused).toBeGreaterThan(0);
  });
});
