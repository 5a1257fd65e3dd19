// planewatch CLI entry point (bin/planewatch.js). Exit codes: 0 success, 1 failure, 2 bad usage or
// configuration.
import { Command } from 'commander';
import { ConfigError } from '../core/config/errors.ts';
import { registerEventsCommand } from './commands/events.ts';
import { registerSendSampleCommand } from './commands/send-sample.ts';
import { registerConfigCommand } from './commands/config.ts';

const program = new Command('planewatch')
  .description('Watches the platform and application identity planes of an AI product.')
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

program
  .command('start')
  .description('Run broker + collector + normalizer + sink in one process (same as `npm start`).')
  .action(async () => {
    await import('../services/all-in-one/main.ts');
  });

registerSendSampleCommand(program);
registerEventsCommand(program);
registerConfigCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`planewatch: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`planewatch: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
