import { evaluatePath } from './jsonpath.js';
import type { Json } from './library.js';
import { lower, newScope, type Active, type EventSink, type Frame, type Scope } from './history-events.js';
import type { StateInfo } from './states.js';

/**
 * Map and Parallel runs ("frames") in the history: MapStateStarted / ParallelStateStarted, one
 * scope per Map item and per Parallel branch (each a nested run of the library, see run-tap.ts),
 * the deferred *StateFailed of a failing frame, and StopExecution aborts of running states.
 */

const ABORTABLE = new Set(['Task', 'Wait', 'Map', 'Parallel']);
type ChildEnd = 'succeeded' | 'failed' | 'aborted';

export class Frames {
  /** Library StateMachines of failed Map attempts: the library still starts their queued items. */
  private readonly retired = new WeakSet<object>();

  constructor(
    private readonly sink: EventSink,
    private readonly executionInput: () => Json | undefined,
  ) {}

  /** MapStateStarted{length} or ParallelStateStarted, and a new frame for the state's items or branches. */
  start(scope: Scope, active: Active, input: Json, ts: number, prev = scope.lastId): void {
    const info = active.info;
    let id: number;
    if (info.type === 'Map') {
      const length = mapLength(info, input, this.executionInput());
      id = this.sink.emitIn(scope, 'MapStateStarted', prev, ts, length === undefined ? {} : { mapStateStartedEventDetails: { length } });
    } else {
      id = this.sink.emitIn(scope, 'ParallelStateStarted', prev, ts);
    }
    scope.lastId = id;
    active.frame = {
      info,
      startedId: id,
      machine: undefined,
      items: [],
      branches: [],
      lastClosedId: id,
      lastMarkerId: undefined,
      failedLastId: undefined,
      lastEventId: id,
      failed: false,
    };
  }

  /**
   * A retried Map/Parallel starts a new frame, with no *StateFailed for the failed attempt. As AWS
   * records it, the new *StateStarted points at the event the *StateFailed would have pointed at.
   */
  restart(scope: Scope, active: Active, input: Json, ts: number): void {
    const prev = scope.pending?.prev ?? active.enteredId;
    scope.pending = undefined;
    this.start(scope, active, input, ts, prev);
  }

  /**
   * MapStateSucceeded / ParallelStateSucceeded; → the id the *StateExited event points at: the last
   * iteration event for a Map (as AWS records it), ParallelStateSucceeded for a Parallel (so a walk
   * back from an enclosing Parallel's end steps over this one).
   */
  succeed(scope: Scope, frame: Frame, ts: number): number {
    if (frame.info.type === 'Map') {
      const prev = frame.lastMarkerId ?? frame.lastClosedId;
      this.sink.emitIn(scope, 'MapStateSucceeded', prev, ts);
      return prev;
    }
    return this.sink.emitIn(scope, 'ParallelStateSucceeded', frame.lastEventId, ts);
  }

  /**
   * The Map/Parallel state failed: abort what still runs in its other items and branches (Parallel
   * branches have no events of their own: only their running states are aborted), defer *StateFailed
   * (a retry may follow).
   */
  fail(scope: Scope, active: Active, frame: Frame, ts: number): void {
    this.abortOthers(frame, ts);
    frame.failed = true;
    if (frame.machine) this.retired.add(frame.machine);
    scope.pending = { active, prev: frame.failedLastId ?? frame.lastEventId };
  }

  /**
   * A nested run started while `parent` runs a Map or Parallel state: its item (MapIterationStarted)
   * or branch scope. Undefined for runs of a failed attempt, which AWS would not start.
   */
  child(parent: Scope, machine: object, ts: number): Scope | undefined {
    const frame = parent.active?.frame;
    if (!frame || frame.failed || parent.closed) return undefined;
    if (frame.info.type === 'Parallel') {
      const branch = newScope(frame.startedId, frame);
      frame.branches.push(branch);
      return branch;
    }
    if (this.retired.has(machine)) return undefined;
    frame.machine ??= machine;
    if (frame.machine !== machine) return undefined;
    const index = frame.items.length;
    const item = newScope(0, frame, index);
    item.lastId = this.sink.emitIn(item, 'MapIterationStarted', frame.lastClosedId, ts, {
      mapIterationStartedEventDetails: { name: frame.info.name, index },
    });
    frame.items.push(item);
    return item;
  }

  /** A nested run ended: MapIteration{Succeeded,Failed} for items; a failing branch fails its Parallel. */
  childEnded(child: Scope, end: 'succeeded' | 'failed', ts: number): void {
    const frame = child.frame;
    if (!frame || child.closed) return;
    this.flush(child, ts);
    if (child.index !== undefined) this.endItem(child, frame, end, ts);
    else {
      if (end === 'failed') frame.failedLastId ??= child.lastId;
      child.closed = true;
    }
    // A failed item or branch fails its Map or Parallel, whose other items and branches Step Functions
    // stops now. The library stops them only a few promise turns later, when its Map or Parallel
    // fails: a sibling's handler that settles in between must not be recorded as its result.
    if (end === 'failed') this.abortOthers(frame, ts);
  }

  /** *StateAborted for what still runs in a frame's open items (then MapIterationAborted) and branches. */
  private abortOthers(frame: Frame, ts: number): void {
    for (const item of frame.items) if (!item.closed) this.endItem(item, frame, 'aborted', ts);
    for (const branch of frame.branches) {
      if (!branch.closed) this.abortScope(branch, ts);
      branch.closed = true;
    }
  }

  /** Emits the deferred MapStateFailed/ParallelStateFailed of a scope once it is known not to be retried. */
  flush(scope: Scope, ts: number): void {
    const pending = scope.pending;
    if (!pending) return;
    scope.pending = undefined;
    scope.lastId = this.sink.emitIn(scope, `${pending.active.info.type}StateFailed`, pending.prev, ts);
  }

  /**
   * StopExecution: *StateAborted for the running state of a scope, items and branches first. A Map
   * or Parallel that failed and waited for its retry did not fail yet: it is aborted after the
   * failed attempt's last event, with no *StateFailed.
   */
  abortScope(scope: Scope, ts: number): void {
    const waiting = scope.pending;
    scope.pending = undefined;
    const active = scope.active;
    if (!active) {
      // The failed state is no longer the one running: its *StateFailed is due.
      scope.pending = waiting;
      this.flush(scope, ts);
      return;
    }
    const frame = active.frame;
    if (frame) {
      for (const item of frame.items) if (!item.closed) this.endItem(item, frame, 'aborted', ts);
      for (const branch of frame.branches) {
        if (branch.closed) continue;
        this.abortScope(branch, ts);
        branch.closed = true;
      }
    }
    if (ABORTABLE.has(active.info.type)) {
      const prev = waiting && waiting.active === active ? waiting.prev : frame ? frame.lastEventId : scope.lastId;
      scope.lastId = this.sink.emitIn(scope, `${active.info.type}StateAborted`, prev, ts);
    }
    scope.active = undefined;
  }

  private endItem(item: Scope, frame: Frame, end: ChildEnd, ts: number): void {
    if (end === 'aborted') this.abortScope(item, ts);
    const type = end === 'succeeded' ? 'MapIterationSucceeded' : end === 'failed' ? 'MapIterationFailed' : 'MapIterationAborted';
    const id = this.sink.emitIn(item, type, item.lastId, ts, { [`${lower(type)}EventDetails`]: { name: frame.info.name, index: item.index } });
    if (end === 'succeeded') {
      frame.lastClosedId = item.lastId;
      frame.lastMarkerId = id;
    } else if (end === 'failed') {
      frame.failedLastId ??= item.lastId;
    }
    item.closed = true;
  }
}

const EXECUTION_INPUT = '$$.Execution.Input';

/** MapStateStarted.length: InputPath then ItemsPath over the Map's raw input (or the execution's), when the engine can evaluate them. */
function mapLength(info: StateInfo, input: Json, executionInput: Json | undefined): number | undefined {
  const itemsPath = info.itemsPath ?? '$';
  if (itemsPath.startsWith(EXECUTION_INPUT) && executionInput !== undefined) {
    const items = evaluatePath(`$${itemsPath.slice(EXECUTION_INPUT.length)}`, executionInput);
    return items.ok && Array.isArray(items.value) ? items.value.length : undefined;
  }
  let effective: Json = input;
  if (info.inputPath === null) effective = {};
  else if (info.inputPath !== undefined) {
    const r = evaluatePath(info.inputPath, input);
    if (!r.ok) return undefined;
    effective = r.value;
  }
  const items = evaluatePath(itemsPath, effective);
  return items.ok && Array.isArray(items.value) ? items.value.length : undefined;
}
