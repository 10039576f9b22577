import type { ToolContext } from '../server/define-tool.js';
import { BackendError, PartialListError, ToolError } from '../server/errors.js';
import { itemCost } from '../server/budget.js';
import { collect, WalkInterrupted, type BackendPage, type Collected, type PagingCarry, type TimeWindowSpec } from './engine.js';
import { fingerprintOf } from './fields.js';
import { dateOnlyReading } from './window.js';

/**
 * Room kept for what an answer holds besides its items and its continuation token (the engine
 * measures the token): the fence preamble (about 150 characters), a header line (300), the
 * continuation hint's words (200), the paging fields (100) and a note or two.
 */
const ENVELOPE_CHARS = 1_500;

/** An answer carries its continuation token in structuredContent and in the text's hint. */
const TOKEN_COPIES = 2;

export interface ListCall<R, V> {
  tool: string;
  /** Backend and operation, as error texts name them (e.g. "Step Functions ListExecutions"). */
  source: string;
  args: { maxItems: number; pageSize?: number | undefined; startingToken?: string | undefined } & Record<string, unknown>;
  maxPageSize: number;
  fetchPage(token: string | undefined, pageSize: number, signal: AbortSignal): Promise<BackendPage<R>>;
  keyOf(raw: R): string;
  view(raw: R): V | undefined;
  /** The item's text line; raw is there for what the view leaves out (e.g. dates as Date). */
  line(item: V, raw: R): string;
  /** A line before the items' lines, for what they leave out (a shared ARN prefix); empty for none. */
  header?(items: V[]): string;
  /** Characters the tool adds to the answer besides its items and the envelope (notes it found before the walk); kept free in the budget. */
  reservedChars?: number;
  /** Characters an item may still gain after it is sized (a state name learnt later); kept free in the budget. */
  growth?(item: V): number;
  window?: TimeWindowSpec<R>;
  /** Newest-first lists without a time window: how recent an item is (see CollectSpec.recencyOf). */
  recencyOf?(raw: R): number | undefined;
  /** Each page the walk reads, in walk order (see CollectSpec.observePage). */
  observePage?(page: BackendPage<R>): void;
  /** Items can leave the listing between calls (a status filter): see CollectSpec.itemsCanLeave. */
  itemsCanLeave?: boolean;
  /** The backend's page tokens are positions: see CollectSpec.positionTokens. */
  positionTokens?: boolean;
  /** True when view or window may drop items; backend pages then stay at full size. */
  filtering?: boolean;
  /**
   * False when the tool reworks the items after the walk (drops some, names others): a walk a fault
   * cut short then fails plainly, since the items read so far cannot be shown as they would be.
   */
  partialOnFault?: boolean;
  carry?: PagingCarry;
}

export interface ListResult<V> extends Omit<Collected<V>, 'repeatedToken'> {
  /** The call's header line, for a call with one (ListCall.header): empty when there is nothing to say. */
  header?: string;
  lines: string[];
}

/** Runs the paging engine with the call's context: budget, deadline, cancellation, progress, caller binding. */
export async function runListCall<R, V>(ctx: ToolContext, call: ListCall<R, V>): Promise<ListResult<V>> {
  const { responseBudgetChars } = ctx.config.limits;
  const envelopeChars = ENVELOPE_CHARS + (call.reservedChars ?? 0);
  const budgetChars = responseBudgetChars - envelopeChars;
  // Each item's line is built once, when the engine sizes the item, and reused for the text.
  const lines = new Map<V, string>();
  let fetches = 0;
  /** The backend rejected a page token it issued itself: a token offering that page again would meet the same rejection. */
  let ownTokenRejected = false;
  const collected = await collect<R, V>({
    tool: call.tool,
    source: call.source,
    fingerprint: fingerprintOf(call.args),
    principal: ctx.principal,
    codec: ctx.cursors,
    startingToken: call.args.startingToken,
    maxItems: call.args.maxItems,
    pageSize: call.args.pageSize ?? call.maxPageSize,
    adaptivePageSize: call.args.pageSize === undefined && !call.filtering,
    fetchPage: async (token, pageSize, signal) => {
      // Only the first fetch of a continued call uses a token from the caller's startingToken;
      // every later one uses a token the backend issued during this very call.
      const issuedThisCall = fetches > 0 || call.args.startingToken === undefined;
      fetches += 1;
      try {
        return await call.fetchPage(token, pageSize, signal);
      } catch (err) {
        // Rejecting a token it issued moments ago, or none at all, is a backend fault, not an expired continuation.
        if (err instanceof BackendError && err.kind === 'expired_token') {
          ownTokenRejected = true;
          if (token === undefined) throw tokenRejected(err, 'the backend answered with a page-token error to a request that carried no page token');
          if (issuedThisCall) throw tokenRejected(err, 'the backend rejected a page token it had issued earlier in this call');
        }
        throw err;
      }
    },
    keyOf: call.keyOf,
    view: call.view,
    sizeOf: (item, raw) => {
      const text = call.line(item, raw);
      lines.set(item, text);
      return itemCost(item, text) + (call.growth?.(item) ?? 0);
    },
    budgetChars,
    tokenCopies: TOKEN_COPIES,
    window: call.window,
    recencyOf: call.recencyOf?.bind(call),
    carry: call.carry,
    itemsCanLeave: call.itemsCanLeave,
    positionTokens: call.positionTokens,
    observePage: call.observePage,
    deadlineAt: ctx.deadlineAt,
    signal: ctx.signal,
    onProgress: (pages, items) => ctx.progress(pages, `fetched ${pages} page(s), ${items} item(s) so far`),
  }).catch((err: unknown) => {
    // The server renders the fault with what was read before it (as text lines: the answer is an error).
    if (!(err instanceof WalkInterrupted)) throw err;
    if (call.partialOnFault === false || ownTokenRejected) throw err.fault;
    const { items, pagesFetched, nextToken } = (err as WalkInterrupted<V>).read;
    throw new PartialListError(err.fault, { header: call.header?.(items), lines: items.map((item) => lines.get(item) ?? ''), pagesFetched, nextToken });
  });
  if (collected.repeatedToken) {
    ctx.note(`${call.source ?? 'the backend'} handed back the page token it was given, so paging stopped here: more items may exist that this listing cannot reach.`);
  }
  // Nothing found with a date-only bound: midnight UTC may not be the moment the caller meant.
  const reading = collected.items.length === 0 && !collected.nextToken && call.args.startingToken === undefined ? dateOnlyReading(call.window) : '';
  if (reading) ctx.note(`${reading}.`);
  // A token too long to carry twice leaves no answer within the budget.
  const tokenChars = collected.nextToken?.length ?? 0;
  if (TOKEN_COPIES * tokenChars + envelopeChars > responseBudgetChars) {
    throw new ToolError(
      `${call.tool} cannot answer within the response budget (${responseBudgetChars} characters): the backend's page tokens are so long that its continuation token has ${tokenChars} characters, and an answer carries it twice. ` +
        `Next: start the server with --response-budget-chars (EXECUTIONS_MCP_RESPONSE_BUDGET_CHARS) of at least ${Math.ceil((TOKEN_COPIES * tokenChars + 4 * ENVELOPE_CHARS) / 1000) * 1000}.`,
    );
  }
  const itemLines = collected.items.map((item) => lines.get(item) ?? '');
  // Said in the text above; tools spread the rest into structuredContent, whose schema has no such field.
  const { repeatedToken: _said, ...paging } = collected;
  return { ...paging, ...(call.header ? { header: call.header(collected.items) } : {}), lines: itemLines };
}

function tokenRejected(err: BackendError, what: string): BackendError {
  const message = `${what}${err.message ? ` (${err.message})` : ''}`;
  // Calling again the same way would walk into the same rejection, so say how to need fewer pages.
  const hint =
    'call again once; if the backend rejects its own token again it is not honouring its page tokens: ask for fewer items per call (maxItems) or narrow the request (a time window or a filter) so that each call needs fewer pages';
  return new BackendError(err.backend, err.operation, 'unavailable', err.code, message, { ...err.details, hint });
}
