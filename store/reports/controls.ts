// The controls of the boundary report: what each one asks, and the framework items it supports.
// Status rules are in status.ts and documented in docs/REPORTS.md.

export const CONTROL_IDS = ['provisioning', 'authentication', 'deprovisioning', 'credentials', 'audit_trail', 'separation'] as const;
export type ControlId = (typeof CONTROL_IDS)[number];

export const STATUSES = ['proven', 'partly', 'not_proven', 'not_applicable'] as const;
export type ControlStatus = (typeof STATUSES)[number];

export interface FrameworkItem {
  framework: 'SOC 2' | 'NIST CSF 2.0' | 'OWASP NHI Top 10' | 'NIST SP 800-207';
  item: string;
  title: string;
}

export interface ControlMeta {
  id: ControlId;
  title: string;
  question: string;
  frameworks: FrameworkItem[];
}

const soc2 = (item: string, title: string): FrameworkItem => ({ framework: 'SOC 2', item, title });
const csf = (item: string, title: string): FrameworkItem => ({ framework: 'NIST CSF 2.0', item, title });
const nhi = (item: string, title: string): FrameworkItem => ({ framework: 'OWASP NHI Top 10', item, title });
const zt = (item: string, title: string): FrameworkItem => ({ framework: 'NIST SP 800-207', item, title });

export const CONTROLS: readonly ControlMeta[] = [
  {
    id: 'provisioning',
    title: 'Provisioning',
    question: "Is an authoritative directory connected and delivering, and are the plane's active accounts linked to it?",
    frameworks: [
      soc2('CC6.2', 'Registration and authorization of new users'),
      csf('PR.AA-01', 'Identities and credentials for authorized users, services and hardware are managed'),
      csf('PR.AA-02', 'Identities are proofed and bound to credentials based on the context of interactions'),
      zt(
        'Tenet 6',
        'Dynamic authentication and authorization strictly enforced at each resource (policy information points: the directory)',
      ),
    ],
  },
  {
    id: 'authentication',
    title: 'Authentication',
    question: 'How do people sign in: through SSO, with MFA, and only with directory-managed accounts?',
    frameworks: [
      soc2('CC6.1', 'Logical access security measures over protected information assets'),
      csf('PR.AA-03', 'Users, services and hardware are authenticated'),
      zt('Tenet 6', 'Authentication strictly enforced before access at each boundary (policy enforcement point)'),
    ],
  },
  {
    id: 'deprovisioning',
    title: 'Deprovisioning',
    question: 'Are leavers removed from the plane within its SLA, and was nobody active after deprovisioning?',
    frameworks: [
      soc2('CC6.2', 'Removal of user access when no longer authorized'),
      soc2('CC6.3', 'Access is removed in a timely manner'),
      csf('PR.AA-01', 'Identities and credentials are revoked when no longer needed'),
      nhi('NHI1', 'Improper Offboarding'),
    ],
  },
  {
    id: 'credentials',
    title: 'Credentials',
    question: 'Does every active credential have a living owner, and is none stale?',
    frameworks: [
      soc2('CC6.1', 'Credentials managed over their life cycle'),
      csf('PR.AA-01', 'Credentials for services are managed'),
      nhi('NHI1', 'Improper Offboarding'),
      nhi('NHI7', 'Long-Lived Secrets'),
      nhi('NHI8', 'Environment Isolation'),
    ],
  },
  {
    id: 'audit_trail',
    title: 'Audit trail',
    question: 'Did every source expected for the plane deliver through the period, without gaps or rejected deliveries?',
    frameworks: [
      soc2('CC6.1', 'Evidence of logical access (audit logging of access events)'),
      csf('PR.AA-01', 'Identity management is evidenced by complete records'),
      zt('Tenet 7', 'Collect as much information as possible about the state of assets and access, and use it'),
    ],
  },
  {
    id: 'separation',
    title: 'Separation',
    question:
      'Did any identity cross the boundary of the plane (customers on the platform, platform identities in tenants, non-human credentials doing human actions)?',
    frameworks: [
      soc2('CC6.3', 'Access is authorized according to roles and segregation of duties'),
      csf('PR.AA-05', 'Access permissions are managed incorporating least privilege and separation of duties'),
      csf('PR.AA-04', 'Identity assertions are protected, conveyed and verified'),
      nhi('NHI5', 'Overprivileged NHI'),
      nhi('NHI9', 'NHI Reuse'),
      nhi('NHI10', 'Human Use of NHI'),
      zt('Tenet 3', 'Access to resources is granted per session; a policy enforcement point at each plane boundary'),
    ],
  },
];

export const CONTROL_META: Readonly<Record<ControlId, ControlMeta>> = Object.fromEntries(CONTROLS.map((c) => [c.id, c])) as Record<
  ControlId,
  ControlMeta
>;
