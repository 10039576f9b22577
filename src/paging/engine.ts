import { stableHash, TOKENS_CARRIED, type CursorCodec, type CursorState } from './token.js';
import { callSignal, pause } from '../server/deadline.js';
import { log } from '../log.js';
import { BackendError, ToolError } from '../server/errors.js';
import { hashOf, Trail, type WireTrail } from './resume.js';
import { endOfPage, indexOfKey, positionAt, resumeIndex } from './position.js';
import { resolveWindow, windowVerdict, type TimeWindowSpec } from './window.js';

export type { TimeWindowSpec } from './window.js';

/**
 * The paging engine shared by every list tool. It follows backend tokens until maxItems, the
 * response budget, the time window or the deadline is reached, and returns a continuation
 * token that resumes exactly after the last item returned, even in the middle of a backend page.
 */

export type StopReason = 'exhausted' | 'maxItems' | 'responseBudget' | 'timeWindow' | 'deadline' | 'cancelled';

export interface BackendPage<R> {
  items: R[];
  nextToken?: string | undefined;
}

export interface CollectSpec<R, V> {
  tool: string;
  /** Backend and operation for error texts, e.g. "Step Functions ListExecutions". */
  source?: string;
  /** Every argument that must stay the same across continuations. */
  fingerprint: unknown;
  principal: string | undefined;
  codec: CursorCodec;
  startingToken?: string | undefined;
  maxItems: number;
  /** Backend page size, or the largest one when adaptivePageSize is set. */
  pageSize: number;
  /**
   * Fetch only as many items as this call can still return (maxItems left, and what fits the
   * budget at the average item size seen so far), so continuations start on page boundaries
   * instead of re-reading a large page. Only for listings where no item can be filtered out.
   */
  adaptivePageSize?: boolean;
  fetchPage(token: string | undefined, pageSize: number, signal: AbortSignal): Promise<BackendPage<R>>;
  /** Stable identity of a raw item, used to re-find the resume point if a page shifted. */
  keyOf(raw: R): string;
  /** Raw item → output item; undefined drops it (a filter). */
  view(raw: R): V | undefined;
  /** Characters the item adds to the response (structured + text). */
  sizeOf(item: V, raw: R): number;
  /** Room in the answer for its items and the copies of its continuation token. */
  budgetChars: number;
  /**
   * How many times the answer carries the continuation token (structuredContent and the text's
   * hint: 2): its length counts against budgetChars that often. 0 by default.
   */
  tokenCopies?: number;
  window?: TimeWindowSpec<R> | undefined;
  /**
   * Newest-first lists: how recent an item is (larger is newer; an epoch, an event id), which tells
   * the items a continuation already returned from those after them. By default the window's time
   * when the window is newest-first.
   */
  recencyOf?: ((raw: R) => number | undefined) | undefined;
  deadlineAt: number;
  signal: AbortSignal;
  onProgress?: (pagesFetched: number, itemsCollected: number) => Promise<void> | void;
  now?: () => number;
  /** Tool state that must survive a continuation; kept small, it travels inside the token. */
  carry?: PagingCarry | undefined;
  /**
   * Items can leave the listing between calls (a status filter). With position tokens the items
   * after them then move up, the first one not returned onto the page read last: a call that ends
   * on a page boundary points at the end of that page, which the next call reads again (one
   * request more) to find them.
   */
  itemsCanLeave?: boolean | undefined;
  /**
   * The backend's page tokens are positions (Gitpod's are offsets): items leaving before a token
   * move the ones after it behind it, where only a walk from the head finds them again (at most
   * LOOKAHEAD_FETCHES pages deep). Keyset tokens (Step Functions) need no such walk.
   */
  positionTokens?: boolean | undefined;
  /**
   * Each page the walk reads or reads past, once, in walk order, before its items are viewed. A page
   * fetched only to look ahead is passed when (if) the walk reaches it, so what the carry saves is
   * never beyond the page the token points into.
   */
  observePage?(page: BackendPage<R>): void;
}

/**
 * The boundary after the page read last, and the end of that page, where a later call resumes instead
 * (itemsCanLeave, or the next page's token too long for the budget). `token`: the end's token as it
 * was when that page was read (a token too long), handed out unchanged however far the call reads on.
 */
interface PageEnd {
  boundary: CursorState;
  end: CursorState;
  tokenTooLong: boolean;
  token?: string | undefined;
}

export interface PagingCarry {
  save(): unknown;
  restore(saved: unknown): void;
}

/** Several carries in one token, each saved and restored under its own key. */
export function carryAll(parts: Record<string, PagingCarry>): PagingCarry {
  return {
    save() {
      const saved: Record<string, unknown> = {};
      for (const [key, part] of Object.entries(parts)) {
        const value = part.save();
        if (value !== undefined) saved[key] = value;
      }
      return Object.keys(saved).length > 0 ? saved : undefined;
    },
    restore(saved) {
      if (!saved || typeof saved !== 'object') return;
      for (const [key, part] of Object.entries(parts)) part.restore((saved as Record<string, unknown>)[key]);
    },
  };
}

export interface Collected<V> {
  items: V[];
  nextToken?: string;
  stopReason: StopReason;
  pagesFetched: number;
  itemsScanned: number;
  /** Set when the backend handed back the page token it was given: the listing had to end there. */
  repeatedToken?: true;
}

/** What a walk cut short by a backend fault had read, with a token that re-reads the page that failed. */
export type Interrupted<V> = Omit<Collected<V>, 'stopReason'> & { nextToken: string };

/**
 * A backend fault (retries spent) after this call had read pages: thrown instead of the bare fault
 * so that what was read is not lost. No stopReason: the call ends as an error, not a stop.
 */
export class WalkInterrupted<V> extends Error {
  override name = 'WalkInterrupted';
  constructor(
    readonly fault: BackendError,
    readonly read: Interrupted<V>,
  ) {
    super(fault.message);
  }
}

export async function collect<R, V>(spec: CollectSpec<R, V>): Promise<Collected<V>> {
  const now = spec.now ?? Date.now;
  const start: CursorState = spec.startingToken
    ? spec.codec.decode(spec.startingToken, spec.tool, spec.fingerprint, spec.principal)
    : { offset: 0, pageSize: spec.pageSize };
  if (start.carry !== undefined) spec.carry?.restore(start.carry);
  const window = resolveWindow(spec.window, start, now());
  const items: V[] = [];
  let used = 0;
  /** What the continuation token takes of the budget (tokenRoomAt). */
  let tokenRoom = 0;
  let pagesFetched = 0;
  let itemsScanned = 0;
  let state: CursorState = start;

  const averageItemChars = (): number | undefined => (items.length > 0 ? Math.ceil(used / items.length) : start.avgItemChars);
  const adaptiveSize = (): number => {
    const wanted = Math.max(1, spec.maxItems - items.length);
    const average = averageItemChars();
    const fits = average ? Math.max(1, Math.ceil((spec.budgetChars - used - tokenRoom) / average)) : wanted;
    return Math.max(1, Math.min(spec.pageSize, wanted, fits));
  };

  // Each backend call may use only what is left of the call's time: a slow backend ends the call
  // with what was collected (stopReason deadline) instead of outliving the client's own timeout.
  // Pages are fetched in list order (look-ahead included), so their order tells the list's.
  const fetchPage = async (token: string | undefined, size: number): Promise<BackendPage<R>> => {
    const page = await fetchWithinDeadline(token, size);
    noteOrder?.(page.items);
    return page;
  };
  const fetchWithinDeadline = async (token: string | undefined, size: number): Promise<BackendPage<R>> => {
    const remaining = spec.deadlineAt - now();
    if (remaining > MAX_TIMER_MS) return spec.fetchPage(token, size, spec.signal);
    const limit = callSignal(spec.signal, Math.max(1, remaining));
    try {
      return await spec.fetchPage(token, size, limit.signal);
    } catch (err) {
      if (limit.timedOut()) throw new DeadlineReached();
      throw err;
    } finally {
      limit.dispose();
    }
  };

  let repeatedToken = false;
  let pageEnd: PageEnd | undefined;
  const finish = (stopReason: StopReason, at?: CursorState): Collected<V> => ({ items, stopReason, ...pagingAt(at) });
  /** The paging fields of an answer that ends at `at` (undefined: at the end of the list). */
  const pagingAt = (at?: CursorState): Omit<Collected<V>, 'items' | 'stopReason'> => {
    const result: Omit<Collected<V>, 'items' | 'stopReason'> = { pagesFetched, itemsScanned };
    if (repeatedToken) result.repeatedToken = true;
    const atEnd = at !== undefined && at === pageEnd?.boundary;
    if (atEnd && pageEnd?.token !== undefined) {
      result.nextToken = pageEnd.token;
      return result;
    }
    const next = atEnd ? pageEnd?.end : at;
    if (next) {
      if (window) next.window = window;
      const average = averageItemChars();
      if (spec.adaptivePageSize && average !== undefined) next.avgItemChars = average;
      const passed = trail.save();
      if (passed !== undefined) next.trail = passed;
      if (trail.orderEvidence !== 0) next.orderEvidence = trail.orderEvidence;
      // Carried on, so that a backend leading round in a circle is caught across calls too.
      if (tokensRead.size > 0) next.tokensRead = [...tokensRead].slice(-TOKENS_CARRIED);
      const carried = spec.carry?.save();
      if (carried !== undefined) next.carry = carried;
      result.nextToken = spec.codec.encode(spec.tool, spec.fingerprint, spec.principal, next);
    }
    return result;
  };

  /**
   * What the continuation token takes of the budget, its length for each copy: measured on each page
   * (it carries the backend's token, which may be long) and again for each item near the budget,
   * where the trail and the carry it holds have grown. TOKEN_SLACK covers what one more item adds.
   */
  let roomMeasuredOn: CursorState | undefined;
  const copies = spec.tokenCopies ?? 0;
  /** The token of an answer ending at `at`, as things stand; undefined if too long to carry at all (finishing there says so). */
  const encodedAt = (at: CursorState): string | undefined => {
    try {
      return pagingAt(at).nextToken;
    } catch (err) {
      if (err instanceof ToolError) return undefined;
      throw err;
    }
  };
  const tokenRoomAt = (at: CursorState): number => {
    if (copies === 0) return 0;
    // A token too long to carry at all (undefined): finishing at it says so.
    const token = encodedAt(at);
    return token === undefined ? 0 : copies * (token.length + TOKEN_SLACK);
  };

  const recency = spec.recencyOf ?? (spec.window?.order === 'newest-first' ? spec.window.timeOf : undefined);
  /** Newest-first lists: an item's recency, which tells items already returned from those after them. */
  const timeOfNewestFirst = (raw: R): number | undefined => {
    const time = recency?.(raw);
    return time !== undefined && Number.isFinite(time) ? time : undefined;
  };
  let emptyStreak = 0;
  let stalledPages = 0;
  /** Items older than the window passed over before the list was seen listing newest first. */
  let olderPassedOver = 0;
  // A token from before trails were carried holds just the item before the cursor.
  const legacyTrail = start.previousKeyHash === undefined ? undefined : [start.previousTime === undefined ? [start.previousKeyHash] : [start.previousKeyHash, start.previousTime]];
  const trail = Trail.restore(spec.keyOf, start.trail ?? (legacyTrail as WireTrail | undefined), start.orderEvidence ?? 0);
  let noteOrder = recency ? trail.watchOrder(timeOfNewestFirst) : undefined;
  /** The keys of the items this call passed last (returned or filtered out): one met again on a later page is a repeat. */
  const passedThisCall = new RecentKeys<R>(spec.keyOf, PASSED_KEYS_KEPT);
  const pass = (raw: R, time: number | undefined): void => {
    trail.pass(raw, time);
    passedThisCall.add(raw);
  };
  // Where a resume found no key of the items passed last (they all left the list, or a shift pushed
  // them beyond reach), items newer than those, where the walk resumes, may be repeats a position
  // token shifted back into view: a continuation does not return them. Only that leading run: past
  // the first item that cannot be a repeat, a newer one is a backend's ordering slip.
  let repeatsPossible = false;
  /** The resume was placed by recency alone (no key found where keys were expected): newest first is assumed. */
  let placedByRecency = false;
  let lastFetchAt = 0;
  /** Backend tokens (hashed) the walk read pages at, in this call and last in the calls before: one handed out again leads round in a circle. */
  const tokensRead = new Set<string>(start.tokensRead);
  /** Pages a look-ahead fetched, by backend token: when the cursor's items were not found there, they are the pages that come next. */
  const readAhead = new Map<string, { page: BackendPage<R>; size: number }>();
  /**
   * The first item from the head of the list on that is neither passed already nor newer than the
   * item passed last, with the page it is on; undefined if not within LOOKAHEAD_FETCHES pages (or
   * the time left). Pages read here are not returned, so they are not observed.
   */
  const rereadFromHead = async (): Promise<{ token: string | undefined; page: BackendPage<R>; index: number } | undefined> => {
    let token: string | undefined;
    const visited = new Set<string>();
    for (let hop = 0; hop < LOOKAHEAD_FETCHES; hop += 1) {
      let head: BackendPage<R>;
      try {
        // Not noted for order: the head follows the page read last, newer than it by nature.
        head = await fetchWithinDeadline(token, state.pageSize);
      } catch (err) {
        if (err instanceof DeadlineReached || spec.signal.aborted) return undefined;
        throw err;
      }
      pagesFetched += 1;
      const index = head.items.findIndex((raw) => !trail.passedOrNewer(raw, timeOfNewestFirst(raw)));
      if (index >= 0) return { token, page: head, index };
      if (!head.nextToken || head.nextToken === token || visited.has(head.nextToken)) return undefined;
      visited.add(head.nextToken);
      token = head.nextToken;
    }
    return undefined;
  };
  for (;;) {
    if (spec.signal.aborted) {
      if (pagesFetched === 0) throw abortError(spec.signal);
      return finish('cancelled', state);
    }
    // A backend may answer empty pages with fresh tokens for a long time (a filter scanning a big
    // list); past a few, pace them rather than send thousands of requests a second.
    if (emptyStreak >= EMPTY_PAGES_UNPACED) await pause(lastFetchAt + EMPTY_PAGE_SPACING_MS - now(), spec.signal);
    if (pagesFetched > 0 && now() >= spec.deadlineAt) return finish('deadline', state);
    // A page the cursor points into must be re-read at its original size; a fresh page may be sized.
    // Pages that held only items already returned (new items arriving at the head as fast as
    // small position-token pages advance) double the next one, so the walk always gets ahead.
    // Where a fault, the deadline or a cancellation while fetching this page leaves the call: the
    // cursor before it is resized below (finish knows the page boundary, where a call resumes at the
    // end of the page before, by identity).
    const cursor = state;
    // Past an item older than the window, a page big enough to tell whether the list goes on falling.
    const atLeast = olderPassedOver > 0 ? OLDER_PASSED_OVER : 1;
    if (state.offset === 0 && spec.adaptivePageSize) state = { ...state, pageSize: Math.min(spec.pageSize, Math.max(atLeast, adaptiveSize() * 2 ** Math.min(stalledPages, 16))) };
    // A fixed size is this call's: a continuation given a smaller pageSize (after a slow page) uses it.
    else if (state.offset === 0) state = { ...state, pageSize: spec.pageSize };
    let page: BackendPage<R>;
    // A page a look-ahead already fetched is not fetched again (it keeps the size it was read at).
    const early = state.backendToken === undefined ? undefined : readAhead.get(state.backendToken);
    try {
      if (early) state = { ...state, pageSize: early.size };
      page = early ? early.page : await fetchPage(state.backendToken, state.pageSize);
    } catch (err) {
      // What was collected before a cancellation or the deadline is still a valid, resumable answer.
      if (err instanceof DeadlineReached) {
        if (pagesFetched > 0) return finish('deadline', cursor);
        throw new ToolError(
          `${spec.source ?? spec.tool} failed: no answer within the call's time limit (EXECUTIONS_MCP_CALL_DEADLINE_MS). Next: call again (a smaller pageSize asks the backend for less at once).`,
        );
      }
      if (spec.signal.aborted && pagesFetched > 0) return finish('cancelled', cursor);
      // Pages read before the fault are not lost: the token points at the page that failed, as a
      // deadline here would. Before any page, the caller still has the token it came with.
      if (err instanceof BackendError && pagesFetched > 0) {
        const read = pagingAt(cursor);
        if (read.nextToken !== undefined) throw new WalkInterrupted(err, { items, ...read, nextToken: read.nextToken });
      }
      throw err;
    }
    if (state.backendToken !== undefined) tokensRead.add(tokenHash(state.backendToken));
    if (!early) {
      pagesFetched += 1;
      lastFetchAt = now();
    }
    emptyStreak = page.items.length === 0 ? emptyStreak + 1 : 0;
    // The page a continuation starts on: the only one whose items may have shifted since they were seen.
    const resuming = spec.startingToken !== undefined && pagesFetched === 1 && !early;
    const resumed = resumeIndex(page.items, state, spec.keyOf, trail);
    let startIndex = resumed.index;
    let anchored = resumed.anchored;
    let byTrail = resumed.byTrail === true;
    // On a page boundary, a page shorter than asked may hold only part of the shift: with position
    // tokens and new items at the head, the item last returned can sit on the page after. Only where
    // a call resumes: pages read back to back within one call have no time to shift, and a backend
    // that always serves short pages would otherwise be walked ahead at every boundary.
    const atBoundary = resuming && !anchored && state.offset === 0 && state.previousKeyHash !== undefined && page.nextToken !== undefined;
    const shortBoundary = atBoundary && page.items.length < state.pageSize;
    // Newest first, a re-read boundary page that opens with an item that may be one returned before
    // has shifted (position tokens, new items at the head), however full it is: the walk then goes
    // on while the pages still end in such items, where the items passed last hide. On a list of no
    // known order yet, the pages read ahead tell it.
    const endsInRepeat = (items: R[]): boolean => {
      const last = items[items.length - 1];
      return last !== undefined && trail.mayBeRepeat(last, timeOfNewestFirst(last), true);
    };
    const boundaryShifted = atBoundary && endsInRepeat(page.items.slice(0, 1));
    // More arrivals than the head scan covers but fewer than a page: the items passed last are
    // further down this very page.
    const lower = boundaryShifted ? trail.anchorIn(page.items) : undefined;
    if (lower !== undefined) {
      startIndex = lower;
      anchored = true;
      byTrail = true;
    } else if (startIndex === undefined || shortBoundary || boundaryShifted) {
      // The cursor's items are not on the re-read page: new items at the head of a newest-first
      // list pushed them onward, or the backend cut this page shorter than before (it may return
      // fewer items than asked with a token, even none). Walk ahead, as far as a page beyond the
      // cursor, looking for them; if they are nowhere, they vanished (e.g. left a statusFilter) and
      // the items after moved up by one.
      let aheadToken = page.nextToken && page.nextToken !== state.backendToken ? page.nextToken : undefined;
      let scanned = page.items.length;
      let found: { token: string; page: BackendPage<R>; index: number; byTrail: boolean } | undefined;
      // Pages the cursor's items turn out to be beyond: read past, so observed (see observePage).
      const passed: Array<BackendPage<R>> = [page];
      let stillNewer = endsInRepeat(page.items);
      for (let hop = 0; aheadToken !== undefined && hop < LOOKAHEAD_FETCHES && (scanned <= state.offset + state.pageSize || stillNewer); hop += 1) {
        let ahead: BackendPage<R>;
        try {
          ahead = await fetchPage(aheadToken, state.pageSize);
        } catch (err) {
          // Out of time while looking: go on from the re-read page as if the items were not found.
          // Ending here instead would hand back the same cursor, and a slow backend would then
          // stall every continuation at the same place.
          if (err instanceof DeadlineReached) break;
          if (spec.signal.aborted) return finish('cancelled', state);
          throw err;
        }
        pagesFetched += 1;
        readAhead.set(aheadToken, { page: ahead, size: state.pageSize });
        const nextAt = indexOfKey(ahead.items, state.nextKeyHash, spec.keyOf);
        const index = nextAt ?? trail.anchorIn(ahead.items);
        if (index !== undefined) {
          found = { token: aheadToken, page: ahead, index, byTrail: nextAt === undefined };
          break;
        }
        passed.push(ahead);
        scanned += ahead.items.length;
        stillNewer = endsInRepeat(ahead.items);
        aheadToken = ahead.nextToken && ahead.nextToken !== aheadToken ? ahead.nextToken : undefined;
      }
      // Position tokens shift back when items before the cursor leave the list (a status filter):
      // the items that moved from this page onto the one before are behind the token now. Newest
      // first, the head of the list is read again down to the first item older than those passed.
      const first = page.items[0];
      const gapBehind =
        resuming && spec.itemsCanLeave && spec.positionTokens && state.backendToken !== undefined && trail.mayBeNewestFirst() && (first === undefined || trail.olderThanLast(timeOfNewestFirst(first)));
      const fromHead = !found && gapBehind ? await rereadFromHead() : undefined;
      if (fromHead) {
        // The walk goes over the tokens it read at again, now from the head: no circle; and its
        // pages follow the head's, not the page read before the jump, for telling the list's order.
        tokensRead.clear();
        noteOrder = recency ? trail.watchOrder(timeOfNewestFirst) : undefined;
        state = { ...state, backendToken: fromHead.token, offset: fromHead.index };
        page = fromHead.page;
        startIndex = fromHead.index;
        anchored = true;
      } else if (found) {
        for (const behind of passed) spec.observePage?.(behind);
        state = { ...state, backendToken: found.token, offset: found.index };
        page = found.page;
        startIndex = found.index;
        anchored = true;
        byTrail = found.byTrail;
      } else {
        // Inside a page whose items before the cursor are all gone, on a list not seen out of order,
        // the documented order (newest first) places the resume: the page is read from its head and
        // its items newer than those passed last are skipped as repeats, however many left.
        // Otherwise one item is taken to have left (the one the cursor followed).
        placedByRecency = recency !== undefined && state.offset > 0 && trail.mayBeNewestFirst();
        startIndex = state.offset === 0 || placedByRecency ? 0 : Math.min(state.offset - 1, page.items.length);
      }
    }
    if (resuming) repeatsPossible = !anchored;
    // Placed after an item passed before the last one (which is not on the page): newest first, the
    // items there newer than the last one passed joined the list behind the cursor since (an older
    // run reaching a filtered status). Returned now, they would come out of order: they are left,
    // as new items at the head are. Only on the page a continuation resumes on.
    let behindCursorPossible = resuming && byTrail && !trail.isLast(page.items[(startIndex ?? 0) - 1]) && trail.mayBeNewestFirst();
    spec.observePage?.(page);
    // Items before the cursor were passed (or arrived behind it): a copy of one further on the page
    // (a backend's slip) is a repeat. Their own keys, not the trail's hashes, so no false match.
    for (let i = 0; i < startIndex; i += 1) passedThisCall.add(page.items[i] as R);
    // A page read again only to resume at its end (itemsCanLeave) has not stalled.
    const resumedAtEnd = resuming && state.offset > 0 && startIndex === state.offset;
    stalledPages = page.items.length > 0 && startIndex >= page.items.length && !resumedAtEnd ? stalledPages + 1 : 0;
    // A cursor on a page boundary remembers the page's last item: a backend whose tokens are
    // positions repeats it at the head of the next page when new items arrived in between.
    const atPageEnd = (): CursorState | undefined => {
      if (!page.nextToken) return undefined;
      if (page.nextToken === state.backendToken || tokensRead.has(tokenHash(page.nextToken))) {
        // Following it would read the same page (or pages) forever: the listing ends here, but not silently.
        log.warn('the backend returned the page token it was given; the listing stops there', { tool: spec.tool, source: spec.source });
        repeatedToken = true;
        return undefined;
      }
      const boundary: CursorState = { backendToken: page.nextToken, offset: 0, pageSize: spec.pageSize };
      const last = page.items[page.items.length - 1];
      const lastHash = last === undefined ? undefined : hashOf(last, spec.keyOf);
      if (lastHash !== undefined) boundary.previousKeyHash = lastHash;
      return boundary;
    };

    // Pages read back to back within one call can shift too, when many items arrive at the head in
    // between (a burst as large as a page or more): with position tokens the next page then holds
    // items this call already passed, after some of the arrivals. An item passed already is left
    // wherever it is met (keys are unique), on the same page too (a backend's slip). The arrivals
    // are returned: the rise they make was already noted as disorder when the page was fetched
    // (noteOrder), so they cannot be told apart.
    const itemsBeforePage = items.length;
    for (let i = startIndex; i < page.items.length; i += 1) {
      const raw = page.items[i] as R;
      const time = timeOfNewestFirst(raw);
      if (passedThisCall.has(raw)) {
        itemsScanned += 1;
        continue;
      }
      if (repeatsPossible) {
        if (trail.mayBeRepeat(raw, time, placedByRecency)) {
          itemsScanned += 1;
          continue;
        }
        repeatsPossible = false;
      }
      if (behindCursorPossible) {
        if (trail.newerThanLast(time)) {
          itemsScanned += 1;
          continue;
        }
        behindCursorPossible = false;
      }
      const position = (): CursorState => positionAt(state, page.items, i, spec.keyOf);
      // A list seen out of order cannot be stopped at its first item outside the window: it is scanned on.
      const listed = trail.order === 'unordered' ? 'unordered' : undefined;
      let verdict = window && spec.window ? windowVerdict(spec.window, window, raw, listed) : 'keep';
      // Nor at one met before the list has been seen falling (pages of one item, a skewed start
      // date, an emulator listing oldest first): it is passed over, so that where a walk stops does
      // not depend on maxItems or pageSize. Order evidence builds up within a few items, and is carried.
      // A few such items in a row with no rise (equal start dates build no evidence) do end it.
      if (verdict === 'stop' && spec.window?.order === 'newest-first' && trail.order !== 'newest-first' && olderPassedOver < OLDER_PASSED_OVER) {
        olderPassedOver += 1;
        verdict = 'skip';
      }
      if (verdict === 'stop') {
        itemsScanned += 1;
        return finish('timeWindow');
      }
      if (verdict === 'skip') {
        itemsScanned += 1;
        pass(raw, time);
        continue;
      }
      const item = spec.view(raw);
      if (item === undefined) {
        itemsScanned += 1;
        pass(raw, time);
        continue;
      }
      if (items.length >= spec.maxItems) return finish('maxItems', position());
      const size = spec.sizeOf(item, raw);
      // At least one item per call, so a continuation always makes progress.
      if (items.length > 0) {
        if (roomMeasuredOn !== state || used + size + tokenRoom + NEAR_BUDGET > spec.budgetChars) {
          tokenRoom = tokenRoomAt(position());
          roomMeasuredOn = state;
        }
        if (used + size + tokenRoom > spec.budgetChars) {
          // Nothing taken from a page whose token is too long: the call ends at the end of the page before,
          // as if it had not read this one (pageEnd.token: nor its token, which must not look like a cycle next time).
          if (items.length > itemsBeforePage || cursor !== pageEnd?.boundary || !pageEnd.tokenTooLong) return finish('responseBudget', position());
          return finish('responseBudget', cursor);
        }
      }
      itemsScanned += 1;
      items.push(item);
      used += size;
      pass(raw, time);
    }

    await spec.onProgress?.(pagesFetched, items.length);
    const next = atPageEnd();
    if (!next) return finish('exhausted');
    // A call ending on the boundary ends at the page's end instead where items can leave, or where the
    // next page's token is too long to carry within the budget (the cursor at the end keeps this page's).
    // Not a page read only to resume at its end: a call ending at its boundary (the deadline on the
    // next fetch) would hand out the token it came with, and a slow backend would stall every call there.
    const tokenTooLong = copies > 0 && used + tokenRoomAt({ ...next }) > spec.budgetChars;
    // The end of a page read from (or of an empty one, its own token at offset 0, once items were taken).
    const endIsProgress = startIndex < page.items.length || items.length > 0;
    if (tokenTooLong && pageEnd?.tokenTooLong && cursor === pageEnd.boundary && items.length === itemsBeforePage) {
      // This page added nothing (empty, or all filtered out) and came by a token already too long: its
      // end carries that token too, so the call still ends where the last page that fitted ended.
      pageEnd = { ...pageEnd, boundary: next };
    } else if ((spec.itemsCanLeave && startIndex < page.items.length) || (tokenTooLong && endIsProgress)) {
      const end = endOfPage(state, page.items.length, next);
      // Encoded now: ending there, the call hands out what it knew at this page's end (tokens read, trail,
      // carry), as if it had not read the pages after, which a later call reads again.
      pageEnd = { boundary: next, end, tokenTooLong, ...(tokenTooLong ? { token: encodedAt(end) } : {}) };
    } else pageEnd = undefined;
    state = next;
    if (items.length >= spec.maxItems) return finish('maxItems', state);
    // With adaptive pages, stop on the page boundary rather than fetch an item that cannot fit.
    if (spec.adaptivePageSize && items.length > 0 && spec.budgetChars - used - tokenRoom < (averageItemChars() ?? 0)) {
      return finish('responseBudget', state);
    }
  }
}

/** A backend token as remembered: hashed, so that a continuation carries a dozen at little cost. */
function tokenHash(token: string): string {
  return stableHash(token, 11);
}

/** Longest delay a Node timer takes; beyond it, no deadline applies (tests pass MAX_SAFE_INTEGER). */
const MAX_TIMER_MS = 2_147_483_647;

/** Characters one more item can add to a continuation token (a trail entry, a carried name), each copy. */
const TOKEN_SLACK = 128;
/** Within this much of the budget, the token is measured again for each item. */
const NEAR_BUDGET = 4096;

/** Most backend calls spent looking for a cursor whose items moved (empty pages included). */
const LOOKAHEAD_FETCHES = 25;
/** Items older than a newest-first window passed over, with the list's order not yet known, before one ends the walk. */
const OLDER_PASSED_OVER = 4;
/** Empty pages in a row fetched at once; after them, one page per EMPTY_PAGE_SPACING_MS at most. */
const EMPTY_PAGES_UNPACED = 10;
const EMPTY_PAGE_SPACING_MS = 50;

/**
 * Keys an intra-call shift can bring back: as many as items arrived at the head between two pages.
 * Kept bounded (a filter may pass a great many items in one call); a burst larger than this many
 * arrivals between two pages of one call can still repeat items.
 */
const PASSED_KEYS_KEPT = 4096;

/** The last `limit` keys added (the oldest is forgotten first). Keys as they are: hashing each cost more than storing it. */
class RecentKeys<R> {
  private readonly keys = new Set<string>();
  constructor(
    private readonly keyOf: (raw: R) => string,
    private readonly limit: number,
  ) {}

  add(raw: R): void {
    const key = this.keyOf(raw);
    if (key === '') return;
    this.keys.add(key);
    if (this.keys.size > this.limit) this.keys.delete(this.keys.values().next().value as string);
  }

  has(raw: R): boolean {
    const key = this.keyOf(raw);
    return key !== '' && this.keys.has(key);
  }
}

class DeadlineReached extends Error {
  override name = 'DeadlineReached';
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}
