import { evaluatePath } from './jsonpath.js';
import type { Json } from './library.js';
import { lower, newScope, type Active, type EventSink, type Frame, type Scope } from './history-events.js';
import type { StateInfo } from './states.js';

/**
 * Map and Parallel runs ("frames") in the history: MapStateStarted / ParallelStateStarted, the
 * scopes of Map items and Parallel branches, item ordering under MaxConcurrency, the deferred
 * *StateFailed of a failing frame, and StopExecution aborts of running states.
 */

const ABORTABLE = new Set(['Task', 'Wait', 'Map', 'Parallel']);
type IterationEvent = 'MapIterationStarted' | 'MapIterationSucceeded' | 'MapIterationFailed';

export class Frames {
  /** Per Map/Parallel state name: its running frames, innermost (most recent) last. */
  private readonly stacks = new Map<string, Frame[]>();

  constructor(private readonly sink: EventSink) {}

  /** MapStateStarted{length} or ParallelStateStarted, and a new frame for the state's items or branches. */
  start(scope: Scope, active: Active, input: Json, ts: number, prev = scope.lastId): void {
    const info = active.info;
    let id: number;
    if (info.type === 'Map') {
      const length = mapLength(info, input);
      id = this.sink.emitIn(scope, 'MapStateStarted', prev, ts, length === undefined ? {} : { mapStateStartedEventDetails: { length } });
    } else {
      id = this.sink.emitIn(scope, 'ParallelStateStarted', prev, ts);
    }
    const frame: Frame = {
      info,
      startedId: id,
      items: new Map(),
      lastItem: undefined,
      live: 0,
      queued: [],
      branches: new Map(),
      lastClosedId: id,
      lastMarkerId: undefined,
      failedLastId: undefined,
      lastFailureId: undefined,
      lastEventId: id,
    };
    scope.lastId = id;
    active.frame = frame;
    const stack = this.stacks.get(info.name);
    if (stack) stack.push(frame);
    else this.stacks.set(info.name, [frame]);
  }

  /** A retried Map/Parallel starts a new frame after the failed one. */
  restart(scope: Scope, active: Active, frame: Frame, input: Json, ts: number): void {
    const prev = scope.pending?.prev ?? scope.lastId;
    scope.pending = undefined;
    this.pop(frame);
    this.start(scope, active, input, ts, prev);
  }

  /** MapStateSucceeded / ParallelStateSucceeded; → the id the *StateExited event points at. */
  succeed(scope: Scope, frame: Frame, ts: number): number {
    let prev: number;
    if (frame.info.type === 'Map') {
      prev = frame.lastMarkerId ?? frame.lastClosedId;
      this.sink.emitIn(scope, 'MapStateSucceeded', prev, ts);
    } else {
      prev = frame.lastEventId;
      this.sink.emitIn(scope, 'ParallelStateSucceeded', prev, ts);
    }
    this.pop(frame);
    return prev;
  }

  /** The Map/Parallel state failed: abort running items, close branches, defer *StateFailed (a retry may follow). */
  fail(scope: Scope, active: Active, frame: Frame, ts: number): void {
    for (const [index, item] of frame.items) {
      if (item.closed) continue;
      this.abortScope(item, ts);
      this.sink.emitIn(scope, 'MapIterationAborted', item.lastId, ts, { mapIterationAbortedEventDetails: { name: active.info.name, index } });
      item.closed = true;
    }
    for (const branch of frame.branches.values()) branch.closed = true;
    frame.queued.length = 0;
    scope.pending = { active, prev: frame.failedLastId ?? frame.lastEventId };
  }

  /** A Parallel branch failed: the state's failure points at the failing branch's last event. */
  branchFailed(parallelName: string, ts: number): void {
    const frame = this.top(parallelName);
    if (!frame) return;
    for (const branch of frame.branches.values()) this.flush(branch, ts);
    frame.failedLastId ??= frame.lastFailureId ?? frame.lastEventId;
  }

  /**
   * The library forwards item events late: with MaxConcurrency items running, the next item's start
   * can arrive before the previous item's end. An item start is held until a slot is free, which
   * restores the order AWS records (MapIterationSucceeded, then the next MapIterationStarted).
   */
  iteration(type: IterationEvent, mapName: string, index: number, ts: number): void {
    const frame = this.top(mapName);
    if (!frame) return;
    if (type === 'MapIterationStarted') {
      if (frame.live >= frame.info.maxConcurrency) frame.queued.push({ index, ts });
      else this.startItem(frame, index, ts);
      return;
    }
    const item = frame.items.get(index) ?? this.startQueued(frame, index);
    if (!item || item.closed) return;
    this.flush(item, ts);
    const id = this.sink.emitIn(item, type, item.lastId, ts, { [`${lower(type)}EventDetails`]: { name: mapName, index } });
    if (type === 'MapIterationSucceeded') {
      frame.lastClosedId = item.lastId;
      frame.lastMarkerId = id;
    } else {
      frame.failedLastId = item.lastId;
    }
    item.closed = true;
    frame.live -= 1;
    while (frame.queued.length > 0 && frame.live < frame.info.maxConcurrency) {
      const next = frame.queued.shift();
      if (next) this.startItem(frame, next.index, next.ts);
    }
  }

  /** The scope a nested state runs in: its Map item (by index) or Parallel branch; undefined once closed. */
  scopeIn(info: StateInfo, parent: string, index: number | undefined): Scope | undefined {
    const frame = this.top(parent);
    if (!frame) return undefined;
    let scope: Scope | undefined;
    if (frame.info.type === 'Map') {
      // Nested Maps overwrite the index with the outer one, so fall back to the latest item.
      scope = (index === undefined ? undefined : (frame.items.get(index) ?? this.startQueued(frame, index))) ?? frame.lastItem;
    } else {
      const branch = info.branch ?? 0;
      scope = frame.branches.get(branch);
      if (!scope) {
        scope = newScope(frame.startedId, frame);
        frame.branches.set(branch, scope);
      }
    }
    return scope && !scope.closed ? scope : undefined;
  }

  /** Emits the deferred MapStateFailed/ParallelStateFailed of a scope once it is known not to be retried. */
  flush(scope: Scope, ts: number): void {
    const pending = scope.pending;
    if (!pending) return;
    scope.pending = undefined;
    scope.lastId = this.sink.emitIn(scope, `${pending.active.info.type}StateFailed`, pending.prev, ts);
    if (pending.active.frame) this.pop(pending.active.frame);
  }

  /** StopExecution: *StateAborted for the running state of a scope, items and branches first. */
  abortScope(scope: Scope, ts: number): void {
    this.flush(scope, ts);
    const active = scope.active;
    if (!active) return;
    const frame = active.frame;
    if (frame) {
      for (const [index, item] of frame.items) {
        if (item.closed) continue;
        this.abortScope(item, ts);
        this.sink.emitIn(scope, 'MapIterationAborted', item.lastId, ts, { mapIterationAbortedEventDetails: { name: active.info.name, index } });
        item.closed = true;
      }
      for (const branch of frame.branches.values()) {
        this.abortScope(branch, ts);
        branch.closed = true;
      }
      frame.queued.length = 0;
      this.pop(frame);
    }
    if (ABORTABLE.has(active.info.type)) {
      scope.lastId = this.sink.emitIn(scope, `${active.info.type}StateAborted`, frame ? frame.lastEventId : scope.lastId, ts);
    }
    scope.active = undefined;
  }

  private startItem(frame: Frame, index: number, ts: number): Scope {
    const item = newScope(0, frame);
    item.lastId = this.sink.emitIn(item, 'MapIterationStarted', frame.lastClosedId, ts, {
      mapIterationStartedEventDetails: { name: frame.info.name, index },
    });
    frame.items.set(index, item);
    frame.lastItem = item;
    frame.live += 1;
    return item;
  }

  /** An event of a held-back item arrived first: start it now. */
  private startQueued(frame: Frame, index: number): Scope | undefined {
    const at = frame.queued.findIndex((q) => q.index === index);
    if (at < 0) return undefined;
    const [queued] = frame.queued.splice(at, 1);
    return queued ? this.startItem(frame, queued.index, queued.ts) : undefined;
  }

  private top(name: string): Frame | undefined {
    const stack = this.stacks.get(name);
    return stack?.[stack.length - 1];
  }

  private pop(frame: Frame): void {
    const stack = this.stacks.get(frame.info.name);
    const at = stack?.lastIndexOf(frame) ?? -1;
    if (stack && at >= 0) stack.splice(at, 1);
    if (stack?.length === 0) this.stacks.delete(frame.info.name);
  }
}

/** MapStateStarted.length: InputPath then ItemsPath over the Map's raw input, when the engine can evaluate them. */
function mapLength(info: StateInfo, input: Json): number | undefined {
  let effective: Json = input;
  if (info.inputPath === null) effective = {};
  else if (info.inputPath !== undefined) {
    const r = evaluatePath(info.inputPath, input);
    if (!r.ok) return undefined;
    effective = r.value;
  }
  const items = evaluatePath(info.itemsPath ?? '$', effective);
  return items.ok && Array.isArray(items.value) ? items.value.length : undefined;
}
