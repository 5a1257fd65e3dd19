// Environment variables, validated at start-up. Each error names the variable and what it expects.
import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError, zodProblems } from './errors.ts';
import { LOG_FORMATS } from '../log-format.ts';

const port = (fallback: number) =>
  z.coerce.number({ error: 'expected a TCP port number' }).int('expected a whole number').min(0).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number({ error: 'expected a number' }).int().positive().default(fallback);

/** An IP address, or a CIDR range (address/prefix length). */
function isAddressOrRange(entry: string): boolean {
  const [addr, bits, extra] = entry.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

const addressList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .refine(
    (list) => list.every(isAddressOrRange),
    'expected IP addresses or CIDR ranges separated by commas, e.g. 10.0.0.5,192.168.0.0/16,::1',
  );

export const EnvSchema = z.object({
  PLANEWATCH_CONFIG: z.string().min(1).optional(),
  PLANEWATCH_DATA_DIR: z.string().min(1).default('./data'),
  PLANEWATCH_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  PLANEWATCH_HTTP_PORT: port(8080),
  PLANEWATCH_MAX_BODY_BYTES: positiveInt(1_048_576),
  /** Peers whose X-Forwarded-Proto / X-Forwarded-Host the SCIM service honours (meta.location). Default: none. */
  PLANEWATCH_TRUSTED_PROXIES: addressList,
  PLANEWATCH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json, pretty, or auto (pretty when stdout is a terminal): core/log-format.ts. */
  PLANEWATCH_LOG_FORMAT: z
    .enum(LOG_FORMATS, { error: () => 'expected "json", "pretty" or "auto" (pretty on a terminal, JSON otherwise)' })
    .default('auto'),
  PLANEWATCH_PARTITIONS: positiveInt(4),
  /** Session timeout of the Kafka leases (one active detector / SCIM writer / poller / migrator, core/kafka/lease.ts): how long a dead leader keeps its role. The broker bounds it (group.min.session.timeout.ms, 6000 by default). */
  PLANEWATCH_LEASE_SESSION_TIMEOUT_MS: z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int('expected a whole number of milliseconds')
    .min(1000, 'expected at least 1000 ms (brokers allow 6000 ms at least by default)')
    .default(10_000),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...] e.g. 127.0.0.1:9092')
    .optional(),
  KAFKA_PORT: port(9092),
  /** Local broker only: failed restart attempts in a row before /healthz fails (local-broker/supervisor.ts). */
  PLANEWATCH_BROKER_RESTART_ATTEMPTS: positiveInt(5),
  /** Local broker only: wait before the first restart attempt, doubled after each failure (at most 30 s). */
  PLANEWATCH_BROKER_RESTART_BACKOFF_MS: positiveInt(1000),
  PLANEWATCH_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,100}$/, 'expected letters, digits, ".", "_" or "-" (it is prepended to Kafka topic names)')
    .default(''),
  /** All-in-one only: run the normalizer on a worker thread (a second core) or on the main thread (default: the worker measured no gain on the shared 2-core machine, docs/PERFORMANCE.md). */
  PLANEWATCH_NORMALIZER_THREAD: z.enum(['worker', 'inline'], { error: () => 'expected "worker" or "inline"' }).default('inline'),
  CLICKHOUSE_URL: z.url({ error: 'expected an http(s) URL of a ClickHouse server, e.g. http://localhost:8123' }).optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export function loadEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error), 'environment variables');
  return parsed.data;
}
