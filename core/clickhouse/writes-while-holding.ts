// A ClickHouse client whose writes (command, insert) first check that this process still holds a
// lease (core/kafka/lease.ts): the detector's evaluations, the poller's checkpoints. The check is
// local (no round trip): a holder frozen past its session (stopped, swapped out) and resumed in the
// middle of its work finds its validity over and writes nothing more, so it cannot overwrite what
// the new holder writes. Fences (a round trip to the coordinator) guard the side effects that
// matter most; this covers the writes between them. A statement already sent when the process
// froze cannot be recalled.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Lease } from '../kafka/lease.ts';

const WRITES = new Set<PropertyKey>(['command', 'insert']);

export function writesWhileHolding(client: ClickHouseClient, lease: Pick<Lease, 'holds'>, notHolding: () => Error): ClickHouseClient {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!WRITES.has(prop)) return method.bind(target);
      return async (...args: unknown[]) => {
        if (!lease.holds()) throw notHolding();
        return method.apply(target, args);
      };
    },
  });
}
