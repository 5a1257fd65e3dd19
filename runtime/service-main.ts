// Shared shell of a stand-alone service process: bootstrap, run, stop cleanly on SIGINT/SIGTERM,
// and exit 1 with a readable message when start-up fails.
import { bootstrap, type BootstrapOptions, type Runtime } from './bootstrap.ts';
import { ConfigError } from '../core/config/errors.ts';

export function runService(opts: BootstrapOptions, start: (rt: Runtime) => Promise<{ stop(): Promise<void> }>): void {
  void (async () => {
    const rt = await bootstrap(opts);
    const running = await start(rt);
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      rt.log.info({ signal }, 'stopping');
      // Bounded shutdown: whatever hangs (a broker that never answers), the process is gone within
      // 30 s; anything not committed by then is redelivered on the next start (at-least-once).
      setTimeout(() => {
        rt.log.error({ signal }, 'shutdown did not finish within 30 s; exiting');
        process.exit(1);
      }, 30_000).unref();
      await running.stop().catch((err: unknown) => rt.log.error({ err }, 'stop failed'));
      await rt.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  })().catch((err: unknown) => {
    const msg = err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`planewatch-${opts.service}: ${msg}\n`);
    process.exit(1);
  });
}
