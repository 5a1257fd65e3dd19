// planewatch CLI entry point (bin/planewatch.js). Exit codes: 0 success, 1 failure, 2 bad usage or
// configuration, 3 findings at or above `findings --fail-on <severity>` exist.
//
// Only the command being run is loaded (cli/command-table.ts); for `--help`, no command or an
// unknown one, every command is listed from the table without loading any of them.
import { Command, Help } from 'commander';
import { ConfigError } from '../core/config/errors.ts';
import { COMMANDS, commandName, helpTerm, requestedCommand } from './command-table.ts';

const program = new Command('planewatch')
  .description('Watches the platform and application identity planes of an AI product.')
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`planewatch: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`planewatch: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

try {
  const wanted = requestedCommand(process.argv.slice(2));
  if (wanted) (await wanted.load())(program);
  else {
    for (const c of COMMANDS) program.command(c.usage).description(c.description);
    // List each command as it would list itself once loaded (with `[options]` where it has some).
    const entryOf = (cmd: Command) => COMMANDS.find((c) => commandName(c) === cmd.name());
    program.configureHelp({
      subcommandTerm: (cmd) => {
        const e = entryOf(cmd);
        return e ? helpTerm(e) : new Help().subcommandTerm(cmd);
      },
    });
  }
  await program.parseAsync(process.argv);
} catch (err) {
  fail(err);
}
