// One interface for every section of `npm run bench` (bench/run.ts runs the selected ones in
// order): a section measures, adds its rows and raw figures to the report, and returns the
// baselines later sections compare themselves with (ratios against figures of the same run).
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import type { KafkaSession } from '../lib/kafka-session.ts';
import type { BenchOptions, SectionName } from '../lib/options.ts';
import type { StageChild } from '../lib/proc.ts';
import type { Report } from '../lib/report.ts';
import type { RecordSizes } from '../lib/workload.ts';

/** What the normalizer section left on the topics, for the sink section to drain. */
export interface SinkInput {
  raw: Map<number, bigint>;
  events: Map<number, bigint>;
  envelopes: number;
  events_n: number;
}

export interface Baselines {
  /** Kafka's ProducerPerformance / ConsumerPerformance, RawEnvelope-sized records, rec/s. */
  brokerProduce?: number;
  brokerConsume?: number;
  /** chDB INSERT … SELECT of generated identity_events rows, rows/s. */
  storeInsert?: number;
  /** ClickHouse Kafka engine + materialized view consuming the same events, rows/s. */
  peerRate?: number;
  sinkInput?: SinkInput;
}

export interface SectionContext {
  opts: BenchOptions;
  /** Prefix of every id, group and tag of this run. */
  tag: string;
  map: BoundaryMap;
  records: RecordSizes;
  runDir: string;
  report: Report;
  /** Baselines the sections before this one measured. */
  baselines: Readonly<Baselines>;
  say(msg: string): void;
  /** A stage child process (bench/stages/<name>.ts) on the bench broker, its data in `dataDir`. */
  startStage(name: string, dataDir: string, extra?: Record<string, string>): StageChild;
  /** The broker session; throws in a section that runs before the broker is started. */
  kafka(): KafkaSession;
}

export interface BenchSection {
  name: SectionName;
  /** Runs before the bench's broker is started (and needs none). */
  beforeBroker?: boolean;
  /** Also runs when one of these is selected: they consume what it leaves behind. */
  inputOf?: SectionName[];
  run(ctx: SectionContext): Promise<Partial<Baselines> | void>;
}
