// The demo's boundary map: the seeded company's map (WorkOS workforce + customer directories,
// OpenAI), plus a SCIM contractor directory, Anthropic, GitHub secret scanning, and `openai-eu`, a
// second OpenAI organisation whose admin key was revoked (the vendor API refuses it), so
// PW-SOURCE-SILENT has something to say within a minute. Vendor APIs point at the demo's local
// server. Detections are evaluated every 5 s so findings appear while you watch. openai-main polls
// hourly: the demo's audit log gets nothing new, and a 5 min interval would make it silent after 15.
import { randomBytes } from 'node:crypto';

/** Environment variables the map names: signing secrets, SCIM token, vendor API keys. */
export const DEMO_ENV = {
  workosMain: 'PLANEWATCH_DEMO_WORKOS_SECRET',
  workosEu: 'PLANEWATCH_DEMO_WORKOS_EU_SECRET',
  openaiMain: 'PLANEWATCH_DEMO_OPENAI_ADMIN_KEY',
  openaiEu: 'PLANEWATCH_DEMO_OPENAI_EU_ADMIN_KEY',
  anthropic: 'PLANEWATCH_DEMO_ANTHROPIC_ADMIN_KEY',
  scim: 'PLANEWATCH_DEMO_SCIM_TOKEN',
  githubHook: 'PLANEWATCH_DEMO_GITHUB_WEBHOOK_SECRET',
  githubToken: 'PLANEWATCH_DEMO_GITHUB_TOKEN',
} as const;

export type DemoSecrets = Record<keyof typeof DEMO_ENV, string>;

/** Fresh values for one run: the demo plays both sides (vendor and planewatch), nothing is kept. */
export function generateDemoSecrets(): DemoSecrets {
  const r = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;
  return {
    workosMain: r('demo-wh-'),
    workosEu: r('demo-wh-'),
    openaiMain: r('demo-admin-'),
    openaiEu: r('demo-admin-'),
    anthropic: r('demo-admin-'),
    scim: r('demo-scim-'),
    githubHook: r('demo-gh-'),
    githubToken: r('demo-ghtoken-'),
  };
}

/** The secrets as the environment variables the map names. */
export function demoEnv(secrets: DemoSecrets): Record<string, string> {
  return Object.fromEntries(Object.entries(DEMO_ENV).map(([k, name]) => [name, secrets[k as keyof DemoSecrets]]));
}

export const CONTRACTORS_CONNECTION = 'scim-contractors';
export const GITHUB_CONNECTION = 'github-acme';

export function demoConfigYaml(vendorApiUrl: string): string {
  return `# Written by \`planewatch demo\` on every start (the vendor API's port changes); not for editing.
planes:
  platform:    { owner: it-security@acme.example, deprovision_sla: 24h, grace: 1h, stale_after: 90d, pre_departure_window: 7d, exposure_sla: 24h }
  application: { owner: product-security@acme.example, deprovision_sla: 72h, grace: 1h, stale_after: 90d, pre_departure_window: 7d }
domains:
  corporate: [acme.example]
  customer: [globex.example]
detections:
  evaluate_every: 5s
connections:
  - id: workos-main
    vendor: workos
    transport: webhook
    secret_env: ${DEMO_ENV.workosMain}
    plane: application
    authoritative_for: customers
    plane_rules:
      - { organization_id: org_01ACMEWORKFORCE, plane: platform, authoritative_for: employees }
  - id: workos-eu
    vendor: workos
    transport: webhook
    secret_env: ${DEMO_ENV.workosEu}
    plane: application
    authoritative_for: customers
  - id: ${CONTRACTORS_CONNECTION}
    vendor: scim
    transport: scim
    secret_env: ${DEMO_ENV.scim}
    plane: platform
    authoritative_for: contractors
  - id: openai-main
    vendor: openai
    transport: poll
    api_key_env: ${DEMO_ENV.openaiMain}
    base_url: ${vendorApiUrl}/v1
    poll_interval: 1h
    inventory_interval: 1h
  - id: openai-eu
    vendor: openai
    transport: poll
    api_key_env: ${DEMO_ENV.openaiEu}
    base_url: ${vendorApiUrl}/eu/v1
    poll_interval: 5s
    inventory_interval: 1h
  - id: anthropic-main
    vendor: anthropic
    transport: inventory
    api_key_env: ${DEMO_ENV.anthropic}
    base_url: ${vendorApiUrl}
    inventory_interval: 1h
  - id: ${GITHUB_CONNECTION}
    vendor: github
    transport: webhook
    secret_env: ${DEMO_ENV.githubHook}
    api_key_env: ${DEMO_ENV.githubToken}
    base_url: ${vendorApiUrl}
`;
}
