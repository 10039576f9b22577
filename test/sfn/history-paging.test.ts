import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHistory, startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/** get_execution_history filters across continuations: the same events as one unpaged call, exactly once. */

let fake: FakeSfn;
let env: SfnEnv;
let arn: string;

beforeAll(async () => {
  fake = await startFakeSfn();
  const machine = fake.addStateMachine('Orders');
  arn = fake.addExecutions(machine, 1)[0]?.executionArn ?? '';
  fake.setHistory(arn, buildHistory({ tasks: 12, failAt: 12, retryFirst: true }));
  env = await startSfnEnv({ fake });
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

type Ev = { id: number; type: string; stateName?: string };

async function walk(args: Record<string, unknown>, maxItems: number, pageSize: number): Promise<Ev[]> {
  const out: Ev[] = [];
  let token: string | undefined;
  for (let n = 0; n < 500; n += 1) {
    const r = await env.call('get_execution_history', { executionArn: arn, ...args, maxItems, pageSize, ...(token ? { startingToken: token } : {}) });
    expect(r.isError, r.text).toBeUndefined();
    out.push(...(r.structured?.events as Ev[]));
    token = r.structured?.nextToken as string | undefined;
    if (!token) return out;
  }
  throw new Error('no end');
}

describe('get_execution_history filters while paging', () => {
  it('stateName, failuresOnly, eventTypes and reverseOrder give the same events whatever maxItems and pageSize', async () => {
    const unpaged = async (args: Record<string, unknown>) => walk(args, 1000, 1000);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          reverseOrder: fc.boolean(),
          filter: fc.constantFrom<Record<string, unknown>>(
            {},
            { stateName: 'Step1' },
            { stateName: 'Step7' },
            { failuresOnly: true },
            { eventTypes: ['TaskScheduled', 'TaskStateExited'] },
            { stateName: 'Step3', eventTypes: ['TaskSucceeded'] },
          ),
        }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 11 }),
        async ({ reverseOrder, filter }, maxItems, pageSize) => {
          const args = { reverseOrder, ...filter };
          const expected = await unpaged(args);
          expect(expected.length).toBeGreaterThan(0);
          const got = await walk(args, maxItems, pageSize);
          if (!reverseOrder) {
            expect(got).toEqual(expected);
            return;
          }
          // Newest first, the events of a state that never exited (the failing Step12) learn their
          // state name only from its StateEntered, which may sit on a later backend page. They come
          // back unnamed; under a stateName filter they are kept (marked) rather than dropped, so no
          // event of the asked-for state is ever missing.
          const named = new Map(expected.map((e) => [e.id, e]));
          const truth = new Map((await unpaged({ reverseOrder })).map((e) => [e.id, e.stateName]));
          for (const e of got) {
            if (e.stateName === undefined) expect([undefined, 'Step12']).toContain(truth.get(e.id));
            else expect(e).toEqual(named.get(e.id));
          }
          const gotIds = got.map((e) => e.id);
          expect(expected.map((e) => e.id).every((id) => gotIds.includes(id))).toBe(true);
          expect(gotIds).toEqual([...gotIds].sort((a, b) => b - a));
        },
      ),
      { numRuns: 40 },
    );
  });
});
