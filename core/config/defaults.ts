// The embedded default boundary map: what `npm start` runs when no planewatch.yaml exists.
// One WorkOS webhook connection on the application plane, so the pipeline can be tried at once
// (`planewatch send-sample workos`). Its secret is generated on first start (see secrets.ts).
import type { BoundaryMapInput } from './boundary-map.ts';

export const DEMO_SECRET_ENV = 'PLANEWATCH_DEMO_WORKOS_SECRET';

export const DEFAULT_BOUNDARY_MAP: BoundaryMapInput = {
  planes: {
    platform: { deprovision_sla: '24h', grace: '1h', stale_after: '90d' },
    application: { deprovision_sla: '24h', grace: '1h', stale_after: '90d' },
  },
  domains: { corporate: ['acme.example'] },
  connections: [
    {
      id: 'workos-demo',
      vendor: 'workos',
      transport: 'webhook',
      secret_env: DEMO_SECRET_ENV,
      plane: 'application',
      authoritative_for: 'customers',
      plane_rules: [{ organization_id: 'org_01ACMEWORKFORCE', plane: 'platform', authoritative_for: 'employees' }],
    },
  ],
};
