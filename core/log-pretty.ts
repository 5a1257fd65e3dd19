// The pretty log format (core/log-format.ts): pino still serialises every record (redaction
// included) to JSON; this destination turns each JSON line into
//   12:04:05.123 INFO  planewatch-all-in-one: stopping signal=SIGTERM
// before writing it. Hand-written because pino-pretty is not a dependency, and a person reading a
// terminal needs little more than time, level, message and the remaining fields.
import { pino } from 'pino';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
/** Fields that are part of the line's head, or noise on a terminal. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname', 'err']);

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One JSON log line → one readable line (newline-terminated); a line that is not JSON passes unchanged. */
export function prettyLine(jsonLine: string, colour = false): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : jsonLine + '\n';
  }
  const level = typeof rec.level === 'number' ? rec.level : 30;
  const name = (LEVEL_NAMES[level] ?? String(level)).padEnd(5);
  const levelText = colour ? `\x1b[${LEVEL_COLOURS[level] ?? '0'}m${name}\x1b[0m` : name;
  const time =
    typeof rec.time === 'string'
      ? rec.time.slice(11, 23)
      : typeof rec.time === 'number'
        ? new Date(rec.time).toISOString().slice(11, 23)
        : '';
  const fields = Object.entries(rec)
    .filter(([k]) => !HEAD_FIELDS.has(k))
    .map(([k, v]) => `${k}=${fieldValue(v)}`);
  const head = [time, levelText, `${typeof rec.name === 'string' ? `${rec.name}: ` : ''}${typeof rec.msg === 'string' ? rec.msg : ''}`]
    .filter(Boolean)
    .join(' ');
  let out = fields.length ? `${head} ${fields.join(' ')}` : head;
  // An error's stack is what a person needs to read, so it goes on its own lines, indented.
  const err = rec.err as { type?: string; message?: string; stack?: string } | undefined;
  if (err && typeof err === 'object')
    out += `\n    ${(err.stack ?? `${err.type ?? 'Error'}: ${err.message ?? ''}`).split('\n').join('\n    ')}`;
  return out + '\n';
}

/** A pino destination that writes pretty lines to stdout (synchronously, as pino's default does). */
export function prettyDestination(colour: boolean): { write(chunk: string): void } {
  const stdout = pino.destination({ fd: 1, sync: true });
  return { write: (chunk: string) => void stdout.write(prettyLine(chunk, colour)) };
}
