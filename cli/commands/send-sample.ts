import type { Command } from 'commander';
import { resolveSecrets } from '../../core/config/secrets.ts';
import { readRunInfo } from '../../core/run-file.ts';
import { SOURCES } from '../../sources/registry.ts';
import { cliContext } from '../context.ts';

export function registerSendSampleCommand(program: Command): void {
  program
    .command('send-sample')
    .description('Post correctly signed sample deliveries of a vendor to a running planewatch.')
    .argument('<vendor>', `vendor module (${Object.keys(SOURCES).join(', ')})`)
    .option('--connection <id>', 'webhook connection to post to (default: the first one of that vendor)')
    .option('--url <url>', 'planewatch base URL (default: the running process on this data dir)')
    .addHelpText('after', '\nExample:\n  npm start &   then   planewatch send-sample workos && planewatch events --last 10\n')
    .action(async (vendor: string, opts: { connection?: string; url?: string }) => {
      const source = SOURCES[vendor];
      if (!source?.samples) {
        process.stderr.write(
          `planewatch send-sample: no samples for vendor "${vendor}"; try one of ${Object.entries(SOURCES)
            .filter(([, s]) => s.samples)
            .map(([n]) => n)
            .join(', ')}\n`,
        );
        process.exit(2);
      }
      const ctx = cliContext();
      const connection = ctx.config.map.connections.find(
        (c) => c.vendor === vendor && c.transport === 'webhook' && (!opts.connection || c.id === opts.connection),
      );
      if (!connection) {
        process.stderr.write(
          `planewatch send-sample: no webhook connection for ${vendor}${opts.connection ? ` named "${opts.connection}"` : ''} in ${ctx.config.origin}\n`,
        );
        process.exit(2);
      }
      const secret = resolveSecrets(
        { ...ctx.config.map, connections: [connection] },
        { env: process.env, dataDir: ctx.dataDir, generateMissing: ctx.config.embedded },
      ).get(connection.id)!;
      const base = opts.url ?? readRunInfo(ctx.dataDir)?.url;
      if (!base) {
        process.stderr.write(
          'planewatch send-sample: no running planewatch found for this data dir; start it with `npm start` or pass --url\n',
        );
        process.exit(1);
      }
      let failed = 0;
      for (const sample of source.samples.events(Date.now())) {
        const res = await fetch(`${base}/webhooks/${vendor}/${connection.id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...source.samples.sign(sample.body, secret, Date.now()) },
          body: sample.body,
        });
        const text = await res.text();
        process.stdout.write(`${res.status}  ${sample.description}${res.ok ? '' : `  ${text}`}\n`);
        if (!res.ok) failed++;
      }
      if (failed) process.exit(1);
    });
}
