import type { CursorState } from './token.js';
import { ToolError } from '../server/errors.js';
import { parseTimeBound } from './time.js';

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
  if (resolved.after !== undefined && resolved.before !== undefined && resolved.after > resolved.before) {
    throw new ToolError(
      `${afterField} (${new Date(resolved.after).toISOString()}) is later than ${beforeField} (${new Date(resolved.before).toISOString()}), so nothing can match. ` +
        'Relative ages count back from now: 2h is earlier than 1h.',
    );
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
