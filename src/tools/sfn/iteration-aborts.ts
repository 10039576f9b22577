import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { isStateAbort } from './history-events.js';

/**
 * The *StateAborted events of states that ran inside a Map iteration aborted because a sibling
 * item failed: the iteration's MapIterationAborted links to the abort of the state it was running,
 * which links to the aborts nested inside it. For a triage they are noise beside the failure that
 * caused them. A chain cut by a page boundary, or an item failure not read yet, keeps the abort.
 */
export class IterationAborts {
  private readonly withIteration = new Set<number>();
  /** An item failed: the aborted iterations are its siblings. Without one (a stop, a timeout) the aborts show where the run was, and stay. */
  private itemFailed = false;
  /** Abort event → the event it links to. */
  private readonly abortPrev = new Map<number, number>();

  observe(events: HistoryEvent[]): void {
    for (const e of events) {
      const type = e.type ?? '';
      const prev = e.previousEventId;
      if (type === 'MapIterationFailed') this.itemFailed = true;
      if (type === 'MapIterationAborted' && prev) this.mark(prev);
      else if (isStateAbort(type) && e.id !== undefined && prev) {
        this.abortPrev.set(e.id, prev);
        // Newest first, the event linking to it came first.
        if (this.withIteration.has(e.id)) this.mark(prev);
      }
    }
  }

  /** Whether the event is the abort of a state that ran inside an aborted Map iteration. */
  has(e: Pick<HistoryEvent, 'id' | 'type'>): boolean {
    return this.itemFailed && e.id !== undefined && isStateAbort(e.type ?? '') && this.withIteration.has(e.id);
  }

  private mark(id: number): void {
    for (let at: number | undefined = id, hops = 0; at !== undefined && hops < 64 && !this.withIteration.has(at); at = this.abortPrev.get(at), hops += 1) {
      this.withIteration.add(at);
    }
  }
}
