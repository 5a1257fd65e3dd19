// The OpenAPI 3.1 document of the read API, served at GET /api/v1/openapi.json (no token needed:
// it holds no data). test/integration/api.test.ts validates it and checks every route is in it.
const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const nint = { type: ['integer', 'null'] } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const q = (name: string, description: string, schema: object = str, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const page = [
  q('limit', 'Page size, 1..1000 (default 100)', { type: 'integer', minimum: 1, maximum: 1000 }),
  q('cursor', 'next_cursor of the previous page'),
];
const paged = (item: string) => ({
  type: 'object',
  required: ['data', 'next_cursor', 'total'],
  properties: { data: { type: 'array', items: ref(item) }, next_cursor: nstr, total: int },
});
const errors = {
  '400': { $ref: '#/components/responses/BadRequest' },
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '503': { $ref: '#/components/responses/Unavailable' },
};
const ok = (schema: object, description: string) => ({ '200': { description, content: { 'application/json': { schema } } }, ...errors });
const period = [
  q('from', 'Start of the period (ISO 8601), inclusive', str, true),
  q('to', 'End of the period (ISO 8601), exclusive', str, true),
  q('now', 'Evaluation time for overdue (ISO 8601; default: now)'),
];

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'planewatch read API',
      version: '1.0.0',
      description:
        "Read-only access to findings, deprovisioning lag, people, credentials, evidence and audit exports. Bearer tokens come from the config (api.tokens); each has scopes, and a tenant-scoped token sees only its tenant's application-plane data.",
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/findings': {
        get: {
          operationId: 'listFindings',
          summary: 'Findings (open by default)',
          'x-scope': 'findings',
          parameters: [
            q('status', 'open (includes reopened), reopened, resolved, acknowledged or all', {
              enum: ['open', 'reopened', 'resolved', 'acknowledged', 'all'],
            }),
            q('detection', 'Detection id, e.g. PW-ORPHANED-ACCOUNT'),
            q('plane', 'Plane', { enum: ['platform', 'application'] }),
            q('severity', 'Severity', { enum: ['critical', 'high', 'medium', 'low', 'info'] }),
            q('since', 'Only findings last seen at or after (ISO 8601)'),
            q('tenant', 'Tenant id'),
            ...page,
          ],
          responses: ok(paged('Finding'), 'A page of findings'),
        },
      },
      '/api/v1/lag': {
        get: {
          operationId: 'lagStatistics',
          summary: 'Deprovisioning lag statistics per plane and source, and the overdue findings',
          'x-scope': 'lag',
          parameters: period,
          responses: ok({ type: 'object', required: ['data'], properties: { data: ref('Lag') } }, 'Lag statistics'),
        },
      },
      '/api/v1/lag/distribution': {
        get: {
          operationId: 'lagDistribution',
          summary:
            'Deprovisioning-lag histogram per plane in multiples of its SLA (removed items by lag, pending by age), for the dashboard',
          'x-scope': 'lag',
          parameters: period,
          responses: ok({ type: 'object', required: ['data'], properties: { data: ref('LagDistribution') } }, 'Lag distribution'),
        },
      },
      '/api/v1/lag/exposures': {
        get: {
          operationId: 'exposureLag',
          summary:
            "Exposure lag (secret scanning exposure → revocation of the matched credential) per plane in multiples of its exposure SLA, its statistics per plane and source, and every exposure found in the period, for the dashboard. A tenant-scoped token gets only its tenant's application-plane exposures",
          'x-scope': 'lag',
          parameters: period,
          responses: ok({ type: 'object', required: ['data'], properties: { data: ref('ExposureLagView') } }, 'Exposure lag'),
        },
      },
      '/api/v1/people/{email}': {
        get: {
          operationId: 'personTimeline',
          summary: "A person's timeline across planes",
          'x-scope': 'people',
          parameters: [
            { name: 'email', in: 'path', required: true, schema: str },
            q('plane', 'Plane', { enum: ['platform', 'application'] }),
            q('now', 'Evaluation time (ISO 8601)'),
            ...page,
          ],
          responses: ok(paged('TimelineEntry'), 'A page of the timeline, oldest first'),
        },
      },
      '/api/v1/credentials': {
        get: {
          operationId: 'listCredentials',
          summary: 'Credentials with owner and last use',
          'x-scope': 'credentials',
          parameters: [
            q('which', 'all, stale or orphaned (an open finding says so)', { enum: ['all', 'stale', 'orphaned'] }),
            q('plane', 'Plane', { enum: ['platform', 'application'] }),
            q('source', 'Source id'),
            q('tenant', 'Tenant id'),
            q('status', 'active or revoked', { enum: ['active', 'revoked'] }),
            ...page,
          ],
          responses: ok(paged('Credential'), 'A page of credentials'),
        },
      },
      '/api/v1/evidence/{fingerprint}': {
        get: {
          operationId: 'findingEvidence',
          summary: 'The events and raw deliveries behind a finding',
          'x-scope': 'evidence',
          parameters: [{ name: 'fingerprint', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{32}$' } }],
          responses: {
            ...ok({ type: 'object', required: ['data'], properties: { data: ref('Evidence') } }, 'The evidence'),
            '404': { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/api/v1/export': {
        get: {
          operationId: 'auditExport',
          summary: 'Every leaver of a period with their lag on each plane (SOC 2 CC6.2/CC6.3)',
          'x-scope': 'export',
          parameters: [
            ...period,
            q('format', 'json or csv', { enum: ['json', 'csv'] }),
            q('section', 'CSV only: leavers (default) or exposures (JSON holds both)', { enum: ['leavers', 'exposures'] }),
          ],
          responses: {
            '200': {
              description: 'The export',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['data'],
                    properties: {
                      data: {
                        type: 'object',
                        properties: {
                          period: { type: 'object' },
                          now: str,
                          leavers: { type: 'array', items: ref('Leaver') },
                          exposures: {
                            type: 'array',
                            items: {
                              type: 'object',
                              description: 'One GitHub secret scanning exposure found in the period, matched or not, with its exposure lag',
                            },
                          },
                        },
                      },
                    },
                  },
                },
                'text/csv': { schema: str },
              },
            },
            ...errors,
          },
        },
      },
      '/api/v1/events': {
        get: {
          operationId: 'recentEvents',
          summary: 'Recent identity events',
          'x-scope': 'events',
          parameters: [
            q('last', 'How many (1..10000)', { type: 'integer' }),
            q('source', 'Source id'),
            q('plane', 'Plane', { enum: ['platform', 'application'] }),
            q('connection', 'Connection id'),
          ],
          responses: ok({ type: 'object', properties: { data: { type: 'array', items: { type: 'object' } } } }, 'Events, newest first'),
        },
      },
      '/api/v1/status': {
        get: {
          operationId: 'sourceStatus',
          summary: 'Source health',
          'x-scope': 'status',
          responses: ok(
            {
              type: 'object',
              properties: {
                data: { type: 'array', items: { type: 'object' } },
                dead_alerts: {
                  type: 'object',
                  description:
                    'Alert notifications that exhausted their retries: total, by_channel [{channel, channel_type, dead, last_dead_at}], recent [{finished_at, channel, channel_type, kind, detection, fingerprint, subject_id, attempts, http_status, last_error}]',
                },
              },
            },
            'Per-source status and dead alerts',
          ),
        },
      },
      '/api/v1/reports/boundaries': {
        get: {
          operationId: 'boundaryReport',
          summary:
            "Boundary report: per plane (and per tenant of the application plane) whether each control is proven, with figures, listed accounts, evidence ids, framework items and the SQL behind every figure (docs/REPORTS.md). A tenant-scoped token gets only its tenant's application-plane report.",
          'x-scope': 'export',
          parameters: [
            q('period', 'The period: 2026-Q3, 2026-07, 2026 or 2026-07-01..2026-10-01 (UTC, end exclusive)', str, true),
            q('plane', 'Plane', { enum: ['platform', 'application'] }),
            q('tenant', 'Tenant of the application plane'),
            q('now', 'Evaluation time for pending / overdue / stale / silent (ISO 8601; default: now)'),
            q('format', 'json (default) or html', { enum: ['json', 'html'] }),
          ],
          responses: {
            '200': {
              description: 'The report',
              content: {
                'application/json': { schema: { type: 'object', required: ['data'], properties: { data: ref('BoundaryReport') } } },
                'text/html': { schema: str },
              },
            },
            ...errors,
          },
        },
      },
      '/api/v1/boundaries': {
        get: {
          operationId: 'boundaries',
          summary: 'Plane boundaries',
          'x-scope': 'boundaries',
          responses: ok({ type: 'object', properties: { data: { type: 'array', items: { type: 'object' } } } }, 'Per-plane boundaries'),
        },
      },
      '/api/v1/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      responses: Object.fromEntries(
        [
          ['BadRequest', 'A parameter is invalid (the message names it)'],
          ['Unauthorized', 'No or unknown bearer token'],
          ['Forbidden', 'The token lacks the scope, or is tenant-scoped and the endpoint spans tenants'],
          ['NotFound', 'No such resource'],
          ['Unavailable', 'The event store did not answer'],
        ].map(([name, description]) => [name, { description, content: { 'application/json': { schema: ref('Error') } } }]),
      ),
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'object', required: ['status', 'code', 'message'], properties: { status: int, code: str, message: str } },
          },
        },
        Finding: {
          type: 'object',
          required: ['detection', 'fingerprint', 'status', 'severity', 'plane', 'subject', 'first_seen', 'last_seen', 'evidence'],
          properties: {
            detection: str,
            fingerprint: str,
            status: { enum: ['open', 'reopened', 'acknowledged', 'resolved'] },
            severity: str,
            kind: str,
            plane: str,
            tenant: nstr,
            source: nstr,
            subject: { type: 'object', properties: { kind: str, id: str, email: nstr } },
            first_seen: str,
            last_seen: str,
            opened_at: str,
            resolved_at: nstr,
            resolution: nstr,
            acknowledged_at: nstr,
            acknowledged_by: nstr,
            reopen_count: int,
            evidence: { type: 'object', properties: { event_ids: { type: 'array', items: str }, raw_ids: { type: 'array', items: str } } },
            detail: { type: 'object', additionalProperties: str },
          },
        },
        LagStat: {
          type: 'object',
          properties: {
            plane: str,
            source: nstr,
            count: int,
            removed: int,
            pending: int,
            overdue: int,
            breaches: int,
            p50_ms: nint,
            p90_ms: nint,
            p99_ms: nint,
            max_ms: nint,
          },
        },
        Lag: {
          type: 'object',
          properties: {
            now: str,
            sla_ms: { type: 'object', properties: { platform: int, application: int } },
            statistics: { type: 'array', items: ref('LagStat') },
            overdue: { type: 'array', items: ref('Finding') },
            exposure: {
              type: 'object',
              description:
                'Exposure lag: GitHub secret scanning exposure → revocation of the matched credential, per plane and source, against planes.*.exposure_sla',
              properties: {
                sla_ms: { type: 'object', properties: { platform: int, application: int } },
                statistics: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      plane: str,
                      source: { type: 'string', nullable: true },
                      count: int,
                      removed: int,
                      pending: int,
                      overdue: int,
                      breaches: int,
                      p50_ms: { type: 'integer', nullable: true },
                      p90_ms: { type: 'integer', nullable: true },
                      max_ms: { type: 'integer', nullable: true },
                    },
                  },
                },
                unmatched: {
                  type: 'object',
                  description: 'Exposures matching no known credential, or several: never in the lag',
                  properties: { none: int, ambiguous: int },
                },
              },
            },
          },
        },
        LagDistribution: {
          type: 'object',
          properties: {
            now: str,
            from: str,
            to: str,
            planes: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  plane: str,
                  sla_ms: int,
                  items: int,
                  removed: int,
                  pending: int,
                  breaches: int,
                  overdue: int,
                  buckets: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { from_ms: int, to_ms: nint, beyond_sla: { type: 'boolean' }, removed: int, pending: int },
                    },
                  },
                },
              },
            },
          },
        },
        ExposureLagView: {
          type: 'object',
          properties: {
            now: str,
            from: str,
            to: str,
            tenant: { ...nstr, description: 'The tenant a tenant-scoped token is limited to (then only the application plane)' },
            planes: {
              type: 'array',
              items: {
                type: 'object',
                description: 'As LagDistribution.planes, against planes.*.exposure_sla: revoked exposures by lag, still active ones by age',
              },
            },
            statistics: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  plane: str,
                  source: nstr,
                  count: int,
                  removed: int,
                  pending: int,
                  overdue: int,
                  breaches: int,
                  p50_ms: nint,
                  p90_ms: nint,
                  max_ms: nint,
                },
              },
            },
            unmatched: {
              type: 'object',
              description: 'Exposures matching no known credential, or several: never in the lag',
              properties: { none: int, ambiguous: int },
            },
            exposures: {
              type: 'array',
              items: {
                type: 'object',
                description:
                  'One exposure found in the period, matched or not (as in the export): match one | none | ambiguous; none and ambiguous name no credential',
              },
            },
          },
        },
        TimelineEntry: {
          type: 'object',
          properties: {
            at: str,
            plane: str,
            source: str,
            tenant: nstr,
            entity: str,
            subject_kind: nstr,
            subject_id: str,
            what: str,
            event_id: str,
            raw_id: str,
          },
        },
        Credential: {
          type: 'object',
          properties: {
            plane: str,
            source: str,
            tenant: nstr,
            credential_id: str,
            kind: str,
            name: nstr,
            status: str,
            owner_kind: nstr,
            owner_id: nstr,
            owner_email: nstr,
            created_at: nstr,
            last_used_at: nstr,
            removed_at: nstr,
            stale: { type: 'boolean' },
            orphaned: { type: 'boolean' },
            findings: { type: 'array', items: str },
          },
        },
        Evidence: {
          type: 'object',
          properties: {
            finding: ref('Finding'),
            events: { type: 'array', items: { type: 'object' } },
            raw_deliveries: { type: 'array', items: { type: 'object' } },
          },
        },
        BoundaryReport: {
          type: 'object',
          description: 'schema planewatch.boundary-report.v1 (docs/REPORTS.md)',
          required: ['schema', 'generated_at', 'as_of', 'period', 'scope', 'thresholds', 'sources', 'sections', 'queries'],
          properties: {
            schema: { const: 'planewatch.boundary-report.v1' },
            generated_at: str,
            as_of: str,
            period: { type: 'object', properties: { label: str, from: str, to: str, observed_to: str } },
            scope: { type: 'object', properties: { planes: { type: 'array', items: str }, tenant: nstr } },
            thresholds: {
              type: 'object',
              additionalProperties: {
                type: 'object',
                properties: {
                  deprovision_sla_ms: int,
                  grace_ms: int,
                  stale_after_ms: int,
                  exposure_sla_ms: { ...int, description: 'present when a secret scanning source is configured' },
                },
              },
            },
            sources: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  connection_id: str,
                  source: str,
                  transport: str,
                  planes: { type: 'array', items: str },
                  silent_after_ms: int,
                  deliveries: int,
                  last_delivery_at: nstr,
                  gaps: { type: 'array', items: { type: 'object', properties: { from: str, to: str, ms: int } } },
                  longest_gap_ms: nint,
                  coverage: { type: 'number' },
                  silent_at_end: { type: 'boolean' },
                  dead_letters: int,
                  last_raw_id: nstr,
                },
              },
            },
            sections: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  plane: str,
                  tenant: nstr,
                  controls: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        id: { enum: ['provisioning', 'authentication', 'deprovisioning', 'credentials', 'audit_trail', 'separation'] },
                        title: str,
                        question: str,
                        status: { enum: ['proven', 'partly', 'not_proven', 'not_applicable'] },
                        reason: str,
                        figures: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              name: str,
                              label: str,
                              value: { type: ['number', 'string', 'null'] },
                              unit: { enum: ['count', 'ratio', 'ms', 'time', 'text'] },
                              queries: { type: 'array', items: str },
                            },
                          },
                        },
                        items: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              kind: str,
                              plane: str,
                              tenant: nstr,
                              source: str,
                              id: str,
                              email: nstr,
                              detail: { type: 'object', additionalProperties: str },
                              fingerprint: nstr,
                              event_ids: { type: 'array', items: str },
                              raw_ids: { type: 'array', items: str },
                            },
                          },
                        },
                        evidence: {
                          type: 'object',
                          properties: {
                            fingerprints: { type: 'array', items: str },
                            event_ids: { type: 'array', items: str },
                            raw_ids: { type: 'array', items: str },
                          },
                        },
                        frameworks: { type: 'array', items: { type: 'object', properties: { framework: str, item: str, title: str } } },
                      },
                    },
                  },
                },
              },
            },
            queries: {
              type: 'array',
              items: { type: 'object', properties: { id: str, describes: str, sql: str, params: { type: 'object' } } },
            },
          },
        },
        Leaver: {
          type: 'object',
          properties: {
            person: str,
            deprovisioned_at: str,
            plane: str,
            items: int,
            removed: int,
            pending: int,
            lag_ms: nint,
            last_removed_at: nstr,
            sla_ms: int,
            breaches: int,
            overdue: int,
            within_sla: { type: 'boolean' },
            signal_event_id: str,
          },
        },
      },
    },
  };
}
