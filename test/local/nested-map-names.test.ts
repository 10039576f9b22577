import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyEvents } from '../helpers/history-walk.js';
import { startSfnEnv, type SfnEnv } from '../sfn/env.js';
import { useLocalMachines } from './helpers.js';

/**
 * Maps in Maps whose outer items run one at a time, as the engine runs them: a Map's MapStateExited
 * links to its last iteration event, past its MapStateSucceeded (as AWS records it), so a walk back
 * from the outer Map's end passes into an earlier inner Map without meeting that Map's end.
 */

const ITEM = 'arn:aws:lambda:us-east-1:123456789012:function:item';
const handlers = `export default { '${ITEM}': async (item) => { if (item.mode === 'boom') { const e = new Error('boom on ' + item.id); e.name = 'Boom'; throw e; } return item; } };`;
const leaf = { StartAt: 'Leaf', States: { Leaf: { Type: 'Task', Resource: ITEM, End: true } } };
const map = (name: string, itemsPath: string, processor: unknown, extra: Record<string, unknown> = {}) => ({
  StartAt: name,
  States: { [name]: { Type: 'Map', ItemsPath: itemsPath, ItemProcessor: processor, End: true, ...extra } },
});
const twoLevels = map('Outer', '$.groups', map('Inner', '$.items', leaf), { MaxConcurrency: 1 });
const threeLevels = map('L0', '$.a', map('L1', '$.b', map('L2', '$.items', leaf)), { MaxConcurrency: 1 });

// The innermost Map fails and is caught: its MapStateExited links to its MapStateFailed, not past it.
const caughtInner = map(
  'Outer',
  '$.groups',
  map('Mid', '$.items', {
    StartAt: 'Inner',
    States: {
      Inner: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: leaf, Next: 'After', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fix', ResultPath: null }] },
      Fix: { Type: 'Pass', Next: 'After' },
      After: { Type: 'Pass', End: true },
    },
  }, { MaxConcurrency: 1 }),
  { MaxConcurrency: 1 },
);

// The two levels inside one branch of a Parallel: the failure ends the Maps and the Parallel at once.
const inParallel = {
  StartAt: 'Both',
  States: { Both: { Type: 'Parallel', End: true, Branches: [twoLevels, { StartAt: 'Audit', States: { Audit: { Type: 'Pass', End: true } } }] } },
};

const local = useLocalMachines({ two: twoLevels, three: threeLevels, caught: caughtInner, parallel: inParallel }, handlers);
let env: SfnEnv;
const arns: Record<string, string> = {};

// Container events in history order, as the machine's structure makes them: the first outer item
// succeeds, the second one's innermost item fails and fails every Map around it (caught: the
// innermost Map's failure is caught each time).
const EXPECTED: Record<string, string[]> = {
  two: ['Started Outer', 'Started Inner', 'Succeeded Inner', 'Started Inner', 'Failed Inner', 'Failed Outer'],
  parallel: ['Started Outer', 'Started Inner', 'Succeeded Inner', 'Started Inner', 'Failed Inner', 'Failed Outer'],
  three: ['Started L0', 'Started L1', 'Started L2', 'Succeeded L2', 'Succeeded L1', 'Started L1', 'Started L2', 'Failed L2', 'Failed L1', 'Failed L0'],
  caught: [
    ...['Started Outer', 'Started Mid', 'Started Inner', 'Failed Inner', 'Started Inner', 'Succeeded Inner', 'Succeeded Mid'],
    ...['Started Mid', 'Started Inner', 'Failed Inner', 'Succeeded Mid', 'Succeeded Outer'],
  ],
};

beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Nested');
  const inputs = {
    two: { groups: [{ items: [{ id: 'a' }] }, { items: [{ id: 'b', mode: 'boom' }] }] },
    parallel: { groups: [{ items: [{ id: 'a' }] }, { items: [{ id: 'b', mode: 'boom' }] }] },
    three: { a: [{ b: [{ items: [{ id: 'ok' }] }] }, { b: [{ items: [{ id: 'z', mode: 'boom' }] }] }] },
    caught: { groups: [{ items: [{ items: [{ id: 'x', mode: 'boom' }] }, { items: [{ id: 'y' }] }] }, { items: [{ items: [{ id: 'z', mode: 'boom' }] }] }] },
  };
  for (const [name, input] of Object.entries(inputs)) {
    const { events, description } = await local.run(name, input);
    const status = name === 'caught' ? 'SUCCEEDED' : 'FAILED';
    expect(description.status).toBe(status);
    arns[name] = env.fake.addExecution({ stateMachineArn: machine, name, status }).executionArn;
    env.fake.setHistory(arns[name] as string, events.map((e) => ({ ...e, timestamp: (e.timestamp?.getTime() ?? 0) / 1000 })) as never);
  }
}, 30_000);
afterAll(async () => env.close());

const containerEvents = (events: Array<{ type: string; stateName?: string }>) =>
  events.filter((e) => /^MapState(Started|Succeeded|Failed)$/.test(e.type)).map((e) => `${e.type.slice('MapState'.length)} ${e.stateName ?? '?'}`);

describe('Map in Map, outer items one at a time: each Map event names its own Map', () => {
  for (const name of Object.keys(EXPECTED)) {
    it(`${name} levels: in one whole read, either order`, async () => {
      const oldest = await historyEvents(env.call, { executionArn: arns[name], includeExecutionData: false });
      expect(containerEvents(oldest)).toEqual(EXPECTED[name]);
      const newest = await historyEvents(env.call, { executionArn: arns[name], includeExecutionData: false, reverseOrder: true });
      expect(containerEvents(newest)).toEqual([...(EXPECTED[name] ?? [])].reverse());
    });

    it(`${name} levels: in small calls, no event takes another state's name`, async () => {
      const whole = new Map((await historyEvents(env.call, { executionArn: arns[name] })).map((e) => [e.id, e.stateName]));
      for (const paging of [{ maxItems: 1, pageSize: 1 }, { maxItems: 3, pageSize: 2 }, { maxItems: 4, pageSize: 7 }]) {
        const oldest = await historyEvents(env.call, { executionArn: arns[name], ...paging });
        expect(oldest.map((e) => [e.id, e.stateName]), JSON.stringify(paging)).toEqual(oldest.map((e) => [e.id, whole.get(e.id)]));
        // Newest first a name may stay unknown (its state began beyond what the call reads), never wrong.
        const newest = await historyEvents(env.call, { executionArn: arns[name], reverseOrder: true, ...paging });
        const wrong = newest.filter((e) => e.stateName !== undefined && e.stateName !== whole.get(e.id));
        expect(wrong, JSON.stringify(paging)).toEqual([]);
      }
    });

    it(`${name} levels: failuresOnly in small calls names each failure as one whole read does`, async () => {
      const whole = await historyEvents(env.call, { executionArn: arns[name], failuresOnly: true });
      // Calls that stop just after a failure, on the page where the containers around it end.
      for (const paging of [{ maxItems: 1, pageSize: 7 }, { maxItems: 3, pageSize: 7 }, { maxItems: 2, pageSize: 4 }, { maxItems: 1, pageSize: 1 }]) {
        const paged = await historyEvents(env.call, { executionArn: arns[name], failuresOnly: true, ...paging });
        expect(paged.map((e) => [e.id, e.stateName]), JSON.stringify(paging)).toEqual(whole.map((e) => [e.id, e.stateName]));
        // And narrowed to one state, the same failures of that state: none of another state taken as not known.
        for (const stateName of new Set(whole.map((e) => e.stateName).filter((n) => n !== undefined))) {
          const narrowed = await historyEvents(env.call, { executionArn: arns[name], failuresOnly: true, stateName, ...paging });
          expect(narrowed.map((e) => e.id), `${stateName} ${JSON.stringify(paging)}`).toEqual(whole.filter((e) => e.stateName === stateName).map((e) => e.id));
        }
      }
    });
  }

  it('failuresOnly names the failure that ended the run after the outermost Map', async () => {
    const failures = await historyEvents(env.call, { executionArn: arns.three, failuresOnly: true, reverseOrder: true, maxItems: 2 });
    expect(failures.slice(0, 2).map((e) => `${e.type} ${e.stateName ?? ''}`.trim())).toEqual(['ExecutionFailed', 'MapStateFailed L0']);
  });
});
