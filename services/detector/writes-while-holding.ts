// The detector's ClickHouse client for an evaluation: every write (command, insert) first checks
// that this process still holds the detector lease. The check is local (no round trip): a detector
// frozen past its session (stopped, swapped out) and resumed in the middle of an evaluation finds
// its validity over and writes nothing more, so it cannot overwrite the snapshot the new holder
// builds. The fences before the first write and the commit ask the coordinator; this covers the
// statements between them. A statement already sent when the process froze cannot be recalled.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Lease } from '../../core/kafka/lease.ts';

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
