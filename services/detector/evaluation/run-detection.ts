// Running one detection's query: the memory bounds every evaluation query runs under, the row
// validation, and the compact form (fingerprints plus what the diff compares; compact.ts).
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { asDetectionRow, DetectionRowSchema, type Detection, type DetectionRow } from '../../../store/detections/metadata.ts';
import { paramsUsed, PARAM_TYPES, type DetectionParams } from '../../../store/detections/params.ts';
import { badCompactColumn, changedRowsQuery, compactQuery, type CompactRow } from './compact.ts';

/**
 * Memory bounds for every evaluation query (chDB runs inside the process, so its memory is the
 * process's): a per-query limit; GROUP BY and ORDER BY spill to disk at half of it (explicitly:
 * ClickHouse's default ratio did not stop the snapshot build's aggregation from hitting the limit
 * at 10 M events); joins above 256 MiB switch to a spilling algorithm.
 */
export const EVALUATION_SETTINGS: ClickHouseSettings = {
  max_memory_usage: String(768 * 1024 ** 2),
  max_bytes_before_external_group_by: String(384 * 1024 ** 2),
  max_bytes_before_external_sort: String(384 * 1024 ** 2),
  max_bytes_in_join: String(256 * 1024 ** 2),
  join_algorithm: 'auto',
};

export class DetectionError extends Error {
  constructor(
    readonly detection: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${detection}: ${message}`, options);
    this.name = 'DetectionError';
  }
}

/**
 * Runs one detection and validates its rows against the common shape; with `only`, just the rows
 * of those fingerprints (compact.ts).
 */
export async function runDetection(
  client: ClickHouseClient,
  d: Detection,
  params: DetectionParams,
  settings?: ClickHouseSettings,
  only?: readonly string[],
): Promise<DetectionRow[]> {
  const raw = await queryDetection(
    client,
    d,
    only ? changedRowsQuery(d.sql) : d.sql,
    only ? { ...params, pw_detection: d.id, pw_fingerprints: only } : params,
    settings,
  );
  return raw.map((r, i) => {
    const fast = asDetectionRow(r);
    if (fast) return fast;
    const parsed = DetectionRowSchema.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DetectionError(
        d.id,
        `row ${i}: column ${issue.path.join('.') || '?'}: ${issue.message} (columns: subject_kind, subject_id, subject_email, plane, tenant, source, key, severity, event_ids, raw_ids, detail)`,
      );
    }
    return parsed.data;
  });
}

/** Runs a detection's query (its SQL, or a wrapper of it) after checking the parameters its SQL uses. */
async function queryDetection(
  client: ClickHouseClient,
  d: Detection,
  query: string,
  params: Record<string, unknown>,
  settings?: ClickHouseSettings,
): Promise<Record<string, unknown>[]> {
  const unknown = paramsUsed(d.sql).filter((p) => !(p in PARAM_TYPES));
  if (unknown.length)
    throw new DetectionError(d.id, `uses unknown parameter(s) ${unknown.join(', ')}; available: ${Object.keys(PARAM_TYPES).join(', ')}`);
  try {
    const rs = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: settings });
    return await rs.json<Record<string, unknown>>();
  } catch (err) {
    throw new DetectionError(d.id, `query failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Runs a detection compactly: per row its fingerprint and what the diff compares. */
export async function runCompact(
  client: ClickHouseClient,
  d: Detection,
  params: DetectionParams,
  settings?: ClickHouseSettings,
): Promise<CompactRow[]> {
  const raw = await queryDetection(
    client,
    d,
    compactQuery(d.sql),
    { ...params, pw_detection: d.id, pw_volatile: d.volatile_detail },
    settings,
  );
  for (const [i, r] of raw.entries()) {
    const bad = badCompactColumn(r);
    if (bad)
      throw new DetectionError(
        d.id,
        `row ${i}: column ${bad}: expected ${bad === 'event_ids' || bad === 'raw_ids' ? 'an array of strings' : 'a string'}`,
      );
  }
  return raw as unknown as CompactRow[];
}
