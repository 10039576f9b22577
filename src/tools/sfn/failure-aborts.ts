import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { PagingCarry } from '../../paging/engine.js';
import { isStateAbort } from './history-events.js';

/** Stretches and edges a continuation carries: the ones nearest to where the next call reads on. */
const CARRY_STRETCHES = 16;

/**
 * What the event right after a stretch of aborts says caused it. failure: a Map or Parallel
 * failed, or started again (retried as a whole); stop: the run was stopped or timed out.
 */
type StretchEnd = 'failure' | 'stop' | 'other';

function endKind(type: string): StretchEnd {
  if (/^(Map|Parallel)State(Failed|Started)$/.test(type)) return 'failure';
  if (type === 'ExecutionAborted' || type === 'ExecutionTimedOut') return 'stop';
  return 'other';
}

/** Contiguous event ids that are all aborts, MapIterationAborted or MapIterationFailed. */
interface Stretch {
  lo: number;
  hi: number;
  hasItemFailure: boolean;
}

/**
 * The *StateAborted events of states stopped because something else failed: a Map item's siblings
 * (and whatever ran inside them), a Parallel's other branches. For a triage they are noise beside
 * the failure that caused them. A stop or a timeout aborts states too, and those aborts show where
 * the run was.
 *
 * Step Functions writes the aborts of one cause as an unbroken stretch of events (a failed item's
 * MapIterationFailed, its siblings' aborts and MapIterationAborted), and what it writes next names
 * the cause: the Map's or Parallel's failure or its retry, or the run's stop. That decides the
 * stretch. When the next event says neither, or is not read yet, a MapIterationFailed inside the
 * stretch makes it a failure's. Stretches are merged as events arrive (union-find), and everything
 * kept is a fact about event ids, so a page read twice or ahead changes nothing; what a
 * continuation needs travels in the token.
 */
export class FailureAborts implements PagingCarry {
  /** Union-find over the ids of stretch members (a carried stretch is one node, keyed by its lo). */
  private readonly parent = new Map<number, number>();
  private readonly stretches = new Map<number, Stretch>();
  private readonly carriedSpans: Array<[number, number]> = [];
  /** Events read that are not stretch members, by what they say as a stretch's end. */
  private readonly others = new Map<number, StretchEnd>();

  constructor(private readonly newestFirst: boolean) {}

  /** Pages read, read ahead, or read again: all the same here. */
  observe(events: HistoryEvent[]): void {
    for (const e of events) {
      if (e.id === undefined) continue;
      const type = e.type ?? '';
      const itemFailure = type === 'MapIterationFailed';
      if (itemFailure || type === 'MapIterationAborted' || isStateAbort(type)) this.addMember(e.id, itemFailure);
      else this.others.set(e.id, endKind(type));
    }
  }

  /** Whether the event is the abort of a state stopped because something else failed. */
  has(e: { id?: number | undefined; type?: string | undefined }): boolean {
    return e.id !== undefined && isStateAbort(e.type ?? '') && this.causedByFailure(e.id) === true;
  }

  /** A state abort whose cause a page further on decides. */
  undecided(e: { id?: number | undefined; type?: string | undefined }): boolean {
    return e.id !== undefined && isStateAbort(e.type ?? '') && this.causedByFailure(e.id) === undefined;
  }

  /** Oldest first, whether the stretch the last of these events belongs to goes on beyond them, its end not read. */
  endsInsideStretch(events: HistoryEvent[]): boolean {
    const last = events[events.length - 1]?.id;
    const key = last === undefined ? undefined : this.memberNode(last);
    const stretch = key === undefined ? undefined : this.stretches.get(this.find(key));
    return stretch !== undefined && this.endOf(stretch.hi) === undefined;
  }

  save(): unknown {
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
    if (stretches.length === 0 && edges.length === 0) return undefined;
    return { ...(stretches.length > 0 && { r: stretches }), ...(edges.length > 0 && { o: edges }) };
  }

  restore(saved: unknown): void {
    if (!saved || typeof saved !== 'object') return;
    const { r, o } = saved as Record<string, unknown>;
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
  }

  /** Whether the stretch around a member was a failure's; undefined while that is not known. */
  private causedByFailure(member: number): boolean | undefined {
    const key = this.memberNode(member);
    const stretch = key === undefined ? undefined : this.stretches.get(this.find(key));
    if (!stretch) return undefined;
    const end = this.endOf(stretch.hi);
    if (end === 'failure') return true;
    if (end === 'stop') return false;
    if (stretch.hasItemFailure) return true;
    // Ended by something else, with no item failure from its start on: not a failure's.
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
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isEnd(value: unknown): value is StretchEnd {
  return value === 'failure' || value === 'stop' || value === 'other';
}
