// buildBoundaries (pure): how a boundary map and the stored observations combine into the per-plane
// view `planewatch boundaries` prints — routing, rule fallbacks, tenants order, data the map no
// longer routes.
import { describe, expect, it } from 'vitest';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';
import { buildBoundaries } from '../../../../store/queries/boundaries.ts';

const map = BoundaryMapSchema.parse({
  connections: [
    { id: 'okta-acme', vendor: 'okta', transport: 'webhook', secret_env: 'OKTA_SECRET', authoritative_for: 'employees' },
    {
      id: 'workos-main',
      vendor: 'workos',
      transport: 'webhook',
      secret_env: 'WORKOS_SECRET',
      authoritative_for: 'customers',
      plane_rules: [
        { organization_id: 'org_WF', plane: 'platform' },
        { directory_id: 'dir_X', plane: 'application', authoritative_for: 'partners' },
      ],
    },
    { id: 'okta-logs', vendor: 'okta', transport: 'poll', api_key_env: 'OKTA_TOKEN', plane: 'application', poll_interval: '90s' },
  ],
});
const defaults = (vendor: string) => (vendor === 'okta' ? 'platform' : 'application') as 'platform' | 'application';
const T = (iso: string) => Date.parse(iso);

describe('buildBoundaries', () => {
  it("routes by connection plane, vendor default and plane rules; a rule without authoritative_for takes the connection's", () => {
    const planes = buildBoundaries(map, defaults, { tenants: [], lastDelivery: new Map() });
    expect(
      planes.map((p) => [
        p.plane,
        p.connections.map((c) => [c.connection_id, c.routing, c.authoritative_for, c.plane_rules, c.poll_interval]),
      ]),
    ).toEqual([
      [
        'platform',
        [
          ['okta-acme', 'vendor_default', 'employees', [], null],
          ['workos-main', 'plane_rules', null, [{ organization_id: 'org_WF', directory_id: null, authoritative_for: 'customers' }], null],
        ],
      ],
      [
        'application',
        [
          [
            'workos-main',
            'vendor_default',
            'customers',
            [{ organization_id: null, directory_id: 'dir_X', authoritative_for: 'partners' }],
            null,
          ],
          ['okta-logs', 'connection', null, [], '1m 30s'],
        ],
      ],
    ]);
    expect(planes[0]).toMatchObject({
      owner: null,
      deprovision_sla: '1d',
      grace: '1h',
      stale_after: '90d',
      pre_departure_window: '7d',
      silent_after: '1d',
      silent_poll_factor: 3,
    });
  });

  it('sums tenants per (plane, connection), the null tenant first; events on a plane the map no longer routes to show as observed_only', () => {
    const planes = buildBoundaries(map, defaults, {
      lastDelivery: new Map([['okta-acme', T('2026-11-29T08:00:00Z')]]),
      tenants: [
        {
          plane: 'platform',
          connection_id: 'okta-acme',
          tenant_id: 'acme.okta.com',
          events: 4,
          last_event_at: T('2026-11-29T07:00:00Z'),
          authoritative_for: ['employees'],
        },
        {
          plane: 'platform',
          connection_id: 'okta-acme',
          tenant_id: null,
          events: 1,
          last_event_at: T('2026-11-29T07:30:00Z'),
          authoritative_for: [],
        },
        {
          plane: 'application',
          connection_id: 'okta-acme',
          tenant_id: 'acme.okta.com',
          events: 2,
          last_event_at: T('2026-10-01T00:00:00Z'),
          authoritative_for: ['employees', 'customers'],
        },
        {
          plane: 'application',
          connection_id: 'gone',
          tenant_id: 'x',
          events: 9,
          last_event_at: T('2026-10-01T00:00:00Z'),
          authoritative_for: [],
        },
      ],
    });
    const okta = planes[0]!.connections[0]!;
    expect([okta.last_delivery_at, okta.last_event_at, okta.events, okta.tenants]).toEqual([
      '2026-11-29T08:00:00.000Z',
      '2026-11-29T07:30:00.000Z',
      5,
      [
        { tenant_id: null, events: 1, last_event_at: '2026-11-29T07:30:00.000Z', authoritative_for: [] },
        { tenant_id: 'acme.okta.com', events: 4, last_event_at: '2026-11-29T07:00:00.000Z', authoritative_for: ['employees'] },
      ],
    ]);
    expect(planes[1]!.connections.map((c) => [c.connection_id, c.routing, c.authoritative_for, c.last_delivery_at, c.events])).toEqual([
      ['okta-acme', 'observed_only', null, '2026-11-29T08:00:00.000Z', 2],
      ['workos-main', 'vendor_default', 'customers', null, 0],
      ['okta-logs', 'connection', null, null, 0],
    ]);
    expect(planes[1]!.connections[0]!.tenants[0]!.authoritative_for).toEqual(['customers', 'employees']);
  });
});
