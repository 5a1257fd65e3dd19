// The Kafka broker's jars, resolved once by Maven from kafka/pom.xml into <repo>/.cache/kafka/<version>/libs
// (process-safe: lock file + temp dir + rename + marker file).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { logger as rootLogger, type Logger } from '../core/log.ts';
import { REPO_ROOT } from '../core/repo-root.ts';
import { errCode, lastLines, sleep } from './shared.ts';
export interface EnsureKafkaJarsOptions {
  /** Default: the repository this file lives in. */
  repoRoot?: string;
  /** Default: <repoRoot>/.cache/kafka. The jars go to <cacheDir>/<version>/libs. */
  cacheDir?: string;
  /** Maven executable. Default: `mvn` from PATH. */
  mvn?: string;
  /** How long to wait for another process that is fetching the same jars. Default 10 min. */
  lockTimeoutMs?: number;
  log?: Logger;
}

/** `<kafka.version>` from kafka/pom.xml. */
export async function kafkaVersion(repoRoot = REPO_ROOT): Promise<string> {
  const pom = await fsp.readFile(path.join(repoRoot, 'kafka', 'pom.xml'), 'utf8');
  const m = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom);
  if (!m?.[1]) throw new Error(`no <kafka.version> in ${path.join(repoRoot, 'kafka', 'pom.xml')}`);
  return m[1];
}

interface JarsMarker {
  pomSha256: string;
  version: string;
  jars: number;
  at: string;
}

/**
 * Makes sure the broker's jars are in `<repo>/.cache/kafka/<version>/libs` and returns that directory.
 * Maven runs only when the marker file `<version>/libs.complete` is missing or was written for a
 * different kafka/pom.xml. Safe for concurrent callers in several processes: the fetch happens under a
 * lock file, into a temp dir that is renamed into place, and the marker is written last.
 */
export async function ensureKafkaJars(opts: EnsureKafkaJarsOptions = {}): Promise<string> {
  const repoRoot = opts.repoRoot ?? REPO_ROOT;
  const log = opts.log ?? rootLogger;
  const pomPath = path.join(repoRoot, 'kafka', 'pom.xml');
  const version = await kafkaVersion(repoRoot);
  const pomSha256 = createHash('sha256')
    .update(await fsp.readFile(pomPath))
    .digest('hex');
  const versionDir = path.join(opts.cacheDir ?? path.join(repoRoot, '.cache', 'kafka'), version);
  const libsDir = path.join(versionDir, 'libs');
  const markerPath = path.join(versionDir, 'libs.complete');

  const upToDate = async () => {
    try {
      const marker = JSON.parse(await fsp.readFile(markerPath, 'utf8')) as JarsMarker;
      return marker.pomSha256 === pomSha256 && (await fsp.stat(libsDir)).isDirectory();
    } catch {
      return false;
    }
  };
  if (await upToDate()) return libsDir;

  await fsp.mkdir(versionDir, { recursive: true });
  return withLockFile(path.join(versionDir, 'libs.lock'), opts.lockTimeoutMs ?? 10 * 60_000, log, async () => {
    if (await upToDate()) return libsDir; // someone else fetched them while we waited
    // We hold the lock, so leftovers of crashed fetches are nobody's work in progress.
    for (const entry of await fsp.readdir(versionDir)) {
      if (entry.startsWith('libs.tmp-') || entry.startsWith('libs.old-'))
        await fsp.rm(path.join(versionDir, entry), { recursive: true, force: true });
    }
    const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const tmpDir = path.join(versionDir, `libs.tmp-${unique}`);
    const started = Date.now();
    log.info({ version, libsDir }, 'fetching Kafka jars with Maven');
    try {
      await runCommand(
        opts.mvn ?? 'mvn',
        ['-q', '-B', '-f', pomPath, 'dependency:copy-dependencies', `-DoutputDirectory=${tmpDir}`, '-DincludeScope=runtime'],
        {
          cwd: path.dirname(pomPath),
          notFound:
            'Maven (`mvn`) is not on PATH; it is needed once to fetch the Kafka broker jars (apt-get install maven, or set KAFKA_BROKERS to use an existing broker)',
        },
      );
      const jars = (await fsp.readdir(tmpDir)).filter((f) => f.endsWith('.jar'));
      if (!jars.includes(`kafka_2.13-${version}.jar`)) throw new Error(`Maven finished but ${tmpDir} has no kafka_2.13-${version}.jar`);
      // Swap into place: a previous (unmarked or outdated) libs dir is moved aside first.
      const oldDir = path.join(versionDir, `libs.old-${unique}`);
      const hadOld = await fsp.rename(libsDir, oldDir).then(
        () => true,
        (err) => {
          if (errCode(err) === 'ENOENT') return false;
          throw err;
        },
      );
      await fsp.rename(tmpDir, libsDir);
      const marker: JarsMarker = { pomSha256, version, jars: jars.length, at: new Date().toISOString() };
      await writeFileAtomic(markerPath, JSON.stringify(marker, null, 2) + '\n');
      if (hadOld) await fsp.rm(oldDir, { recursive: true, force: true });
      log.info({ version, jars: jars.length, ms: Date.now() - started }, 'Kafka jars ready');
      return libsDir;
    } finally {
      await fsp.rm(tmpDir, { recursive: true, force: true });
    }
  });
}

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fsp.writeFile(tmp, content);
  await fsp.rename(tmp, file);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

/** Runs `fn` while holding an exclusive lock file (O_EXCL create); a lock of a dead process is taken over. */
async function withLockFile<T>(lockPath: string, timeoutMs: number, log: Logger, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await fsp.writeFile(lockPath, JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }), {
        flag: 'wx',
      });
      break;
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    }
    let holder: { pid?: number; host?: string } = {};
    let ageMs = 0;
    try {
      ageMs = Date.now() - (await fsp.stat(lockPath)).mtimeMs;
      holder = JSON.parse(await fsp.readFile(lockPath, 'utf8')) as typeof holder;
    } catch {
      // vanished (retry at once) or not yet written by its creator (give it a moment)
    }
    const dead = holder.host === os.hostname() && typeof holder.pid === 'number' && !pidAlive(holder.pid);
    if (dead || ageMs > 30 * 60_000) {
      log.warn({ lockPath, holder }, 'removing stale lock');
      await fsp.rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${lockPath} (held by ${JSON.stringify(holder)})`);
    if (!announced) {
      log.info({ lockPath, holder }, 'waiting for another process to finish fetching the Kafka jars');
      announced = true;
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lockPath, { force: true });
  }
}

/** Runs a command to completion; rejects with its output tail on failure. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { cwd?: string; notFound: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const collect = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => reject(errCode(err) === 'ENOENT' ? new Error(opts.notFound) : err));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`\`${cmd} ${args.join(' ')}\` failed (${signal ?? `exit code ${code}`}):\n${lastLines(out, 50)}`));
    });
  });
}
