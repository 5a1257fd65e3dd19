// A running all-in-one process records where it listens in <dataDir>/run/server.json, and a local
// API token in <dataDir>/run/api-token (0600). The CLI uses them to ask the running process instead
// of opening the embedded ClickHouse a second time (chDB allows one process per data path).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RunInfo {
  pid: number;
  url: string;
  startedAt: string;
}

const runDir = (dataDir: string) => path.join(dataDir, 'run');

export function writeRunInfo(dataDir: string, info: RunInfo, token: string): void {
  mkdirSync(runDir(dataDir), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(runDir(dataDir), 'api-token'), token + '\n', { mode: 0o600 });
  writeFileSync(path.join(runDir(dataDir), 'server.json'), JSON.stringify(info, null, 2) + '\n');
}

export function clearRunInfo(dataDir: string): void {
  rmSync(path.join(runDir(dataDir), 'server.json'), { force: true });
  rmSync(path.join(runDir(dataDir), 'api-token'), { force: true });
}

/** The running process's info and token, or null when none is running (stale files are ignored). */
export function readRunInfo(dataDir: string): (RunInfo & { token: string }) | null {
  const file = path.join(runDir(dataDir), 'server.json');
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as RunInfo;
    process.kill(info.pid, 0);
    const token = readFileSync(path.join(runDir(dataDir), 'api-token'), 'utf8').trim();
    return { ...info, token };
  } catch {
    return null;
  }
}
