// planewatch CLI entry point (bin/planewatch.js). Exit codes: 0 success, 1 failure, 2 bad usage or
// configuration, 3 findings at or above `findings --fail-on <severity>` exist.
import { Command } from 'commander';
import { ConfigError } from '../core/config/errors.ts';
import { registerEventsCommand } from './commands/events.ts';
import { registerSendSampleCommand } from './commands/send-sample.ts';
import { registerConfigCommand } from './commands/config.ts';
import { registerFindingsCommand } from './commands/findings.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerBackfillCommand } from './commands/backfill.ts';
import { registerBoundariesCommand } from './commands/boundaries.ts';
import { registerLagCommand } from './commands/lag.ts';
import { registerPersonCommand } from './commands/person.ts';
import { registerCredentialsCommand } from './commands/credentials.ts';
import { registerEvidenceCommand } from './commands/evidence.ts';
import { registerExportCommand } from './commands/export.ts';
import { registerAlertsCommand } from './commands/alerts.ts';
import { registerReplayCommand } from './commands/replay.ts';
import { registerReportCommand } from './commands/report.ts';

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
registerFindingsCommand(program);
registerStatusCommand(program);
registerBackfillCommand(program);
registerBoundariesCommand(program);
registerLagCommand(program);
registerPersonCommand(program);
registerCredentialsCommand(program);
registerEvidenceCommand(program);
registerExportCommand(program);
registerAlertsCommand(program);
registerReplayCommand(program);
registerReportCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`planewatch: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`planewatch: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
