// `npm run test:faults`: the fault suite (test/faults/*.fault.ts) — processes killed and restarted,
// ClickHouse outages (embedded and server mode), poison messages, redelivery storms, vendor API
// outages — on the same global setup (one Kafka broker of its own) as the main suite. `npm test`
// (hence `.ci/run`) runs it after the main suite: a separate config because its files need longer
// timeouts and use the `.fault.ts` suffix (docs/OPERATIONS.md, "Test suites").
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/faults/**/*.fault.ts'],
    // One fault file at a time: they kill processes and fill disks, and time their recovery.
    maxWorkers: 1,
    minWorkers: 1,
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
