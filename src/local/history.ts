import { EventSink, NOT_TRUNCATED, causeText, compact, errorText, newScope, type Active, type Outcome, type Scope, type WireEvent } from './history-events.js';
import { Frames } from './history-frames.js';
import { scheduleTask, taskFailed, taskSucceeded } from './history-tasks.js';
import type { Json, LibraryEvent } from './library.js';
import type { StateInfo } from './states.js';
import type { TaskCalls } from './tasks.js';

export type { Outcome, WireEvent };

/**
 * Library event log → Step Functions history events, with ids and previousEventId chains as AWS
 * records them (checked against recorded AWS histories):
 * - ExecutionStarted has previousEventId 0, and so has the first state's StateEntered.
 * - Task: TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded|TaskFailed (each attempt; a
 *   retry schedules again), TaskStateExited (also after a caught failure). Lambda ARNs and
 *   activities use the LambdaFunction* and Activity* variants (history-tasks.ts).
 * - Map: MapStateEntered, MapStateStarted{length}, per item MapIterationStarted (previous = the
 *   last event of the previous iteration), its states, MapIterationSucceeded|Failed, then
 *   MapStateSucceeded and MapStateExited (both pointing at the last iteration event). A failing Map
 *   emits MapStateFailed only when it is caught or fails the execution; a retry emits MapStateStarted again.
 * - Parallel: ParallelStateEntered, ParallelStateStarted, branch states, ParallelStateSucceeded|Failed,
 *   ParallelStateExited. (Map and Parallel runs: history-frames.ts.)
 * - Fail: FailStateEntered then ExecutionFailed. StopExecution: *StateAborted for running Task, Wait,
 *   Map and Parallel states (MapIterationAborted for running items), then ExecutionAborted.
 */

const FAIL_DEFAULT_ERROR = 'FailStateError';
const FAIL_DEFAULT_CAUSE = 'Execution failed because of a Fail state';

export interface RecorderOptions {
  states: Map<string, StateInfo>;
  scaledWaits: ReadonlySet<string>;
  calls: TaskCalls;
  region: string;
  roleArn: string;
  append: (event: WireEvent) => void;
}

export class HistoryRecorder {
  private readonly root: Scope = newScope(0, undefined);
  private readonly sink: EventSink;
  private readonly frames: Frames;
  closed = false;

  constructor(private readonly opts: RecorderOptions) {
    this.sink = new EventSink(opts.append);
    this.frames = new Frames(this.sink);
  }

  /** Feeds one library event; returns the outcome when the execution ended. */
  accept(ev: LibraryEvent): Outcome | undefined {
    if (this.closed) return undefined;
    const ts = ev.timestamp / 1000;
    switch (ev.type) {
      case 'ExecutionStarted':
        this.sink.emit('ExecutionStarted', 0, ts, {
          executionStartedEventDetails: { input: this.sink.json(ev.input), inputDetails: NOT_TRUNCATED, roleArn: this.opts.roleArn },
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
        this.frames.iteration(ev.type, ev.parentState.name, ev.index, ts);
        return undefined;
      case 'ParallelBranchFailed':
        this.frames.branchFailed(ev.parentState.name, ts);
        return undefined;
      case 'ParallelBranchStarted':
      case 'ParallelBranchSucceeded':
      case 'ExecutionAborted':
        return undefined;
      case 'ExecutionSucceeded': {
        const output = this.sink.json(ev.output);
        this.sink.emit('ExecutionSucceeded', this.root.lastId, ts, { executionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } });
        this.closed = true;
        return { status: 'SUCCEEDED', output, at: ev.timestamp };
      }
      case 'ExecutionFailed': {
        this.frames.flush(this.root, ts);
        const error = this.failError(errorText(ev.Error));
        const cause = this.failCause(causeText(ev.Cause));
        this.sink.emit('ExecutionFailed', this.root.lastId, ts, { executionFailedEventDetails: compact({ error, cause }) });
        this.closed = true;
        return { status: 'FAILED', error, cause, at: ev.timestamp };
      }
      case 'ExecutionTimeout': {
        const error = 'States.Timeout';
        this.sink.emit('ExecutionTimedOut', this.root.lastId, ts, { executionTimedOutEventDetails: { error } });
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
    this.frames.abortScope(this.root, ts);
    this.sink.emit('ExecutionAborted', this.root.lastId, ts, { executionAbortedEventDetails: compact({ error, cause }) });
    this.closed = true;
  }

  private entered(name: string, input: Json, index: number | undefined, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    if (!info || !scope) return;
    this.frames.flush(scope, ts);
    const type = info.type;
    scope.lastId = this.sink.emitIn(scope, `${type}StateEntered`, scope.lastId, ts, {
      stateEnteredEventDetails: { name, input: this.sink.json(input), inputDetails: NOT_TRUNCATED },
    });
    const active: Active = { info, invocation: undefined, caught: false, frame: undefined };
    scope.active = active;
    if (type === 'Task' && !this.opts.scaledWaits.has(name)) this.schedule(scope, active, ts);
    if (type === 'Map' || type === 'Parallel') this.frames.start(scope, active, input, ts);
  }

  private exited(name: string, output: Json, index: number | undefined, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    if (!info || !scope) return;
    const active = scope.active?.info.name === name ? scope.active : undefined;
    let prev = scope.lastId;
    if (info.type === 'Task' && active?.invocation && !active.caught) {
      prev = taskSucceeded(this.sink, scope, active, ts);
    } else if (active?.frame && !active.caught) {
      prev = this.frames.succeed(scope, active.frame, ts);
    }
    scope.lastId = this.sink.emitIn(scope, `${info.type}StateExited`, prev, ts, {
      stateExitedEventDetails: { name, output: this.sink.json(output), outputDetails: NOT_TRUNCATED },
    });
    scope.active = undefined;
  }

  private failed(name: string, index: number | undefined, error: string, cause: string, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    if (!info || !scope) return;
    const active = scope.active?.info.name === name ? scope.active : undefined;
    if (!active) return;
    if (scope.frame) scope.frame.lastFailureId = scope.lastId;
    if (info.type === 'Task' && active.invocation) taskFailed(this.sink, scope, active, error, cause, ts);
    else if (active.frame) this.frames.fail(scope, active, active.frame, ts);
  }

  private retried(name: string, input: Json, index: number | undefined, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    const active = scope?.active;
    if (!info || !scope || active?.info.name !== name) return;
    if (info.type === 'Task') this.schedule(scope, active, ts);
    else if (active.frame) this.frames.restart(scope, active, active.frame, input, ts);
  }

  private caught(name: string, index: number | undefined, ts: number): void {
    const info = this.opts.states.get(name);
    const scope = info && this.scopeOf(info, index);
    if (!scope || scope.active?.info.name !== name) return;
    scope.active.caught = true;
    this.frames.flush(scope, ts);
  }

  private schedule(scope: Scope, active: Active, ts: number): void {
    scheduleTask(this.sink, this.opts.calls, this.opts.region, scope, active, ts);
  }

  private scopeOf(info: StateInfo, index: number | undefined): Scope | undefined {
    return info.parent === undefined ? this.root : this.frames.scopeIn(info, info.parent, index);
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
