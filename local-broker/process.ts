// One local broker process: server.properties, one-time KRaft format, `java kafka.Kafka`, resolved only
// once a kafkajs client has really produced and consumed a message (readiness.ts); stop and restart.
// A leftover broker can be found with `pgrep -f 'kafka.Kafka .*<dataDir>'` (the server.properties path
// is on its command line).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { logger as rootLogger, type Logger } from '../core/log.ts';
import { REPO_ROOT } from '../core/repo-root.ts';
import { createKafka, defaultPartitions } from '../core/kafka/client.ts';
import { portListening } from './port-probe.ts';
import { ensureKafkaJars, runCommand, writeFileAtomic } from './jars.ts';
import { installExitHooks, trackBroker, untrackBroker } from './children.ts';
import { readinessRoundTrip } from './readiness.ts';
import { errCode, lastLines, sleep } from './shared.ts';
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
      await writeFileAtomic(
        this.metaFile,
        JSON.stringify({ clusterId: this._clusterId, createdAt: new Date().toISOString() } satisfies BrokerMeta, null, 2) + '\n',
      );
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
    if (entries.length > 0)
      this.log.warn(
        { storageDir: this.storageDir, entries: entries.length },
        'storage dir has files but no meta.properties; formatting it',
      );
    try {
      await runCommand(
        this.opts.java ?? defaultJava(),
        ['-Xmx256m', ...this.javaBase(), 'kafka.tools.StorageTool', 'format', '-t', this._clusterId, '-c', this.propsFile],
        {
          cwd: this.kafkaDir,
          notFound: JAVA_NOT_FOUND,
        },
      );
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
      fs.writeSync(
        fd,
        `\n=== planewatch: starting kafka on 127.0.0.1:${this._port} (controller ${this._controllerPort}) at ${new Date().toISOString()} ===\n`,
      );
      this.logOffset = fs.fstatSync(fd).size;
      const heapMb = this.opts.heapMb ?? 512;
      const args = [
        `-Xmx${heapMb}m`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExitOnOutOfMemoryError',
        ...this.javaBase(),
        'kafka.Kafka',
        this.propsFile,
      ];
      child = spawn(this.opts.java ?? defaultJava(), args, { cwd: this.kafkaDir, stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd); // the child has its own copy
    }
    // The broker must not keep Node alive by itself (an exiting Node process kills it, see above).
    child.unref();
    this.child = child;
    this.expectExit = false;
    trackBroker(child, this.log);
    this.exitPromise = new Promise<BrokerExit>((resolve) => {
      let settled = false;
      let spawnError: Error | undefined;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        untrackBroker(child);
        const exit: BrokerExit & { error?: Error } = { code, signal, expected: this.expectExit };
        if (spawnError) exit.error = spawnError;
        if (!spawnError) {
          this.log[exit.expected ? 'info' : 'warn'](
            { brokerPid: child.pid, code, signal },
            exit.expected ? 'kafka broker exited' : 'kafka broker exited unexpectedly',
          );
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
          throw new KafkaBrokerStartError(
            `kafka broker exited during start-up (${exit.signal ?? `exit code ${exit.code}`})${hint}`,
            this.logFile,
            tail,
          );
        }),
      ]);
    } catch (err) {
      const tail = await this.logTail();
      if (this.running()) await this.kill();
      if (err instanceof KafkaBrokerStartError || (err instanceof Error && err.message === JAVA_NOT_FOUND)) throw err;
      throw new KafkaBrokerStartError(
        `kafka broker on 127.0.0.1:${this._port} did not become ready: ${(err as Error).message}`,
        this.logFile,
        tail,
        { cause: err },
      );
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
        throw new Error(
          `timed out after ${this.timeoutMs} ms (${attempts} readiness attempts; last error: ${(lastError as Error | undefined)?.message ?? 'none'})`,
        );
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
