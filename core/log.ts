// One pino logger for every service. Secrets are redacted by path as a second line of defence:
// the first is that collectors never put them into envelopes or events at all.
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'headers["workos-signature"]',
  'secret', '*.secret', 'password', '*.password', 'token', '*.token', 'api_key', '*.api_key', 'apiKey', '*.apiKey',
];

export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'planewatch',
    level: opts.level ?? process.env.PLANEWATCH_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export const logger: Logger = createLogger();
export type { Logger };
