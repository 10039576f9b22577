import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { PagingCarry } from '../../paging/engine.js';
import { isStateAbort } from './history-events.js';

/** Marks a continuation carries, newest first: iterations aborted whose state aborts are older than every page read. */
const CARRY_MARKS = 100;
/** Abort chains are as deep as the nesting of Map and Parallel states. */
const MAX_CHAIN = 64;

/**
 * The *StateAborted events of states that ran inside a Map iteration aborted because a sibling
 * item failed: the iteration's MapIterationAborted links to the abort of the state it was running,
 * which links to the aborts nested inside it. For a triage they are noise beside the failure that
 * caused them. Without an item failure (a stop, a timeout) the aborts show where the run was, and
 * stay. What a continuation needs travels in the token; oldest first, an abort whose
 * MapIterationAborted may be on the next page is undecided until that page is read.
 */
export class IterationAborts implements PagingCarry {
  private readonly withIteration = new Set<number>();
  /** A Map item failed (MapIterationFailed, or MapStateFailed read first when newest first): aborted iterations are its siblings. */
  private itemFailed = false;
  /** Abort event → the event it links to, and back. */
  private readonly abortPrev = new Map<number, number>();
  private readonly abortAbove = new Map<number, number>();
  /** Ids some observed event links to. */
  private readonly linked = new Set<number>();
  private readonly seen = new Set<number>();

  constructor(private readonly newestFirst: boolean) {}

  observe(events: HistoryEvent[]): void {
    for (const e of events) {
      const type = e.type ?? '';
      const prev = e.previousEventId || undefined;
      if (e.id !== undefined) this.seen.add(e.id);
      if (prev !== undefined) this.linked.add(prev);
      if (type === 'MapIterationFailed' || type === 'MapStateFailed') this.itemFailed = true;
      if (type === 'MapIterationAborted' && prev !== undefined) this.mark(prev);
      else if (isStateAbort(type) && e.id !== undefined && prev !== undefined) {
        this.abortPrev.set(e.id, prev);
        this.abortAbove.set(prev, e.id);
        // Newest first, the event linking to it came first.
        if (this.withIteration.has(e.id)) this.mark(prev);
      }
    }
  }

  /** Whether the event is the abort of a state that ran inside an aborted Map iteration, a sibling of a failed item. */
  has(e: { id?: number | undefined; type?: string | undefined }): boolean {
    return this.itemFailed && e.id !== undefined && isStateAbort(e.type ?? '') && this.withIteration.has(e.id);
  }

  /**
   * An abort whose fate a page further on decides. Oldest first: nothing links to its chain yet (its
   * MapIterationAborted may come next). Newest first: its iteration was aborted, and the item
   * failure that would make it a sibling's (just before the aborts) is not read yet.
   */
  undecided(e: { id?: number | undefined; type?: string | undefined }): boolean {
    if (e.id === undefined || !isStateAbort(e.type ?? '')) return false;
    if (this.newestFirst) return !this.itemFailed && this.withIteration.has(e.id);
    if (this.withIteration.has(e.id)) return false;
    let top = e.id;
    for (let hops = 0; hops < MAX_CHAIN; hops += 1) {
      const above = this.abortAbove.get(top);
      if (above === undefined) break;
      top = above;
    }
    return !this.linked.has(top);
  }

  /** Newest first, a page read ahead: only whether an item failed there (its marks stay with the pages that will be read). */
  observeAhead(events: HistoryEvent[]): void {
    if (events.some((e) => e.type === 'MapIterationFailed' || e.type === 'MapStateFailed')) this.itemFailed = true;
  }

  save(): unknown {
    // Newest first, marks of aborts not read yet: the MapIterationAborted that set them will not be read again.
    const marks = this.newestFirst ? [...this.withIteration].filter((id) => !this.seen.has(id)).sort((a, b) => b - a).slice(0, CARRY_MARKS) : [];
    if (!this.itemFailed && marks.length === 0) return undefined;
    return { ...(this.itemFailed && { f: 1 }), ...(marks.length > 0 && { m: marks }) };
  }

  restore(saved: unknown): void {
    if (!saved || typeof saved !== 'object') return;
    const { f, m } = saved as Record<string, unknown>;
    if (f === 1) this.itemFailed = true;
    if (!Array.isArray(m)) return;
    for (const id of m.slice(0, CARRY_MARKS)) if (Number.isSafeInteger(id) && id > 0) this.withIteration.add(id as number);
  }

  private mark(id: number): void {
    for (let at: number | undefined = id, hops = 0; at !== undefined && hops < MAX_CHAIN && !this.withIteration.has(at); at = this.abortPrev.get(at), hops += 1) {
      this.withIteration.add(at);
    }
  }
}
