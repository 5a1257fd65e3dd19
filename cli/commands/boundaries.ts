// `planewatch boundaries`: the boundary map as it works out — per plane, its owner and thresholds,
// the connections feeding it (vendor, transport, how they are routed there, authoritative_for, the
// plane rules moving organisations / directories to it), when each last delivered and produced an
// event there, and the organisations / directories actually seen there (store/queries/boundaries.ts).
// Asks the running process's API when planewatch runs, else reads ClickHouse directly.
//   --format table (default, for people) | json (an array of planes, connections nested) |
//   csv (one row per plane × connection × tenant seen).
import type { Command } from 'commander';
import { Option } from 'commander';
import { boundaries, type PlaneBoundary, type PlaneConnection, type RuleView } from '../../store/queries/boundaries.ts';
import { SOURCES } from '../../sources/registry.ts';
import { cliContext, fromRunningApi, withClickHouse } from '../context.ts';
import { render } from '../output.ts';

type BoundariesFormat = 'table' | 'json' | 'csv';

const NO_TENANT = '(no tenant)';

function ruleText(r: RuleView): string {
  const match = [r.organization_id ? `organization ${r.organization_id}` : null, r.directory_id ? `directory ${r.directory_id}` : null]
    .filter(Boolean)
    .join(' + ');
  return r.authoritative_for ? `${match} → ${r.authoritative_for}` : match;
}

function seenText(c: PlaneConnection): string {
  return c.tenants.map((t) => `${t.tenant_id ?? NO_TENANT} (${t.events})`).join(', ');
}

function planeHeader(p: PlaneBoundary): string {
  return (
    `${p.plane} plane — owner ${p.owner ?? '(none)'}; deprovision SLA ${p.deprovision_sla}, grace ${p.grace}, stale after ${p.stale_after}, ` +
    `pre-departure window ${p.pre_departure_window}, silent after ${p.silent_after} (polled: ${p.silent_poll_factor} poll intervals)`
  );
}

/** Human layout: per plane a header line and a table of the connections feeding it. */
export function renderBoundariesTable(planes: PlaneBoundary[]): string {
  const out: string[] = [];
  for (const p of planes) {
    out.push(planeHeader(p));
    if (p.connections.length === 0) {
      out.push('  (no connection feeds this plane)', '');
      continue;
    }
    const rows = p.connections.map((c) => ({
      connection: c.connection_id,
      vendor: c.vendor,
      transport: `${c.transport}${c.poll_interval ? ` every ${c.poll_interval}` : ''}${c.enabled ? '' : ' (disabled)'}`,
      routing: c.routing,
      authoritative_for: c.authoritative_for,
      plane_rules: c.plane_rules.map(ruleText).join('; ') || null,
      last_delivery: c.last_delivery_at,
      last_event: c.last_event_at,
      events: c.events,
      seen: seenText(c) || null,
    }));
    const table = render(
      rows,
      ['connection', 'vendor', 'transport', 'routing', 'authoritative_for', 'plane_rules', 'last_delivery', 'last_event', 'events', 'seen'],
      'table',
    );
    out.push(
      ...table
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
      '',
    );
  }
  return out.join('\n');
}

export const CSV_COLUMNS = [
  'plane',
  'owner',
  'deprovision_sla',
  'grace',
  'stale_after',
  'connection_id',
  'vendor',
  'transport',
  'enabled',
  'routing',
  'authoritative_for',
  'plane_rules',
  'poll_interval',
  'last_delivery_at',
  'last_event_at',
  'tenant_id',
  'tenant_events',
  'tenant_last_event_at',
  'tenant_authoritative_for',
] as const;

/** Flat rows for CSV: one per plane × connection × tenant seen (a connection with no data: one row, tenant empty). */
export function boundariesCsvRows(planes: PlaneBoundary[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const p of planes) {
    const plane = { plane: p.plane, owner: p.owner, deprovision_sla: p.deprovision_sla, grace: p.grace, stale_after: p.stale_after };
    if (p.connections.length === 0) rows.push(plane);
    for (const c of p.connections) {
      const conn = {
        ...plane,
        connection_id: c.connection_id,
        vendor: c.vendor,
        transport: c.transport,
        enabled: c.enabled,
        routing: c.routing,
        authoritative_for: c.authoritative_for,
        plane_rules: c.plane_rules.map(ruleText).join('; '),
        poll_interval: c.poll_interval,
        last_delivery_at: c.last_delivery_at,
        last_event_at: c.last_event_at,
      };
      if (c.tenants.length === 0) rows.push(conn);
      for (const t of c.tenants) {
        rows.push({
          ...conn,
          tenant_id: t.tenant_id ?? NO_TENANT,
          tenant_events: t.events,
          tenant_last_event_at: t.last_event_at,
          tenant_authoritative_for: t.authoritative_for.join(' '),
        });
      }
    }
  }
  return rows;
}

export function renderBoundaries(planes: PlaneBoundary[], format: BoundariesFormat): string {
  if (format === 'json') return JSON.stringify(planes, null, 2) + '\n';
  if (format === 'csv') return render(boundariesCsvRows(planes), [...CSV_COLUMNS], 'csv');
  return renderBoundariesTable(planes);
}

export function registerBoundariesCommand(program: Command): void {
  program
    .command('boundaries')
    .description(
      'Print the boundary map as it works out: per plane, the connections feeding it, when each last delivered, and the organisations / directories seen there.',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addHelpText('after', '\nExamples:\n  planewatch boundaries\n  planewatch boundaries --format json\n')
    .action(async (opts: { format: BoundariesFormat }) => {
      const ctx = cliContext();
      const planes =
        (await fromRunningApi<PlaneBoundary[]>(ctx, '/api/v1/boundaries')) ??
        (await withClickHouse(ctx, (client) =>
          boundaries(client, ctx.config.map, (vendor) => SOURCES[vendor]?.defaultPlane ?? 'application'),
        ));
      process.stdout.write(renderBoundaries(planes, opts.format));
    });
}
