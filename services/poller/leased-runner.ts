// One active poller per store: the poll runner runs only while this process holds the 'poller'
// lease (core/kafka/lease.ts). Two runners would fetch the same pages (twice the vendor quota) and,
// worse, race on inventory snapshots: one could derive a removal from the other's newer snapshot
// for an object that still exists (docs/DEPLOYMENT.md). A standby keeps its targets and waits.
//
// A runner is started when the lease is gained and stopped when it is lost (in-flight cycles are
// aborted). While it runs, every page or dead letter is published only after a fence (the
// coordinator still accepts this holder), and every checkpoint or status write checks the lease
// first, so a holder frozen past its session publishes and writes nothing after it resumes.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Lease } from '../../core/kafka/lease.ts';
import { writesWhileHolding } from '../../core/clickhouse/writes-while-holding.ts';
import { ClickHousePollerStore } from '../../store/poller-state.ts';
import { pollTargets } from '../../source-kit/poll/targets.ts';
import { startPollRunner, type PollRunner, type PollRunnerOptions } from './runner.ts';
import type { PollPublishers } from './publish.ts';

export class PollerStandbyError extends Error {
  constructor() {
    super('this poller is on standby: another instance holds the poller lease');
    this.name = 'PollerStandbyError';
  }
}

/** Publishes only after the coordinator confirmed the lease. */
function fencedPublishers(inner: PollPublishers, lease: Lease): PollPublishers {
  const fence = async () => {
    if (!(await lease.fence())) throw new PollerStandbyError();
  };
  return {
    publish: async (envelope) => {
      await fence();
      await inner.publish(envelope);
    },
    publishDeadLetter: async (dl) => {
      await fence();
      await inner.publishDeadLetter(dl);
    },
  };
}

/** The poller's checkpoints and status in ClickHouse, written only while the lease is held. */
export function leasedPollerStore(clickhouse: ClickHouseClient, lease: Lease): ClickHousePollerStore {
  return new ClickHousePollerStore(writesWhileHolding(clickhouse, lease, () => new PollerStandbyError()));
}

export interface LeasedPollRunnerOptions extends PollRunnerOptions {
  lease: Lease;
}

/** The runner's options: `store` should be leasedPollerStore(...) so its writes check the lease too. */
export function startLeasedPollRunner(opts: LeasedPollRunnerOptions): PollRunner {
  const { lease, ...runnerOpts } = opts;
  const publishers = fencedPublishers(opts.publishers, lease);
  let current: PollRunner | null = null;
  // Starts and stops one after another as the lease comes and goes.
  let transitions: Promise<void> = Promise.resolve();
  let stopped = false;

  const onAcquired = () => {
    transitions = transitions.then(() => {
      if (stopped || current || !lease.holds()) return;
      opts.log.info('poller lease gained: polling');
      current = startPollRunner({ ...runnerOpts, publishers });
    });
  };
  const onLost = () => {
    transitions = transitions.then(async () => {
      const running = current;
      current = null;
      if (!running) return;
      opts.log.warn('poller lease lost: polling stopped, in-flight cycles aborted');
      await running.stop();
    });
  };
  lease.on('acquired', onAcquired);
  lease.on('lost', onLost);
  if (lease.holds()) onAcquired();

  return {
    targets: pollTargets(opts.map, opts.sources),
    async runCycle(connectionId, stream) {
      await transitions;
      if (!current) throw new PollerStandbyError();
      return current.runCycle(connectionId, stream);
    },
    async stop() {
      stopped = true;
      lease.off('acquired', onAcquired);
      lease.off('lost', onLost);
      onLost();
      await transitions;
    },
  };
}
