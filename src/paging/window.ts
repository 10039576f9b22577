import type { CursorState } from './token.js';
import { ToolError } from '../server/errors.js';
import { dateOnly, nextDay, parseTimeBound } from './time.js';

/** Time windows (startedAfter/startedBefore and the like) of a list call: resolved once, then carried in the token. */

export interface TimeWindowSpec<R> {
  /** Raw argument values (ISO-8601 or relative); resolved once and carried in the token. */
  after?: string | undefined;
  before?: string | undefined;
  afterField: string;
  beforeField: string;
  /** Epoch ms of an item, or undefined when unknown (then the item is kept). */
  timeOf(raw: R): number | undefined;
  /** newest-first lists stop at the first item older than `after`; oldest-first at the first newer than `before`. */
  order: 'newest-first' | 'oldest-first' | 'unordered';
}

/** The window's bounds in epoch ms: from the token when continuing, else resolved from the arguments now. */
export function resolveWindow<R>(spec: TimeWindowSpec<R> | undefined, start: CursorState, now: number) {
  if (!spec) return undefined;
  if (start.window) return start.window;
  const { after, before, afterField, beforeField } = spec;
  if (after === undefined && before === undefined) return undefined;
  const resolved: { after?: number; before?: number } = {};
  if (after !== undefined) resolved.after = parseTimeBound(after, afterField, now);
  if (before !== undefined) resolved.before = parseTimeBound(before, beforeField, now);
  // The same date twice ("startedAfter=D, startedBefore=D") asks for day D, and would answer nothing.
  // Both bounds are inclusive, so equal ISO times ask for one instant; equal dates are a slip.
  const sameDate = resolved.after === resolved.before && dateOnlyReading(spec) !== '';
  if (resolved.after !== undefined && resolved.before !== undefined && (resolved.after > resolved.before || sameDate)) {
    const problem =
      resolved.after === resolved.before
        ? `${afterField} and ${beforeField} are the same instant (${new Date(resolved.after).toISOString()}): only what started at exactly that millisecond would match.`
        : `${afterField} (${new Date(resolved.after).toISOString()}) is later than ${beforeField} (${new Date(resolved.before).toISOString()}), so nothing can match. ` +
          'Relative ages count back from now: 2h is earlier than 1h.';
    throw new ToolError([problem, wholeDayHint(spec)].filter(Boolean).join(' '));
  }
  return resolved;
}

/** Whether an item is kept, skipped, or ends a walk that lists in the window's order. */
export function windowVerdict<R>(spec: TimeWindowSpec<R>, window: { after?: number; before?: number }, raw: R, seen?: 'unordered'): 'keep' | 'skip' | 'stop' {
  const t = spec.timeOf(raw);
  if (t === undefined) return 'keep';
  const order = seen ?? spec.order;
  if (window.after !== undefined && t < window.after) return order === 'newest-first' ? 'stop' : 'skip';
  if (window.before !== undefined && t > window.before) return order === 'oldest-first' ? 'stop' : 'skip';
  return 'keep';
}

/** How date-only bounds were read, and what to send for one whole day; empty when no bound is a date alone. */
function wholeDayHint(spec: { after?: string | undefined; before?: string | undefined; afterField: string; beforeField: string }): string {
  const read = dateOnlyReading(spec);
  const day = dateOnly(spec.after) ?? dateOnly(spec.before);
  if (!read || !day) return '';
  const next = nextDay(day);
  return (
    `${read}. For the whole day ${day} send ${next ? `${spec.afterField}=${day} and ${spec.beforeField}=${next}, or ` : ''}` +
    `ISO times (${spec.afterField}=${day}T00:00:00Z, ${spec.beforeField}=${day}T23:59:59.999Z).`
  );
}

/** "startedBefore=2026-11-01 was read as 2026-11-01T00:00:00Z (midnight UTC)" for each bound given as a date alone. */
export function dateOnlyReading(spec: { after?: string | undefined; before?: string | undefined; afterField: string; beforeField: string } | undefined): string {
  if (!spec) return '';
  const parts = [
    [spec.afterField, dateOnly(spec.after)],
    [spec.beforeField, dateOnly(spec.before)],
  ].flatMap(([field, day]) => (day ? [`${field}=${day} as ${day}T00:00:00Z`] : []));
  return parts.length === 0 ? '' : `A date alone is read as midnight UTC at its start: ${parts.join(', ')}`;
}
