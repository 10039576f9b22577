import { mendRetargetedPath } from './execution-context.js';
import { mendIntrinsicError } from './intrinsic-args.js';
import type { LibraryEvent } from './library.js';

/**
 * A synchronous view of every run of the library, nested runs included.
 *
 * The library's public event log cannot build a correct history: each Map iteration and Parallel
 * branch is a nested run whose events reach the root log through async generators, so they arrive
 * late, lose the identity of their iteration or branch (nested Maps overwrite the index, branches
 * have none) and are dropped once the root run ends. So every run's own event logger is tapped
 * where events are dispatched: in order, at the moment they happen, tagged with the run they belong
 * to. The tap also gives each run its own `$$.State` in the context object.
 *
 * It patches `StateMachine.prototype.execute(input, { runOptions, eventLogger, abortSignal }, cleanup)`
 * of aws-local-stepfunctions 3.0.0 (pinned in package.json): runs without the tap key are untouched.
 *
 * It also keeps runs from starting that Step Functions would never start: the library queues Map
 * iterations beyond MaxConcurrency and starts them even after the Map failed or the execution
 * ended (their signal is already aborted, which the library checks only after a state). Such a
 * run ends at once, unseen by the tap, and calls no task handler.
 */

/** `$$.State` of a run: its current state, updated as the run enters and retries states. */
export interface ContextState {
  Name: string;
  EnteredTime: string;
  RetryCount: number;
}

/** One run of the library: the execution itself, one Map iteration or one Parallel branch. */
export interface RunNode {
  readonly id: number;
  readonly parent: RunNode | undefined;
  /** The library StateMachine running it: one per Map attempt (shared by its iterations), one per branch run. */
  readonly machine: object;
  readonly state: ContextState;
  /** Aborted when this run is: the execution stopped or ended, or its Map/Parallel gave up on it. */
  readonly signal: AbortSignal | undefined;
  /**
   * Aborted as soon as the tap sees another item or branch of its Map or Parallel fail (which fails
   * that state), or this happens to a run it is nested in: a few promise turns before the library
   * aborts `signal`, in which a handler may settle and the run move on to its next state.
   */
  readonly givenUp: AbortSignal;
}

export interface RunTap {
  /** Called synchronously, before the library queues the event. Must not throw. */
  event(run: RunNode, event: LibraryEvent): void;
  /** An error the run must fail with instead of going on with this event (e.g. an oversized state output). */
  refuse?(run: RunNode, event: LibraryEvent): Error | undefined;
  /** A state failed with `error`, which the library matches against the state's Retry and Catch right after this call. Must not throw. */
  stateFailing?(run: RunNode, stateName: string, error: unknown): void;
}

const TAP = Symbol('executions-mcp.runTap');
const PATCHED = Symbol('executions-mcp.runTapInstalled');

interface TapLink {
  tap: RunTap;
  node: RunNode | undefined;
}

/** The library's private shapes the tap relies on. */
interface LibraryLogger {
  dispatch(event: LibraryEvent): void;
  /** Gets the error object itself, before Retry and Catch read it. */
  dispatchStateFailedEvent?(stateName: string, stateType: string, input: unknown, error: unknown): void;
  close?(): void;
}
interface ExecuteOptions {
  runOptions?: { [TAP]?: TapLink; context?: Record<string, unknown> };
  eventLogger?: LibraryLogger;
  abortSignal?: AbortSignal;
}
type Execute = (this: object, input: unknown, options: ExecuteOptions, cleanup: unknown) => unknown;
interface PatchablePrototype {
  execute?: unknown;
  [PATCHED]?: boolean;
}

/** Run options that make a run (and its nested runs) report to `tap`. */
export function tapRunOptions(tap: RunTap): Record<symbol, unknown> {
  const link: TapLink = { tap, node: undefined };
  return { [TAP]: link };
}

let nextRunId = 0;

/** What gives each run up, and the nested runs still running in it (the items or branches of its current Map or Parallel). */
const giveUps = new WeakMap<RunNode, AbortController>();
const liveChildren = new WeakMap<RunNode, Set<RunNode>>();

/** Map attempts (the iterator StateMachine the library makes for each) one of whose iterations failed: the Map failed. */
const failedMaps = new WeakSet<object>();

/**
 * The run that entered or retried a state last. The library calls a Task's handler synchronously
 * right after dispatching that event, so inside a handler call this is the run that called it.
 */
let lastActiveRun: RunNode | undefined;
export function runCallingHandler(): RunNode | undefined {
  return lastActiveRun;
}

/** Installs the tap on the library's StateMachine class (once). */
export function installRunTap(stateMachineClass: { prototype: object }): void {
  const proto = stateMachineClass.prototype as PatchablePrototype;
  if (proto[PATCHED]) return;
  const original = proto.execute;
  if (typeof original !== 'function') {
    throw new Error('aws-local-stepfunctions has no StateMachine.prototype.execute: the embedded engine needs version 3.0.0');
  }
  const execute = original as Execute;
  proto.execute = function tappedExecute(this: object, input: unknown, options: ExecuteOptions, cleanup: unknown): unknown {
    const runOptions = options.runOptions;
    const link = runOptions?.[TAP];
    const logger = options.eventLogger;
    if (runOptions && link && logger && typeof logger.dispatch === 'function') {
      if (link.node && (options.abortSignal?.aborted || failedMaps.has(this))) return endUnstarted(logger, cleanup);
      const giveUp = new AbortController();
      const node: RunNode = {
        id: ++nextRunId,
        parent: link.node,
        machine: this,
        state: { Name: '', EnteredTime: '', RetryCount: 0 },
        signal: options.abortSignal,
        givenUp: giveUp.signal,
      };
      giveUps.set(node, giveUp);
      if (link.node) {
        if (link.node.givenUp.aborted) giveUp.abort();
        let siblings = liveChildren.get(link.node);
        if (!siblings) liveChildren.set(link.node, (siblings = new Set()));
        siblings.add(node);
      }
      // runOptions is this run's own copy; nested runs copy it again, so they see this node as parent.
      runOptions[TAP] = { tap: link.tap, node };
      runOptions.context = { ...runOptions.context, State: node.state };
      const dispatch = logger.dispatch.bind(logger);
      logger.dispatch = (event) => {
        if (!forwarded(event)) {
          // Thrown where the library dispatches the event: it fails the run as a state error would.
          const refusal = link.tap.refuse?.(node, event);
          if (refusal) throw refusal;
          observe(link.tap, node, event);
        }
        dispatch(event);
      };
      const stateFailed = logger.dispatchStateFailedEvent?.bind(logger);
      if (stateFailed) {
        logger.dispatchStateFailedEvent = (stateName, stateType, stateInput, error) => {
          withoutTimeoutCause(error);
          mendIntrinsicError(error);
          mendRetargetedPath(error);
          stateFailed(stateName, stateType, stateInput, error);
          // Last, so that nothing runs between it and the library's Retry/Catch match.
          link.tap.stateFailing?.(node, stateName, error);
        };
      }
    }
    return execute.call(this, input, options, cleanup);
  };
  proto[PATCHED] = true;
}

/**
 * The library's task timeout carries its error name as its message too; Step Functions records a
 * timeout with no cause (its history, ExecutionFailed, and a Catch's {"Error", "Cause": ""}).
 */
function withoutTimeoutCause(error: unknown): void {
  if (error instanceof Error && error.name === 'States.Timeout' && error.message === 'States.Timeout' && error.cause === undefined) error.message = '';
}

/** A nested run that must not start: its event log ends empty and its result is null (nobody reads it: its Map already settled). */
function endUnstarted(logger: LibraryLogger, cleanup: unknown): Promise<null> {
  logger.close?.();
  if (typeof cleanup === 'function') (cleanup as () => void)();
  return Promise.resolve(null);
}

/** Events a parent logger receives from its nested runs: already seen where they happened. */
const seen = new WeakSet<object>();
function forwarded(event: LibraryEvent): boolean {
  if (event.type.startsWith('MapIteration') || event.type.startsWith('ParallelBranch') || seen.has(event)) return true;
  seen.add(event);
  return false;
}

function observe(tap: RunTap, node: RunNode, event: LibraryEvent): void {
  tap.event(node, event);
  // After the tap: the event's data was captured while $$.State still described the previous state.
  if (event.type === 'StateEntered') {
    node.state.Name = event.state.name;
    node.state.EnteredTime = new Date(event.timestamp).toISOString();
    node.state.RetryCount = 0;
    lastActiveRun = node;
  } else if (event.type === 'StateRetried') {
    node.state.RetryCount += 1;
    lastActiveRun = node;
  } else if (RUN_ENDS.has(event.type) && node.parent) {
    const siblings = liveChildren.get(node.parent);
    // A run aborted before its handler failed still reports that failure later, when the live runs
    // may be those of the retried Map or Parallel: only a failure that ends a live run fails them.
    const wasLive = siblings?.delete(node) === true;
    if (event.type !== 'ExecutionFailed') return;
    // Its Map fails with it. (A Parallel branch's StateMachine runs once: marking it changes nothing.)
    failedMaps.add(node.machine);
    // And so does its Parallel: Step Functions stops the other items or branches now.
    if (wasLive) for (const sibling of siblings ?? []) giveUpRun(sibling);
  }
}

const RUN_ENDS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimeout']);

function giveUpRun(node: RunNode): void {
  giveUps.get(node)?.abort();
  for (const child of liveChildren.get(node) ?? []) giveUpRun(child);
}
