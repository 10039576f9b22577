import { evaluatePath } from './jsonpath.js';
import type { Json, LibraryEvent } from './library.js';
import type { StateInfo } from './states.js';
import type { Invocation, TaskCalls } from './tasks.js';

/**
 * Library event log → Step Functions history events, with ids and previousEventId chains as AWS
 * records them (checked against recorded AWS histories):
 * - ExecutionStarted has previousEventId 0, and so has the first state's StateEntered.
 * - Task: TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded|TaskFailed (each attempt; a
 *   retry schedules again), TaskStateExited (also after a caught failure). Lambda ARNs and
 *   activities use the LambdaFunction* and Activity* variants.
 * - Map: MapStateEntered, MapStateStarted{length}, per item MapIterationStarted (previous = the
 *   last event of the previous iteration), its states, MapIterationSucceeded|Failed, then
 *   MapStateSucceeded and MapStateExited (both pointing at the last iteration event). A failing Map
 *   emits MapStateFailed only when it is caught or fails the execution; a retry emits MapStateStarted again.
 * - Parallel: ParallelStateEntered, ParallelStateStarted, branch states, ParallelStateSucceeded|Failed,
 *   ParallelStateExited.
 * - Fail: FailStateEntered then ExecutionFailed. StopExecution: *StateAborted for running Task, Wait,
 *   Map and Parallel states (MapIterationAborted for running items), then ExecutionAborted.
 */

export interface WireEvent {
  timestamp: number;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

export type Outcome =
  | { status: 'SUCCEEDED'; output: string; at: number }
  | { status: 'FAILED' | 'TIMED_OUT'; error?: string; cause?: string; at: number };

interface Active {
  info: StateInfo;
  invocation: Invocation | undefined;
  caught: boolean;
  frame: Frame | undefined;
}

interface Scope {
  lastId: number;
  active: Active | undefined;
  pending: { active: Active; prev: number } | undefined;
  frame: Frame | undefined;
  closed: boolean;
}

interface Frame {
  info: StateInfo;
  startedId: number;
  items: Map<number, Scope>;
  lastItem: Scope | undefined;
  /** Items running now, and item starts held back until a slot frees (see iteration()). */
  live: number;
  queued: Array<{ index: number; ts: number }>;
  branches: Map<number, Scope>;
  /** Last state event of the most recently finished item: where the next MapIterationStarted points. */
  lastClosedId: number;
  lastMarkerId: number | undefined;
  failedLastId: number | undefined;
  /** Last event of the most recent failure in one of this frame's scopes (the failing Parallel branch). */
  lastFailureId: number | undefined;
  lastEventId: number;
}

const NOT_TRUNCATED = Object.freeze({ truncated: false });
const FAIL_DEFAULT_ERROR = 'FailStateError';
const FAIL_DEFAULT_CAUSE = 'Execution failed because of a Fail state';
const ABORTABLE = new Set(['Task', 'Wait', 'Map', 'Parallel']);

export interface RecorderOptions {
  states: Map<string, StateInfo>;
  scaledWaits: ReadonlySet<string>;
  calls: TaskCalls;
  region: string;
  roleArn: string;
  append: (event: WireEvent) => void;
}

export class HistoryRecorder {
  private nextId = 1;
  private readonly root: Scope = newScope(0, undefined);
  private readonly frames = new Map<string, Frame[]>();
  private lastValue: unknown = Symbol('none');
  private lastJson = '';
  closed = false;

  constructor(private readonly opts: RecorderOptions) {}

  /** Feeds one library event; returns the outcome when the execution ended. */
  accept(ev: LibraryEvent): Outcome | undefined {
    if (this.closed) return undefined;
    const ts = ev.timestamp / 1000;
    switch (ev.type) {
      case 'ExecutionStarted':
        this.emit('ExecutionStarted', 0, ts, {
          executionStartedEventDetails: { input: this.json(ev.input), inputDetails: NOT_TRUNCATED, roleArn: this.opts.roleArn },
        });
        return undefined;
      case 'StateEntered':
        this.entered(ev.state.name, ev.state.input, ev.index, ts);
        return undefined;
      case 'StateExited':
        this.exited(ev.state.name, ev.state.output ?? null, ev.index, ts);
        return undefined;
      case 'StateFailed':
        this.failed(ev.state.name, ev.index, errorText(ev.Error), causeText(ev.Cause), ts);
        return undefined;
      case 'StateRetried':
        this.retried(ev.state.name, ev.state.input, ev.index, ts);
        return undefined;
      case 'StateCaught':
        this.caught(ev.state.name, ev.index, ts);
        return undefined;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.iteration(ev.type, ev.parentState.name, ev.index, ts);
        return undefined;
      case 'ParallelBranchFailed': {
        const frame = this.frame(ev.parentState.name);
        if (frame) {
          for (const branch of frame.branches.values()) this.flush(branch, ts);
          frame.failedLastId ??= frame.lastFailureId ?? frame.lastEventId;
        }
        return undefined;
      }
      case 'ParallelBranchStarted':
      case 'ParallelBranchSucceeded':
      case 'ExecutionAborted':
        return undefined;
      case 'ExecutionSucceeded': {
        const output = this.json(ev.output);
        this.emit('ExecutionSucceeded', this.root.lastId, ts, { executionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } });
        this.closed = true;
        return { status: 'SUCCEEDED', output, at: ev.timestamp };
      }
      case 'ExecutionFailed': {
        this.flush(this.root, ts);
        const error = this.failError(errorText(ev.Error));
        const cause = this.failCause(causeText(ev.Cause));
        this.emit('ExecutionFailed', this.root.lastId, ts, { executionFailedEventDetails: compact({ error, cause }) });
        this.closed = true;
        return { status: 'FAILED', error, cause, at: ev.timestamp };
      }
      case 'ExecutionTimeout': {
        const error = 'States.Timeout';
        this.emit('ExecutionTimedOut', this.root.lastId, ts, { executionTimedOutEventDetails: { error } });
        this.closed = true;
        return { status: 'TIMED_OUT', error, at: ev.timestamp };
      }
      default:
        return undefined;
    }
  }

  /** StopExecution: running states are aborted, then ExecutionAborted; later library events are ignored. */
  abort(error: string | undefined, cause: string | undefined, atMs: number): void {
    if (this.closed) return;
    const ts = atMs / 1000;
    this.abortScope(this.root, ts);
    this.emit('ExecutionAborted', this.root.lastId, ts, { executionAbortedEventDetails: compact({ error, cause }) });
    this.closed = true;
  }

  private entered(name: string, input: Json, index: number | undefined, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    if (!info || !scope) return;
    this.flush(scope, ts);
    const type = info.type;
    scope.lastId = this.emitIn(scope, `${type}StateEntered`, scope.lastId, ts, {
      stateEnteredEventDetails: { name, input: this.json(input), inputDetails: NOT_TRUNCATED },
    });
    const active: Active = { info, invocation: undefined, caught: false, frame: undefined };
    scope.active = active;
    if (type === 'Task' && !this.opts.scaledWaits.has(name)) this.schedule(scope, active, ts);
    if (type === 'Map' || type === 'Parallel') this.start(scope, active, input, ts);
  }

  private start(scope: Scope, active: Active, input: Json, ts: number, prev = scope.lastId): void {
    const info = active.info;
    const id = this.nextId;
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
    if (info.type === 'Map') {
      const length = mapLength(info, input);
      this.emitIn(scope, 'MapStateStarted', prev, ts, length === undefined ? {} : { mapStateStartedEventDetails: { length } });
    } else {
      this.emitIn(scope, 'ParallelStateStarted', prev, ts);
    }
    scope.lastId = id;
    active.frame = frame;
    const stack = this.frames.get(info.name);
    if (stack) stack.push(frame);
    else this.frames.set(info.name, [frame]);
  }

  private schedule(scope: Scope, active: Active, ts: number): void {
    const invocation = this.opts.calls.take(active.info.name);
    const resource = active.info.resource;
    if (!invocation || !resource) return; // InputPath/Parameters failed: AWS schedules nothing either
    active.invocation = invocation;
    const timeout = active.info.timeoutSeconds;
    const heartbeat = active.info.heartbeatSeconds;
    let first: number;
    if (resource.kind === 'lambda') {
      first = this.emitIn(scope, 'LambdaFunctionScheduled', scope.lastId, ts, {
        lambdaFunctionScheduledEventDetails: compact({
          resource: resource.arn,
          input: this.json(invocation.params),
          inputDetails: NOT_TRUNCATED,
          timeoutInSeconds: timeout,
        }),
      });
      scope.lastId = this.emitIn(scope, 'LambdaFunctionStarted', first, ts);
    } else if (resource.kind === 'activity') {
      first = this.emitIn(scope, 'ActivityScheduled', scope.lastId, ts, {
        activityScheduledEventDetails: compact({
          resource: resource.arn,
          input: this.json(invocation.params),
          inputDetails: NOT_TRUNCATED,
          timeoutInSeconds: timeout,
          heartbeatInSeconds: heartbeat,
        }),
      });
      scope.lastId = this.emitIn(scope, 'ActivityStarted', first, ts, { activityStartedEventDetails: { workerName: 'local-engine' } });
    } else {
      first = this.emitIn(scope, 'TaskScheduled', scope.lastId, ts, {
        taskScheduledEventDetails: compact({
          resourceType: resource.resourceType,
          resource: resource.resource,
          region: this.opts.region,
          parameters: this.json(invocation.params),
          timeoutInSeconds: timeout,
          heartbeatInSeconds: heartbeat,
        }),
      });
      scope.lastId = this.emitIn(scope, 'TaskStarted', first, ts, {
        taskStartedEventDetails: { resourceType: resource.resourceType, resource: resource.resource },
      });
    }
  }

  private exited(name: string, output: Json, index: number | undefined, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    if (!info || !scope) return;
    const active = scope.active?.info.name === name ? scope.active : undefined;
    let prev = scope.lastId;
    if (info.type === 'Task' && active?.invocation && !active.caught) {
      prev = this.taskSucceeded(scope, active, ts);
    } else if (active?.frame && !active.caught) {
      const frame = active.frame;
      if (info.type === 'Map') {
        prev = frame.lastMarkerId ?? frame.lastClosedId;
        this.emitIn(scope, 'MapStateSucceeded', prev, ts);
      } else {
        prev = frame.lastEventId;
        this.emitIn(scope, 'ParallelStateSucceeded', prev, ts);
      }
      this.popFrame(frame);
    }
    scope.lastId = this.emitIn(scope, `${info.type}StateExited`, prev, ts, {
      stateExitedEventDetails: { name, output: this.json(output), outputDetails: NOT_TRUNCATED },
    });
    scope.active = undefined;
  }

  private taskSucceeded(scope: Scope, active: Active, ts: number): number {
    const resource = active.info.resource;
    const output = this.json(active.invocation?.result ?? null);
    active.invocation = undefined;
    if (resource?.kind === 'lambda') {
      return this.emitIn(scope, 'LambdaFunctionSucceeded', scope.lastId, ts, {
        lambdaFunctionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED },
      });
    }
    if (resource?.kind === 'activity') {
      return this.emitIn(scope, 'ActivitySucceeded', scope.lastId, ts, { activitySucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } });
    }
    return this.emitIn(scope, 'TaskSucceeded', scope.lastId, ts, {
      taskSucceededEventDetails: { resourceType: resource?.resourceType, resource: resource?.resource, output, outputDetails: NOT_TRUNCATED },
    });
  }

  private failed(name: string, index: number | undefined, error: string, cause: string, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    if (!info || !scope) return;
    const active = scope.active?.info.name === name ? scope.active : undefined;
    if (!active) return;
    if (scope.frame) scope.frame.lastFailureId = scope.lastId;
    if (info.type === 'Task' && active.invocation) {
      const resource = info.resource;
      const timedOut = error === 'States.Timeout';
      const kind = resource?.kind === 'lambda' ? 'LambdaFunction' : resource?.kind === 'activity' ? 'Activity' : 'Task';
      const type = `${kind}${timedOut ? 'TimedOut' : 'Failed'}`;
      const details = kind === 'Task' ? { resourceType: resource?.resourceType, resource: resource?.resource, error, cause } : { error, cause };
      scope.lastId = this.emitIn(scope, type, scope.lastId, ts, { [`${lower(type)}EventDetails`]: details });
      active.invocation = undefined;
      if (scope.frame) scope.frame.lastFailureId = scope.lastId;
    } else if (active.frame) {
      const frame = active.frame;
      for (const [index, item] of frame.items) {
        if (item.closed) continue;
        this.abortScope(item, ts);
        this.emitIn(scope, 'MapIterationAborted', item.lastId, ts, { mapIterationAbortedEventDetails: { name, index } });
        item.closed = true;
      }
      for (const branch of frame.branches.values()) branch.closed = true;
      frame.queued.length = 0;
      scope.pending = { active, prev: frame.failedLastId ?? frame.lastEventId };
    }
  }

  private retried(name: string, input: Json, index: number | undefined, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    const active = scope?.active;
    if (!info || !scope || active?.info.name !== name) return;
    if (info.type === 'Task') {
      this.schedule(scope, active, ts);
    } else if (active.frame) {
      const prev = scope.pending?.prev ?? scope.lastId;
      scope.pending = undefined;
      this.popFrame(active.frame);
      this.start(scope, active, input, ts, prev);
    }
  }

  private caught(name: string, index: number | undefined, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    if (!scope || scope.active?.info.name !== name) return;
    scope.active.caught = true;
    this.flush(scope, ts);
  }

  /**
   * The library forwards item events late: with MaxConcurrency items running, the next item's start
   * can arrive before the previous item's end. An item start is held until a slot is free, which
   * restores the order AWS records (MapIterationSucceeded, then the next MapIterationStarted).
   */
  private iteration(type: 'MapIterationStarted' | 'MapIterationSucceeded' | 'MapIterationFailed', mapName: string, index: number, ts: number): void {
    const frame = this.frame(mapName);
    if (!frame) return;
    if (type === 'MapIterationStarted') {
      if (frame.live >= frame.info.maxConcurrency) frame.queued.push({ index, ts });
      else this.startItem(frame, index, ts);
      return;
    }
    const item = frame.items.get(index) ?? this.startQueued(frame, index);
    if (!item || item.closed) return;
    this.flush(item, ts);
    const id = this.emitIn(item, type, item.lastId, ts, { [`${lower(type)}EventDetails`]: { name: mapName, index } });
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

  private startItem(frame: Frame, index: number, ts: number): Scope {
    const item = newScope(0, frame);
    item.lastId = this.emitIn(item, 'MapIterationStarted', frame.lastClosedId, ts, {
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

  /** Emits the deferred MapStateFailed/ParallelStateFailed of a scope once it is known not to be retried. */
  private flush(scope: Scope, ts: number): void {
    const pending = scope.pending;
    if (!pending) return;
    scope.pending = undefined;
    scope.lastId = this.emitIn(scope, `${pending.active.info.type}StateFailed`, pending.prev, ts);
    if (pending.active.frame) this.popFrame(pending.active.frame);
  }

  private abortScope(scope: Scope, ts: number): void {
    this.flush(scope, ts);
    const active = scope.active;
    if (!active) return;
    const frame = active.frame;
    if (frame) {
      for (const [index, item] of frame.items) {
        if (item.closed) continue;
        this.abortScope(item, ts);
        this.emitIn(scope, 'MapIterationAborted', item.lastId, ts, { mapIterationAbortedEventDetails: { name: active.info.name, index } });
        item.closed = true;
      }
      for (const branch of frame.branches.values()) {
        this.abortScope(branch, ts);
        branch.closed = true;
      }
      frame.queued.length = 0;
      this.popFrame(frame);
    }
    if (ABORTABLE.has(active.info.type)) {
      scope.lastId = this.emitIn(scope, `${active.info.type}StateAborted`, frame ? frame.lastEventId : scope.lastId, ts);
    }
    scope.active = undefined;
  }

  private scopeOf(info: StateInfo, index: number | undefined): Scope | undefined {
    if (info.parent === undefined) return this.root;
    const frame = this.frame(info.parent);
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

  private frame(name: string): Frame | undefined {
    const stack = this.frames.get(name);
    return stack?.[stack.length - 1];
  }

  private popFrame(frame: Frame): void {
    const stack = this.frames.get(frame.info.name);
    const at = stack?.lastIndexOf(frame) ?? -1;
    if (stack && at >= 0) stack.splice(at, 1);
    if (stack?.length === 0) this.frames.delete(frame.info.name);
  }

  private emitIn(scope: Scope, type: string, prev: number, ts: number, details?: Record<string, unknown>): number {
    const id = this.emit(type, prev, ts, details);
    if (scope.frame) scope.frame.lastEventId = id;
    return id;
  }

  private emit(type: string, prev: number, ts: number, details?: Record<string, unknown>): number {
    const id = this.nextId++;
    this.opts.append({ timestamp: ts, type, id, previousEventId: prev, ...details });
    return id;
  }

  /** Output of one state is the input of the next: stringify each value once. */
  private json(value: unknown): string {
    if (value === this.lastValue) return this.lastJson;
    this.lastValue = value;
    this.lastJson = JSON.stringify(value ?? null);
    return this.lastJson;
  }

  private failError(error: string): string | undefined {
    return error === FAIL_DEFAULT_ERROR && this.anyFail((s) => !s.failHasError) ? undefined : error;
  }

  private failCause(cause: string): string | undefined {
    return cause === FAIL_DEFAULT_CAUSE && this.anyFail((s) => !s.failHasCause) ? undefined : cause;
  }

  private anyFail(test: (s: StateInfo) => boolean): boolean {
    for (const s of this.opts.states.values()) if (s.type === 'Fail' && test(s)) return true;
    return false;
  }
}

function newScope(lastId: number, frame: Frame | undefined): Scope {
  return { lastId, active: undefined, pending: undefined, frame, closed: false };
}

function lower(type: string): string {
  return type.charAt(0).toLowerCase() + type.slice(1);
}

function errorText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function causeText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  return value === undefined ? '' : JSON.stringify(value);
}

function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== '') (out as Record<string, unknown>)[k] = v;
  return out;
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
