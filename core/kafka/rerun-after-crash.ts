// kafkajs restarts a crashed consumer only when the error was retriable (CONSUMER_RETRY's
// restartOnFailure is not even asked otherwise). A broker whose disk fills up answers fetches and
// produces with UNKNOWN_SERVER_ERROR, which kafkajs counts as not retriable: the normalizer then
// stopped for good and ingest did not resume when space returned (test/faults/disk-full.fault.ts).
// Offsets are committed only after output is durable, so running the consumer again from its
// committed offsets skips nothing; a crash that is not retriable is retried too, with backoff.
import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import type { Logger } from 'pino';

export interface RerunOptions {
  log: Logger;
  /** True once the service stops: no more runs. */
  stopping: () => boolean;
  /** First delay before running again; doubles up to maxDelayMs. Default 1 s / 30 s. */
  delayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `consumer` with `config`, and runs it again (connect, run) whenever kafkajs leaves it stopped
 * after a crash, until `stopping()`: a CRASH event with `restart: false` is followed by a run.
 */
export async function runAndRerunAfterCrash(consumer: Consumer, config: ConsumerRunConfig, opts: RerunOptions): Promise<void> {
  const first = opts.delayMs ?? 1000;
  const max = opts.maxDelayMs ?? 30_000;
  let delay = first;
  let timer: NodeJS.Timeout | undefined;
  const rerun = () => {
    timer = setTimeout(() => {
      if (opts.stopping()) return;
      consumer
        .connect()
        .then(() => consumer.run(config))
        .then(() => {
          delay = first;
        })
        .catch((err: unknown) => {
          opts.log.error({ err, retryInMs: delay }, 'consumer could not be run again after a crash; retrying');
          delay = Math.min(delay * 2, max);
          rerun();
        });
    }, delay);
    timer.unref();
  };
  consumer.on(consumer.events.CRASH, (e) => {
    if (e.payload.restart || opts.stopping()) return; // kafkajs restarts it itself, or we stop
    opts.log.warn({ err: e.payload.error, retryInMs: delay }, 'consumer crashed on an error kafkajs does not retry; running it again');
    rerun();
  });
  consumer.on(consumer.events.STOP, () => {
    if (opts.stopping()) clearTimeout(timer);
  });
  await consumer.run(config);
}
