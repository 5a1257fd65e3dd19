// Section `alerts`: alert latency, event accepted → notification received, through the
// all-in-one with the detector on (bench/stages/alerts.ts).
import { runAlertsBench } from '../stages/alerts.ts';
import type { BenchSection } from './section.ts';

export const alertsSection: BenchSection = {
  name: 'alerts',
  async run(ctx) {
    const r = await runAlertsBench({
      brokers: ctx.kafka().brokers,
      runDir: ctx.runDir,
      findings: ctx.opts.full ? 1000 : 300,
      say: (m) => ctx.say(m),
    });
    ctx.report.results.alertLatency = r.result;
    for (const x of r.rows) ctx.report.row(x);
  },
};
