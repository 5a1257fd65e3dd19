// cli/command-table.ts lists every command for `planewatch --help` without loading it; here each
// command's module is loaded and what it registers is compared with its table entry.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandName, helpTerm, requestedCommand } from '../../../cli/command-table.ts';

describe('the CLI command table', () => {
  it.each(COMMANDS.map((c) => [commandName(c), c] as const))(
    '%s: usage and description match what its module registers',
    async (_name, entry) => {
      const program = new Command('planewatch');
      (await entry.load())(program);
      expect(program.commands).toHaveLength(1);
      const cmd = program.commands[0]!;
      expect([cmd.name(), ...cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`))].join(' ')).toBe(
        entry.usage,
      );
      expect(cmd.description()).toBe(entry.description);
      expect(entry.hasOptions).toBe(cmd.options.length > 0);
      expect(helpTerm(entry)).toBe(program.createHelp().subcommandTerm(cmd));
    },
  );

  it('has each command once', () => {
    const names = COMMANDS.map(commandName);
    expect(new Set(names).size).toBe(names.length);
  });

  it('finds the requested command in an argument list', () => {
    expect(requestedCommand(['findings', '--format', 'json'])?.usage).toBe('findings');
    expect(requestedCommand(['--help', 'person', 'a@b.c'])?.usage).toBe('person <email>');
    expect(requestedCommand(['help', 'findings'])?.usage).toBe('findings');
    expect(requestedCommand(['--help'])).toBeUndefined();
    expect(requestedCommand([])).toBeUndefined();
    expect(requestedCommand(['no-such-command'])).toBeUndefined();
  });
});
