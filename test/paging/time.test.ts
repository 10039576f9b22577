import { describe, expect, it } from 'vitest';
import { parseTimeBound } from '../../src/paging/time.js';

describe('parseTimeBound()', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');

  it('reads ISO-8601 with and without an offset; no offset means UTC, not the server zone', () => {
    expect(parseTimeBound('2026-11-20T10:00:00Z', 'f')).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(parseTimeBound('2026-11-20T10:00:00', 'f')).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(parseTimeBound('2026-11-20 10:00', 'f')).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(parseTimeBound('2026-11-20', 'f')).toBe(Date.parse('2026-11-20T00:00:00Z'));
    expect(parseTimeBound('2026-11-20T10:00:00.250+0100', 'f')).toBe(Date.parse('2026-11-20T09:00:00.250Z'));
    expect(parseTimeBound('2026-11-20T10:00:00-05:30', 'f')).toBe(Date.parse('2026-11-20T15:30:00Z'));
  });

  it('reads relative ages back from now', () => {
    expect(parseTimeBound('2h', 'f', now)).toBe(now - 7_200_000);
    expect(parseTimeBound('7D', 'f', now)).toBe(now - 7 * 86_400_000);
  });

  it.each(['2026-02-30T00:00:00Z', '2026-13-01', '2026-11-20T24:00:00Z', '2026-11-20T10:61Z', 'yesterday', '2026-11-20Tnoon', '12345'])(
    'refuses %s with an example of what it takes',
    (value) => {
      expect(() => parseTimeBound(value, 'startedAfter', now)).toThrow(/startedAfter must be an ISO-8601 date-time \(e\.g\. .*\) or a relative age/);
    },
  );
});
