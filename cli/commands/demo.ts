// `planewatch demo`: the pipeline with a demo company loaded through its public interfaces (see
// demo/run-demo.ts); stays up until stopped.
import type { Command } from 'commander';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run planewatch with a demo company loaded through its public interfaces (webhooks, SCIM, polls); every detection has a finding within a minute.',
    )
    .addHelpText(
      'after',
      '\nPLANEWATCH_DATA_DIR (default ./data) must be new or used by the demo before; PLANEWATCH_HTTP_PORT as for `npm start`.\nStop with Ctrl-C (SIGINT) or SIGTERM.\n',
    )
    .action(async () => {
      (await import('../../demo/run-demo.ts')).runDemoCommand();
    });
}
