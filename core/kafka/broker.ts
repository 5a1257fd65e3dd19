// A real Apache Kafka 4.x broker (combined KRaft broker + controller, one node, loopback only) run by
// the project itself for development (`npm run kafka`) and tests (test/global-setup.ts).
//
// - ensureKafkaJars(): the broker's jars, resolved once by Maven from kafka/pom.xml into
//   <repo>/.cache/kafka/<version>/libs (process-safe: lock file + temp dir + rename + marker file).
// - startLocalBroker(): server.properties + one-time KRaft format + `java kafka.Kafka`, resolved only
//   once a kafkajs client has really produced (acks=-1) and consumed (consumer group) a message.
// - resolveKafka(): KAFKA_BROKERS if set, otherwise a local broker.
//
// The broker child is killed when this Node process exits or gets SIGINT/SIGTERM/SIGHUP. A SIGKILL of
// the Node process cannot be caught by Node itself; for that case each broker has a watchdog process
// (spawnWatchdog) that kills it when Node's end of a pipe closes. If even that fails, find a leftover
// broker with `pgrep -f 'kafka.Kafka .*<dataDir>'` (the server.properties path is on its command line).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Consumer, Kafka, Producer, Admin } from 'kafkajs';
import { logger as rootLogger, type Logger } from '../log.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { createKafka, createProducer, defaultPartitions } from './client.ts';
import { portListening } from './port-probe.ts';

/** The repository root (kafka/pom.xml, kafka/server.properties.template live there). */
export { REPO_ROOT };

/** Topic the readiness probe produces to and consumes from. */
export const READY_TOPIC = '__planewatch_ready';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Jars
// ---------------------------------------------------------------------------------------------------

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
  const pomSha256 = createHash('sha256').update(await fsp.readFile(pomPath)).digest('hex');
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
      if (entry.startsWith('libs.tmp-') || entry.startsWith('libs.old-')) await fsp.rm(path.join(versionDir, entry), { recursive: true, force: true });
    }
    const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const tmpDir = path.join(versionDir, `libs.tmp-${unique}`);
    const started = Date.now();
    log.info({ version, libsDir }, 'fetching Kafka jars with Maven');
    try {
      await runCommand(opts.mvn ?? 'mvn', ['-q', '-B', '-f', pomPath, 'dependency:copy-dependencies', `-DoutputDirectory=${tmpDir}`, '-DincludeScope=runtime'], {
        cwd: path.dirname(pomPath),
        notFound: 'Maven (`mvn`) is not on PATH; it is needed once to fetch the Kafka broker jars (apt-get install maven, or set KAFKA_BROKERS to use an existing broker)',
      });
      const jars = (await fsp.readdir(tmpDir)).filter((f) => f.endsWith('.jar'));
      if (!jars.includes(`kafka_2.13-${version}.jar`)) throw new Error(`Maven finished but ${tmpDir} has no kafka_2.13-${version}.jar`);
      // Swap into place: a previous (unmarked or outdated) libs dir is moved aside first.
      const oldDir = path.join(versionDir, `libs.old-${unique}`);
      const hadOld = await fsp.rename(libsDir, oldDir).then(() => true, (err) => {
        if (errCode(err) === 'ENOENT') return false;
        throw err;
      });
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

async function writeFileAtomic(file: string, content: string): Promise<void> {
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
      await fsp.writeFile(lockPath, JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }), { flag: 'wx' });
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
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${lockPath} (held by ${JSON.stringify(holder)})`);
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
function runCommand(cmd: string, args: string[], opts: { cwd?: string; notFound: string; env?: NodeJS.ProcessEnv }): Promise<string> {
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

function lastLines(text: string, n: number): string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-n).join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Child-process bookkeeping: never leave a broker behind when Node goes away
// ---------------------------------------------------------------------------------------------------

/** Running brokers → their watchdog (see spawnWatchdog). */
const liveChildren = new Map<ChildProcess, ChildProcess | undefined>();
let exitHooksInstalled = false;

function killAllChildren(): void {
  for (const [child, watchdog] of liveChildren) {
    for (const p of [watchdog, child]) {
      try {
        p?.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * A SIGKILL of Node cannot be caught, so each broker gets a tiny watchdog: `sh` blocked reading a pipe
 * whose only writer is this Node process. When Node dies, however it dies, the kernel closes the pipe,
 * `read` returns and the watchdog kills the broker. It is in its own process group (a terminal Ctrl-C
 * does not reach it) and is killed itself as soon as the broker exits. Not on Windows.
 */
function spawnWatchdog(javaPid: number, log: Logger): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const watchdog = spawn('/bin/sh', ['-c', `read _ignored; kill -9 ${javaPid} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    watchdog.on('error', (err) => log.warn({ err }, 'kafka broker watchdog failed; a SIGKILLed parent would leave the broker running'));
    watchdog.stdin?.on('error', () => {});
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return watchdog;
  } catch (err) {
    log.warn({ err }, 'could not start the kafka broker watchdog');
    return undefined;
  }
}

/**
 * 'exit' covers normal exits and process.exit(). For SIGINT/SIGTERM/SIGHUP: if the program has its own
 * handler (scripts/kafka.ts, vitest, a service's graceful shutdown) we leave the shutdown to it and
 * the 'exit' hook stays the backstop; if ours is the only handler, we kill the brokers and re-raise
 * the signal so the default behaviour (terminate) is unchanged. SIGKILL cannot be caught.
 */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      killAllChildren();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

// ---------------------------------------------------------------------------------------------------
// Local broker
// ---------------------------------------------------------------------------------------------------

export interface StartLocalBrokerOptions {
  /** The broker keeps everything in <dataDir>/kafka: server.properties, meta, server.log, storage/. */
  dataDir: string;
  /** Client (PLAINTEXT) port on 127.0.0.1. 0 or unset: a free port. */
  port?: number;
  /** KRaft controller port on 127.0.0.1. 0 or unset: a free port. */
  controllerPort?: number;
  /** The broker's num.partitions (for topics created without a count). Default: PLANEWATCH_PARTITIONS or 4. */
  partitions?: number;
  /** -Xmx in MiB. Default 512. */
  heapMb?: number;
  log?: Logger;
  /** From spawning java to a confirmed produce + consume. Default 60 s. Jar fetching is not included. */
  timeoutMs?: number;
  /** Default: await ensureKafkaJars(). */
  libsDir?: string;
  /** Java executable. Default: $JAVA_HOME/bin/java if JAVA_HOME is set, else `java` from PATH. */
  java?: string;
  /** Extra server.properties lines (appended, so they override the template). */
  overrides?: Record<string, string | number | boolean>;
  /** Default: the repository this file lives in (for kafka/server.properties.template and kafka/log4j2.yaml). */
  repoRoot?: string;
}

export interface BrokerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop()/kill()/restart() asked for it. */
  expected: boolean;
}

export interface LocalBroker {
  /** Bootstrap servers, e.g. ['127.0.0.1:39092']. Stable across restart(). */
  readonly brokers: string[];
  /** PID of the current java process; undefined once it has exited. Changes on restart(). */
  readonly pid: number | undefined;
  readonly port: number;
  readonly controllerPort: number;
  readonly clusterId: string;
  /** <dataDir>/kafka */
  readonly kafkaDir: string;
  /** <dataDir>/kafka/server.log: the broker's stdout + stderr (log4j WARN and above, JVM errors). */
  readonly logFile: string;
  /** Graceful: SIGTERM, wait up to 20 s for exit, then SIGKILL. No-op if not running. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit (for fault tests). No-op if not running. */
  kill(): Promise<void>;
  /** stop() if running, then start again on the same ports and storage and wait for readiness. */
  restart(): Promise<void>;
  /** Called whenever the java process exits (expected or not). Returns an unsubscribe function. */
  onExit(listener: (exit: BrokerExit) => void): () => void;
  /** The last `lines` lines the broker wrote to server.log since it was last started. */
  logTail(lines?: number): Promise<string>;
}

export class KafkaBrokerStartError extends Error {
  constructor(
    message: string,
    readonly logFile: string,
    readonly logTail: string,
    options?: { cause?: unknown },
  ) {
    super(`${message}\n--- last lines of ${logFile} ---\n${logTail || '(empty)'}\n---`, options);
    this.name = 'KafkaBrokerStartError';
  }
}

/** Free TCP ports on 127.0.0.1 (held open together so they are distinct, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function newClusterId(): string {
  // Kafka's Uuid.randomUuid(): 16 random bytes, base64url without padding (22 chars), never starting
  // with '-' (it would look like a command-line flag).
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function defaultJava(): string {
  const home = process.env.JAVA_HOME;
  return home ? path.join(home, 'bin', 'java') : 'java';
}

const JAVA_NOT_FOUND =
  'java was not found (looked for `java` on PATH, or $JAVA_HOME/bin/java when JAVA_HOME is set). The local Kafka 4 broker needs a Java 17+ runtime ' +
  '(e.g. apt-get install openjdk-17-jre-headless), or set KAFKA_BROKERS to use an existing broker.';

interface BrokerMeta {
  clusterId: string;
  createdAt: string;
}

/**
 * Starts a single-node Kafka (KRaft broker + controller) under `<dataDir>/kafka` and resolves once a
 * message was produced with acks=-1 and consumed back through a consumer group.
 */
export async function startLocalBroker(opts: StartLocalBrokerOptions): Promise<LocalBroker> {
  const baseLog = opts.log ?? rootLogger;
  const log = baseLog.child({ component: 'kafka-broker' });
  const repoRoot = opts.repoRoot ?? REPO_ROOT;
  const libsDir = opts.libsDir ?? (await ensureKafkaJars({ repoRoot, log }));
  // Auto-picked ports can be taken by someone else between picking and binding: pick again then.
  for (let attempt = 1; ; attempt++) {
    const broker = new LocalBrokerProcess(opts, log, baseLog, repoRoot, libsDir);
    try {
      await broker.init();
      await broker.start();
      return broker;
    } catch (err) {
      if (!(attempt < 3 && err instanceof KafkaBrokerStartError && autoPortTaken(err.logTail, broker, opts))) throw err;
      log.warn({ attempt }, 'port taken between picking and binding; retrying with new ports');
    }
  }
}

function autoPortTaken(logTail: string, broker: LocalBroker, opts: StartLocalBrokerOptions): boolean {
  if (!/BindException|Address already in use/.test(logTail)) return false;
  const port = Number(/bind to [^\s:]+:(\d+)/.exec(logTail)?.[1]);
  if (port === broker.port) return !opts.port;
  if (port === broker.controllerPort) return !opts.controllerPort;
  return !opts.port && !opts.controllerPort;
}

class LocalBrokerProcess implements LocalBroker {
  readonly kafkaDir: string;
  readonly logFile: string;
  private readonly storageDir: string;
  private readonly propsFile: string;
  private readonly metaFile: string;
  private readonly timeoutMs: number;
  private _port = 0;
  private _controllerPort = 0;
  private _clusterId = '';
  private child: ChildProcess | undefined;
  private exitPromise: Promise<BrokerExit> | undefined;
  private expectExit = false;
  private logOffset = 0;
  private readonly exitListeners = new Set<(exit: BrokerExit) => void>();

  constructor(
    private readonly opts: StartLocalBrokerOptions,
    private readonly log: Logger,
    /** For the kafkajs readiness client, which adds its own `component`. */
    private readonly baseLog: Logger,
    private readonly repoRoot: string,
    private readonly libsDir: string,
  ) {
    this.kafkaDir = path.resolve(opts.dataDir, 'kafka');
    this.logFile = path.join(this.kafkaDir, 'server.log');
    this.storageDir = path.join(this.kafkaDir, 'storage');
    this.propsFile = path.join(this.kafkaDir, 'server.properties');
    this.metaFile = path.join(this.kafkaDir, 'meta');
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this._port}`];
  }
  get port(): number {
    return this._port;
  }
  get controllerPort(): number {
    return this._controllerPort;
  }
  get clusterId(): string {
    return this._clusterId;
  }
  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  onExit(listener: (exit: BrokerExit) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** Ports, server.properties, cluster id, one-time storage format. */
  async init(): Promise<void> {
    await fsp.mkdir(this.storageDir, { recursive: true });
    const [p1, p2] = await freePorts(2);
    this._port = this.opts.port || p1!;
    this._controllerPort = this.opts.controllerPort || (p2 === this._port ? p1! : p2!);
    if (this._port === this._controllerPort) throw new Error(`port and controllerPort must differ (both ${this._port})`);

    const template = await fsp.readFile(path.join(this.repoRoot, 'kafka', 'server.properties.template'), 'utf8');
    const values: Record<string, string> = {
      CONTROLLER_PORT: String(this._controllerPort),
      BROKER_PORT: String(this._port),
      LOG_DIR: this.storageDir.replaceAll('\\', '\\\\'),
      NUM_PARTITIONS: String(this.opts.partitions ?? defaultPartitions()),
    };
    let props = template.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`kafka/server.properties.template: unknown placeholder ${whole}`);
      return value;
    });
    if (this.opts.overrides) {
      props += '\n# overrides from startLocalBroker()\n';
      for (const [k, v] of Object.entries(this.opts.overrides)) props += `${k}=${String(v)}\n`;
    }
    await writeFileAtomic(this.propsFile, props);

    // Cluster id: the formatted storage is the truth; <kafkaDir>/meta remembers it across restarts
    // (and is what a wiped storage dir is re-formatted with).
    let meta: BrokerMeta | undefined;
    try {
      meta = JSON.parse(await fsp.readFile(this.metaFile, 'utf8')) as BrokerMeta;
    } catch {
      meta = undefined;
    }
    const formattedId = await this.readFormattedClusterId();
    if (formattedId) {
      this._clusterId = formattedId;
    } else {
      this._clusterId = meta?.clusterId ?? newClusterId();
      await this.format();
    }
    if (meta?.clusterId !== this._clusterId) {
      await writeFileAtomic(this.metaFile, JSON.stringify({ clusterId: this._clusterId, createdAt: new Date().toISOString() } satisfies BrokerMeta, null, 2) + '\n');
    }
  }

  private async readFormattedClusterId(): Promise<string | undefined> {
    try {
      const text = await fsp.readFile(path.join(this.storageDir, 'meta.properties'), 'utf8');
      return /^cluster\.id=(.+)$/m.exec(text)?.[1]?.trim();
    } catch (err) {
      if (errCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  private javaBase(): string[] {
    return [
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(this.repoRoot, 'kafka', 'log4j2.yaml')}`,
      '-cp',
      `${this.libsDir}${path.sep}*`,
    ];
  }

  private async format(): Promise<void> {
    const started = Date.now();
    const entries = await fsp.readdir(this.storageDir);
    if (entries.length > 0) this.log.warn({ storageDir: this.storageDir, entries: entries.length }, 'storage dir has files but no meta.properties; formatting it');
    try {
      await runCommand(this.opts.java ?? defaultJava(), ['-Xmx256m', ...this.javaBase(), 'kafka.tools.StorageTool', 'format', '-t', this._clusterId, '-c', this.propsFile], {
        cwd: this.kafkaDir,
        notFound: JAVA_NOT_FOUND,
      });
    } catch (err) {
      if ((err as Error).message === JAVA_NOT_FOUND) throw err;
      throw new Error(`formatting Kafka storage in ${this.storageDir} failed: ${(err as Error).message}`, { cause: err });
    }
    this.log.debug({ storageDir: this.storageDir, clusterId: this._clusterId, ms: Date.now() - started }, 'formatted KRaft storage');
  }

  private spawnJava(): void {
    installExitHooks();
    const fd = fs.openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      fs.writeSync(fd, `\n=== planewatch: starting kafka on 127.0.0.1:${this._port} (controller ${this._controllerPort}) at ${new Date().toISOString()} ===\n`);
      this.logOffset = fs.fstatSync(fd).size;
      const heapMb = this.opts.heapMb ?? 512;
      const args = [`-Xmx${heapMb}m`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', ...this.javaBase(), 'kafka.Kafka', this.propsFile];
      child = spawn(this.opts.java ?? defaultJava(), args, { cwd: this.kafkaDir, stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd); // the child has its own copy
    }
    // The broker must not keep Node alive by itself (an exiting Node process kills it, see above).
    child.unref();
    this.child = child;
    this.expectExit = false;
    liveChildren.set(child, child.pid === undefined ? undefined : spawnWatchdog(child.pid, this.log));
    this.exitPromise = new Promise<BrokerExit>((resolve) => {
      let settled = false;
      let spawnError: Error | undefined;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        liveChildren.get(child)?.kill('SIGKILL');
        liveChildren.delete(child);
        const exit: BrokerExit & { error?: Error } = { code, signal, expected: this.expectExit };
        if (spawnError) exit.error = spawnError;
        if (!spawnError) {
          this.log[exit.expected ? 'info' : 'warn']({ brokerPid: child.pid, code, signal }, exit.expected ? 'kafka broker exited' : 'kafka broker exited unexpectedly');
        }
        for (const l of this.exitListeners) l(exit);
        resolve(exit);
      };
      child.once('error', (err) => {
        spawnError = err;
        if (child.pid === undefined) finish(null, null); // could not spawn at all (ENOENT): no 'exit' follows
      });
      child.once('exit', finish);
    });
  }

  async logTail(lines = 50): Promise<string> {
    try {
      const fh = await fsp.open(this.logFile, 'r');
      try {
        const { size } = await fh.stat();
        const start = Math.max(this.logOffset, size - 256 * 1024);
        const buf = Buffer.alloc(Math.max(0, size - start));
        await fh.read(buf, 0, buf.length, start);
        return lastLines(buf.toString('utf8'), lines);
      } finally {
        await fh.close();
      }
    } catch {
      return '';
    }
  }

  private running(): boolean {
    return this.pid !== undefined;
  }

  /** Still the process this start() spawned (a later restart() makes an older readiness loop stop). */
  private current(child: ChildProcess): boolean {
    return this.child === child && this.running();
  }

  async start(): Promise<void> {
    const started = Date.now();
    const deadline = started + this.timeoutMs;
    this.spawnJava();
    const child = this.child!;
    const exited = this.exitPromise!.then((exit) => {
      const error = (exit as BrokerExit & { error?: Error }).error;
      if (error && errCode(error) === 'ENOENT') throw new Error(JAVA_NOT_FOUND);
      if (error) throw error;
      return exit;
    });
    exited.catch(() => {});
    try {
      await Promise.race([
        this.waitReady(child, deadline),
        exited.then(async (exit) => {
          let hint = '';
          const tail = await this.logTail();
          if (/UnsupportedClassVersionError/.test(tail)) hint = ' (Kafka 4 needs Java 17 or newer)';
          const busy = /bind to ([^\s:]+:\d+): Address already in use/.exec(tail)?.[1];
          if (busy) hint = ` (${busy} is already in use; another broker on this port?)`;
          throw new KafkaBrokerStartError(`kafka broker exited during start-up (${exit.signal ?? `exit code ${exit.code}`})${hint}`, this.logFile, tail);
        }),
      ]);
    } catch (err) {
      const tail = await this.logTail();
      if (this.running()) await this.kill();
      if (err instanceof KafkaBrokerStartError || (err instanceof Error && err.message === JAVA_NOT_FOUND)) throw err;
      throw new KafkaBrokerStartError(`kafka broker on 127.0.0.1:${this._port} did not become ready: ${(err as Error).message}`, this.logFile, tail, { cause: err });
    }
    this.log.info({ brokers: this.brokers, brokerPid: child.pid, ms: Date.now() - started }, 'kafka broker ready');
  }

  /** Until the broker takes a topic creation, an acks=-1 produce and a consumer-group consume. */
  private async waitReady(child: ChildProcess, deadline: number): Promise<void> {
    let lastError: unknown;
    let attempts = 0;
    // 1. cheap: wait for the port to accept TCP connections (never through a self-connected socket: port-probe.ts)
    while (!(await portListening('127.0.0.1', this._port))) {
      if (!this.current(child)) return new Promise(() => {}); // the exit branch of the race reports it
      if (Date.now() > deadline) throw new Error(`port ${this._port} not accepting connections after ${this.timeoutMs} ms`);
      await sleep(100);
    }
    // 2. the real thing; errors such as "coordinator is loading" are expected for a few seconds
    const kafka = createKafka(this.brokers, 'planewatch-ready-probe', {
      log: this.baseLog,
      capAt: 'debug',
      config: { connectionTimeout: 2000, requestTimeout: 10_000, retry: { retries: 4, initialRetryTime: 200, maxRetryTime: 2000 } },
    });
    for (;;) {
      if (!this.current(child)) return new Promise(() => {});
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`timed out after ${this.timeoutMs} ms (${attempts} readiness attempts; last error: ${(lastError as Error | undefined)?.message ?? 'none'})`);
      }
      attempts++;
      try {
        await readinessRoundTrip(kafka, Math.min(remaining, 20_000));
        return;
      } catch (err) {
        lastError = err;
        this.log.debug({ attempt: attempts, err: (err as Error).message }, 'kafka broker not ready yet');
        await sleep(300);
      }
    }
  }

  async stop(): Promise<void> {
    await this.terminate('SIGTERM', 20_000);
  }

  async kill(): Promise<void> {
    await this.terminate('SIGKILL', 0);
  }

  private async terminate(signal: 'SIGTERM' | 'SIGKILL', graceMs: number): Promise<void> {
    const child = this.child;
    const exitPromise = this.exitPromise;
    if (!child || !exitPromise || !this.running()) return;
    this.expectExit = true;
    child.ref(); // an unref'd child would let Node exit while we wait for it
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    if (signal === 'SIGTERM') {
      timer = setTimeout(() => {
        this.log.warn({ brokerPid: child.pid, graceMs }, 'kafka broker did not stop in time; sending SIGKILL');
        child.kill('SIGKILL');
      }, graceMs);
    }
    try {
      await exitPromise;
    } finally {
      clearTimeout(timer);
    }
  }

  async restart(): Promise<void> {
    if (this.running()) await this.stop();
    await this.start();
  }
}

/** Create READY_TOPIC, produce one message with acks=-1, consume it back via a group. */
async function readinessRoundTrip(kafka: Kafka, timeoutMs: number): Promise<void> {
  const nonce = `${process.pid}-${Date.now()}-${randomBytes(4).toString('hex')}`;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  let timer: NodeJS.Timeout | undefined;
  const work = (async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: READY_TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true, timeout: 10_000 });
    producer = createProducer(kafka, { retry: { retries: 4, initialRetryTime: 200, maxRetryTime: 2000 } });
    await producer.connect();
    await producer.send({ topic: READY_TOPIC, acks: -1, messages: [{ key: nonce, value: nonce }] });
    const c = kafka.consumer({
      groupId: `__planewatch_ready-${nonce}`,
      maxWaitTimeInMs: 100, // disconnect() waits for the fetch in flight
      retry: { retries: 4, initialRetryTime: 200, maxRetryTime: 2000, restartOnFailure: async () => false },
    });
    consumer = c;
    await c.connect();
    await c.subscribe({ topic: READY_TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      c.on(c.events.CRASH, (e) => reject(e.payload.error));
      c.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          if (message.key?.toString() === nonce) resolve();
        },
      }).catch(reject);
    });
  })();
  work.catch(() => {}); // it may lose the race against the timeout below
  try {
    await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`readiness round trip took longer than ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    const clients: Array<Admin | Producer | Consumer | undefined> = [consumer, producer, admin];
    await Promise.allSettled(clients.map((c) => c?.disconnect()));
  }
}

// ---------------------------------------------------------------------------------------------------
// KAFKA_BROKERS or a local broker
// ---------------------------------------------------------------------------------------------------

export interface ResolvedKafka {
  brokers: string[];
  /** Stops the local broker if one was started; a no-op for KAFKA_BROKERS. */
  stop(): Promise<void>;
  /** The local broker, when one was started. */
  local?: LocalBroker;
}

/**
 * `KAFKA_BROKERS` (comma-separated host:port list) when set: nothing is started. Otherwise a local
 * broker under `opts.dataDir` (default `PLANEWATCH_DATA_DIR` or ./data).
 */
export async function resolveKafka(env: NodeJS.ProcessEnv = process.env, opts: Partial<StartLocalBrokerOptions> = {}): Promise<ResolvedKafka> {
  const list = (env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length > 0) return { brokers: list, stop: async () => {} };
  const local = await startLocalBroker({ ...opts, dataDir: opts.dataDir ?? env.PLANEWATCH_DATA_DIR ?? './data' });
  return { brokers: local.brokers, stop: () => local.stop(), local };
}
