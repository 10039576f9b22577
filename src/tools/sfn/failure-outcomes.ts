import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { PagingCarry } from '../../paging/engine.js';
import { isFailureEvent, isRedriveEvent, isStateAbort } from './history-events.js';
import { MapAttempts } from './map-attempts.js';

/** What happened after a failure: the state ran again (Retry), moved on (Catch), or the failed run was redriven. */
export type FailureOutcome = 'retried' | 'caught' | 'redriven';

/**
 * Why a failure has no outcome: nothing handled it; its state was aborted next (while it waited for
 * a retry, say), by a stop, a timeout or another failure; or what followed it is not known.
 */
export type Unmarked = 'ended' | 'stopped' | 'timedOut' | 'aborted' | 'notRead' | 'running' | 'notCarried';
type EndedBy = 'stopped' | 'timedOut' | 'aborted';

/**
 * A new attempt links to the failure it follows: TaskScheduled (and its Lambda/Activity variants), a
 * Map/Parallel started again, or a Distributed Map's new run after the MapRunFailed of the last one.
 */
const NEW_ATTEMPT = /^(Task|LambdaFunction|Activity)Scheduled$|^(Map|Parallel)StateStarted$|^MapRunStarted$/;
/** A state that exits right after a failure had the error caught; an uncaught one fails the execution, iteration or branch instead. */
const EXITED = /StateExited$/;
/**
 * Failures of a container or of the run, linking to the failure inside that caused them: a Task's
 * TaskFailed is linked to by its MapIterationFailed and MapStateFailed, or its ParallelStateFailed,
 * or the ExecutionFailed. What happens to the container's failure happened to the inner one.
 */
const BUBBLED = /^(Map|Parallel)StateFailed$|^MapIterationFailed$|^Execution(Failed|TimedOut|Aborted)$/;
const RUN_ENDED = /^Execution(Succeeded|Failed|Aborted|TimedOut)$/;
/** Entries a continuation carries: about 1 KB of token, more than the 40 iterations an inline Map runs at once. */
const CARRY_ENTRIES = 200;
/** Bubbling chains are as deep as the nesting of Map and Parallel states. */
const MAX_DEPTH = 64;
type Entry = FailureOutcome | EndedBy | 'followed' | 'pending' | 'unknown';
const CODE: Record<Entry, string> = { retried: 'r', caught: 'c', redriven: 'd', followed: 'f', pending: 'p', stopped: 's', timedOut: 't', aborted: 'a', unknown: 'n' };
const DECODE: Record<string, Entry> = { r: 'retried', c: 'caught', d: 'redriven', f: 'followed', p: 'pending', s: 'stopped', t: 'timedOut', a: 'aborted', n: 'unknown' };

/**
 * Tells which failure events were retried, caught or redriven, from the event that links to each,
 * so that a triage reads the failure that ended the execution, not one that was handled. A failure
 * that bubbled up (see BUBBLED) shares the outcome of what it bubbled into. Known once the later
 * event has been read: newest first it comes first, and what the next call needs travels in the
 * token; oldest first, the call reads one page ahead for it.
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
  /** failure → the container or run failures it bubbled into. */
  private readonly bubbledTo = new Map<number, number[]>();
  /** container or run failure → the failure that caused it. */
  private readonly bubbledFrom = new Map<number, number>();
  /** Newest first, restored: followed by a failure whose own fate was not known yet (the run goes on). */
  private readonly pending = new Set<number>();
  /** Newest first, restored: followed by a failure whose fate this call cannot know (an item whose Map attempt was not known). */
  private readonly unknownFate = new Set<number>();
  /** Newest first: the execution had not ended when the history was first read. */
  private running: boolean | undefined;
  /** Newest first: the last run was stopped or timed out (its end may lie in an earlier call). */
  private lastRunEndedBy: EndedBy | undefined;
  /** Newest first: failures up to this id may have lost their outcome to the carry's cap. */
  private uncertainUpTo = 0;
  /** Newest first: an ExecutionRedriven without a link, waiting for the older end of run it reopened. */
  private unlinkedRedrive = false;
  /** Events that ended a run (ExecutionFailed, ...): nothing but a redrive follows them. */
  private readonly runEnds = new Set<number>();
  /** ExecutionAborted and ExecutionTimedOut among them, and (restored) failures that led straight to one. */
  private readonly endedBy = new Map<number, EndedBy>();
  /** event → the aborts linking to it: the abort of the state a failure left waiting, and the aborts above that. */
  private readonly abortedBy = new Map<number, number[]>();
  /** Oldest first: the last run-ending event, which an ExecutionRedriven further on reopens. */
  private lastRunEnd: number | undefined;
  private complete = false;
  /** Oldest first: the history was read to its last event, and that did not end the run. */
  private runningAtEnd = false;
  /** Oldest first: type of the newest event read so far. */
  private lastType: string | undefined;
  /** The Map attempt each failed item ran in: items that failed beside the one the Map reacted to share its outcome. */
  private readonly attempts: MapAttempts;

  constructor(private readonly newestFirst: boolean) {
    this.attempts = new MapAttempts(newestFirst);
  }

  observe(events: HistoryEvent[]): void {
    this.lastPage = new Set();
    for (const e of events) {
      const type = e.type ?? '';
      if (this.newestFirst && this.running === undefined) {
        this.running = !RUN_ENDED.test(type);
        this.lastRunEndedBy = type === 'ExecutionAborted' ? 'stopped' : type === 'ExecutionTimedOut' ? 'timedOut' : undefined;
      }
      this.lastType = type;
      const id = e.id;
      const prev = e.previousEventId || undefined;
      if (id !== undefined) {
        this.seen.add(id);
        this.lastPage.add(id);
        if (isFailureEvent(type)) this.failures.add(id);
        if (prev !== undefined && BUBBLED.test(type)) this.linkBubble(prev, id);
        if (RUN_ENDED.test(type)) {
          this.runEnds.add(id);
          if (type === 'ExecutionAborted') this.endedBy.set(id, 'stopped');
          if (type === 'ExecutionTimedOut') this.endedBy.set(id, 'timedOut');
          this.lastRunEnd = id;
          if (this.unlinkedRedrive) {
            this.unlinkedRedrive = false;
            this.settle(id, 'redriven');
          }
        }
      }
      if (isRedriveEvent(type)) {
        // It links to the end of the run it reopens; without the link, that is the nearest end of run.
        if (prev !== undefined) this.settle(prev, 'redriven');
        else if (this.newestFirst) this.unlinkedRedrive = true;
        else if (this.lastRunEnd !== undefined) this.settle(this.lastRunEnd, 'redriven');
      }
      if (prev === undefined) continue;
      this.followed.add(prev);
      if (id !== undefined && (isStateAbort(type) || type === 'MapIterationAborted')) {
        const aborts = this.abortedBy.get(prev);
        if (aborts) aborts.push(id);
        else this.abortedBy.set(prev, [id]);
      }
      if (NEW_ATTEMPT.test(type)) this.settle(prev, 'retried');
      else if (EXITED.test(type)) this.settle(prev, 'caught');
    }
    this.attempts.observe(events);
    this.settleSiblings();
  }

  /** Items that failed beside the one their Map reacted to: the outcome of their attempt, once known. */
  private settleSiblings(): void {
    for (const id of this.attempts.siblings()) {
      if (this.outcomes.has(id)) continue;
      const attempt = this.attempts.attemptOf(id);
      const outcome = attempt === undefined ? undefined : attempt.failure !== undefined ? this.outcomes.get(attempt.failure) : DECODE[attempt.carried?.code ?? ''];
      if (outcome === 'retried' || outcome === 'caught' || outcome === 'redriven') this.settle(id, outcome);
    }
  }

  outcomeOf(id: number): FailureOutcome | undefined {
    return this.outcomes.get(id);
  }

  /** For a failure without an outcome: whether nothing handled it, or why that is not known. */
  unmarked(id: number): Unmarked {
    const reason = this.newestFirst ? this.unmarkedNewestFirst(id, 0) : this.settled(id, 0) ? 'ended' : this.runningAtEnd ? 'running' : 'notRead';
    return reason === 'ended' ? (this.stoppedAfter(id) ?? 'ended') : reason;
  }

  /**
   * A stop or a timeout the failure led to: from the innermost failure it bubbled up from, through
   * every container failure that one bubbled into (a MapIterationFailed shares its item's fate).
   */
  private stoppedAfter(id: number): EndedBy | undefined {
    if (this.runEnds.has(id)) return undefined;
    let root = id;
    for (let depth = 0; depth < MAX_DEPTH; depth += 1) {
      const from = this.bubbledFrom.get(root);
      if (from === undefined) break;
      root = from;
    }
    const above = this.stopAbove(root, 0);
    if (above !== undefined && above !== 'aborted') return above;
    // Followed by something that was not a stop or a timeout: what that was tells its fate.
    if (above === undefined && this.followed.has(root)) return undefined;
    // Its state was aborted, or nothing followed it at all (it waited for a retry when its run ended:
    // a failure that ended a run is linked to by the end, and AWS links a timeout inside a Map to
    // no event of the item): by the stop or the timeout that ended its run, if that is how it ended.
    let end: number | undefined;
    for (const e of this.runEnds) if (e > id && (end === undefined || e < end)) end = e;
    // Newest first, its run's end may lie in an earlier call: it is the newest run's (whose end the
    // token keeps) unless a redrive came after the failure, when how its own run ended is not known.
    const redrivenAfter = () => [...this.outcomes].some(([e, outcome]) => outcome === 'redriven' && e > id);
    const endedBy = end !== undefined ? this.endedBy.get(end) : this.newestFirst && !redrivenAfter() ? this.lastRunEndedBy : undefined;
    return endedBy ?? above;
  }

  /** Up the containers and aborts that followed: a stop or a timeout if one is reached, else 'aborted' if an abort was. */
  private stopAbove(id: number, depth: number): EndedBy | undefined {
    const by = this.endedBy.get(id);
    if (by || depth >= MAX_DEPTH) return by;
    let found: EndedBy | undefined;
    for (const into of this.bubbledTo.get(id) ?? []) {
      const above = this.stopAbove(into, depth + 1);
      if (above && above !== 'aborted') return above;
      found ??= above;
    }
    for (const abort of this.abortedBy.get(id) ?? []) {
      const above = this.stopAbove(abort, depth + 1) ?? 'aborted';
      if (above !== 'aborted') return above;
      found = above;
    }
    return found;
  }

  /** The history was read to its last event: if that ended the run, nothing more can follow any failure. */
  reachedEnd(): void {
    if (this.lastType !== undefined && RUN_ENDED.test(this.lastType)) this.complete = true;
    else this.runningAtEnd = true;
  }

  /**
   * Newest first: what the next call cannot learn again, nearest first: outcomes and links of events
   * not read yet (older than every page so far), and of failures on the last page (the call may stop
   * inside it, and the next one re-reads it without the newer pages that marked them). Encoded as
   * one string of code letters and id deltas: "r513c4f2" is 513 retried, 509 caught, 507 followed.
   */
  save(): unknown {
    const attempts = this.attempts.save((end) => {
      const outcome = end.failure !== undefined ? this.outcomes.get(end.failure) : undefined;
      return outcome !== undefined ? CODE[outcome] : (end.carried?.code ?? '');
    });
    // Oldest first, the rest is read again or ahead: only which Map each pending item failure ran in.
    if (!this.newestFirst) return attempts === undefined ? undefined : { m: attempts };
    const wanted = (id: number) => !this.seen.has(id) || (this.lastPage.has(id) && this.failures.has(id));
    const entries = new Map<number, Entry>();
    for (const id of this.followed) {
      if (!wanted(id)) continue;
      const fate = this.bubbledTo.has(id) ? this.unmarkedNewestFirst(id, 0) : undefined;
      entries.set(id, fate === 'running' ? 'pending' : fate === 'notCarried' || this.unknownFate.has(id) ? 'unknown' : (this.stoppedAfter(id) ?? 'followed'));
    }
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
    return {
      e: encoded,
      run: this.running ? 1 : 0,
      ...(uncertain > 0 && { u: uncertain }),
      ...(this.unlinkedRedrive && { d: 1 }),
      ...(this.lastRunEndedBy && { x: CODE[this.lastRunEndedBy] }),
      ...(attempts !== undefined && { m: attempts }),
    };
  }

  restore(saved: unknown): void {
    if (!saved || typeof saved !== 'object') return;
    const { e, run, u, d, x, m } = saved as Record<string, unknown>;
    this.attempts.restore(m);
    if (!this.newestFirst) return;
    this.running = run === 1;
    const endedBy = typeof x === 'string' ? DECODE[x] : undefined;
    if (endedBy === 'stopped' || endedBy === 'timedOut') this.lastRunEndedBy = endedBy;
    this.unlinkedRedrive = d === 1;
    if (typeof u === 'number' && Number.isSafeInteger(u) && u > 0) this.uncertainUpTo = u;
    if (typeof e !== 'string') return;
    let last = 0;
    for (const [, code, digits] of e.matchAll(/([rcdfpstan])(\d{1,16})/g)) {
      const what = DECODE[code ?? ''];
      const id = last === 0 ? Number(digits) : last - Number(digits);
      if (!what || !Number.isSafeInteger(id) || id <= 0) return;
      last = id;
      if (what === 'retried' || what === 'caught' || what === 'redriven') {
        this.outcomes.set(id, what);
        continue;
      }
      this.followed.add(id);
      if (what === 'pending') this.pending.add(id);
      else if (what === 'unknown') this.unknownFate.add(id);
      else if (what !== 'followed') this.endedBy.set(id, what);
    }
  }

  private unmarkedNewestFirst(id: number, depth: number): Unmarked {
    // An item that failed beside the one its Map reacted to: as that one.
    const failure = this.attempts.attemptOf(id)?.failure;
    if (failure !== undefined && depth < MAX_DEPTH) return this.unmarkedNewestFirst(failure, depth + 1);
    // Its attempt may end at a failure whose lead item a later call reads: not known here.
    if (this.attempts.awaitsLead(id)) return 'notCarried';
    if (this.followed.has(id)) {
      if (this.pending.has(id)) return 'running';
      if (this.unknownFate.has(id)) return 'notCarried';
      // Followed by the container failure it bubbled into: that one's fate is this one's.
      const into = depth < MAX_DEPTH ? (this.bubbledTo.get(id) ?? []) : [];
      const fates = into.filter((b) => !this.outcomes.has(b)).map((b) => this.unmarkedNewestFirst(b, depth + 1));
      if (fates.includes('running')) return 'running';
      return fates.includes('notCarried') ? 'notCarried' : 'ended';
    }
    if (this.runEnds.has(id)) return 'ended';
    if (id <= this.uncertainUpTo) return 'notCarried';
    return this.running ? 'running' : 'ended';
  }

  /**
   * Oldest first: whether what followed this event, and what followed each failure it bubbled into,
   * has been read. A failure nothing follows is settled once its run has ended; the end of a run
   * only at the end of the history (a redrive may follow it).
   */
  private settled(id: number, depth: number): boolean {
    if (this.complete || this.outcomes.has(id)) return true;
    // An item that failed beside the one its Map reacted to: settled with that one.
    const attempt = this.attempts.attemptOf(id);
    if (attempt) return attempt.failure === undefined || depth >= MAX_DEPTH || this.settled(attempt.failure, depth + 1);
    if (!this.followed.has(id)) return !this.runEnds.has(id) && this.lastRunEnd !== undefined && this.lastRunEnd > id;
    const into = this.bubbledTo.get(id) ?? [];
    return depth >= MAX_DEPTH || into.every((b) => this.settled(b, depth + 1));
  }

  private linkBubble(from: number, into: number): void {
    this.bubbledFrom.set(into, from);
    const list = this.bubbledTo.get(from) ?? [];
    if (!list.includes(into)) list.push(into);
    this.bubbledTo.set(from, list);
    // Newest first the container's fate is known already; a sibling (MapIterationFailed beside
    // MapStateFailed) may have handed it to the inner failure first.
    const known = this.outcomes.get(into) ?? (!this.seen.has(from) || this.failures.has(from) ? this.outcomes.get(from) : undefined);
    if (known) {
      this.outcomes.delete(into);
      this.settle(into, known);
    }
  }

  /**
   * Records an outcome, and hands it to the failure this one bubbled up from, to that one's other
   * containers, and to the containers this one bubbled into: a Map or Parallel retried as a whole
   * starts again after the failed attempt's last event (AWS links the new MapStateStarted to it,
   * beside the MapIterationFailed that also follows it).
   */
  private settle(id: number, outcome: FailureOutcome, depth = 0): void {
    if (depth > MAX_DEPTH) return;
    if (!this.outcomes.has(id)) this.outcomes.set(id, outcome);
    for (const into of this.bubbledTo.get(id) ?? []) if (!this.outcomes.has(into)) this.settle(into, outcome, depth + 1);
    const from = this.bubbledFrom.get(id);
    if (from === undefined) return;
    if (!this.outcomes.has(from)) this.settle(from, outcome, depth + 1);
  }
}
