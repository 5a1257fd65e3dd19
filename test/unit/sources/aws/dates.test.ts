import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCloudTrailDate, parseIsoDate, parseJavaDate } from '../../../../sources/aws/dates.ts';
import { formatJavaDate } from '../../../../sources/aws/samples.ts';

describe('parseJavaDate (CloudTrail responseElements dates, UTC)', () => {
  it('reads the forms AWS prints', () => {
    expect(parseJavaDate('Mar 1, 2025 10:00:00 AM')).toBe(Date.UTC(2025, 2, 1, 10, 0, 0)); // 1740823200000
    expect(parseJavaDate('Mar 1, 2025 10:00:00 AM')).toBe(1740823200000);
    expect(parseJavaDate('Jul 9, 2018 12:56:54 PM')).toBe(1531141014000);
    expect(parseJavaDate('Dec 31, 2024 11:59:59 PM')).toBe(1735689599000);
    expect(parseJavaDate('Feb 29, 2024 3:04:05 PM')).toBe(1709219045000);
  });

  it('maps 12 AM to midnight and 12 PM to noon', () => {
    expect(parseJavaDate('Jan 2, 2025 12:00:00 AM')).toBe(1735776000000); // 2025-01-02T00:00:00Z
    expect(parseJavaDate('Jan 2, 2025 12:00:00 PM')).toBe(1735819200000); // 2025-01-02T12:00:00Z
    expect(parseJavaDate('Jan 2, 2025 12:30:15 AM')).toBe(1735777815000); // 00:30:15
  });

  it('accepts the narrow no-break space newer JDKs print before AM/PM, and other spellings', () => {
    expect(parseJavaDate('Mar 1, 2025 10:00:00\u202fAM')).toBe(1740823200000);
    expect(parseJavaDate('Mar 1, 2025, 10:00:00 AM')).toBeNull(); // comma after the year is not Java's MMM d, yyyy h:mm:ss a
    expect(parseJavaDate('mar 1 2025 10:00:00 am')).toBe(1740823200000);
    expect(parseJavaDate('Sept 1, 2025 1:02:03 p.m.')).toBe(1756731723000);
    expect(parseJavaDate('  Mar 1, 2025 10:00:00 AM ')).toBe(1740823200000);
  });

  it('rejects impossible or non-Java values', () => {
    for (const bad of [
      'Feb 30, 2025 10:00:00 AM',
      'Feb 29, 2025 10:00:00 AM',
      'Mar 1, 2025 13:00:00 PM',
      'Mar 1, 2025 0:00:00 AM',
      'Mar 1, 2025 10:60:00 AM',
      'Mar 1, 2025 10:00:61 AM',
      'Foo 1, 2025 10:00:00 AM',
      'Mar 0, 2025 10:00:00 AM',
      'Mar 1, 2025 10:00:00',
      '2025-03-01T10:00:00Z',
      '',
      'AM',
    ]) {
      expect(parseJavaDate(bad), bad).toBeNull();
    }
    expect(parseJavaDate(1740823200000)).toBeNull();
    expect(parseJavaDate(null)).toBeNull();
  });

  it('round-trips every second between 1970 and 2200 through the Java format', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) / 1000 }), (s) => parseJavaDate(formatJavaDate(s * 1000)) === s * 1000),
      { numRuns: 2000 },
    );
  });
});

describe('parseCloudTrailDate', () => {
  it('reads the Java form and ISO 8601, nothing else', () => {
    expect(parseCloudTrailDate('Mar 1, 2025 10:00:00 AM')).toBe(1740823200000);
    expect(parseCloudTrailDate('2025-03-01T10:00:00Z')).toBe(1740823200000);
    expect(parseCloudTrailDate('2025-03-01T11:00:00+01:00')).toBe(1740823200000);
    expect(parseCloudTrailDate('March 2025')).toBeNull();
    expect(parseIsoDate('2025-03-01')).toBeNull();
    expect(parseIsoDate('2025-03-01T10:00:00')).toBeNull(); // no zone: not taken as local time
  });
});
