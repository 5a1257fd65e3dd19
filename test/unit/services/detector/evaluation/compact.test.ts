// Which compact rows stand for an unchanged finding (services/detector/evaluation/compact.ts): pure.
import { describe, expect, it } from 'vitest';
import { diffFindings, type FindingState } from '../../../../../store/findings/lifecycle.ts';
import { badCompactColumn, unchangedRows, type CompactRow } from '../../../../../services/detector/evaluation/compact.ts';

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
  detail: {},
  ...over,
});
const compact = (fp: string, over: Partial<CompactRow> = {}): CompactRow => ({
  fp,
  severity: '',
  subject_email: `${fp}@acme.example`,
  event_ids: ['e2', 'e1'],
  raw_ids: ['r1'],
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
    ];
    const { unchanged, changed } = unchangedRows('medium', rows, current);
    expect([...unchanged].sort()).toEqual(['a', 'e']);
    expect(changed.sort()).toEqual(['b', 'c', 'd', 'd2', 'f', 'g']);
  });
  it("an explicit severity equal to the finding's is unchanged", () => {
    expect([...unchangedRows('medium', [compact('d', { severity: 'high' })], current).unchanged]).toEqual(['d']);
  });
  it('names the first malformed column', () => {
    expect(badCompactColumn({ fp: 'x', severity: '', subject_email: '', event_ids: ['a'], raw_ids: [1] })).toBe('raw_ids');
    expect(badCompactColumn({ fp: 'x', severity: null, subject_email: '', event_ids: [], raw_ids: [] })).toBe('severity');
    expect(badCompactColumn({ fp: 'x', severity: '', subject_email: '', event_ids: [], raw_ids: [] })).toBeNull();
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
