import { log } from '../log.js';
import type { ArnScope } from './arns.js';
import { basename } from 'node:path';
import type { LocalStateMachine, SkippedDefinition } from './definitions.js';
import { ApiError, UNSUPPORTED } from './errors.js';
import { EXECUTION_CONTEXT_KEY, executionContext, retargetExecutionContext } from './execution-context.js';
import { CONSTANTS_CONTEXT_KEY, workAroundLibrary } from './library-fixes.js';
import { HistoryRecorder, type Outcome } from './history.js';
import { installPathFixes, loadLibrary, type Execution, type Json, type LibraryStateMachine, type StateMachineDefinition } from './library.js';
import type { StateInfo } from './states.js';
import { ExecutionStore, type ExecutionRecord } from './store.js';
import { installRunTap, runCallingHandler, tapRunOptions, type RunTap } from './run-tap.js';
import { dataLimitExceeded, exceedsPayloadLimit, scaledWaitHandler, taskHandler, type HandlerSet, type RunBinding } from './tasks.js';
import { TaskFailedWildcards } from './task-failed.js';
import { runtimeDefinition, type ScaledWait } from './timescale.js';
import { validatedCopy } from './validated-copy.js';
import { withSharedSchemaCompiler } from './shared-schema-compiler.js';
import { explainValidation } from './validator-messages.js';

/** Runs executions on aws-local-stepfunctions and keeps their records and histories. */

export interface EngineOptions {
  scope: ArnScope;
  roleArn: string;
  timeScale: number;
  handlers: HandlerSet;
  handlerFileHint: string;
  /** Ended executions kept, and characters held (store.ts defaults): tests lower them. */
  storeLimits?: { maxEnded: number; maxChars: number };
}

interface Runtime {
  machine: LibraryStateMachine;
  waitTimeOverrides: Record<string, number>;
  scaledWaits: Map<string, ScaledWait>;
  tasks: StateInfo[];
  /** Values the runtime definition reads from the context object (see library-fixes.ts). */
  constants: Json[];
  taskFailed: TaskFailedWildcards;
}

/** Dummy credentials: the library must never look for real ones (it would only need them to call Lambda). */
const AWS_CONFIG_CREDENTIALS = { accessKeys: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** How long a run's event log may stay open once its result is in (its last events are on their way). */
const EVENT_LOG_GRACE_MS = 1000;
const ENDED_REASON: Record<'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED', string> = {
  SUCCEEDED: 'the execution succeeded',
  FAILED: 'the execution failed',
  TIMED_OUT: 'the execution timed out',
  ABORTED: 'the execution was stopped',
};

export interface UnrunnableDefinition {
  name: string;
  file: string;
  reason: string;
  /** False for a file not loaded at all (no state machine is listed for it). */
  loaded: boolean;
}

/** Why a run whose history passed the store's limit failed: past it, one run could take the server's memory. */
const historyTooBig = (maxChars: number): string =>
  `The embedded engine keeps at most ${maxChars.toLocaleString('en-US')} characters of one execution's history, and this execution's events (their inputs and outputs) grew past that; Step Functions has no such limit. ` +
  'Make the states pass less data (ResultPath, OutputPath, ResultSelector, ItemSelector), or run it in Step Functions.';

export interface UnrunnableCheck {
  found: UnrunnableDefinition[];
  /** Machines whose validation had not finished when the check ran out of time. */
  unchecked: number;
}

export class LocalEngine {
  readonly machines = new Map<string, LocalStateMachine>();
  readonly store: ExecutionStore;
  private readonly runtimes = new Map<string, Promise<Runtime>>();

  constructor(
    machines: LocalStateMachine[],
    private readonly options: EngineOptions,
    /** Definition files not loaded, by state machine name: API errors on their ARNs say why. */
    readonly skipped: ReadonlyMap<string, SkippedDefinition> = new Map(),
  ) {
    for (const m of machines) this.machines.set(m.name, m);
    this.store = new ExecutionStore(options.storeLimits?.maxEnded, options.storeLimits?.maxChars);
  }

  /**
   * Starts an execution, or returns the running one with the same name and input (AWS idempotency).
   * The name check happens after the (possibly slow, first-time) build so concurrent starts agree.
   */
  async start(sm: LocalStateMachine, name: string, input: string, traceHeader: string | undefined): Promise<ExecutionRecord> {
    const runtime = await this.runtime(sm);
    const existing = this.store.get(sm.name, name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.arn}'`);
    }
    const record = this.store.add(sm, name, input, Date.now(), traceHeader);
    this.run(runtime, record);
    return record;
  }

  /** Loads the library and validates every definition in the background, so problems show at start. */
  async warm(): Promise<void> {
    for (const sm of this.machines.values()) {
      try {
        await this.runtime(sm);
      } catch (err) {
        log.warn('local state machine cannot run', { stateMachine: sm.name, error: err instanceof Error ? err.message : String(err) });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Definitions StartExecution refuses, with why: those the validator or the engine rejects, and
   * files not loaded at all. Waits for each machine's (cached) validation until `signal` aborts;
   * `unchecked` counts the machines not validated by then.
   */
  async unrunnable(signal: AbortSignal): Promise<UnrunnableCheck> {
    const found: UnrunnableDefinition[] = [];
    let unchecked = 0;
    for (const sm of this.machines.values()) {
      if (signal.aborted) {
        unchecked += 1;
        continue;
      }
      try {
        await this.runtime(sm);
      } catch (err) {
        found.push({ name: sm.name, file: basename(sm.file), reason: err instanceof ApiError ? err.message : String(err), loaded: true });
      }
      // A validation is synchronous work; timers (the signal's among them) run between two.
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const [name, { file, reason }] of this.skipped) found.push({ name, file, reason, loaded: false });
    return { found: found.sort((a, b) => a.name.localeCompare(b.name)), unchecked };
  }

  stopAll(): void {
    for (const record of this.store.running()) record.control?.stop('LocalEngine.Shutdown', 'The embedded engine was closed');
  }

  /** Builds (validates once, then caches) the library's StateMachine for a definition. */
  private runtime(sm: LocalStateMachine): Promise<Runtime> {
    let pending = this.runtimes.get(sm.name);
    if (!pending) {
      pending = this.build(sm);
      this.runtimes.set(sm.name, pending);
    }
    return pending;
  }

  private async build(sm: LocalStateMachine): Promise<Runtime> {
    const file = basename(sm.file);
    const unsupported = sm.problems.filter((p) => p.unsupported);
    if (unsupported.length > 0) throw new ApiError(UNSUPPORTED, `${unsupported.map((p) => p.message).join('; ')} (${file})`);
    if (sm.problems.length > 0) throw new ApiError('InvalidDefinition', `Invalid State Machine Definition: ${sm.problems.map((p) => p.message).join('; ')} (${file})`);
    const [lib] = await Promise.all([loadLibrary(), installPathFixes()]);
    installRunTap(lib.StateMachine);
    try {
      // Validates the definition as written (asl-validator), but for what its grammar refuses and
      // Step Functions takes (validated-copy.ts); the runtime copy skips validation.
      withSharedSchemaCompiler(() => new lib.StateMachine(validatedCopy(sm.definition) as unknown as StateMachineDefinition));
    } catch (err) {
      // The definition as written: the validator's messages point into it.
      const explained = err instanceof Error ? explainValidation(err.message, JSON.parse(sm.definitionText)) : String(err);
      const message = explained.replace(/\s+/g, ' ').trim();
      throw new ApiError('InvalidDefinition', `Invalid State Machine Definition: ${message} (${file})`);
    }
    const rt = runtimeDefinition(sm.definition, this.options.timeScale);
    retargetExecutionContext(rt.definition);
    const constants = workAroundLibrary(rt.definition);
    const taskFailed = TaskFailedWildcards.install(rt.definition);
    const machine = new lib.StateMachine(rt.definition as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
      awsConfig: { region: this.options.scope.region, credentials: AWS_CONFIG_CREDENTIALS },
    });
    const tasks = [...sm.states.values()].filter((s) => s.type === 'Task' && s.resource !== undefined);
    return { machine, waitTimeOverrides: rt.waitTimeOverrides, scaledWaits: rt.scaledWaits, tasks, constants, taskFailed };
  }

  private run(runtime: Runtime, record: ExecutionRecord): void {
    const sm = record.machine;
    const controller = new AbortController();
    const recorder = new HistoryRecorder({
      states: sm.states,
      scaledWaits: new Set(runtime.scaledWaits.keys()),
      region: this.options.scope.region,
      roleArn: this.options.roleArn,
      inputText: record.input,
      startedAt: record.startDate,
      append: (event) => record.history.append(event),
    });
    const binding: RunBinding = {
      handlers: this.options.handlers,
      calls: recorder,
      givenUp: () => {
        const run = runCallingHandler();
        return controller.signal.aborted || run?.signal?.aborted === true || run?.givenUp.aborted === true;
      },
      abortSources: () => {
        const run = runCallingHandler();
        if (!run) return [controller.signal];
        return run.signal ? [controller.signal, run.signal, run.givenUp] : [controller.signal, run.givenUp];
      },
      context: { executionArn: record.arn, executionName: record.name, stateMachineArn: sm.arn, signal: controller.signal },
      timeScale: this.options.timeScale,
      handlerFileHint: this.options.handlerFileHint,
    };
    const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const info of runtime.tasks) if (info.resource) taskResourceLocalHandlers[info.name] = taskHandler(info.name, info.resource, binding, info.timeoutSecondsPath);
    for (const [name, wait] of runtime.scaledWaits) taskResourceLocalHandlers[name] = scaledWaitHandler(wait, binding);

    const finish = (outcome: Outcome | { status: 'ABORTED'; error?: string; cause?: string; at: number }) => {
      if (record.status !== 'RUNNING') return;
      record.status = outcome.status;
      record.stopDate = outcome.at;
      if (outcome.status === 'SUCCEEDED') record.output = outcome.output;
      else {
        record.error = outcome.error;
        record.cause = outcome.cause;
      }
      record.control = undefined;
      try {
        record.history.freeze();
      } catch (err) {
        // The run still ends (its handlers and the library are stopped below); its history stays unfrozen.
        log.error('bug: local history could not be frozen', { execution: record.arn, error: err instanceof Error ? err.message : String(err) });
      }
      // Counted as ended whatever happened to its history, so the store can drop it in time.
      this.store.ended(record);
      // Handlers still running learn why (handlers that have returned are no longer listening).
      controller.abort(new DOMException(ENDED_REASON[outcome.status], 'AbortError'));
    };

    // The history comes from the tap (every run, in order, as events happen); see run-tap.ts.
    const tap: RunTap = {
      event: (run, event) => {
        try {
          const outcome = recorder.accept(run, event);
          if (outcome) finish(outcome);
          else if (record.history.chars > this.store.maxChars) failRun(historyTooBig(this.store.maxChars));
        } catch (err) {
          // Its history can no longer be told right: end the execution rather than leave it RUNNING.
          const message = err instanceof Error ? err.message : String(err);
          log.error('bug: local history recorder failed', { execution: record.arn, error: message });
          failRun(`The embedded engine could not record this execution's history: ${message}`);
        }
      },
      // A state output over the payload quota fails the execution, as in Step Functions.
      refuse: (_run, event) =>
        event.type === 'StateExited' && exceedsPayloadLimit(JSON.stringify(event.state.output ?? null)) ? dataLimitExceeded(event.state.name) : undefined,
      // States.TaskFailed in its Retry and Catch, as Step Functions matches it (task-failed.ts).
      stateFailing: (_run, stateName, error) => runtime.taskFailed.aim(stateName, error),
    };
    const input = JSON.parse(record.input) as Json;
    const execution: Execution = runtime.machine.run(input, {
      overrides: { taskResourceLocalHandlers, waitTimeOverrides: runtime.waitTimeOverrides },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: record.arn, Name: record.name, RoleArn: this.options.roleArn, RedriveCount: 0 },
        StateMachine: { Id: sm.arn, Name: sm.name },
        [EXECUTION_CONTEXT_KEY]: executionContext({ arn: record.arn, name: record.name, roleArn: this.options.roleArn, input, startDate: record.startDate }),
        ...(runtime.constants.length > 0 ? { [CONSTANTS_CONTEXT_KEY]: runtime.constants } : {}),
      },
      ...tapRunOptions(tap),
    });
    function failRun(cause: string): void {
      const at = Date.now();
      try {
        recorder.fail('States.Runtime', cause, at);
      } catch (err) {
        log.error('bug: local history recorder failed', { execution: record.arn, error: err instanceof Error ? err.message : String(err) });
      }
      finish({ status: 'FAILED', error: 'States.Runtime', cause, at });
      execution.abort();
    }
    record.control = {
      stop: (error, cause) => {
        const at = Date.now();
        recorder.abort(error, cause, at);
        finish({ status: 'ABORTED', error, cause, at });
        execution.abort();
        return at;
      },
    };
    // Failures are read from the tapped events; the result promise must not become an unhandled rejection.
    const settled = execution.result.then(
      () => undefined,
      (err: unknown) => err,
    );
    // The library buffers its own log until read: drain it (the tap already saw every event).
    const drained = (async () => {
      try {
        for await (const event of execution.eventLogs) void event;
      } catch (err) {
        log.error('bug: local engine event log failed', { execution: record.arn, error: err instanceof Error ? err.message : String(err) });
      }
    })();
    void (async () => {
      const err = await settled;
      // The log ends with the result, its last events still to come; a library failure (a stack
      // overflow) can leave it open for good, so the wait for it is bounded.
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, EVENT_LOG_GRACE_MS).unref())]);
      if (record.status === 'RUNNING') failRun(err instanceof Error ? err.message : 'the execution ended without a terminal event');
    })();
  }
}
