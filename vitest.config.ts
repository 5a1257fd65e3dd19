import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-worker.ts'],
    pool: 'forks',
    // Two files at a time on the 2-core CI machine (vitest's default is cores - 1 = 1): most files wait
    // on brokers, consumer groups and child processes rather than on the CPU.
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Expected errors (e.g. kafkajs during a broker outage) would drown the report; raise it to debug a failure.
    env: { PLANEWATCH_LOG_LEVEL: process.env.PLANEWATCH_LOG_LEVEL ?? 'fatal' },
  },
});
