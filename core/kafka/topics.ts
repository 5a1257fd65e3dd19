// Every topic planewatch uses, in one place. Services meet only through these.
//
// PLANEWATCH_TOPIC_PREFIX namespaces them when several planewatch deployments share one Kafka
// cluster (e.g. "staging." → "staging.planewatch.raw.v1"); every service of one deployment must
// use the same prefix. Read once at start-up (validated in core/config/env.ts).
const prefix = process.env.PLANEWATCH_TOPIC_PREFIX ?? '';

export const TOPICS = {
  /** RawEnvelope: deliveries and fetched pages exactly as received (minus secrets). Key: envelope id (spreads load; order never matters, state is order-independent). */
  raw: `${prefix}planewatch.raw.v1`,
  /** IdentityEvent: normalized, plane-tagged facts. Key: source:tenant:subject, so one subject stays ordered. */
  events: `${prefix}planewatch.events.v1`,
  /** DeadLetter: anything a stage could not process, with the reason. */
  dlq: `${prefix}planewatch.dlq.v1`,
  /** Alert notifications, partitioned by finding fingerprint (issue: alerting). */
  alerts: `${prefix}planewatch.alerts.v1`,
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const CONSUMER_GROUPS = {
  normalizer: 'planewatch-normalizer',
  sink: 'planewatch-sink',
} as const;

/**
 * A lease (core/kafka/lease.ts) per role ('detector', 'scim-writer', 'poller', 'migrations'): one
 * single-partition topic (it stays empty: only offsets are committed on it) and one consumer group
 * whose member assigned partition 0 leads. The group carries the prefix too: two deployments sharing
 * a cluster must not share a leader.
 */
export const leaseTopic = (role: string): string => `${prefix}planewatch.lease.${role}.v1`;
export const leaseGroup = (role: string): string => `${prefix}planewatch-lease-${role}`;
