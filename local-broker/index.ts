// The development Kafka broker planewatch runs itself: a real Apache Kafka 4.x (combined KRaft broker +
// controller, one node, loopback only) for `npm run kafka`, `npm start` without KAFKA_BROKERS, and the
// tests. jars.ts fetches the broker, process.ts runs it, readiness.ts says when it really works,
// supervisor.ts restarts it, resolve.ts picks KAFKA_BROKERS or a local broker.
export { REPO_ROOT } from '../core/repo-root.ts';
export { ensureKafkaJars, kafkaVersion, type EnsureKafkaJarsOptions } from './jars.ts';
export {
  startLocalBroker,
  freePorts,
  KafkaBrokerStartError,
  type StartLocalBrokerOptions,
  type LocalBroker,
  type BrokerExit,
} from './process.ts';
export { READY_TOPIC } from './readiness.ts';
export { resolveKafka, type ResolvedKafka } from './resolve.ts';
export { superviseBroker, backoffMs, type BrokerSupervisor, type SupervisorOptions } from './supervisor.ts';
