// Lease instruments (core/kafka/lease.ts) on the shared registry: whether this process leads a role,
// and how often that changed (each gain and each loss counts).
import { Counter, Gauge } from 'prom-client';
import { registry } from '../metrics.ts';

export const leaseLeader = new Gauge({
  name: 'planewatch_lease_leader',
  help: '1 while this process holds the lease of the role (it is the active detector / SCIM writer / migrator), else 0',
  labelNames: ['role'] as const,
  registers: [registry],
});

export const leaseChanges = new Counter({
  name: 'planewatch_lease_changes_total',
  help: 'Times this process gained or lost the lease of the role',
  labelNames: ['role'] as const,
  registers: [registry],
});
