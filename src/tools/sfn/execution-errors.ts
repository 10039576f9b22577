import type { SfnBackend } from '../../backends/sfn/client.js';
import type { ToolContext } from '../../server/define-tool.js';
import { BackendError, errorSummary } from '../../server/errors.js';
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
 * at the smallest cut, a run's error (ERROR_COST) and cause in both forms, fenced, cost some 660.
 */
export const ERROR_ROOM = 900;

/** Causes are cut to this cost at most (as JSON, and as the line shows them); less when many are long. */
const MAX_CAUSE_COST = 1_200;
const MIN_CAUSE_COST = 50;
const ERROR_COST = 160;

export interface WithError {
  status: string;
  executionArn: string;
  error?: string;
  cause?: Payload;
}

export function endedBadly(item: { status: string }): boolean {
  return ENDED_BADLY.has(item.status);
}

/**
 * maxItems as includeError takes it: a listing filtered to runs that ended badly is described whole,
 * so it returns at most MAX_DESCRIBED of them per call (and says so).
 */
export function describedMaxItems(args: { maxItems: number; statusFilter?: string | undefined; includeError?: boolean | undefined }, ctx: ToolContext): number {
  if (!args.includeError || !args.statusFilter || !ENDED_BADLY.has(args.statusFilter) || args.maxItems <= MAX_DESCRIBED) return args.maxItems;
  ctx.note(`includeError describes at most ${MAX_DESCRIBED} runs per call: maxItems ${args.maxItems} was taken as ${MAX_DESCRIBED}.`);
  return MAX_DESCRIBED;
}

/**
 * Describes the runs among `items` that ended badly (up to MAX_DESCRIBED, within the call's time),
 * sets their error and cause, and returns the lines with them added. What could not be read is
 * said in a note: the listing itself stands.
 */
export async function addErrors<T extends WithError>(items: T[], lines: string[], sfn: SfnBackend, ctx: ToolContext): Promise<string[]> {
  const wanted = items.map((item, i) => ({ item, i })).filter(({ item }) => endedBadly(item));
  const read: Array<{ item: T; i: number; error: string | undefined; cause: string | undefined }> = [];
  const limit = callSignal(ctx.signal, Math.max(1, ctx.deadlineAt - Date.now()));
  let failure: BackendError | undefined;
  let unread = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let at = next++; at < wanted.length; at = next++) {
      const { item, i } = wanted[at] as { item: T; i: number };
      if (at >= MAX_DESCRIBED || limit.signal.aborted) {
        unread += 1;
        continue;
      }
      try {
        // METADATA_ONLY: the error and cause without the input and output (nor kms:Decrypt for them).
        const out = await sfn.describeExecution({ executionArn: item.executionArn, includedData: 'METADATA_ONLY' }, limit.signal);
        read.push({ item, i, error: textOf(out.error), cause: textOf(out.cause) });
      } catch (err) {
        unread += 1;
        if (err instanceof BackendError) failure ??= err;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, wanted.length) }, worker));
  } finally {
    limit.dispose();
  }
  const out = [...lines];
  // The room kept for each run that ended badly, pooled: a short cause leaves more for a long one.
  const fitted = fitCauses(read, ERROR_ROOM * wanted.length, ctx.fence);
  for (const { item, i } of read) {
    const shown = fitted.get(item);
    if (!shown) continue;
    if (shown.fields.error !== undefined) item.error = shown.fields.error;
    if (shown.fields.cause !== undefined) item.cause = shown.fields.cause;
    if (shown.added) out[i] = `${out[i] ?? ''}${shown.added}`;
  }
  if (unread > 0) {
    const why =
      wanted.length > MAX_DESCRIBED && unread === wanted.length - MAX_DESCRIBED && !failure
        ? `includeError reads at most ${MAX_DESCRIBED} runs per call`
        : failure
          ? `DescribeExecution failed: ${errorSummary(failure, ctx.fence)}`
          : "the call's time limit was reached";
    ctx.note(`the error and cause of ${unread} run(s) that ended badly were not read (${why}): describe_execution shows each, or call again with a smaller maxItems.`);
  }
  return out;
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

/** The error and cause as shown: each cut to a cost as JSON and as a line. */
function errorFields(error: string | undefined, cause: string | undefined, causeCost: number): { error?: string; cause?: Payload } {
  const shownError = error === undefined ? undefined : cutToCost(error, ERROR_COST);
  if (cause === undefined) return shownError === undefined ? {} : { error: shownError };
  const kept = cutToCost(cause, causeCost);
  const payload: Payload = kept.length < cause.length ? { untrustedData: kept, truncated: true, fullSize: cause.length } : { untrustedData: kept };
  return shownError === undefined ? { cause: payload } : { error: shownError, cause: payload };
}

/** A start of `value` costing at most `cost` as a JSON string and as a line shows it (line breaks as ⏎, which costs more than \n does). */
function cutToCost(value: string, cost: number): string {
  let length = scanCost(value, true, cost).length;
  while (length > 0 && textCost(onOneLine(value.slice(0, length))) > cost) length = Math.floor(length * 0.8);
  // Never half a surrogate pair.
  return value.slice(0, length && length < value.length && /[\ud800-\udbff]/.test(value.charAt(length - 1)) ? length - 1 : length);
}
