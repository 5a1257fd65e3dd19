// Avro codec for every planewatch topic. Messages use Avro single-object encoding
// (0xC3 0x01, 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema, binary body), so a
// consumer knows which schema wrote a message without a registry: it looks the fingerprint up among
// the schema versions shipped under schemas/ and resolves that writer schema into its reader schema.
// A fingerprint it does not know is a message "from the future" and goes to the DLQ.
import avro from 'avsc';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { repoPath } from '../repo-root.ts';

const MAGIC = Buffer.from([0xc3, 0x01]);
const HEADER_BYTES = 10;

export const SCHEMAS_DIR = repoPath('schemas') + path.sep;

// CRC-64-AVRO, exactly as in the Avro specification ("Schema Fingerprints").
const EMPTY = 0xc15d213aa4d7a795n;
const FP_TABLE: bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
    table.push(fp);
  }
  return table;
})();

export function crc64Avro(text: string): Buffer {
  let fp = EMPTY;
  for (const byte of Buffer.from(text, 'utf8')) {
    fp = (fp >> 8n) ^ FP_TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!;
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt.asUintN(64, fp));
  return out;
}

export class AvroDecodeError extends Error {
  constructor(
    message: string,
    readonly kind: 'not-avro' | 'unknown-schema' | 'corrupt',
  ) {
    super(message);
    this.name = 'AvroDecodeError';
  }
}

export interface Codec<T> {
  readonly name: string;
  readonly fingerprint: Buffer;
  encode(value: T): Buffer;
  decode(buf: Buffer): T;
  /**
   * decode() without the conversion of records to plain objects (they stay avsc's record instances,
   * same fields): for a caller that only reads fields and builds its own objects from them, such as
   * the sink's table rows and the normalizer's envelope, which would otherwise copy every message twice.
   */
  decodeFields(buf: Buffer): T;
}

/**
 * Builds a codec whose reader schema is the newest of `versions` (ordered oldest → newest) and
 * which can decode messages written with any of them.
 */
export function createCodec<T>(name: string, versions: readonly object[]): Codec<T> {
  if (versions.length === 0) throw new Error(`codec ${name}: no schema versions`);
  const types = versions.map((s) => avro.Type.forSchema(s as avro.Schema));
  const reader = types[types.length - 1]!;
  const fingerprintOf = (t: avro.Type) => crc64Avro(JSON.stringify(t.schema()));
  const readerFp = fingerprintOf(reader);
  const resolvers = new Map<string, (buf: Buffer) => T>();
  for (const writer of types) {
    const fp = fingerprintOf(writer).toString('hex');
    if (writer === reader || fp === readerFp.toString('hex')) {
      resolvers.set(fp, (buf) => reader.fromBuffer(buf) as T);
    } else {
      const resolver = reader.createResolver(writer);
      resolvers.set(fp, (buf) => reader.fromBuffer(buf, resolver) as T);
    }
  }
  const header = Buffer.concat([MAGIC, readerFp]);
  // Encoding goes into one scratch buffer that already holds the header, then out in a single
  // allocation + copy (toBuffer + concat made two of each: measurable in the normalizer's profile).
  let scratch = Buffer.allocUnsafe(64 * 1024);
  header.copy(scratch, 0);

  return {
    name,
    fingerprint: readerFp,
    encode(value: T): Buffer {
      let end = reader.encode(value, scratch, HEADER_BYTES);
      if (end < 0) {
        // avsc returns -(missing bytes) when the scratch buffer is too small.
        scratch = Buffer.allocUnsafe(Math.max(2 * scratch.length, scratch.length - end));
        header.copy(scratch, 0);
        end = reader.encode(value, scratch, HEADER_BYTES);
      }
      const out = Buffer.allocUnsafe(end);
      scratch.copy(out, 0, 0, end);
      return out;
    },
    decode(buf: Buffer): T {
      return plain(decodeFields(buf)) as T;
    },
    decodeFields,
  };

  function decodeFields(buf: Buffer): T {
    if (buf.length < HEADER_BYTES || buf[0] !== MAGIC[0] || buf[1] !== MAGIC[1]) {
      throw new AvroDecodeError(`${name}: not an Avro single-object message (missing C3 01 header)`, 'not-avro');
    }
    const fp = buf.subarray(2, HEADER_BYTES).toString('hex');
    const decode = resolvers.get(fp);
    if (!decode) {
      throw new AvroDecodeError(
        `${name}: unknown writer schema fingerprint ${fp} (written by a newer planewatch? known: ${[...resolvers.keys()].join(', ')})`,
        'unknown-schema',
      );
    }
    try {
      return decode(buf.subarray(HEADER_BYTES));
    } catch (err) {
      throw new AvroDecodeError(`${name}: corrupt body: ${(err as Error).message}`, 'corrupt');
    }
  }
}

// avsc decodes records into class instances; the rest of the code (zod, JSON output) wants plain objects.
// (Object.keys + index loops: this runs for every field of every decoded message; the entries
// tuples of Object.entries were a visible share of the sink's profile.)
function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) {
    const arr = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) arr[i] = plain(value[i]);
    return arr;
  }
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(src);
  for (let i = 0; i < keys.length; i++) out[keys[i]!] = plain(src[keys[i]!]);
  return out;
}

/** Loads every version of a schema family from schemas/, e.g. family "identity-event" → v1, v2, … */
export function loadSchemaVersions(family: string, dir = SCHEMAS_DIR): object[] {
  const files = readdirSync(dir)
    .map((f) => ({ f, m: new RegExp(`^${family}\\.v(\\d+)\\.avsc$`).exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]));
  if (files.length === 0) throw new Error(`no schema files for ${family} in ${dir}`);
  return files.map(({ f }) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as object);
}
