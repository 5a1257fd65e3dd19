// `planewatch start`: the all-in-one process, as `npm start` runs it.
import type { Command } from 'commander';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run broker + collector + normalizer + sink in one process (same as `npm start`).')
    .action(async () => {
      await import('../../services/all-in-one/main.ts');
    });
}
