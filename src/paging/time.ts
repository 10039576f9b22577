import { ToolError } from '../server/errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A year: four digits, or ISO-8601's expanded form (a sign and six digits, +010000), which
 * toISOString gives, and so do our answers, for a date past 9999 or before year 0.
 */
const YEAR = String.raw`(?:\d{4}|[+-]\d{6})`;

/** A date without a time: read as midnight UTC at its start. */
const DATE_ONLY = new RegExp(String.raw`^${YEAR}-\d{2}-\d{2}$`);

const ISO_DATE_TIME = new RegExp(String.raw`^(${YEAR})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|z|[+-]\d{2}:?\d{2})?$`);

/** ISO-8601 or a relative age like "90m", "2h", "7d" (meaning that long ago). Returns epoch ms. */
export function parseTimeBound(value: string, field: string, now = Date.now()): number {
  const trimmed = value.trim();
  const relative = /^(\d{1,6})\s*([smhdw])$/i.exec(trimmed);
  if (relative) {
    const amount = Number(relative[1]);
    // Many read an upper-case M as months: counting it as minutes would answer the wrong question.
    if (relative[2] === 'M') {
      throw new ToolError(
        `${field} "${trimmed}" is ambiguous: m counts minutes here, not months. Give months as days (e.g. ${amount * 30}d) or an ISO-8601 date (e.g. 2026-05-01); minutes as ${amount}m.`,
      );
    }
    const unit = UNIT_MS[(relative[2] ?? '').toLowerCase()] ?? 0;
    return now - amount * unit;
  }
  const parsed = isoDateTimeMs(trimmed);
  if (parsed !== undefined) return parsed;
  throw new ToolError(
    `${field} must be an ISO-8601 date-time (e.g. 2026-11-20T09:30:00Z) or a relative age such as 30m, 2h or 7d; got "${value.slice(0, 60)}".`,
  );
}

/**
 * An ISO-8601 date or date-time as epoch ms; undefined for any other form and for a date that does
 * not exist (Date.parse would roll 2026-02-30 over to 2 March). Without an offset the time is UTC,
 * as AWS shows it, never the server's own time zone.
 */
export function isoDateTimeMs(value: string): number | undefined {
  const date = ISO_DATE_TIME.exec(value);
  if (!date) return undefined;
  const [, y = '', mo = '', d = '', h = '00', mi = '00', sec = '00', fraction = '', zone] = date;
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999 (and 0000-02-29 as 1900's).
  const day = new Date(0);
  day.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  const exists = day.getUTCMonth() === Number(mo) - 1 && day.getUTCDate() === Number(d) && Number(h) < 24 && Number(mi) < 60 && Number(sec) < 60;
  const offset = !zone || zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const parsed = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${fraction}${offset}`);
  return exists && !Number.isNaN(parsed) ? parsed : undefined;
}

/** The bound as given when it is a date alone ("2026-11-01"), else undefined. */
export function dateOnly(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed !== undefined && DATE_ONLY.test(trimmed) ? trimmed : undefined;
}

/** The date after a "YYYY-MM-DD" one; undefined past the last date a Date holds (+275760-09-13). */
export function nextDay(date: string): string | undefined {
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000);
  return Number.isNaN(next.getTime()) ? undefined : next.toISOString().split('T')[0];
}
