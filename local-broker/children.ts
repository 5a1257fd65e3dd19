// Child-process bookkeeping: never leave a broker behind when Node goes away. A SIGKILL of the Node
// process cannot be caught by Node itself; for that case each broker has a watchdog process
// (spawnWatchdog) that kills it when Node's end of a pipe closes.
import { spawn, type ChildProcess } from 'node:child_process';
import { type Logger } from '../core/log.ts';
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
    const watchdog = spawn('/bin/sh', ['-c', `read _ignored; kill -9 ${javaPid} 2>/dev/null`], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
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
export function installExitHooks(): void {
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

/** Tracks a started broker (and its watchdog) so that exit hooks kill it with Node. */
export function trackBroker(child: ChildProcess, log: Logger): void {
  liveChildren.set(child, child.pid === undefined ? undefined : spawnWatchdog(child.pid, log));
}

/** Forgets a broker that exited, and kills its watchdog. */
export function untrackBroker(child: ChildProcess): void {
  liveChildren.get(child)?.kill('SIGKILL');
  liveChildren.delete(child);
}
