// One pino logger for every service. Secrets are redacted by path as a second line of defence:
// the first is that collectors never put them into envelopes or events at all. Records are JSON,
// or readable lines on a terminal (core/log-format.ts, core/log-pretty.ts).
import { pino, type Logger } from 'pino';
import { selectLogFormat, type LogFormat } from './log-format.ts';
import { prettyDestination } from './log-pretty.ts';

export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'headers["workos-signature"]',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'token',
  '*.token',
  'api_key',
  '*.api_key',
  'apiKey',
  '*.apiKey',
];

export function createLogger(opts: { level?: string; name?: string; format?: LogFormat } = {}): Logger {
  const options = {
    name: opts.name ?? 'planewatch',
    level: opts.level ?? process.env.PLANEWATCH_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const format = opts.format ?? selectLogFormat();
  if (format === 'json') return pino(options);
  // Colour only for a real terminal that has not opted out (https://no-color.org).
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  return pino(options, prettyDestination(colour));
}

export const logger: Logger = createLogger();
export type { Logger, LogFormat };
