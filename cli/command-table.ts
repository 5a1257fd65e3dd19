// Every top-level CLI command, with what `planewatch --help` shows for it and how to load it.
// A command's module (and whatever it needs: the ClickHouse client and chDB, Kafka, the API's
// routes) is imported only when that command runs, so `planewatch --help` or a query answered by
// the running process's API do not pay for loading the rest. test/unit/cli-command-table.test.ts
// checks that the usage and description here match what each module registers.
import type { Command } from 'commander';

export interface CommandEntry {
  /** As passed to program.command(): the name and its arguments. */
  usage: string;
  description: string;
  /** Whether the command has options of its own (help lists it as `name [options] <args>`). */
  hasOptions: boolean;
  /** Registers the command (with its options and sub-commands) on the program. */
  load(): Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    usage: 'start',
    description: 'Run broker + collector + normalizer + sink in one process (same as `npm start`).',
    hasOptions: false,
    load: async () => (await import('./commands/start.ts')).registerStartCommand,
  },
  {
    usage: 'demo',
    description:
      'Run planewatch with a demo company loaded through its public interfaces (webhooks, SCIM, polls); every detection has a finding within a minute.',
    hasOptions: false,
    load: async () => (await import('./commands/demo.ts')).registerDemoCommand,
  },
  {
    usage: 'send-sample <vendor>',
    description: 'Post correctly signed sample deliveries of a vendor to a running planewatch.',
    hasOptions: true,
    load: async () => (await import('./commands/send-sample.ts')).registerSendSampleCommand,
  },
  {
    usage: 'events',
    description: 'Show the most recent normalized identity events.',
    hasOptions: true,
    load: async () => (await import('./commands/events.ts')).registerEventsCommand,
  },
  {
    usage: 'config',
    description: 'Inspect the boundary map.',
    hasOptions: false,
    load: async () => (await import('./commands/config.ts')).registerConfigCommand,
  },
  {
    usage: 'migrations',
    description: 'Inspect the ClickHouse schema migrations.',
    hasOptions: false,
    load: async () => (await import('./commands/migrations.ts')).registerMigrationsCommand,
  },
  {
    usage: 'findings',
    description: 'Show detection findings (open ones by default).',
    hasOptions: true,
    load: async () => (await import('./commands/findings.ts')).registerFindingsCommand,
  },
  {
    usage: 'status',
    description:
      'Show every configured source (last successful poll or delivery, checkpoint, last event, last error) and the dead alerts per channel.',
    hasOptions: true,
    load: async () => (await import('./commands/status.ts')).registerStatusCommand,
  },
  {
    usage: 'backfill <target>',
    description: 'Fetch the history of a polled source (audit log / event feed) from --since into the pipeline.',
    hasOptions: true,
    load: async () => (await import('./commands/backfill.ts')).registerBackfillCommand,
  },
  {
    usage: 'boundaries',
    description:
      'Print the boundary map as it works out: per plane, the connections feeding it, when each last delivered, and the organisations / directories seen there.',
    hasOptions: true,
    load: async () => (await import('./commands/boundaries.ts')).registerBoundariesCommand,
  },
  {
    usage: 'lag',
    description: 'Deprovisioning lag per plane and source for people deprovisioned in a period, and the overdue removals.',
    hasOptions: true,
    load: async () => (await import('./commands/lag.ts')).registerLagCommand,
  },
  {
    usage: 'person <email>',
    description: "A person's timeline across planes: accounts, credentials, deprovision signal, removals, activity after.",
    hasOptions: true,
    load: async () => (await import('./commands/person.ts')).registerPersonCommand,
  },
  {
    usage: 'credentials [which]',
    description: 'Credentials (API keys, tokens) with owner and last use: all (default), stale or orphaned.',
    hasOptions: true,
    load: async () => (await import('./commands/credentials.ts')).registerCredentialsCommand,
  },
  {
    usage: 'evidence <fingerprint>',
    description: 'The events and raw deliveries behind a finding (fingerprint from `planewatch findings`).',
    hasOptions: true,
    load: async () => (await import('./commands/evidence.ts')).registerEvidenceCommand,
  },
  {
    usage: 'export',
    description: 'Audit export for a period: every leaver with their deprovisioning lag on each plane against the SLA (SOC 2 CC6.2/CC6.3).',
    hasOptions: true,
    load: async () => (await import('./commands/export.ts')).registerExportCommand,
  },
  {
    usage: 'alerts',
    description: 'Alert channels: send a test alert, list recent notifications.',
    hasOptions: false,
    load: async () => (await import('./commands/alerts.ts')).registerAlertsCommand,
  },
  {
    usage: 'replay',
    description:
      'Re-normalize stored raw envelopes with the current mapping and boundary map (after a mapping change), through the normal pipeline, without duplicating events.',
    hasOptions: true,
    load: async () => (await import('./commands/replay.ts')).registerReplayCommand,
  },
  {
    usage: 'report',
    description: 'Evidence reports for auditors.',
    hasOptions: false,
    load: async () => (await import('./commands/report.ts')).registerReportCommand,
  },
];

export const commandName = (entry: CommandEntry): string => entry.usage.split(' ')[0]!;

/** How help lists a command: `findings [options]`, `person [options] <email>`, `config`. */
export function helpTerm(entry: CommandEntry): string {
  const [name, ...args] = entry.usage.split(' ');
  return [name, ...(entry.hasOptions ? ['[options]'] : []), ...args].join(' ');
}

/**
 * The command an argument list asks for: its first word that is not an option (the program has no
 * options of its own besides --help), or the word after `help` (`planewatch help findings`).
 */
export function requestedCommand(args: readonly string[]): CommandEntry | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => commandName(c) === name);
}
