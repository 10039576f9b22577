import * as z from 'zod';
import { unwrapPasted } from '../pasted.js';
import type { AgentExecution } from '../../backends/ona/schemas.js';
import { iso } from '../../server/render.js';
import { stateField as sharedStateField, type NormalisedState } from '../../server/states.js';
import { isoDateTimeMs } from '../../paging/time.js';

/** Shared Ona view pieces: enums, normalised state, number and enum helpers. */

export const PHASES = ['PHASE_PENDING', 'PHASE_RUNNING', 'PHASE_WAITING_FOR_INPUT', 'PHASE_STOPPED'] as const;
export const ROLES = ['AGENT_EXECUTION_ROLE_DEFAULT', 'AGENT_EXECUTION_ROLE_WORKFLOW'] as const;
export const AGENT_MODES = ['AGENT_MODE_EXECUTION', 'AGENT_MODE_PLANNING', 'AGENT_MODE_RALPH', 'AGENT_MODE_SPEC', 'AGENT_MODE_GOAL'] as const;

export const stateField = sharedStateField(
  'PHASE_STOPPED maps to failed when a failure reason or message is set or the goal ended unmet ' +
    '(BUDGET_EXHAUSTED, BLOCKED, USAGE_LIMITED), to aborted when a stop was requested (spec.desiredPhase PHASE_STOPPED), else to succeeded.',
);

/** The longest id the tools accept. */
export const ONA_ID_MAX = 128;

export const idField = (what: string) =>
  z
    .string()
    .overwrite(unwrapPasted)
    .min(1)
    .max(ONA_ID_MAX)
    .regex(/^[A-Za-z0-9._:-]+$/, 'an Ona id: letters, digits, dot, dash, underscore or colon')
    .describe(what);

/** Goal statuses that end a goal-mode run without reaching its objective. */
const GOAL_UNMET = new Set(['GOAL_STATUS_BUDGET_EXHAUSTED', 'GOAL_STATUS_BLOCKED', 'GOAL_STATUS_USAGE_LIMITED']);

/**
 * Ona has no succeeded/failed phase: an execution ends in PHASE_STOPPED, and a failure shows as
 * failureReason/failureMessage, or (goal mode) as a goal that stopped unmet. A requested stop
 * (desiredPhase STOPPED) without failure is the closest thing to "aborted"; everything else
 * that stopped cleanly counts as succeeded.
 */
export function onaState(e: AgentExecution): NormalisedState {
  switch (e.status?.phase) {
    case 'PHASE_RUNNING':
      return 'running';
    case 'PHASE_WAITING_FOR_INPUT':
      return 'waiting';
    case 'PHASE_STOPPED':
      if (failureReasonOf(e) || e.status?.failureMessage || GOAL_UNMET.has(e.status?.goal?.status ?? '')) return 'failed';
      return e.spec?.desiredPhase === 'PHASE_STOPPED' ? 'aborted' : 'succeeded';
    default:
      return 'pending';
  }
}

/** The failure reason, unless it is the proto default. */
export function failureReasonOf(e: AgentExecution): string | undefined {
  return setEnum(e.status?.failureReason);
}

/** An enum value unless it is the proto default (which means "not set"), by name or as the number 0. */
export function setEnum(value: string | undefined): string | undefined {
  return value && value !== '0' && !value.endsWith('_UNSPECIFIED') ? value : undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An int64 as the views hold it: a number while a JSON number holds it exactly (up to 2^53 - 1),
 * past that its exact decimal digits as a string (a rounded count or id would be a value Ona never sent).
 */
export type Int64 = number | string;

/**
 * The output schema of an int64 count. Not .int(): zod's int stops at 2^53, and a server that sent a
 * bigger one as a JSON number (not the string proto3 JSON asks for) has it passed on as that number.
 */
export const int64Field = z
  .union([z.number(), z.string().regex(/^-?\d+$/)])
  .optional()
  .describe('Past 2^53: its exact digits, as a string.');

/** proto3 int64 (a JSON string; a number is taken too) → Int64; undefined for absent, zero-less or unparseable values. */
export function count(value: string | number | undefined, keepZero = false): Int64 | undefined {
  if (value === undefined) return undefined;
  // A number already went through JSON.parse: nothing exacter is left of it.
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || Math.abs(value) > 2 ** 63) return undefined;
    return value === 0 && !keepZero ? undefined : value;
  }
  const n = exactInteger(value);
  // Beyond int64: not a value the API can send.
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) return undefined;
  if (n === 0n && !keepZero) return undefined;
  return n >= -SAFE && n <= SAFE ? Number(n) : n.toString();
}

// proto3 JSON int64 strings are decimal integers (exponent allowed); Number() would also take
// "0x10", " 7", "" or "1.5" and report a count the backend never sent.
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** The integer a decimal string denotes, exactly; undefined when it has a fraction or more digits than any int64. */
function exactInteger(text: string): bigint | undefined {
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return 0n;
  const shift = Number(exponent) - fraction.length;
  if (shift < 0) {
    // Digits past the point must be zeros: "1.5" is no count, "1.50e1" is 15.
    if (-shift >= digits.length || !/^0+$/.test(digits.slice(shift))) return undefined;
    digits = digits.slice(0, shift);
  } else {
    // int64 has at most 19 digits: a longer one is out of range (and not worth a BigInt of it).
    if (digits.length + shift > 19) return undefined;
    digits += '0'.repeat(shift);
  }
  return digits.length > 19 ? undefined : BigInt(sign + digits);
}

/** A link Ona sets (conversation, transcript, support bundle): http(s) only; a javascript: or data: one is dropped. */
export function webUrl(value: string | undefined): string | undefined {
  return value !== undefined && /^https?:\/\//i.test(value) ? value : undefined;
}

/** Text renderings drop the enum's type prefix: PHASE_WAITING_FOR_INPUT → WAITING_FOR_INPUT. */
export function shortEnum(value: string | undefined): string {
  if (!value) return '';
  return value.replace(/^(PHASE_|AGENT_MODE_|AGENT_EXECUTION_FAILURE_REASON_|AGENT_EXECUTION_ROLE_|GOAL_STATUS_|SUPPORTED_MODEL_)/, '');
}

/**
 * A count as a line shows it (123456 → "123k"); proto3 JSON leaves out zeros, so a missing int64
 * count is 0. One past 2^53 shows its exact digits: rounded, it would be a value Ona never sent.
 */
export function shortCount(n: Int64 | undefined): string {
  if (n === undefined) return '0';
  if (typeof n === 'string') return n;
  if (n < 1000) return String(n);
  if (n < 999_500) return `${Math.round(n / 1000)}k`;
  if (n < 999_950_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return `${(n / 1_000_000_000).toFixed(1)}B`;
}

/**
 * The session an execution belongs to (what start_agent_execution's sessionId continues). The API
 * puts it in spec.session and status.session; newer versions also in metadata.sessionId (the
 * documented example response carries all three).
 */
export function sessionOf(e: AgentExecution): string | undefined {
  return e.spec?.session || e.status?.session || e.metadata?.sessionId || undefined;
}

/**
 * An Ona timestamp as epoch ms. proto3 JSON writes a Timestamp as RFC 3339 with an offset; a server
 * that leaves it out means UTC (Date.parse would read it in the server's own time zone). Other forms,
 * and dates that do not exist, are no proto3 Timestamp: undefined, as for a value of the wrong type.
 */
export function onaTimeMs(value: string | undefined): number | undefined {
  return value === undefined ? undefined : isoDateTimeMs(value);
}

/** An Ona timestamp as ISO-8601 UTC (see onaTimeMs). */
export function onaTime(value: string | undefined): string | undefined {
  const ms = onaTimeMs(value);
  return ms === undefined ? undefined : iso(ms);
}

export { shortTime } from '../../server/render.js';
