import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { PagingCarry } from '../../paging/engine.js';
import { isFailureEvent } from './history-events.js';

/** What happened after a failure: the state ran again (Retry), moved on (Catch), or the failed run was redriven. */
export type FailureOutcome = 'retried' | 'caught' | 'redriven';

/** Why a failure has no outcome: nothing handled it, or what followed it is not known. */
export type Unmarked = 'ended' | 'notRead' | 'running' | 'notCarried';

/** A new attempt links to the failure it follows: TaskScheduled (and its Lambda/Activity variants), or a Map/Parallel started again. */
const NEW_ATTEMPT = /^(Task|LambdaFunction|Activity)Scheduled$|^(Map|Parallel)StateStarted$/;
/** A state that exits right after a failure had the error caught; an uncaught one fails the execution, iteration or branch instead. */
const EXITED = /StateExited$/;
const REDRIVEN = /^(Execution|MapRun)Redriven$/;
const RUN_ENDED = /^Execution(Succeeded|Failed|Aborted|TimedOut)$/;
/** Entries a continuation carries: about 1 KB of token, more than the 40 iterations an inline Map runs at once. */
const CARRY_ENTRIES = 200;
const CODE: Record<FailureOutcome | 'followed', string> = { retried: 'r', caught: 'c', redriven: 'd', followed: 'f' };
const DECODE: Record<string, FailureOutcome | 'followed'> = { r: 'retried', c: 'caught', d: 'redriven', f: 'followed' };

/**
 * Tells which failure events were retried, caught or redriven, from the event that links to each,
 * so that a triage reads the failure that ended the execution, not one that was handled. A failure
 * that led to another (a Task's failure failing its Map iteration or Parallel branch) takes that
 * one's outcome. Known once the later event has been read: newest first it comes first, and what
 * the next call needs travels in the token; oldest first, the call reads one page ahead for it.
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
  /** failure → the failure it led to (the event linking to it), whose outcome it shares. */
  private readonly ledTo = new Map<number, number>();
  /** Newest first: the execution had not ended when the history was first read. */
  private running: boolean | undefined;
  /** Newest first: failures up to this id may have lost their outcome to the carry's cap. */
  private uncertainUpTo = 0;
  /** Events that ended a run (ExecutionFailed, ...): nothing but a redrive follows them. */
  private readonly runEnds = new Set<number>();
  /** Oldest first: the last run-ending event, which an ExecutionRedriven further on reopens. */
  private lastRunEnd: number | undefined;
  private complete = false;
  /** Oldest first: type of the newest event read so far. */
  private lastType: string | undefined;

  constructor(private readonly newestFirst: boolean) {}

  observe(events: HistoryEvent[]): void {
    this.lastPage = new Set();
    for (const e of events) {
      const type = e.type ?? '';
      if (this.newestFirst && this.running === undefined) this.running = !RUN_ENDED.test(type);
      this.lastType = type;
      const id = e.id;
      if (id !== undefined) {
        this.seen.add(id);
        this.lastPage.add(id);
        if (isFailureEvent(type)) this.failures.add(id);
        if (RUN_ENDED.test(type)) {
          this.runEnds.add(id);
          this.lastRunEnd = id;
        }
      }
      const prev = e.previousEventId;
      if (REDRIVEN.test(type)) {
        // It links to the end of the run it reopens; oldest first, that end was also the last one read.
        const end = prev || (this.newestFirst ? undefined : this.lastRunEnd);
        if (end) this.settle(end, 'redriven');
      }
      if (!prev) continue;
      this.followed.add(prev);
      if (NEW_ATTEMPT.test(type)) this.settle(prev, 'retried');
      else if (EXITED.test(type)) this.settle(prev, 'caught');
      else if (id !== undefined && isFailureEvent(type)) {
        this.ledTo.set(prev, id);
        // Newest first its own outcome is already known, from a newer event.
        const own = this.outcomes.get(id);
        if (own) this.settle(prev, own);
      }
    }
  }

  outcomeOf(id: number): FailureOutcome | undefined {
    return this.outcomes.get(id);
  }

  /** For a failure without an outcome: whether nothing handled it, or why that is not known. */
  unmarked(id: number): Unmarked {
    if (!this.newestFirst) return this.settled(id) ? 'ended' : 'notRead';
    // Along the failures it led to: the last one decides.
    let at = id;
    for (let hops = 0; this.followed.has(at) && hops < 64; hops += 1) {
      const next = this.ledTo.get(at);
      if (next === undefined || this.outcomes.has(next)) return 'ended';
      at = next;
    }
    if (this.followed.has(at) || this.runEnds.has(at)) return 'ended';
    if (at <= this.uncertainUpTo) return 'notCarried';
    return this.running ? 'running' : 'ended';
  }

  /** The history was read to its last event: if that ended the run, nothing more can follow any failure. */
  reachedEnd(): void {
    if (this.lastType !== undefined && RUN_ENDED.test(this.lastType)) this.complete = true;
  }

  /**
   * Whether what followed this event, and what followed each failure it led to, has been read. A
   * failure nothing follows is settled once its run has ended; the end of a run only at the end of
   * the history (a redrive may follow it).
   */
  settled(id: number): boolean {
    if (this.complete) return true;
    let at = id;
    for (let hops = 0; hops < 64; hops += 1) {
      if (this.outcomes.has(at)) return true;
      if (!this.followed.has(at)) return !this.runEnds.has(at) && this.lastRunEnd !== undefined && this.lastRunEnd > at;
      const next = this.ledTo.get(at);
      if (next === undefined) return true;
      at = next;
    }
    return true;
  }

  /** Records an outcome, and hands it down to the failures that led to this one. */
  private settle(id: number, outcome: FailureOutcome): void {
    if (this.outcomes.has(id)) return;
    this.outcomes.set(id, outcome);
    for (const [from, to] of this.ledTo) if (to === id) this.settle(from, outcome);
  }

  /**
   * Newest first: what the next call cannot learn again, nearest first: outcomes and links of events
   * not read yet (older than every page so far), and of failures on the last page (the call may stop
   * inside it, and the next one re-reads it without the newer pages that marked them). Encoded as
   * one string of code letters and id deltas: "r513c4f2" is 513 retried, 509 caught, 507 followed.
   */
  save(): unknown {
    if (!this.newestFirst) return undefined;
    const wanted = (id: number) => !this.seen.has(id) || (this.lastPage.has(id) && this.failures.has(id));
    const entries = new Map<number, FailureOutcome | 'followed'>();
    for (const id of this.followed) if (wanted(id)) entries.set(id, 'followed');
    for (const [id, outcome] of this.outcomes) if (wanted(id)) entries.set(id, outcome);
    const sorted = [...entries].sort((a, b) => b[0] - a[0]);
    const kept = sorted.slice(0, CARRY_ENTRIES);
    const dropped = sorted[CARRY_ENTRIES]?.[0] ?? 0;
    let encoded = '';
    let last = 0;
    for (const [id, what] of kept) {
      encoded += `${CODE[what]}${last === 0 ? id : last - id}`;
      last = id;
    }
    const uncertain = Math.max(this.uncertainUpTo, dropped);
    // Always saved newest first: a continuation must not take its first event for the newest one.
    return { e: encoded, run: this.running ? 1 : 0, ...(uncertain > 0 && { u: uncertain }) };
  }

  restore(saved: unknown): void {
    if (!saved || typeof saved !== 'object') return;
    const { e, run, u } = saved as Record<string, unknown>;
    this.running = run === 1;
    if (typeof u === 'number' && Number.isSafeInteger(u) && u > 0) this.uncertainUpTo = u;
    if (typeof e !== 'string') return;
    let last = 0;
    for (const [, code, digits] of e.matchAll(/([rcdf])(\d{1,16})/g)) {
      const what = DECODE[code ?? ''];
      const id = last === 0 ? Number(digits) : last - Number(digits);
      if (!what || !Number.isSafeInteger(id) || id <= 0) return;
      last = id;
      if (what === 'followed') this.followed.add(id);
      else this.outcomes.set(id, what);
    }
  }
}
