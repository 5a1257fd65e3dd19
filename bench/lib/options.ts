// Command-line options of `npm run bench` (bench/run.ts) and the sizes of the two modes.
export const SECTION_NAMES = [
  'cli',
  'broker',
  'client',
  'store',
  'collector',
  'normalizer',
  'sink',
  'e2e',
  'detections',
  'alerts',
] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export interface BenchSizes {
  mode: 'quick' | 'full';
  perfRecords: number;
  clientRecords: number;
  stageEvents: number;
  peerRows: number;
  collectorSec: number;
  e2eDeliveries: number;
  freshSec: number;
  storedEvents: number;
}

export interface BenchOptions {
  full: boolean;
  cpuProf: boolean;
  keep: boolean;
  /** --only=a,b: the sections asked for; undefined = all. */
  only: SectionName[] | undefined;
  /** --e2e=ingest|shipped: only that variant of the end-to-end section (default both). */
  e2eVariant: 'ingest' | 'shipped' | undefined;
  sizes: BenchSizes;
}

const QUICK: BenchSizes = {
  mode: 'quick',
  perfRecords: 200_000,
  clientRecords: 100_000,
  stageEvents: 50_000,
  peerRows: 200_000,
  collectorSec: 10,
  e2eDeliveries: 30_000,
  freshSec: 15,
  storedEvents: 1_000_000,
};
const FULL: BenchSizes = {
  mode: 'full',
  perfRecords: 1_000_000,
  clientRecords: 300_000,
  stageEvents: 300_000,
  peerRows: 1_000_000,
  collectorSec: 30,
  e2eDeliveries: 200_000,
  freshSec: 60,
  storedEvents: 10_000_000,
};

const valueOf = (argv: string[], flag: string) => argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);

function parseOnly(argv: string[]): SectionName[] | undefined {
  const only = valueOf(argv, '--only')?.split(',').filter(Boolean);
  for (const s of only ?? [])
    if (!(SECTION_NAMES as readonly string[]).includes(s))
      throw new Error(`--only: unknown section "${s}" (expected ${SECTION_NAMES.join(', ')})`);
  return only as SectionName[] | undefined;
}

function parseE2eVariant(argv: string[]): BenchOptions['e2eVariant'] {
  const v = valueOf(argv, '--e2e');
  if (v !== undefined && v !== 'ingest' && v !== 'shipped') throw new Error(`--e2e: expected ingest or shipped, got "${v}"`);
  return v;
}

function parseSizes(argv: string[], full: boolean): BenchSizes {
  const sizes = { ...(full ? FULL : QUICK) };
  const stored = argv.find((a) => a.startsWith('--stored='));
  if (stored) {
    const n = Number(stored.slice('--stored='.length));
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--stored: expected a whole number of events, got ${stored}`);
    sizes.storedEvents = n;
  }
  return sizes;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const full = argv.includes('--full');
  return {
    full,
    cpuProf: argv.includes('--cpu-prof'),
    keep: argv.includes('--keep'),
    only: parseOnly(argv),
    e2eVariant: parseE2eVariant(argv),
    sizes: parseSizes(argv, full),
  };
}

/** Partitions of every bench topic. */
export const PARTITIONS = 4;
/** HTTP connections of the load generator (collector and end-to-end sections). */
export const CONCURRENCY = 64;
