// The poll runner under the 'poller' lease (services/poller/leased-runner.ts), with a scripted
// lease, an in-memory store and a scripted vendor module: a standby polls nothing; the holder
// polls and publishes each page after a fence; losing the lease stops it; a refused fence
// publishes nothing.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { PollerStandbyError, startLeasedPollRunner } from '../../../../services/poller/leased-runner.ts';
import { MemoryPollerStore } from '../../../../store/poller-state.ts';
import type { PollerModule } from '../../../../source-kit/poller.ts';
import type { SourceModule } from '../../../../source-kit/source-module.ts';
import type { Lease } from '../../../../core/kafka/lease.ts';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';

const log = pino({ level: 'silent' });
const map = BoundaryMapSchema.parse({ connections: [{ id: 'acme-main', vendor: 'acme', transport: 'poll', api_key_env: 'ACME_KEY' }] });

/** A vendor whose every pages cycle yields one page, numbered. */
function acme(): SourceModule {
  let n = 0;
  const poller: PollerModule = {
    defaultBaseUrl: 'https://api.acme.test/v1',
    async *pages() {
      n++;
      yield { body: Buffer.from(`{"page":${n}}`), contentType: 'application/json', checkpoint: { page: n }, items: 1 };
    },
    describeCheckpoint: (cp) => `at ${JSON.stringify(cp)}`,
  };
  return { name: 'acme', defaultPlane: 'platform', poller, normalize: () => ({ events: [], rejected: [] }) };
}

/** A lease the test drives: holds() and fence() answer what the test says; gain() / lose() emit. */
class ScriptedLease extends EventEmitter implements Lease {
  readonly role = 'poller';
  holding = false;
  fenceAnswer = true;
  fences = 0;
  holds() {
    return this.holding;
  }
  async fence() {
    this.fences++;
    return this.holding && this.fenceAnswer;
  }
  async waitUntilLeading() {
    return this.holding;
  }
  gain() {
    this.holding = true;
    this.emit('acquired');
  }
  lose() {
    this.holding = false;
    this.emit('lost');
  }
}

function harness(lease: ScriptedLease) {
  const store = new MemoryPollerStore();
  const published: string[] = [];
  const runner = startLeasedPollRunner({
    map,
    sources: { acme: acme() },
    store,
    lease,
    log,
    autoStart: false,
    env: { ACME_KEY: 'k-secret' },
    now: () => 1_800_000_000_000,
    publishers: {
      publish: async (e) => void published.push(e.body.toString()),
      publishDeadLetter: async () => undefined,
    },
  });
  return { runner, store, published };
}

describe('the poll runner under the poller lease', () => {
  it('polls nothing on standby and says why; knows its targets all the same', async () => {
    const lease = new ScriptedLease();
    const { runner, published } = harness(lease);
    expect(runner.targets.map((t) => `${t.connection.id}/${t.stream}`)).toEqual(['acme-main/pages']);
    await expect(runner.runCycle('acme-main', 'pages')).rejects.toThrow(
      'this poller is on standby: another instance holds the poller lease',
    );
    expect(published).toEqual([]);
    await runner.stop();
  });

  it('polls once it holds the lease, each page after a fence, and stops polling when it loses it', async () => {
    const lease = new ScriptedLease();
    const { runner, store, published } = harness(lease);
    lease.gain();
    const first = await runner.runCycle('acme-main', 'pages');
    expect(first).toMatchObject({ ok: true, pages: 1 });
    expect(published).toEqual(['{"page":1}']);
    expect(lease.fences).toBe(1);
    expect(await store.loadCheckpoint('acme-main', 'pages')).toEqual({ page: 1 });
    lease.lose();
    await expect(runner.runCycle('acme-main', 'pages')).rejects.toBeInstanceOf(PollerStandbyError);
    expect(published).toEqual(['{"page":1}']);
    lease.gain(); // the lease comes back: a new runner resumes from the stored checkpoint
    await runner.runCycle('acme-main', 'pages');
    expect(published).toEqual(['{"page":1}', '{"page":2}']);
    await runner.stop();
  });

  it('publishes nothing and keeps the checkpoint when the coordinator refuses the fence', async () => {
    const lease = new ScriptedLease();
    const { runner, store, published } = harness(lease);
    lease.gain();
    lease.fenceAnswer = false; // another member took over; this process has not heard yet
    const r = await runner.runCycle('acme-main', 'pages');
    expect(r.ok).toBe(false);
    expect(r.error).toContain('standby');
    expect(published).toEqual([]);
    expect(await store.loadCheckpoint('acme-main', 'pages')).toBeNull();
    await runner.stop();
  });
});
