// The whole pipeline in a child process for test/security/planted-secrets.test.ts: the same
// bootstrap + startPipeline as `npm start`, but on the shared test broker with consumer groups of
// its own (PW_TEST_GROUP_SUFFIX) and a given API token, so its logs (pino on stdout) can be
// captured whole by the parent. Prints one line `PW_CHILD_READY <url>` once it listens; stops
// cleanly on SIGTERM.
import { bootstrap } from '../../runtime/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline } from '../../services/all-in-one/pipeline.ts';

const rt = await bootstrap({ service: 'security-child', knownVendors: KNOWN_VENDORS });
const pipeline = await startPipeline(rt, SOURCES, {
  apiToken: process.env.PW_TEST_API_TOKEN!,
  groupSuffix: process.env.PW_TEST_GROUP_SUFFIX!,
  ackTimeoutMs: 15_000,
  detector: { now: Date.now },
});
process.stdout.write(`PW_CHILD_READY ${pipeline.url}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await pipeline.stop();
    await rt.close();
    process.exit(0);
  })();
});
