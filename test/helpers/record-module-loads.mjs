// `node --import ./test/helpers/record-module-loads.mjs …`: appends the URL of every ES module and
// CommonJS package entry the process resolves to the file named by PLANEWATCH_RECORD_LOADS, one a
// line. Used to check which modules a CLI command loads (test/integration/cli-lazy-loading.test.ts).
import { register } from 'node:module';

register(new URL('./record-module-loads-hooks.mjs', import.meta.url), { data: { file: process.env.PLANEWATCH_RECORD_LOADS } });
