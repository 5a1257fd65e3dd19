// Which (connection, stream) pairs a boundary map asks the poll runner for: shared by the runner and
// by the status read model, which reports every stream a map expects, polled yet or not.
import type { BoundaryMap, Connection } from '../../core/config/boundary-map.ts';
import type { SourceModule } from '../source-module.ts';
import type { PollerModule } from '../poller.ts';

export type Stream = 'pages' | 'inventory';

export interface PollTarget {
  connection: Connection;
  source: SourceModule;
  poller: PollerModule;
  stream: Stream;
  intervalMs: number;
}

/** Which (connection, stream) pairs a boundary map asks for. Pure. */
export function pollTargets(map: BoundaryMap, sources: Readonly<Record<string, SourceModule>>): PollTarget[] {
  const out: PollTarget[] = [];
  for (const connection of map.connections) {
    if (!connection.enabled || (connection.transport !== 'poll' && connection.transport !== 'inventory')) continue;
    const source = sources[connection.vendor];
    const poller = source?.poller;
    if (!source || !poller) continue;
    if (connection.transport === 'poll' && poller.pages)
      out.push({ connection, source, poller, stream: 'pages', intervalMs: connection.poll_interval });
    if (poller.inventory) out.push({ connection, source, poller, stream: 'inventory', intervalMs: connection.inventory_interval });
  }
  return out;
}
