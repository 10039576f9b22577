import type { SfnBackend } from '../../backends/sfn/client.js';
import type { ToolContext } from '../../server/define-tool.js';
import { BackendError, type ErrorKind, errorSummary } from '../../server/errors.js';
import { callSignal } from '../../server/deadline.js';
import { jsonCost, scanCost, textCost } from '../../server/budget.js';
import { redactInResult } from '../../log.js';
import { onOneLine, type Payload, type UntrustedFence } from '../../server/render.js';
import { text } from './views.js';

/**
 * list_executions' includeError: the error and cause of each listed run that ended badly, read with
 * DescribeExecution (ListExecutions gives neither), so that a triage needs one call, not one per run.
 */

/** Statuses whose runs have an error and cause to show. */
const ENDED_BADLY = new Set(['FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

/** Runs described per call at most: each is a DescribeExecution request (AWS bucket: 250, refilled 15 a second). */
export const MAX_DESCRIBED = 25;

/** Requests in flight at once. */
const CONCURRENCY = 5;

/**
 * What an item's error and cause may add to an answer on average (JSON and text line together): the
 * engine keeps it free for each such run as it sizes the listing. Causes are then cut to fit it:
 * at the smallest cut, a run's error (ERROR_COST) and cause in both forms, fenced, cost some 940.
 */
export const ERROR_ROOM = 1_000;

/** Causes are cut to this cost at most (as JSON, and as the line shows them); less when many are long. */
const MAX_CAUSE_COST = 1_200;
const MIN_CAUSE_COST = 50;
/** Error names are at most 256 characters: whole, unless written in a script that costs more. */
const ERROR_COST = 300;
/** What "… [cut from N chars]" after a cut error name costs at most. */
const CUT_MARK_COST = 24;

/**
 * Of the call's time, what the listing leaves for the descriptions: a listing that scans long (a
 * time window, a slow endpoint) would otherwise leave them none.
 */
export function describeTimeMs(callDeadlineMs: number): number {
  return Math.min(3_000, Math.floor(callDeadlineMs / 4));
}

/** Failures that pass: calling again later reads the descriptions. */
const PASSING = new Set<ErrorKind>(['throttled', 'unavailable', 'timeout']);

/** Below this, descriptions are not started: they would be cut off. */
const MIN_DESCRIBE_MS = 500;

export interface WithError {
  status: string;
  executionArn: string;
  error?: string;
  cause?: Payload;
}

export function endedBadly(item: { status: string }): boolean {
  return ENDED_BADLY.has(item.status);
}

/** True for a listing filtered to runs that ended badly: every one is described, so it returns at most MAX_DESCRIBED per call. */
export function describesAll(args: { statusFilter?: string | undefined; includeError?: boolean | undefined }): boolean {
  return args.includeError === true && args.statusFilter !== undefined && ENDED_BADLY.has(args.statusFilter);
}

/**
 * Describes the runs among `items` that ended badly (up to MAX_DESCRIBED, within the call's time)
 * and sets their error and cause; returns, for each item, what its line gains (empty for most).
 * What could not be read is said in a note, by reason: the listing itself stands.
 */
export async function addErrors<T extends WithError>(items: T[], sfn: SfnBackend, ctx: ToolContext): Promise<string[]> {
  const wanted = items.map((item, i) => ({ item, i })).filter(({ item }) => endedBadly(item));
  const read: Array<{ item: T; i: number; error: string | undefined; cause: string | undefined }> = [];
  const left = ctx.deadlineAt - Date.now();
  const limit = callSignal(ctx.signal, Math.max(1, left));
  // spared: not described after one came back throttled (past the SDK's retries): more would only add to it.
  const unread = { capped: 0, failed: 0, late: 0, spared: 0 };
  let failure: BackendError | undefined;
  let throttled: BackendError | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let at = next++; at < wanted.length; at = next++) {
      const { item, i } = wanted[at] as { item: T; i: number };
      if (at >= MAX_DESCRIBED) unread.capped += 1;
      else if (left < MIN_DESCRIBE_MS || limit.signal.aborted) unread.late += 1;
      else if (throttled) unread.spared += 1;
      else {
        try {
          // METADATA_ONLY: the error and cause without the input and output (nor kms:Decrypt for them).
          const out = await sfn.describeExecution({ executionArn: item.executionArn, includedData: 'METADATA_ONLY' }, limit.signal);
          read.push({ item, i, error: textOf(out.error), cause: textOf(out.cause) });
        } catch (err) {
          // Cut off by the call's time (or a cancel): not the backend's refusal.
          if (limit.signal.aborted || !(err instanceof BackendError)) unread.late += 1;
          else {
            unread.failed += 1;
            failure ??= err;
            if (err.kind === 'throttled') throttled ??= err;
          }
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, wanted.length) }, worker));
  } finally {
    limit.dispose();
  }
  const added = items.map(() => '');
  // The room kept for each run that ended badly, pooled: a short cause leaves more for a long one.
  const fitted = fitCauses(read, ERROR_ROOM * wanted.length, ctx.fence);
  for (const { item, i } of read) {
    const shown = fitted.get(item);
    if (!shown) continue;
    if (shown.fields.error !== undefined) item.error = shown.fields.error;
    if (shown.fields.cause !== undefined) item.cause = shown.fields.cause;
    added[i] = shown.added;
  }
  const notRead = (n: number, why: string, next: string) =>
    n > 0 ? ctx.note(`the error and cause of ${n} run(s) that ended badly were not read: ${why}. Next: ${next}.`) : undefined;
  notRead(unread.capped, `includeError describes at most ${MAX_DESCRIBED} runs per call`, 'call again with a smaller maxItems, or describe_execution each');
  notRead(unread.late, "the call's time limit came first", 'call again with a smaller maxItems, or describe_execution each');
  // Throttling, when it stopped the descriptions, is what the next step depends on.
  const shown = throttled ?? failure;
  if (shown) {
    const spared = unread.spared > 0 ? `; the other ${unread.spared} were not described, so as not to add to the throttling` : '';
    const next = PASSING.has(shown.kind) ? 'wait a few seconds and call again' : 'list without includeError; describe_execution meets the same refusal until it is fixed';
    notRead(unread.failed + unread.spared, `DescribeExecution failed (${errorSummary(shown, ctx.fence)})${spared}`, next);
  }
  return added;
}

interface Shown {
  fields: { error?: string; cause?: Payload };
  /** What the run's line gains. */
  added: string;
}

/** The errors and causes as shown, causes cut to the largest common size at which all of them cost at most `room`. */
function fitCauses<T>(read: Array<{ item: T; error: string | undefined; cause: string | undefined }>, room: number, fence: UntrustedFence): Map<T, Shown> {
  let shown = new Map<T, Shown>();
  for (let cap = MAX_CAUSE_COST; ; cap = Math.floor(cap * 0.7)) {
    shown = new Map();
    let cost = 0;
    for (const { item, error, cause } of read) {
      const fields = errorFields(error, cause, cap);
      const added = [fence.field('error', fields.error), fence.wrap(fields.cause, 'cause')].filter(Boolean).map((part) => `  ${part}`).join('');
      shown.set(item, { fields, added });
      cost += jsonCost(fields) + textCost(added);
    }
    if (cost <= room || cap <= MIN_CAUSE_COST) return shown;
  }
}

/** A backend string field, as views take one (anything else shown as its JSON). */
function textOf(value: unknown): string | undefined {
  const shown = text(value);
  return shown === undefined || shown === '' ? undefined : redactInResult(shown);
}

/** The error and cause as shown: each cut to a cost as JSON and as a line; a cut error says so. */
function errorFields(error: string | undefined, cause: string | undefined, causeCost: number): { error?: string; cause?: Payload } {
  const kept = error === undefined ? undefined : cutToCost(error, ERROR_COST - CUT_MARK_COST);
  const shownError = error === undefined || kept === undefined ? undefined : kept.length < error.length ? `${kept}… [cut from ${error.length} chars]` : error;
  if (cause === undefined) return shownError === undefined ? {} : { error: shownError };
  const start = cutToCost(cause, causeCost);
  const payload: Payload = start.length < cause.length ? { untrustedData: start, truncated: true, fullSize: cause.length } : { untrustedData: start };
  return shownError === undefined ? { cause: payload } : { error: shownError, cause: payload };
}

/** A start of `value` costing at most `cost` as a JSON string and as a line shows it (line breaks as ⏎, which costs more than \n does). */
function cutToCost(value: string, cost: number): string {
  let length = scanCost(value, true, cost).length;
  while (length > 0 && textCost(onOneLine(value.slice(0, length))) > cost) length = Math.floor(length * 0.8);
  // Never half a surrogate pair.
  return value.slice(0, length && length < value.length && /[\ud800-\udbff]/.test(value.charAt(length - 1)) ? length - 1 : length);
}
