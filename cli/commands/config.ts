import type { Command } from 'commander';
import { formatDuration } from '../../core/config/duration.ts';
import { resolveSecrets } from '../../core/config/secrets.ts';
import { cliContext } from '../context.ts';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('Inspect the boundary map.');
  config
    .command('check')
    .description('Validate the boundary map and the environment variables it names; print a summary.')
    .addHelpText('after', '\nExample:\n  PLANEWATCH_CONFIG=planewatch.yaml planewatch config check\n')
    .action(() => {
      const ctx = cliContext();
      resolveSecrets(ctx.config.map, { env: process.env, dataDir: ctx.dataDir, generateMissing: ctx.config.embedded });
      const m = ctx.config.map;
      const out = [`boundary map OK (${ctx.config.origin})`];
      for (const [name, p] of Object.entries(m.planes)) {
        out.push(
          `  plane ${name}: SLA ${formatDuration(p.deprovision_sla)}, grace ${formatDuration(p.grace)}, stale after ${formatDuration(p.stale_after)}${p.owner ? `, owner ${p.owner}` : ''}`,
        );
      }
      for (const c of m.connections) {
        out.push(
          `  connection ${c.id}: ${c.vendor} ${c.transport}${c.enabled ? '' : ' (disabled)'}, plane ${c.plane ?? 'vendor default'}${c.authoritative_for ? `, authoritative for ${c.authoritative_for}` : ''}${c.plane_rules.length ? `, ${c.plane_rules.length} plane rule(s)` : ''}`,
        );
      }
      process.stdout.write(out.join('\n') + '\n');
    });
}
