import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { PagingCarry } from '../../paging/engine.js';
import { isStateAbort } from './history-events.js';

/** Abort chains are as deep as the nesting of Map and Parallel states. */
const MAX_CHAIN = 64;
/** Marks a continuation carries, newest first: iterations aborted whose state aborts are older than every page read. */
const CARRY_MARKS = 100;
/** Runs a continuation carries: the ones nearest to where the next call reads on. */
const CARRY_RUNS = 16;
/** A run longer than this in a token is not one a history holds (it is capped at 25,000 events). */
const MAX_RUN = 100_000;

/** F: MapIterationFailed; A: a state abort or MapIterationAborted; O: any other event. */
type EventClass = 'F' | 'A' | 'O';

/** Contiguous event ids that are all F or A, as a continuation carries it. */
interface Run {
  lo: number;
  hi: number;
  hasFailure: boolean;
  closedBelow: boolean;
  closedAbove: boolean;
}

/**
 * The *StateAborted events of states that ran inside a Map iteration aborted because a sibling
 * item failed: the iteration's MapIterationAborted links to the abort of the state it was running,
 * which links to the aborts nested inside it. For a triage they are noise beside the failure that
 * caused them. A stop or a timeout aborts iterations too, and those aborts show where the run was.
 *
 * Which is which is decided per run: Step Functions writes a failed item's MapIterationFailed and
 * the aborts of its siblings as one unbroken stretch of events, a stop's aborts as another with no
 * item failure in it. So an iteration abort is a sibling's when the stretch of aborts around it
 * holds a MapIterationFailed, and stays undecided until both ends of the stretch are read (or one
 * MapIterationFailed is). Everything kept is a fact about event ids, so a page read twice (a
 * continuation, a read-ahead) changes nothing; what a continuation needs travels in the token.
 */
export class IterationAborts implements PagingCarry {
  private readonly classes = new Map<number, EventClass>();
  /** Abort of a state inside an aborted iteration → that iteration's MapIterationAborted. */
  private readonly iterationOf = new Map<number, number>();
  /** Abort event → the event it links to, and back. */
  private readonly abortPrev = new Map<number, number>();
  private readonly abortAbove = new Map<number, number>();
  /** Ids some observed event links to. */
  private readonly linked = new Set<number>();
  /** Ids returned or passed over by the pages read (not those read ahead). */
  private readonly seen = new Set<number>();
  /** Member id → whether its run holds an item failure, once known. */
  private readonly decided = new Map<number, boolean>();
  private carried: Run[] = [];

  constructor(private readonly newestFirst: boolean) {}

  observe(events: HistoryEvent[]): void {
    this.learn(events);
    for (const e of events) {
      const type = e.type ?? '';
      const prev = e.previousEventId || undefined;
      if (e.id === undefined) continue;
      this.seen.add(e.id);
      if (type === 'MapIterationAborted' && prev !== undefined) this.mark(prev, e.id);
      else if (isStateAbort(type) && prev !== undefined) {
        this.abortPrev.set(e.id, prev);
        this.abortAbove.set(prev, e.id);
        // Newest first, the event linking to it came first.
        const iteration = this.iterationOf.get(e.id);
        if (iteration !== undefined) this.mark(prev, iteration);
      }
    }
  }

  /** A page read ahead: what kind of events it holds (its links stay with the pages that will be read). */
  observeAhead(events: HistoryEvent[]): void {
    this.learn(events);
  }

  /** Whether the event is the abort of a state that ran inside an aborted Map iteration, a sibling of a failed item. */
  has(e: { id?: number | undefined; type?: string | undefined }): boolean {
    const iteration = this.iterationOfAbort(e);
    return iteration !== undefined && this.runHasFailure(iteration) === true;
  }

  /**
   * An abort whose fate a page further on decides: its iteration's stretch of aborts is not read
   * to its ends yet, or (oldest first) nothing links to its chain yet, as its MapIterationAborted
   * may come next.
   */
  undecided(e: { id?: number | undefined; type?: string | undefined }): boolean {
    if (e.id === undefined || !isStateAbort(e.type ?? '')) return false;
    const iteration = this.iterationOf.get(e.id);
    if (iteration !== undefined) return this.runHasFailure(iteration) === undefined;
    if (this.newestFirst) return false;
    let top = e.id;
    for (let hops = 0; hops < MAX_CHAIN; hops += 1) {
      const above = this.abortAbove.get(top);
      if (above === undefined) break;
      top = above;
    }
    return !this.linked.has(top);
  }

  save(): unknown {
    // Newest first, marks of aborts not read yet: the MapIterationAborted that set them will not be read again.
    const marks = this.newestFirst
      ? [...this.iterationOf].filter(([id]) => !this.seen.has(id)).sort((a, b) => b[0] - a[0]).slice(0, CARRY_MARKS)
      : [];
    const runs = this.runs()
      .sort((a, b) => (this.newestFirst ? a.lo - b.lo : b.hi - a.hi))
      .slice(0, CARRY_RUNS)
      .map((r) => [r.lo, r.hi, (r.hasFailure ? 1 : 0) | (r.closedBelow ? 2 : 0) | (r.closedAbove ? 4 : 0)]);
    if (runs.length === 0 && marks.length === 0) return undefined;
    return { ...(runs.length > 0 && { r: runs }), ...(marks.length > 0 && { m: marks }) };
  }

  restore(saved: unknown): void {
    if (!saved || typeof saved !== 'object') return;
    const { r, m } = saved as Record<string, unknown>;
    if (Array.isArray(r)) {
      for (const run of r.slice(0, CARRY_RUNS)) {
        if (!Array.isArray(run)) continue;
        const [lo, hi, flags] = run as unknown[];
        if (!isId(lo) || !isId(hi) || hi < lo || hi - lo > MAX_RUN || typeof flags !== 'number') continue;
        this.carried.push({ lo, hi, hasFailure: (flags & 1) !== 0, closedBelow: (flags & 2) !== 0, closedAbove: (flags & 4) !== 0 });
      }
    }
    if (Array.isArray(m)) {
      for (const pair of m.slice(0, CARRY_MARKS)) {
        if (!Array.isArray(pair)) continue;
        const [id, iteration] = pair as unknown[];
        if (isId(id) && isId(iteration)) this.iterationOf.set(id, iteration);
      }
    }
  }

  private learn(events: HistoryEvent[]): void {
    for (const e of events) {
      if (e.id === undefined) continue;
      const type = e.type ?? '';
      if (e.previousEventId) this.linked.add(e.previousEventId);
      this.classes.set(e.id, type === 'MapIterationFailed' ? 'F' : type === 'MapIterationAborted' || isStateAbort(type) ? 'A' : 'O');
    }
  }

  private iterationOfAbort(e: { id?: number | undefined; type?: string | undefined }): number | undefined {
    return e.id !== undefined && isStateAbort(e.type ?? '') ? this.iterationOf.get(e.id) : undefined;
  }

  private classOf(id: number): EventClass | undefined {
    if (id < 1) return 'O';
    const known = this.classes.get(id);
    if (known) return known;
    for (const run of this.carried) {
      if (id >= run.lo && id <= run.hi) return 'A';
      if ((id === run.lo - 1 && run.closedBelow) || (id === run.hi + 1 && run.closedAbove)) return 'O';
    }
    return undefined;
  }

  private carriedFailure(id: number): boolean {
    return this.carried.some((run) => run.hasFailure && id >= run.lo && id <= run.hi);
  }

  /** Whether the unbroken stretch of aborts around `member` holds a MapIterationFailed; undefined while an end is unread. */
  private runHasFailure(member: number): boolean | undefined {
    const known = this.decided.get(member);
    if (known !== undefined) return known;
    const stretch = [member];
    let failure = this.classOf(member) === 'F' || this.carriedFailure(member);
    const walk = (step: 1 | -1): boolean => {
      for (let id = member + step; !failure; id += step) {
        const c = this.classOf(id);
        if (c === 'O') return true;
        if (c === undefined) return false;
        stretch.push(id);
        if (c === 'F' || this.carriedFailure(id)) failure = true;
      }
      return true;
    };
    const closedBelow = walk(-1);
    const closedAbove = walk(1);
    const answer = failure ? true : closedBelow && closedAbove ? false : undefined;
    if (answer !== undefined) for (const id of stretch) this.decided.set(id, answer);
    return answer;
  }

  /** The stretches of aborts read, with what is known of their ends. */
  private runs(): Run[] {
    const spans = [...this.classes].filter(([, c]) => c !== 'O').map(([id]): [number, number] => [id, id]);
    for (const run of this.carried) spans.push([run.lo, run.hi]);
    spans.sort((a, b) => a[0] - b[0]);
    const runs: Run[] = [];
    for (const [lo, hi] of spans) {
      const last = runs[runs.length - 1];
      if (last && lo <= last.hi + 1) last.hi = Math.max(last.hi, hi);
      else runs.push({ lo, hi, hasFailure: false, closedBelow: false, closedAbove: false });
    }
    for (const run of runs) {
      run.hasFailure = this.runHasFailure(run.lo) === true;
      run.closedBelow = this.classOf(run.lo - 1) === 'O';
      run.closedAbove = this.classOf(run.hi + 1) === 'O';
    }
    return runs;
  }

  private mark(id: number, iteration: number): void {
    for (let at: number | undefined = id, hops = 0; at !== undefined && hops < MAX_CHAIN && !this.iterationOf.has(at); at = this.abortPrev.get(at), hops += 1) {
      this.iterationOf.set(at, iteration);
    }
  }
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
