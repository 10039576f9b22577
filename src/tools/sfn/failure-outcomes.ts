import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { PagingCarry } from '../../paging/engine.js';
import { isFailureEvent } from './history-events.js';

/** What Step Functions did after a failure: ran the state again (Retry) or moved on (Catch). */
export type FailureOutcome = 'retried' | 'caught';

/** A new attempt links to the failure it follows: TaskScheduled (and its Lambda/Activity variants), or a Map/Parallel started again. */
const NEW_ATTEMPT = /^(Task|LambdaFunction|Activity)Scheduled$|^(Map|Parallel)StateStarted$/;
/** A state that exits right after a failure had the error caught; an uncaught one fails the execution, iteration or branch instead. */
const EXITED = /StateExited$/;
const CARRY_ENTRIES = 50;

/**
 * Tells which failure events were retried or caught, from the event that links to each: so that a
 * triage reads the failure that ended the execution, not an earlier one Step Functions handled. Known
 * once that later event has been read: newest first it always is (it comes first, and those whose
 * failure lies beyond the last page travel in the token); oldest first, the call reads one page
 * ahead for it.
 */
export class FailureOutcomes implements PagingCarry {
  private readonly outcomes = new Map<number, FailureOutcome>();
  private readonly seen = new Set<number>();
  /** Failure events among those seen: only their outcomes are worth carrying. */
  private readonly failures = new Set<number>();
  /** Ids of the last page observed: a continuation re-reads it from its cursor, past the events that marked it. */
  private lastPage = new Set<number>();
  /** Ids some observed event links to: the outcome of such a failure is settled (maybe: none). */
  private readonly followed = new Set<number>();

  constructor(private readonly newestFirst: boolean) {}

  observe(events: HistoryEvent[]): void {
    this.lastPage = new Set();
    for (const e of events) {
      if (e.id !== undefined) {
        this.seen.add(e.id);
        this.lastPage.add(e.id);
        if (isFailureEvent(e.type ?? '')) this.failures.add(e.id);
      }
      const prev = e.previousEventId;
      if (!prev) continue;
      this.followed.add(prev);
      const type = e.type ?? '';
      if (NEW_ATTEMPT.test(type)) this.outcomes.set(prev, 'retried');
      else if (EXITED.test(type)) this.outcomes.set(prev, 'caught');
    }
  }

  outcomeOf(id: number): FailureOutcome | undefined {
    return this.outcomes.get(id);
  }

  /** Whether the event after this one has been read, so that no outcome means none. */
  settled(id: number): boolean {
    return this.followed.has(id);
  }

  /**
   * Newest first: outcomes the next call cannot learn again, nearest first: those of events not read
   * yet (older than every page so far), and of failures on the last page (the call may stop inside
   * it, and the next one re-reads it without the newer pages that marked them).
   */
  save(): unknown {
    if (!this.newestFirst) return undefined;
    const wanted = ([id]: [number, FailureOutcome]) => !this.seen.has(id) || (this.lastPage.has(id) && this.failures.has(id));
    const pending = [...this.outcomes].filter(wanted).sort((a, b) => b[0] - a[0]).slice(0, CARRY_ENTRIES);
    return pending.length > 0 ? pending.map(([id, outcome]) => [id, outcome === 'retried' ? 'r' : 'c']) : undefined;
  }

  restore(saved: unknown): void {
    if (!Array.isArray(saved)) return;
    for (const entry of saved) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'number' || (entry[1] !== 'r' && entry[1] !== 'c')) continue;
      this.outcomes.set(entry[0], entry[1] === 'r' ? 'retried' : 'caught');
    }
  }
}
