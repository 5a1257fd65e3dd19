// Which compact rows stand for an unchanged finding (services/detector/evaluation/compact.ts): pure.
import { describe, expect, it } from 'vitest';
import { diffFindings, materialDetail, type FindingState } from '../../../../../store/findings/lifecycle.ts';
import { badCompactColumn, detailDigest, unchangedRows, type CompactRow } from '../../../../../services/detector/evaluation/compact.ts';

const finding = (fp: string, over: Partial<FindingState> = {}): FindingState => ({
  fingerprint: fp,
  detection: 'PW-S',
  kind: 'state',
  severity: 'medium',
  status: 'open',
  resolution: '',
  plane: 'platform',
  tenant: '',
  source: 'openai',
  subject_kind: 'human',
  subject_id: fp,
  subject_email: `${fp}@acme.example`,
  first_seen: 1000,
  last_seen: 1000,
  opened_at: 1000,
  resolved_at: null,
  acknowledged_at: null,
  acknowledged_by: '',
  reopen_count: 0,
  evidence_event_ids: ['e1', 'e2'],
  evidence_raw_ids: ['r1'],
  detail: { basis: 'last use', idle_ms: '5' },
  ...over,
});
// sha256('basis\u001flast use'): the detail above without its volatile key idle_ms, computed by hand with sha256sum.
const DIGEST = '23ec47dcdbbd7f5a6f20eec2861d89a4ea687eff1119b62a739de45a2b226765';
const MEDIUM = { severity: 'medium', volatile_detail: ['idle_ms'] };
const compact = (fp: string, over: Partial<CompactRow> = {}): CompactRow => ({
  fp,
  severity: '',
  subject_email: `${fp}@acme.example`,
  event_ids: ['e2', 'e1'],
  raw_ids: ['r1'],
  detail_digest: DIGEST,
  ...over,
});

describe('unchangedRows', () => {
  const current = new Map([
    ['a', finding('a')],
    ['b', finding('b')],
    ['c', finding('c', { status: 'resolved' })],
    ['d', finding('d', { severity: 'high' })],
    ['e', finding('e', { status: 'acknowledged' })],
    ['f', finding('f')],
    ['g', finding('g')],
    ['h', finding('h')],
  ]);
  it('keeps a fingerprint with one row equal in severity, person and evidence (any order) as unchanged, and reads the rest', () => {
    const rows = [
      compact('a'), // same (evidence in another order)
      compact('b', { event_ids: ['e1'] }), // evidence changed
      compact('c'), // resolved: matching again reopens it
      compact('d'), // '' = the detection's severity (medium), the finding is high
      compact('d2', { severity: 'high' }), // new
      compact('e'), // acknowledged, unchanged
      compact('f'),
      compact('f', { event_ids: ['e3'] }), // two rows: merged in full
      compact('g', { subject_email: 'other@acme.example' }),
      compact('h', { detail_digest: 'another digest' }), // detail changed
    ];
    const { unchanged, changed } = unchangedRows(MEDIUM, rows, current);
    expect([...unchanged].sort()).toEqual(['a', 'e']);
    expect(changed.sort()).toEqual(['b', 'c', 'd', 'd2', 'f', 'g', 'h']);
  });
  it("an explicit severity equal to the finding's is unchanged", () => {
    expect([...unchangedRows(MEDIUM, [compact('d', { severity: 'high' })], current).unchanged]).toEqual(['d']);
  });
  it('the detail digest leaves out the volatile keys only', () => {
    expect(detailDigest({ idle_ms: '99', basis: 'last use' }, ['idle_ms'])).toBe(DIGEST);
    expect(detailDigest({ basis: 'last use' }, [])).toBe(DIGEST);
    expect(detailDigest({ basis: 'last use', idle_ms: '5' }, [])).not.toBe(DIGEST);
    expect(materialDetail({ b: '2', a: '1', v: 'x' }, ['v'])).toBe('a\u001f1\u001eb\u001f2');
  });
  it('names the first malformed column', () => {
    expect(badCompactColumn({ fp: 'x', severity: '', subject_email: '', event_ids: ['a'], raw_ids: [1] })).toBe('raw_ids');
    expect(badCompactColumn({ fp: 'x', severity: null, subject_email: '', event_ids: [], raw_ids: [] })).toBe('severity');
    expect(badCompactColumn({ fp: 'x', severity: '', subject_email: '', event_ids: [], raw_ids: [] })).toBe('detail_digest');
    expect(badCompactColumn({ fp: 'x', severity: '', subject_email: '', event_ids: [], raw_ids: [], detail_digest: 'd' })).toBeNull();
  });
});

describe('diffFindings with unchanged fingerprints', () => {
  it('neither resolves nor changes them; other findings of the detection not matched resolve', () => {
    const current = new Map([
      ['a', finding('a')],
      ['b', finding('b')],
    ]);
    const changes = diffFindings(current, [], new Set(['PW-S']), 2000, 1500, new Map(), new Set(['a']));
    expect(changes.map((c) => [c.finding.fingerprint, c.transition])).toEqual([['b', 'resolved']]);
  });
});
