import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyEvents } from '../helpers/history-walk.js';
import { mapRunArnOf } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';
import { addHistories, entered, exited, failed, type Spec } from './history-specs.js';

/**
 * A run redriven after a Map or Parallel failed: ExecutionRedriven links to the end of the run it
 * reopens, a Distributed Map's MapRunRedriven to the ExecutionRedriven, and the state runs again
 * inside the containers the failure closed. The end events the redriven run writes belong to those
 * containers, and the run's end names the state it ended in, however the history is paged.
 */

const RUN = mapRunArnOf('Redriven', 'ProcessFiles', 'run-1');
const runFailed = (cause: string) => ({ mapRunFailedEventDetails: { error: 'States.ExceedToleratedFailureThreshold', cause } });
const runEnd = (cause: string) => ({ executionFailedEventDetails: { error: 'States.ExceedToleratedFailureThreshold', cause } });

// A Distributed Map whose run fails, is redriven in place, and fails again.
const DMAP_FAILS_AGAIN: Spec[] = [
  ['ExecutionStarted', 0],
  ['MapStateEntered', 1, entered('ProcessFiles')],
  ['MapStateStarted', 2], // 3
  ['MapRunStarted', 3, { mapRunStartedEventDetails: { mapRunArn: RUN } }],
  ['MapRunFailed', 4, runFailed('run 1')], // 5
  ['MapStateFailed', 5], // 6
  ['ExecutionFailed', 6, runEnd('run 1')], // 7
  ['ExecutionRedriven', 7, { executionRedrivenEventDetails: { redriveCount: 1 } }], // 8
  ['MapRunRedriven', 8, { mapRunRedrivenEventDetails: { mapRunArn: RUN, redriveCount: 1 } }], // 9
  ['MapRunFailed', 9, runFailed('run 2')], // 10
  ['MapStateFailed', 10], // 11
  ['ExecutionFailed', 11, runEnd('run 2')], // 12
];
// The same, redriven a second time: the run succeeds.
const DMAP_REDRIVEN_TWICE: Spec[] = [
  ...DMAP_FAILS_AGAIN,
  ['ExecutionRedriven', 12, { executionRedrivenEventDetails: { redriveCount: 2 } }], // 13
  ['MapRunRedriven', 13, { mapRunRedrivenEventDetails: { mapRunArn: RUN, redriveCount: 2 } }], // 14
  ['MapRunSucceeded', 14], // 15
  ['MapStateSucceeded', 15], // 16
  ['MapStateExited', 16, exited('ProcessFiles')],
  ['PassStateEntered', 17, entered('Report')],
  ['PassStateExited', 18, exited('Report')],
  ['ExecutionSucceeded', 19],
];

// Parallel "Fan" whose second branch runs Distributed Map "Shard"; the run fails, is redriven, and succeeds.
const DMAP_IN_PARALLEL: Spec[] = [
  ['ExecutionStarted', 0],
  ['ParallelStateEntered', 1, entered('Fan')],
  ['ParallelStateStarted', 2], // 3
  ['PassStateEntered', 3, entered('Prep')],
  ['PassStateExited', 4, exited('Prep')],
  ['MapStateEntered', 3, entered('Shard')], // 6
  ['MapStateStarted', 6], // 7
  ['MapRunStarted', 7, { mapRunStartedEventDetails: { mapRunArn: RUN } }], // 8
  ['MapRunFailed', 8, runFailed('run 1')], // 9
  ['MapStateFailed', 9], // 10
  ['ParallelStateFailed', 10], // 11
  ['ExecutionFailed', 11, runEnd('run 1')], // 12
  ['ExecutionRedriven', 12, { executionRedrivenEventDetails: { redriveCount: 1 } }], // 13
  ['MapRunRedriven', 13, { mapRunRedrivenEventDetails: { mapRunArn: RUN, redriveCount: 1 } }], // 14
  ['MapRunSucceeded', 14], // 15
  ['MapStateSucceeded', 15], // 16
  ['MapStateExited', 16, exited('Shard')], // 17
  ['ParallelStateSucceeded', 17], // 18
  ['ParallelStateExited', 18, exited('Fan')],
  ['ExecutionSucceeded', 19],
];

// Parallel "Fan" whose branch task fails; the redrive enters the task again, and the Parallel succeeds.
const PARALLEL_REDRIVEN: Spec[] = [
  ['ExecutionStarted', 0],
  ['ParallelStateEntered', 1, entered('Fan')],
  ['ParallelStateStarted', 2], // 3
  ['TaskStateEntered', 3, entered('Charge')],
  ['TaskScheduled', 4],
  ['TaskStarted', 5],
  ['TaskFailed', 6, failed('Declined')], // 7
  ['ParallelStateFailed', 7], // 8
  ['ExecutionFailed', 8, { executionFailedEventDetails: { error: 'Declined' } }], // 9
  ['ExecutionRedriven', 9, { executionRedrivenEventDetails: { redriveCount: 1 } }], // 10
  ['TaskStateEntered', 10, entered('Charge')], // 11
  ['TaskScheduled', 11],
  ['TaskStarted', 12],
  ['TaskSucceeded', 13],
  ['TaskStateExited', 14, exited('Charge')], // 15
  ['ParallelStateSucceeded', 15], // 16
  ['ParallelStateExited', 16, exited('Fan')],
  ['ExecutionSucceeded', 17],
];

interface Case {
  status: ExecutionStatus;
  specs: Spec[];
  /** Events that name no state of their own, and the state each belongs to. */
  names: Record<number, string>;
  /** Each run's end and the state it ended in (after [State]). */
  endedIn: Record<number, string>;
}

const CASES: Record<string, Case> = {
  dmapFailsAgain: {
    status: 'FAILED',
    specs: DMAP_FAILS_AGAIN,
    names: { 3: 'ProcessFiles', 4: 'ProcessFiles', 5: 'ProcessFiles', 6: 'ProcessFiles', 9: 'ProcessFiles', 10: 'ProcessFiles', 11: 'ProcessFiles' },
    endedIn: { 7: 'ProcessFiles', 12: 'ProcessFiles' },
  },
  dmapRedrivenTwice: {
    status: 'SUCCEEDED',
    specs: DMAP_REDRIVEN_TWICE,
    names: { 3: 'ProcessFiles', 6: 'ProcessFiles', 9: 'ProcessFiles', 11: 'ProcessFiles', 14: 'ProcessFiles', 15: 'ProcessFiles', 16: 'ProcessFiles' },
    endedIn: { 7: 'ProcessFiles', 12: 'ProcessFiles' },
  },
  dmapInParallel: {
    status: 'SUCCEEDED',
    specs: DMAP_IN_PARALLEL,
    names: { 3: 'Fan', 7: 'Shard', 9: 'Shard', 10: 'Shard', 11: 'Fan', 14: 'Shard', 15: 'Shard', 16: 'Shard', 18: 'Fan' },
    endedIn: { 12: 'Fan' },
  },
  parallelRedriven: {
    status: 'SUCCEEDED',
    specs: PARALLEL_REDRIVEN,
    names: { 3: 'Fan', 7: 'Charge', 8: 'Fan', 12: 'Charge', 16: 'Fan' },
    endedIn: { 9: 'Fan' },
  },
};

let env: SfnEnv;
let arns: Record<string, string> = {};
beforeAll(async () => {
  env = await startSfnEnv();
  arns = addHistories(env.fake, 'Redriven', CASES, { redriveCount: 1 });
});
afterAll(async () => env.close());

const walk = async (executionArn: string, args: Record<string, unknown>) =>
  (await historyEvents((name, a) => env.call(name, a), { executionArn, ...args })).sort((a, b) => a.id - b.id);

// One call for all, then pages and calls that end before, on and after the run's end and the redrive.
const PAGING = [{}, ...[[1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1], [7, 1], [8, 1], [1, 3], [2, 3], [3, 2], [4, 3], [5, 2], [7, 4], [8, 3]].map(([pageSize, maxItems]) => ({ pageSize, maxItems }))];

describe('a redriven run', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: the events after the redrive belong to the state run again and the containers around it`, async () => {
      for (const reverseOrder of [false, true]) {
        for (const paging of PAGING) {
          const label = `${name} ${JSON.stringify({ reverseOrder, ...paging })}`;
          const events = await walk(arns[name] as string, { reverseOrder, ...paging });
          expect(events.map((e) => e.id), label).toEqual(c.specs.map((_, i) => i + 1));
          for (const [id, state] of Object.entries(c.names)) {
            const got = events.find((e) => e.id === Number(id))?.stateName;
            // Newest first, across calls, a name may stay unknown (its state's start lies ahead); never another state's.
            if (got !== undefined || !reverseOrder || Object.keys(paging).length === 0) expect(`#${id} ${got}`, label).toBe(`#${id} ${state}`);
          }
        }
      }
    });

    it(`${name}: each run's end says the state it ended in`, async () => {
      for (const reverseOrder of [false, true]) {
        const r = await env.call('get_execution_history', { executionArn: arns[name], reverseOrder });
        for (const [id, state] of Object.entries(c.endedIn)) expect(r.text).toMatch(new RegExp(`^#${id} ←\\d+ Execution\\w+ after \\[${state}\\] `, 'm'));
      }
    });
  }

  it('failuresOnly, newest first: the failure that ended the redriven run and its Map are named', async () => {
    const r = await env.call('get_execution_history', { executionArn: arns.dmapFailsAgain, failuresOnly: true, reverseOrder: true });
    const lines = r.text.split('\n').filter((l) => l.startsWith('#'));
    expect(lines[0]).toMatch(/^#12 ←11 ExecutionFailed after \[ProcessFiles\] /);
    expect(lines[1]).toMatch(/^#11 ←10 MapStateFailed \[ProcessFiles\] /);
  });
});
