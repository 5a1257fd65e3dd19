// Every section of `npm run bench`, in the order they run (later ones compare with the baselines
// of earlier ones: broker before client, collector and normalizer; store before sink and e2e).
import { alertsSection } from './alerts.ts';
import { brokerSection } from './broker.ts';
import { cliSection } from './cli.ts';
import { clientSection } from './client.ts';
import { collectorSection } from './collector.ts';
import { detectionsSection } from './detections.ts';
import { e2eSection } from './e2e.ts';
import { normalizerSection } from './normalizer.ts';
import type { BenchSection } from './section.ts';
import { sinkSection } from './sink.ts';
import { storeSection } from './store.ts';

export const SECTIONS: readonly BenchSection[] = [
  cliSection,
  brokerSection,
  clientSection,
  storeSection,
  collectorSection,
  normalizerSection,
  sinkSection,
  e2eSection,
  detectionsSection,
  alertsSection,
];
