// Every topic planewatch uses, in one place. Services meet only through these.
export const TOPICS = {
  /** RawEnvelope: deliveries and fetched pages exactly as received (minus secrets). Key: envelope id (spreads load; order never matters, state is order-independent). */
  raw: 'planewatch.raw.v1',
  /** IdentityEvent: normalized, plane-tagged facts. Key: source:tenant:subject, so one subject stays ordered. */
  events: 'planewatch.events.v1',
  /** DeadLetter: anything a stage could not process, with the reason. */
  dlq: 'planewatch.dlq.v1',
  /** Alert notifications, partitioned by finding fingerprint (issue: alerting). */
  alerts: 'planewatch.alerts.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const CONSUMER_GROUPS = {
  normalizer: 'planewatch-normalizer',
  sink: 'planewatch-sink',
} as const;
