import { describe, expect, it } from 'vitest';
import { nextDay, parseTimeBound } from '../../src/paging/time.js';

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

  it("reads the expanded years (+010000, -000001) that toISOString, and so our answers, give outside 0000-9999", () => {
    const far = new Date(Date.UTC(10_000, 0, 1)).toISOString();
    expect(far).toBe('+010000-01-01T00:00:00.000Z');
    expect(parseTimeBound(far, 'f')).toBe(Date.UTC(10_000, 0, 1));
    expect(parseTimeBound('+055840-11-08T22:13:20Z', 'f')).toBe(1.7e15);
    expect(parseTimeBound('+010000-01-01', 'f')).toBe(Date.UTC(10_000, 0, 1));
    expect(parseTimeBound('-001199-02-15T14:13:20Z', 'f')).toBe(-1e14);
    expect(parseTimeBound('-000001-12-31T23:59:59.999Z', 'f')).toBe(Date.parse('0000-01-01T00:00:00Z') - 1);
    // Year 0 is a leap year (Date.UTC read it as 1900, which is not).
    expect(parseTimeBound('0000-02-29', 'f')).toBe(Date.parse('0000-02-29T00:00:00Z'));
    expect(nextDay('9999-12-31')).toBe('+010000-01-01');
    expect(nextDay('+010000-01-01')).toBe('+010000-01-02');
    expect(nextDay('+275760-09-13')).toBeUndefined();
  });

  it('reads relative ages back from now', () => {
    expect(parseTimeBound('2h', 'f', now)).toBe(now - 7_200_000);
    expect(parseTimeBound('7D', 'f', now)).toBe(now - 7 * 86_400_000);
  });

  it.each([
    '2026-02-30T00:00:00Z', '2026-13-01', '2026-11-20T24:00:00Z', '2026-11-20T10:61Z', 'yesterday', '2026-11-20Tnoon', '12345',
    // Expanded years: five or seven digits, no sign, minus zero, past the 275760 a Date holds, a day that does not exist.
    '+10000-01-01T00:00:00Z', '+0100000-01-01T00:00:00Z', '010000-01-01T00:00:00Z', '-000000-01-01T00:00:00Z', '+275761-01-01T00:00:00Z', '+010001-02-29',
  ])(
    'refuses %s with an example of what it takes',
    (value) => {
      expect(() => parseTimeBound(value, 'startedAfter', now)).toThrow(/startedAfter must be an ISO-8601 date-time \(e\.g\. .*\) or a relative age/);
    },
  );
});
