// `npm run test:faults`: the fault suite (test/faults/*.fault.ts) — processes killed and restarted,
// ClickHouse outages, poison messages, redelivery storms, vendor API outages — on the same global
// setup (one Kafka broker) as the main suite. Kept out of `npm test` because the main suite alone
// already takes 6-8 minutes on the 2-core CI machine and both together would pass ten
// (docs/OPERATIONS.md, "Test suites").
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/faults/**/*.fault.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
