// Credential-scoped detections (services/detector/evaluation/credential-scope.ts, plan.ts): which
// findings stand as committed, what the detection's key ignores, and when the plan scopes it. Pure.
import { describe, expect, it } from 'vitest';
import type { FindingState } from '../../../../../store/findings/lifecycle.ts';
import type { Detection } from '../../../../../store/detections/metadata.ts';
import type { SnapshotInfo } from '../../../../../store/read-models/snapshot.ts';
import { credentialKey, credentialScopeKey, untouchedFindings } from '../../../../../services/detector/evaluation/credential-scope.ts';
import { EvaluationCache } from '../../../../../services/detector/evaluation/cache.ts';
import { planEvaluation } from '../../../../../services/detector/evaluation/plan.ts';

const finding = (fp: string, over: Partial<FindingState>): FindingState => ({
  fingerprint: fp,
  detection: 'PW-S',
  kind: 'state',
  severity: 'medium',
  status: 'open',
  resolution: '',
  plane: 'platform',
  tenant: '',
  source: 'openai',
  subject_kind: 'project_key',
  subject_id: fp,
  subject_email: '',
  first_seen: 1000,
  last_seen: 1000,
  opened_at: 1000,
  resolved_at: null,
  acknowledged_at: null,
  acknowledged_by: '',
  reopen_count: 0,
  evidence_event_ids: [],
  evidence_raw_ids: [],
  detail: {},
  ...over,
});

const detection = (over: Partial<Detection> = {}): Detection =>
  ({
    id: 'PW-S',
    kind: 'state',
    severity: 'medium',
    scope: 'credential',
    sql: 'SELECT 1 WHERE {now_ms:Int64} > {stale_platform_ms:UInt64} AND {scoped:UInt8} >= 0 AND {since_ms:Int64} >= 0',
    ...over,
  }) as Detection;

describe('untouchedFindings', () => {
  it("keeps the detection's unresolved findings of credentials not touched", () => {
    const current = new Map([
      ['a', finding('a', {})],
      ['b', finding('b', {})], // touched: its row was re-read
      ['c', finding('c', { status: 'resolved' })],
      ['d', finding('d', { detection: 'PW-OTHER' })],
      ['e', finding('e', { status: 'acknowledged' })],
      ['f', finding('f', { source: 'anthropic', subject_id: 'b' })], // same id, other source: not touched
    ]);
    expect([...untouchedFindings('PW-S', new Set([credentialKey('openai', 'b')]), current)]).toEqual(['a', 'e', 'f']);
  });
});

describe('credentialScopeKey', () => {
  it('ignores the clock and the engine-set parameters, not the others', () => {
    const d = detection();
    const base = { now: 'x', now_ms: 1, scoped: 0, since_ms: 0, stale_platform_ms: 90 };
    const k = credentialScopeKey(d, base);
    expect(credentialScopeKey(d, { ...base, now: 'y', now_ms: 2, scoped: 1, since_ms: 5 })).toBe(k);
    expect(credentialScopeKey(d, { ...base, stale_platform_ms: 30 })).not.toBe(k);
    expect(credentialScopeKey(detection({ severity: 'high' }), base)).not.toBe(k);
  });
});

describe('planEvaluation for a credential-scoped detection', () => {
  const snapshot = (touched: number): SnapshotInfo => ({
    mode: 'incremental',
    touched,
    reason: '',
    gapsKept: false,
    spilled: [],
    ms: 0,
    tables: {},
    watermarkMs: 2000,
    previousWatermarkMs: 1000,
  });
  const params = (now: number) => ({ now: '', now_ms: now, scoped: 0, since_ms: 0, stale_platform_ms: 90 });
  function cacheAfter(now: number, key: string): EvaluationCache {
    const cache = new EvaluationCache();
    cache.last = {
      evaluationId: 'ev-1',
      now,
      snapshotMs: 1000,
      findings: { open: new Map(), resolved: new Set() },
      detections: new Map([['PW-S', { key, matches: 0 }]]),
    };
    return cache;
  }
  const d = detection();
  const key = credentialScopeKey(d, params(0));

  it('runs it for the touched and clock-changed credentials since the last clock, even with nothing touched', () => {
    for (const touched of [0, 5])
      expect(planEvaluation([d], params(5000), snapshot(touched), 'ev-1', cacheAfter(4000, key), 2000).steps).toEqual([
        { kind: 'credentials', d, since: 4000 },
      ]);
  });
  it('runs it in full when the clock went back, the parameters changed, or another evaluation came in between', () => {
    expect(planEvaluation([d], params(3000), snapshot(0), 'ev-1', cacheAfter(4000, key), 2000).steps[0]!.kind).toBe('full');
    expect(planEvaluation([d], params(5000), snapshot(0), 'ev-1', cacheAfter(4000, 'other'), 2000).steps[0]!.kind).toBe('full');
    expect(planEvaluation([d], params(5000), snapshot(0), 'ev-2', cacheAfter(4000, key), 2000).steps[0]!.kind).toBe('full');
  });
});
