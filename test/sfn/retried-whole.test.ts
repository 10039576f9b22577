import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyEvents } from '../helpers/history-walk.js';
import { startSfnEnv, type SfnEnv } from './env.js';
import { addHistories, entered, exited, MAP_IN_MAP_BOTH_RETRIED, MAP_OF_PARALLEL_RETRIED_WHOLE, MAP_RETRIED_WHOLE, PARALLEL_RETRIED_WHOLE, type Spec } from './history-specs.js';

/**
 * A Map or Parallel retried as a whole, in the shape AWS records (see history-specs.ts): the failed
 * attempts' failures read as retried, and every attempt's events keep the Map/Parallel state's
 * name, not the name of the state that failed inside it, however the history is paged.
 */

interface Case {
  status: ExecutionStatus;
  specs: Spec[];
  retried: number[];
  /** Container events (Map/Parallel Started, Succeeded, Failed) and the state each belongs to. */
  names: Record<number, string>;
}

// A Distributed Map retried by its own Retry, if AWS writes only a new MapRunStarted linked to the
// failed run's MapRunFailed (no new MapStateStarted: a shape not confirmed, handled all the same).
const run = (id: string) => ({ mapRunStartedEventDetails: { mapRunArn: `arn:aws:states:us-east-1:123456789012:mapRun:RetriedWhole/Shard:${id}` } });
const MAP_RUN_RETRIED: Spec[] = [
  ['ExecutionStarted', 0],
  ['MapStateEntered', 1, entered('Shard')],
  ['MapStateStarted', 2], // 3
  ['MapRunStarted', 3, run('run-1')], // 4
  ['MapRunFailed', 4, { mapRunFailedEventDetails: { error: 'States.ExceedToleratedFailureThreshold' } }], // 5: retried
  ['MapRunStarted', 5, run('run-2')], // 6
  ['MapRunSucceeded', 6], // 7
  ['MapStateSucceeded', 7], // 8
  ['MapStateExited', 8, exited('Shard')],
  ['ExecutionSucceeded', 9],
];

const CASES: Record<string, Case> = {
  map: { status: 'FAILED', specs: MAP_RETRIED_WHOLE, retried: [5, 6, 9, 10], names: { 3: 'Fanout', 7: 'Fanout', 11: 'Fanout', 15: 'Fanout' } },
  parallel: { status: 'FAILED', specs: PARALLEL_RETRIED_WHOLE, retried: [4, 6], names: { 3: 'Fan', 5: 'Fan', 7: 'Fan', 9: 'Fan' } },
  mapOfParallel: {
    status: 'SUCCEEDED',
    specs: MAP_OF_PARALLEL_RETRIED_WHOLE,
    retried: [10, 11, 12],
    names: { 3: 'Outer', 6: 'Fan', 11: 'Fan', 13: 'Outer', 16: 'Fan', 22: 'Fan', 25: 'Outer' },
  },
  mapInMap: {
    status: 'SUCCEEDED',
    specs: MAP_IN_MAP_BOTH_RETRIED,
    retried: [11, 12, 18, 19, 20, 21],
    names: { 3: 'Outer', 6: 'Inner', 13: 'Inner', 20: 'Inner', 22: 'Outer', 27: 'Outer' },
  },
  mapRunRetried: { status: 'SUCCEEDED', specs: MAP_RUN_RETRIED, retried: [5], names: { 3: 'Shard', 4: 'Shard', 5: 'Shard', 6: 'Shard', 7: 'Shard', 8: 'Shard' } },
  // The same up to Inner's second failure; then Outer fails too.
  mapInMapFailed: {
    status: 'FAILED',
    specs: [...MAP_IN_MAP_BOTH_RETRIED.slice(0, 21), ['MapStateFailed', 20], ['ExecutionFailed', 22]],
    retried: [11, 12],
    names: { 3: 'Outer', 6: 'Inner', 13: 'Inner', 20: 'Inner', 22: 'Outer' },
  },
};

let env: SfnEnv;
let arns: Record<string, string> = {};
beforeAll(async () => {
  env = await startSfnEnv();
  arns = addHistories(env.fake, 'RetriedWhole', CASES);
});
afterAll(async () => env.close());

const walk = async (executionArn: string, args: Record<string, unknown>) =>
  (await historyEvents((name, a) => env.call(name, a), { executionArn, ...args })).sort((a, b) => a.id - b.id);

// One call for all, then pages and calls that end before, on and after each restart and its link.
const PAGING = [{}, ...[[1, 1], [1, 3], [2, 1], [2, 3], [2, 5], [3, 2], [4, 1], [4, 3], [5, 2], [5, 4]].map(([pageSize, maxItems]) => ({ pageSize, maxItems }))];

describe('a Map or Parallel retried as a whole', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: the failed attempts' failures are retried, and each attempt's container events carry the container's name`, async () => {
      const newestFirst = { named: 0, seen: 0 };
      for (const reverseOrder of [false, true]) {
        for (const paging of PAGING) {
          const label = `${name} ${JSON.stringify({ reverseOrder, ...paging })}`;
          const events = await walk(arns[name] as string, { reverseOrder, ...paging });
          expect(events.filter((e) => e.outcome).map((e) => `${e.id} ${e.outcome}`), label).toEqual(c.retried.map((id) => `${id} retried`));
          for (const [id, state] of Object.entries(c.names)) {
            const got = events.find((e) => e.id === Number(id))?.stateName;
            // Oldest first, or in one call, every name is known; newest first a name may still be
            // unknown (its state's start lies ahead), but it is never another state's.
            if (got !== undefined || !reverseOrder || Object.keys(paging).length === 0) expect(`#${id} ${got}`, label).toBe(`#${id} ${state}`);
            if (reverseOrder) {
              newestFirst.seen += 1;
              if (got !== undefined) newestFirst.named += 1;
            }
          }
        }
      }
      // Not vacuous: newest first, many are named too (about half, with these small pages).
      expect(newestFirst.named).toBeGreaterThan(newestFirst.seen / 3);
    });
  }

  it('failuresOnly oldest first lists the last attempt\'s failure unmarked, the earlier ones marked retried', async () => {
    const r = await env.call('get_execution_history', { executionArn: arns.parallel, failuresOnly: true });
    const lines = r.text.split('\n').filter((l) => l.startsWith('#'));
    expect(lines.map((l) => `${/^#(\d+)/.exec(l)?.[1]}${l.includes('(retried)') ? ' retried' : ''}`)).toEqual(['4 retried', '6 retried', '8', '9', '10']);
  });
});
