// Which shape log lines take: JSON (one object a line, for collectors and files) or pretty (one
// readable line per record, for a person at a terminal). PLANEWATCH_LOG_FORMAT decides when set;
// otherwise a terminal on stdout gets pretty and anything else (a pipe, a file, systemd, Docker) JSON.

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = 'json' | 'pretty';

/**
 * The format for a logger writing to stdout. An unknown PLANEWATCH_LOG_FORMAT value counts as
 * unset here (the logger must come up even then); loadEnv rejects it with a message.
 */
export function selectLogFormat(env: NodeJS.ProcessEnv = process.env, stdoutIsTTY: boolean = process.stdout.isTTY === true): LogFormat {
  const wanted = env.PLANEWATCH_LOG_FORMAT?.trim().toLowerCase();
  if (wanted === 'json' || wanted === 'pretty') return wanted;
  return stdoutIsTTY ? 'pretty' : 'json';
}
