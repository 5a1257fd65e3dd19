// The broker's own limit, measured with Kafka's perf tools from the jars the project already
// fetches (kafka-tools is in kafka/pom.xml): org.apache.kafka.tools.ProducerPerformance and
// ConsumerPerformance, run as `java -cp '<libs>/*' …` against the bench broker, with planewatch's
// record sizes, acks=all and the topics' partition count.
import { spawn } from 'node:child_process';
import { track } from './proc.ts';

export interface ProducerPerfResult {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface ConsumerPerfResult {
  records: number;
  /** records/s over the fetch time (group rebalance excluded), as the tool reports it. */
  recordsPerSec: number;
  mbPerSec: number;
  rebalanceMs: number;
  fetchMs: number;
}

function java(libsDir: string, mainClass: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java', ['-Xmx512m', '-cp', `${libsDir}/*`, mainClass, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${mainClass} failed (${signal ?? `exit ${code}`}):\n${out.slice(-3000)}`));
    });
  });
}

export async function producerPerf(o: {
  libsDir: string;
  brokers: string;
  topic: string;
  records: number;
  recordSize: number;
  timeoutMs?: number;
}): Promise<ProducerPerfResult> {
  const out = await java(
    o.libsDir,
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--bootstrap-server',
      o.brokers,
      '--topic',
      o.topic,
      '--num-records',
      String(o.records),
      '--record-size',
      String(o.recordSize),
      '--record-key-range',
      String(o.records),
      '--key-distribution',
      'random',
      '--throughput',
      '-1',
      // JIT warm-up: the first 20 % of the records are left out of the reported figures.
      '--warmup-records',
      String(Math.floor(o.records / 5)),
      '--producer-props',
      'acks=all',
      'enable.idempotence=true',
    ],
    o.timeoutMs ?? 300_000,
  );
  // "200000 records sent, 81234.5 records/sec (61.23 MB/sec), 120.1 ms avg latency, 400.0 ms max latency, 110 ms 50th, 300 ms 95th, 350 ms 99th, 390 ms 99.9th."
  const m =
    /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(
      out,
    );
  if (!m) throw new Error(`could not parse ProducerPerformance output:\n${out.slice(-2000)}`);
  return {
    records: Number(m[1]),
    recordsPerSec: Number(m[2]),
    mbPerSec: Number(m[3]),
    avgLatencyMs: Number(m[4]),
    p50Ms: Number(m[5]),
    p95Ms: Number(m[6]),
    p99Ms: Number(m[7]),
  };
}

export async function consumerPerf(o: {
  libsDir: string;
  brokers: string;
  topic: string;
  records: number;
  group: string;
  timeoutMs?: number;
}): Promise<ConsumerPerfResult> {
  const out = await java(
    o.libsDir,
    'org.apache.kafka.tools.ConsumerPerformance',
    ['--bootstrap-server', o.brokers, '--topic', o.topic, '--num-records', String(o.records), '--group', o.group, '--timeout', '60000'],
    o.timeoutMs ?? 300_000,
  );
  const lines = out.split('\n').map((l) => l.trim());
  const hi = lines.findIndex((l) => l.startsWith('start.time'));
  if (hi < 0 || !lines[hi + 1]) throw new Error(`could not parse ConsumerPerformance output:\n${out.slice(-2000)}`);
  const names = lines[hi]!.split(',').map((s) => s.trim());
  const values = lines[hi + 1]!.split(',').map((s) => s.trim());
  const get = (name: string) => Number(values[names.indexOf(name)]);
  return {
    records: get('data.consumed.in.nMsg'),
    recordsPerSec: get('fetch.nMsg.sec'),
    mbPerSec: get('fetch.MB.sec'),
    rebalanceMs: get('rebalance.time.ms'),
    fetchMs: get('fetch.time.ms'),
  };
}
