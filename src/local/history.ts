import { EventSink, NOT_TRUNCATED, causeText, compact, errorText, jsonText, newScope, type Active, type Outcome, type Scope, type WireEvent } from './history-events.js';
import { Frames } from './history-frames.js';
import { scheduleTask, taskFailed, taskSucceeded } from './history-tasks.js';
import type { Json, LibraryEvent } from './library.js';
import type { RunNode } from './run-tap.js';
import { resultPathCause, templatePathCause } from './runtime-causes.js';
import type { StateInfo } from './states.js';
import type { Invocation, TaskCallSink } from './tasks.js';

export type { Outcome, WireEvent };

/**
 * Library events of every run (run-tap.ts: in order, as they happen) → Step Functions history
 * events, with ids and previousEventId chains as AWS records them (checked against recorded AWS histories):
 * - ExecutionStarted has previousEventId 0, and so has the first state's StateEntered.
 * - Task: TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded|TaskFailed (each attempt; a
 *   retry schedules again), TaskStateExited (also after a caught failure). Lambda ARNs and
 *   activities use the LambdaFunction* and Activity* variants (history-tasks.ts).
 * - Map: MapStateEntered, MapStateStarted{length}, per item MapIterationStarted (previous = the
 *   last event of the previous iteration), its states, MapIterationSucceeded|Failed, then
 *   MapStateSucceeded and MapStateExited (both pointing at the last iteration event). A failing Map
 *   emits MapStateFailed only when it is caught or fails the execution; a retry emits MapStateStarted again.
 * - Parallel: ParallelStateEntered, ParallelStateStarted, branch states, ParallelStateSucceeded|Failed,
 *   ParallelStateExited (pointing at ParallelStateSucceeded). (Map and Parallel runs: history-frames.ts.)
 * - Fail: FailStateEntered then ExecutionFailed. StopExecution: *StateAborted for running Task, Wait,
 *   Map and Parallel states (MapIterationAborted for running items), then ExecutionAborted.
 * Event data is serialised when the event happens: handlers and intrinsics may change objects later.
 */

const FAIL_DEFAULT_ERROR = 'FailStateError';
const FAIL_DEFAULT_CAUSE = 'Execution failed because of a Fail state';
const RUNTIME_ERROR = 'States.Runtime';
const RESULT_PATH_ERROR = 'States.ResultPathMatchFailure';

/** The result of the task a Task state ran, when its handler returned one. */
function taskResult(active: Active): Json | undefined {
  const result = active.invocation?.result;
  return result === undefined ? undefined : (JSON.parse(result) as Json);
}

export interface RecorderOptions {
  states: Map<string, StateInfo>;
  scaledWaits: ReadonlySet<string>;
  region: string;
  roleArn: string;
  /** The execution's input as submitted: the library parses it, which rounds numbers beyond doubles. */
  inputText: string;
  /** The execution's startDate (epoch ms): ExecutionStarted carries it, as in Step Functions, not the library's later clock reading. */
  startedAt: number;
  append: (event: WireEvent) => void;
}

export class HistoryRecorder implements TaskCallSink {
  private readonly root: Scope = newScope(0, undefined);
  private readonly sink: EventSink;
  private readonly frames: Frames;
  /** The execution's input, which a Map's ItemsPath may read through $$.Execution.Input. */
  private executionInput: Json | undefined;
  /** Scope of each live run, by run id. */
  private readonly scopes = new Map<number, Scope>();
  /** The Task state just entered or retried: the library calls its handler next, synchronously. */
  private awaitingCall: { scope: Scope; active: Active } | undefined;
  /** The last StateExited output: the next state's input is usually the same object, stringified once. */
  private lastOutput: { value: unknown; json: string } | undefined;
  /** Where the last States.Runtime error happened: AWS names that state in the execution's cause. */
  private runtimeFailure: { cause: string; shown: string; state: string; enteredId: number } | undefined;
  /** The ResultPath that could not be applied last (the library's cause names nothing). */
  private resultPathFailure: string | undefined;
  closed = false;

  constructor(private readonly opts: RecorderOptions) {
    this.sink = new EventSink(opts.append);
    this.frames = new Frames(this.sink, () => this.executionInput);
  }

  /** Feeds one library event of one run; returns the outcome when the execution ended. */
  accept(run: RunNode, ev: LibraryEvent): Outcome | undefined {
    if (this.closed) return undefined;
    const lastOutput = this.lastOutput;
    this.lastOutput = undefined;
    this.awaitingCall = undefined;
    const ts = ev.timestamp / 1000;
    if (ev.type === 'ExecutionStarted') {
      this.started(run, ev.input, ts);
      return undefined;
    }
    const scope = this.scopes.get(run.id);
    if (!scope || scope.closed) return undefined;
    const json = (value: unknown) => (lastOutput && lastOutput.value === value ? lastOutput.json : jsonText(value));
    switch (ev.type) {
      case 'StateEntered':
        this.entered(scope, ev.state.name, ev.state.input, json(ev.state.input), ts);
        return undefined;
      case 'StateExited':
        this.exited(scope, ev.state.name, ev.state.output ?? null, ts);
        return undefined;
      case 'StateFailed':
        this.failed(scope, ev.state.name, errorText(ev.Error), causeText(ev.Cause), ev.state.input, ts);
        return undefined;
      case 'StateRetried':
        this.retried(scope, ev.state.name, ev.state.input, ts);
        return undefined;
      case 'StateCaught':
        // The Catch's ResultPath is applied next, to the state's input: it fails there or not at all.
        this.resultPathFailure = resultPathCause(ev.catch.catcher.ResultPath, ev.state.input);
        this.caught(scope, ev.state.name, ts);
        return undefined;
      case 'ExecutionSucceeded':
        return scope === this.root ? this.succeeded(json(ev.output), ev.timestamp) : this.childEnded(run, scope, 'succeeded', ts);
      case 'ExecutionFailed':
        return scope === this.root ? this.executionFailed(errorText(ev.Error), causeText(ev.Cause), ev.timestamp) : this.childEnded(run, scope, 'failed', ts);
      case 'ExecutionAborted':
        // The execution's own abort is recorded by abort(). A nested run is aborted when its Map or
        // Parallel fails (recorded by Frames.fail) or the execution times out (AWS records nothing).
        this.scopes.delete(run.id);
        return undefined;
      case 'ExecutionTimeout':
        // Step Functions gives a timed-out execution no error and no cause in DescribeExecution; the
        // event alone says States.Timeout (measured on AWS: floci-io/floci#2733).
        this.sink.emit('ExecutionTimedOut', this.root.lastId, ts, { executionTimedOutEventDetails: { error: 'States.Timeout' } });
        this.closed = true;
        return { status: 'TIMED_OUT', at: ev.timestamp };
      default:
        return undefined;
    }
  }

  /** The handler of a Task state was called (TaskCallSink): TaskScheduled/TaskStarted with its effective input. */
  called(stateName: string, params: string, timeoutSeconds: number | undefined): Invocation {
    const invocation: Invocation = { params, result: undefined };
    if (timeoutSeconds !== undefined) invocation.timeoutSeconds = timeoutSeconds;
    const awaiting = this.awaitingCall;
    this.awaitingCall = undefined;
    if (!this.closed && awaiting && awaiting.active.info.name === stateName && awaiting.scope.active === awaiting.active) {
      scheduleTask(this.sink, this.opts.region, awaiting.scope, awaiting.active, invocation, Date.now() / 1000);
    }
    return invocation;
  }

  /** StopExecution: running states are aborted, then ExecutionAborted; later library events are ignored. */
  abort(error: string | undefined, cause: string | undefined, atMs: number): void {
    if (this.closed) return;
    const ts = atMs / 1000;
    this.frames.abortScope(this.root, ts);
    this.sink.emit('ExecutionAborted', this.root.lastId, ts, { executionAbortedEventDetails: compact({ error, cause }) });
    this.closed = true;
  }

  private started(run: RunNode, input: Json, ts: number): void {
    if (!run.parent) {
      this.executionInput = input;
      this.scopes.set(run.id, this.root);
      this.sink.emit('ExecutionStarted', 0, Math.min(ts, this.opts.startedAt / 1000), {
        executionStartedEventDetails: { input: this.opts.inputText, inputDetails: NOT_TRUNCATED, roleArn: this.opts.roleArn },
      });
      return;
    }
    const parent = this.scopes.get(run.parent.id);
    const child = parent && this.frames.child(parent, run.machine, ts);
    if (child) this.scopes.set(run.id, child);
  }

  private childEnded(run: RunNode, scope: Scope, end: 'succeeded' | 'failed', ts: number): undefined {
    this.frames.childEnded(scope, end, ts);
    this.scopes.delete(run.id);
    return undefined;
  }

  /** The engine gave up on the run (its library failed): running states are aborted, then ExecutionFailed. */
  fail(error: string, cause: string, atMs: number): void {
    if (this.closed) return;
    const ts = atMs / 1000;
    this.closed = true;
    this.frames.abortScope(this.root, ts);
    this.sink.emit('ExecutionFailed', this.root.lastId, ts, { executionFailedEventDetails: { error, cause } });
  }

  private succeeded(output: string, atMs: number): Outcome {
    this.sink.emit('ExecutionSucceeded', this.root.lastId, atMs / 1000, { executionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } });
    this.closed = true;
    return { status: 'SUCCEEDED', output, at: atMs };
  }

  private executionFailed(rawError: string, rawCause: string, atMs: number): Outcome {
    const ts = atMs / 1000;
    this.frames.flush(this.root, ts);
    const error = this.failError(rawError);
    const cause = this.failCause(this.runtimeCause(rawError, rawCause));
    this.sink.emit('ExecutionFailed', this.root.lastId, ts, { executionFailedEventDetails: compact({ error, cause }) });
    this.closed = true;
    return { status: 'FAILED', error, cause, at: atMs };
  }

  private entered(scope: Scope, name: string, input: Json, inputJson: string, ts: number): void {
    const info = this.opts.states.get(name);
    if (!info) return;
    this.frames.flush(scope, ts);
    const type = info.type;
    const id = this.sink.emitIn(scope, `${type}StateEntered`, scope.lastId, ts, {
      stateEnteredEventDetails: { name, input: inputJson, inputDetails: NOT_TRUNCATED },
    });
    scope.lastId = id;
    const active: Active = { info, enteredId: id, invocation: undefined, caught: false, frame: undefined };
    scope.active = active;
    if (type === 'Task' && !this.opts.scaledWaits.has(name)) this.awaitingCall = { scope, active };
    if (type === 'Map' || type === 'Parallel') this.frames.start(scope, active, input, ts);
  }

  private exited(scope: Scope, name: string, output: Json, ts: number): void {
    const info = this.opts.states.get(name);
    if (!info) return;
    const active = scope.active?.info.name === name ? scope.active : undefined;
    let prev = scope.lastId;
    if (info.type === 'Task' && active?.invocation && !active.caught) {
      prev = taskSucceeded(this.sink, scope, active, ts);
    } else if (active?.frame && !active.caught) {
      prev = this.frames.succeed(scope, active.frame, ts);
    }
    const json = jsonText(output);
    scope.lastId = this.sink.emitIn(scope, `${info.type}StateExited`, prev, ts, {
      stateExitedEventDetails: { name, output: json, outputDetails: NOT_TRUNCATED },
    });
    scope.active = undefined;
    this.lastOutput = { value: output, json };
  }

  private failed(scope: Scope, name: string, error: string, cause: string, input: Json, ts: number): void {
    const active = scope.active?.info.name === name ? scope.active : undefined;
    if (!active) return;
    // A Map/Parallel fails with the error of its item or branch: keep the state where it happened.
    // Items or branches failing alike after the first are not what failed their Map or Parallel
    // (States.Runtime is never caught: the first one fails the run).
    // Propagated through the Map or Parallel around it, it is the innermost state whose own ResultPath fails on its input.
    if (error === RESULT_PATH_ERROR) this.resultPathFailure = resultPathCause(active.info.resultPath, input) ?? this.resultPathFailure;
    const known = this.runtimeFailure?.cause === cause;
    if (error === RUNTIME_ERROR && !known) {
      const shown = templatePathCause(active.info, cause, input, taskResult(active)) ?? cause;
      this.runtimeFailure = { cause, shown, state: name, enteredId: active.enteredId };
    }
    if (active.info.type === 'Task' && active.invocation) {
      // The handler succeeded and ResultSelector/ResultPath/OutputPath failed: the task itself did not.
      if (active.invocation.result !== undefined) scope.lastId = taskSucceeded(this.sink, scope, active, ts);
      else taskFailed(this.sink, scope, active, error, cause, ts);
    } else if (active.frame) {
      this.frames.fail(scope, active, active.frame, ts);
    }
  }

  private retried(scope: Scope, name: string, input: Json, ts: number): void {
    const active = scope.active;
    if (active?.info.name !== name) return;
    if (active.info.type === 'Task') {
      if (!this.opts.scaledWaits.has(name)) this.awaitingCall = { scope, active };
    } else if (active.frame) {
      this.frames.restart(scope, active, input, ts);
    }
  }

  private caught(scope: Scope, name: string, ts: number): void {
    if (scope.active?.info.name !== name) return;
    scope.active.caught = true;
    this.frames.flush(scope, ts);
  }

  /** AWS names the state of a States.Runtime error: "An error occurred while executing the state 'X' (entered at the event id #N). …". */
  private runtimeCause(error: string, cause: string): string {
    if (error === RESULT_PATH_ERROR && cause === RESULT_PATH_ERROR) return this.resultPathFailure ?? cause;
    const at = this.runtimeFailure;
    if (error !== RUNTIME_ERROR || !at || at.cause !== cause) return cause;
    return `An error occurred while executing the state '${at.state}' (entered at the event id #${at.enteredId}). ${at.shown}`;
  }

  private failError(error: string): string | undefined {
    return error === FAIL_DEFAULT_ERROR && this.anyFail((s) => !s.failHasError) ? undefined : error;
  }

  private failCause(cause: string): string | undefined {
    // An empty one (a task timeout's) is no cause: Step Functions leaves the field out.
    if (cause === '') return undefined;
    return cause === FAIL_DEFAULT_CAUSE && this.anyFail((s) => !s.failHasCause) ? undefined : cause;
  }

  private anyFail(test: (s: StateInfo) => boolean): boolean {
    for (const s of this.opts.states.values()) if (s.type === 'Fail' && test(s)) return true;
    return false;
  }
}
