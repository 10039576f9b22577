import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSfnEnv, type SfnEnv } from './env.js';
import { entered, exited, failed, iter, eventsOf, type Spec, MAP_RETRIED_WHOLE, PARALLEL_RETRIED_WHOLE } from './history-specs.js';


const H: Record<string, [ExecutionStatus, Spec[]]> = {
  retryCatchFail: ['FAILED', [
    ['ExecutionStarted', 0], ['TaskStateEntered', 1, entered('Charge')], ['TaskScheduled', 2], ['TaskStarted', 3],
    ['TaskFailed', 4, failed('T')], ['TaskScheduled', 5], ['TaskStarted', 6], ['TaskFailed', 7, failed('D')],
    ['TaskStateExited', 8, exited('Charge')], ['TaskStateEntered', 9, entered('Ship')], ['TaskScheduled', 10], ['TaskStarted', 11],
    ['TaskFailed', 12, failed('C')], ['ExecutionFailed', 13, { executionFailedEventDetails: { error: 'C' } }]]],
  // Parallel(Catch) around a nested Map whose item fails.
  nested: ['SUCCEEDED', [
    ['ExecutionStarted', 0], ['ParallelStateEntered', 1, entered('Fan')], ['ParallelStateStarted', 2],
    ['MapStateEntered', 3, entered('Inner')], ['MapStateStarted', 4], ['MapIterationStarted', 5, iter('Started', 0, 'Inner')],
    ['TaskStateEntered', 6, entered('Work')], ['TaskScheduled', 7], ['TaskStarted', 8], ['TaskFailed', 9, failed('W')], // 10
    ['MapIterationFailed', 10, iter('Failed', 0, 'Inner')], ['MapStateFailed', 10], // 11, 12
    ['ParallelStateFailed', 12], ['ParallelStateExited', 13, exited('Fan')], // 13, 14
    ['PassStateEntered', 14, entered('After')], ['PassStateExited', 15, exited('After')], ['ExecutionSucceeded', 16]]],
  // Failed, redriven, retried once, succeeded.
  redriven: ['SUCCEEDED', [
    ['ExecutionStarted', 0], ['TaskStateEntered', 1, entered('Charge')], ['TaskScheduled', 2], ['TaskStarted', 3],
    ['TaskFailed', 4, failed('Down')], ['ExecutionFailed', 5, { executionFailedEventDetails: { error: 'Down' } }],
    ['ExecutionRedriven', 6, { executionRedrivenEventDetails: { redriveCount: 1 } }], ['TaskStateEntered', 7, entered('Charge')],
    ['TaskScheduled', 8], ['TaskStarted', 9], ['TaskFailed', 10, failed('Again')], ['TaskScheduled', 11], ['TaskStarted', 12],
    ['TaskSucceeded', 13], ['TaskStateExited', 14, exited('Charge')], ['ExecutionSucceeded', 15]]],
  // Redriven twice, now failed a third time.
  redrivenTwice: ['FAILED', [
    ['ExecutionStarted', 0], ['TaskStateEntered', 1, entered('A')], ['TaskScheduled', 2], ['TaskStarted', 3],
    ['TaskFailed', 4, failed('X')], ['ExecutionFailed', 5], ['ExecutionRedriven', 6], ['TaskStateEntered', 7, entered('A')],
    ['TaskScheduled', 8], ['TaskStarted', 9], ['TaskFailed', 10, failed('X')], ['ExecutionFailed', 11], ['ExecutionRedriven', 12],
    ['TaskStateEntered', 13, entered('A')], ['TaskScheduled', 14], ['TaskStarted', 15], ['TaskFailed', 16, failed('X')], ['ExecutionFailed', 17]]],
  // Stopped while the retry of a failed task was waiting.
  aborted: ['ABORTED', [
    ['ExecutionStarted', 0], ['TaskStateEntered', 1, entered('A')], ['TaskScheduled', 2], ['TaskStarted', 3],
    ['TaskFailed', 4, failed('X')], ['ExecutionAborted', 5, { executionAbortedEventDetails: { error: 'stop' } }]]],
  // Timed out in a Wait after a caught failure.
  timedOut: ['TIMED_OUT', [
    ['ExecutionStarted', 0], ['TaskStateEntered', 1, entered('A')], ['TaskScheduled', 2], ['TaskStarted', 3],
    ['TaskFailed', 4, failed('X')], ['TaskStateExited', 5, exited('A')], ['WaitStateEntered', 6, entered('Pause')],
    ['WaitStateAborted', 7], ['ExecutionTimedOut', 8]]],
  // Running: a retried task then a pending failure.
  running: ['RUNNING', [
    ['ExecutionStarted', 0], ['TaskStateEntered', 1, entered('A')], ['TaskScheduled', 2], ['TaskStarted', 3],
    ['TaskFailed', 4, failed('X')], ['TaskScheduled', 5], ['TaskStarted', 6], ['TaskFailed', 7, failed('Y')]]],
  // Running after a redrive: pending failure in run 2.
  runningRedriven: ['RUNNING', [
    ['ExecutionStarted', 0], ['TaskStateEntered', 1, entered('A')], ['TaskScheduled', 2], ['TaskStarted', 3],
    ['TaskFailed', 4, failed('X')], ['ExecutionFailed', 5], ['ExecutionRedriven', 6], ['TaskStateEntered', 7, entered('A')],
    ['TaskScheduled', 8], ['TaskStarted', 9], ['TaskFailed', 10, failed('Y')]]],
  mapRetriedWhole: ['FAILED', MAP_RETRIED_WHOLE],
  parallelRetriedWhole: ['FAILED', PARALLEL_RETRIED_WHOLE],
  parallelPending: ['RUNNING', [
    ['ExecutionStarted', 0], ['ParallelStateEntered', 1, entered('Fan')], ['ParallelStateStarted', 2], ['TaskStateEntered', 3, entered('Tax')],
    ['TaskScheduled', 4], ['TaskStarted', 5], ['TaskFailed', 6, failed('T')], ['ParallelStateFailed', 7]]],
};

let env: SfnEnv;
const arns: Record<string, string> = {};
beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Sweep');
  for (const [name, [status, specs]] of Object.entries(H)) {
    arns[name] = env.fake.addExecution({ stateMachineArn: machine, name, status }).executionArn;
    env.fake.setHistory(arns[name] as string, eventsOf(specs));
  }
});
afterAll(async () => env.close());

const MARK = /^#(\d+) .*?\((retried|caught|redriven|then the run was stopped|then the run timed out|then its state was aborted|what followed not read yet|still running: what follows is not known yet|outcome not carried[^)]*)\)/;
async function walk(executionArn: string, args: Record<string, unknown>) {
  const rows: string[] = [];
  let token: string | undefined;
  let calls = 0;
  do {
    const r = await env.call('get_execution_history', { executionArn, ...args, ...(token ? { startingToken: token } : {}) });
    if (r.isError) return [`ERROR ${r.text}`];
    const marks = new Map<number, string>();
    for (const line of r.text.split('\n')) {
      const m = /^#(\d+) /.exec(line);
      if (m) marks.set(Number(m[1]), MARK.exec(line)?.[2] ?? '');
    }
    for (const e of r.structured?.events as Array<{ id: number; outcome?: string; type: string }>) rows.push(`${e.id} ${e.type} ${e.outcome ?? '-'} [${marks.get(e.id) ?? '?'}]`);
    token = r.structured?.nextToken as string | undefined;
    if (++calls > 200) return ['LOOP'];
  } while (token);
  return rows;
}

const COMBOS = [[1, 1], [1, 3], [2, 1], [2, 5], [3, 2], [4, 1], [4, 3], [5, 2]] as const;

/** Outcomes and marks must not depend on how the history is paged: each combination against one call reading it all. */
it('every paging combination gives the outcomes and marks of a single call', async () => {
  const problems: string[] = [];
  for (const name of Object.keys(H)) {
    for (const reverseOrder of [true, false]) {
      for (const failuresOnly of [true, false]) {
        const base = { reverseOrder, failuresOnly };
        const ref = await walk(arns[name] as string, { ...base, maxItems: 100 });
        // Pages and calls that end before, on and after the events that settle each failure.
        for (const [pageSize, maxItems] of COMBOS) {
          const got = await walk(arns[name] as string, { ...base, pageSize, maxItems });
          if (JSON.stringify(got) !== JSON.stringify(ref)) {
            const diff = got.filter((r) => !ref.includes(r)).concat(ref.filter((r) => !got.includes(r)).map((r) => `missing ${r}`));
            problems.push(`${name} ${reverseOrder ? 'newest' : 'oldest'} fo=${failuresOnly} ps=${pageSize} mi=${maxItems}: ${diff.join(' | ') || 'order differs'}`);
          }
        }
      }
    }
  }
  expect(problems).toEqual([]);
}, 300_000);
