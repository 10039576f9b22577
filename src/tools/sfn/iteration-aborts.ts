import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { PagingCarry } from '../../paging/engine.js';
import { isStateAbort } from './history-events.js';

/** Abort chains are as deep as the nesting of Map and Parallel states. */
const MAX_CHAIN = 64;
/** Marks a continuation carries, newest first: iterations aborted whose state aborts are older than every page read. */
const CARRY_MARKS = 100;
/** Stretches a continuation carries: the ones nearest to where the next call reads on. */
const CARRY_STRETCHES = 16;

/**
 * What the event right after a stretch of aborts says caused it. failure: the Map or Parallel
 * failed, or started again (retried as a whole); stop: the run was stopped or timed out.
 */
type StretchEnd = 'failure' | 'stop' | 'other';

function endKind(type: string): StretchEnd {
  if (/^(Map|Parallel)State(Failed|Started)$/.test(type)) return 'failure';
  if (type === 'ExecutionAborted' || type === 'ExecutionTimedOut') return 'stop';
  return 'other';
}

/** A stretch as a continuation carries it. */
interface Stretch {
  lo: number;
  hi: number;
  hasItemFailure: boolean;
}

/**
 * The *StateAborted events of states that ran inside a Map iteration aborted because a sibling
 * item failed: the iteration's MapIterationAborted links to the abort of the state it was running,
 * which links to the aborts nested inside it. For a triage they are noise beside the failure that
 * caused them. A stop or a timeout aborts iterations too, and those aborts show where the run was.
 *
 * Step Functions writes the aborts of one cause as an unbroken stretch of events (a failed item's
 * MapIterationFailed, its siblings' aborts), and what it writes next names the cause: the Map's
 * failure or its retry, or the run's stop. That decides the stretch; when the next event says
 * neither, a MapIterationFailed inside the stretch does, and until the next event is read the
 * stretch is a failure's if it holds one. Stretches are merged as events arrive (union-find), and
 * everything kept is a fact about event ids, so a page read twice changes nothing; what a
 * continuation needs travels in the token.
 */
export class IterationAborts implements PagingCarry {
  /** Union-find over the ids of stretch members (a carried stretch is one node, keyed by its lo). */
  private readonly parent = new Map<number, number>();
  private readonly stretches = new Map<number, Stretch>();
  private readonly carriedSpans: Array<[number, number]> = [];
  /** Events read that are not stretch members, by what they say as a stretch's end. */
  private readonly others = new Map<number, StretchEnd>();
  /** Abort of a state inside an aborted iteration → that iteration's MapIterationAborted. */
  private readonly iterationOf = new Map<number, number>();
  /** Abort event → the event it links to, and back. */
  private readonly abortPrev = new Map<number, number>();
  private readonly abortAbove = new Map<number, number>();
  /** Ids some observed event links to. */
  private readonly linked = new Set<number>();
  /** Ids returned or passed over by the pages read (not those read ahead). */
  private readonly seen = new Set<number>();

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
    const iteration = e.id !== undefined && isStateAbort(e.type ?? '') ? this.iterationOf.get(e.id) : undefined;
    return iteration !== undefined && this.causedByFailure(iteration) === true;
  }

  /**
   * An abort whose fate a page further on decides: neither its stretch's end nor an item failure
   * in it is read yet, or (oldest first) nothing links to its chain yet, as its MapIterationAborted
   * may come next.
   */
  undecided(e: { id?: number | undefined; type?: string | undefined }): boolean {
    if (e.id === undefined || !isStateAbort(e.type ?? '')) return false;
    const iteration = this.iterationOf.get(e.id);
    if (iteration !== undefined) return this.causedByFailure(iteration) === undefined;
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
    const roots = [...this.stretches.entries()].filter(([key]) => this.parent.get(key) === key).map(([, s]) => s);
    const stretches = roots
      .sort((a, b) => (this.newestFirst ? a.lo - b.lo : b.hi - a.hi))
      .slice(0, CARRY_STRETCHES)
      .map((s) => [s.lo, s.hi, s.hasItemFailure ? 1 : 0, this.belowOf(s.lo) ?? '', this.endOf(s.hi) ?? '']);
    // The last event read before the unread part: it may end (newest first) or precede a stretch read later.
    const step = this.newestFirst ? -1 : 1;
    const edges = [...this.others]
      .filter(([id]) => !this.others.has(id + step) && this.memberNode(id + step) === undefined)
      .sort((a, b) => (b[0] - a[0]) * step)
      .slice(0, CARRY_STRETCHES);
    if (stretches.length === 0 && marks.length === 0 && edges.length === 0) return undefined;
    return { ...(stretches.length > 0 && { r: stretches }), ...(marks.length > 0 && { m: marks }), ...(edges.length > 0 && { o: edges }) };
  }

  restore(saved: unknown): void {
    if (!saved || typeof saved !== 'object') return;
    const { r, m, o } = saved as Record<string, unknown>;
    for (const edge of Array.isArray(o) ? o.slice(0, CARRY_STRETCHES) : []) {
      const [id, end] = Array.isArray(edge) ? (edge as unknown[]) : [];
      if (isId(id) && isEnd(end)) this.others.set(id, end);
    }
    for (const entry of Array.isArray(r) ? r.slice(0, CARRY_STRETCHES) : []) {
      if (!Array.isArray(entry)) continue;
      const [lo, hi, failure, below, end] = entry as unknown[];
      if (!isId(lo) || !isId(hi) || hi < lo || this.memberNode(lo) !== undefined || this.memberNode(hi) !== undefined) continue;
      this.parent.set(lo, lo);
      this.stretches.set(lo, { lo, hi, hasItemFailure: failure === 1 });
      this.carriedSpans.push([lo, hi]);
      if (isEnd(below)) this.others.set(lo - 1, below);
      if (isEnd(end)) this.others.set(hi + 1, end);
    }
    for (const pair of Array.isArray(m) ? m.slice(0, CARRY_MARKS) : []) {
      if (!Array.isArray(pair)) continue;
      const [id, iteration] = pair as unknown[];
      if (isId(id) && isId(iteration)) this.iterationOf.set(id, iteration);
    }
  }

  private learn(events: HistoryEvent[]): void {
    for (const e of events) {
      if (e.id === undefined) continue;
      const type = e.type ?? '';
      if (e.previousEventId) this.linked.add(e.previousEventId);
      const itemFailure = type === 'MapIterationFailed';
      if (itemFailure || type === 'MapIterationAborted' || isStateAbort(type)) this.addMember(e.id, itemFailure);
      else this.others.set(e.id, endKind(type));
    }
  }

  /** Whether the stretch around an aborted iteration was a failure's; undefined while that is not known. */
  private causedByFailure(iteration: number): boolean | undefined {
    const key = this.memberNode(iteration);
    const stretch = key === undefined ? undefined : this.stretches.get(this.find(key));
    if (!stretch) return undefined;
    const end = this.endOf(stretch.hi);
    if (end === 'failure') return true;
    if (end === 'stop') return false;
    if (stretch.hasItemFailure) return true;
    // Ended by something else, with no item failure from its start on: a failure's only if it says so.
    return end === 'other' && this.belowOf(stretch.lo) !== undefined ? false : undefined;
  }

  private belowOf(lo: number): StretchEnd | undefined {
    return lo <= 1 ? 'other' : this.others.get(lo - 1);
  }

  private endOf(hi: number): StretchEnd | undefined {
    return this.others.get(hi + 1);
  }

  private memberNode(id: number): number | undefined {
    if (this.parent.has(id)) return id;
    return this.carriedSpans.find(([lo, hi]) => id >= lo && id <= hi)?.[0];
  }

  private addMember(id: number, itemFailure: boolean): void {
    const known = this.memberNode(id);
    if (known !== undefined) {
      const stretch = this.stretches.get(this.find(known));
      if (stretch && itemFailure) stretch.hasItemFailure = true;
      return;
    }
    this.parent.set(id, id);
    this.stretches.set(id, { lo: id, hi: id, hasItemFailure: itemFailure });
    const below = this.memberNode(id - 1);
    if (below !== undefined) this.union(below, id);
    const above = this.memberNode(id + 1);
    if (above !== undefined) this.union(id, above);
  }

  private find(id: number): number {
    let root = id;
    for (let up = this.parent.get(root); up !== undefined && up !== root; up = this.parent.get(root)) root = up;
    // Path compression: every node walked now points at the root.
    for (let at = id; at !== root; ) {
      const up = this.parent.get(at) ?? root;
      this.parent.set(at, root);
      at = up;
    }
    return root;
  }

  private union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    const sa = this.stretches.get(rootA);
    const sb = this.stretches.get(rootB);
    if (rootA === rootB || !sa || !sb) return;
    this.parent.set(rootB, rootA);
    sa.lo = Math.min(sa.lo, sb.lo);
    sa.hi = Math.max(sa.hi, sb.hi);
    sa.hasItemFailure ||= sb.hasItemFailure;
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

function isEnd(value: unknown): value is StretchEnd {
  return value === 'failure' || value === 'stop' || value === 'other';
}
