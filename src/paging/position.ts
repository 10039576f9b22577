import type { CursorState } from './token.js';
import { hashOf, type Trail } from './resume.js';

/** Where a cursor points inside a backend page, and how a continuation finds that place again. */

/** Head items of a page searched for a repeated last item when a cursor sits on a page boundary. */
const BOUNDARY_SCAN = 100;

/**
 * Where to resume inside a re-fetched page: at the offset, unless the page shifted (new items at its
 * head); undefined when the item before the cursor is no longer on the page. Anchored when a key
 * placed it, so no item after it can be one returned before.
 */
export function resumeIndex<R>(items: R[], state: CursorState, keyOf: (raw: R) => string, trail: Trail<R>): { index: number | undefined; anchored: boolean; byTrail?: boolean } {
  const at = (index: number | undefined) => ({ index, anchored: index !== undefined });
  // On a page boundary: normally at 0; after the items passed last if a shift repeated them here.
  // Only the head is searched: a shift moves them by the number of arrivals, and hashing every key
  // of a 1000-item page on each continuation would cost more than the page itself.
  if (state.offset <= 0) {
    const head = items.slice(0, BOUNDARY_SCAN);
    const afterPrevious = indexAfterKey(head, state.previousKeyHash, keyOf);
    if (afterPrevious !== undefined) return at(afterPrevious);
    const afterTrail = trail.anchorIn(head);
    return afterTrail === undefined ? { index: 0, anchored: false } : { index: afterTrail, anchored: true, byTrail: true };
  }
  if (!state.previousKeyHash && !state.nextKeyHash) return { index: Math.min(state.offset, items.length), anchored: false };
  // Just after the last item returned, where it was or wherever it moved: an item that joined the
  // list right after it (an older run reaching a filtered status) is not yet returned, so it comes
  // next. Else the first item not yet returned (the last one returned left the list), or after the
  // items passed before it.
  const previous = items[state.offset - 1];
  if (state.previousKeyHash && previous !== undefined && hashOf(previous, keyOf) === state.previousKeyHash) return at(state.offset);
  const afterPrevious = indexAfterKey(items, state.previousKeyHash, keyOf);
  if (afterPrevious !== undefined) return at(afterPrevious);
  const movedNext = indexOfKey(items, state.nextKeyHash, keyOf);
  if (movedNext !== undefined) return at(movedNext);
  const afterTrail = trail.anchorIn(items);
  return { index: afterTrail, anchored: afterTrail !== undefined, byTrail: afterTrail !== undefined };
}

export function indexOfKey<R>(items: R[], hash: string | undefined, keyOf: (raw: R) => string): number | undefined {
  const found = hash === undefined ? -1 : items.findIndex((raw) => hashOf(raw, keyOf) === hash);
  return found >= 0 ? found : undefined;
}

function indexAfterKey<R>(items: R[], hash: string | undefined, keyOf: (raw: R) => string): number | undefined {
  const found = indexOfKey(items, hash, keyOf);
  return found === undefined ? undefined : found + 1;
}

export function positionAt<R>(state: CursorState, items: R[], index: number, keyOf: (raw: R) => string): CursorState {
  const position: CursorState = { offset: index, pageSize: state.pageSize };
  if (state.backendToken !== undefined) position.backendToken = state.backendToken;
  const previous = items[index - 1];
  const previousHash = index > 0 && previous !== undefined ? hashOf(previous, keyOf) : undefined;
  if (previousHash !== undefined) position.previousKeyHash = previousHash;
  const next = items[index];
  const nextHash = next === undefined ? undefined : hashOf(next, keyOf);
  if (nextHash !== undefined) position.nextKeyHash = nextHash;
  return position;
}

/** The cursor at the end of the page `state` read (its token and size), remembering what `boundary` does of its last item. */
export function endOfPage(state: CursorState, length: number, boundary: CursorState): CursorState {
  const end: CursorState = { offset: length, pageSize: state.pageSize };
  if (state.backendToken !== undefined) end.backendToken = state.backendToken;
  if (boundary.previousKeyHash !== undefined) end.previousKeyHash = boundary.previousKeyHash;
  return end;
}
