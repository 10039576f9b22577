import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHistory, startFakeSfn, type FakeEvent, type FakeSfn } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/** get_execution_history filters across continuations: exactly the matching events of the fake's history, once, in order (either order). */

let fake: FakeSfn;
let env: SfnEnv;
let arn: string;
let machine: string;

beforeAll(async () => {
  fake = await startFakeSfn();
  machine = fake.addStateMachine('Orders');
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

type Filter = { stateName?: string; failuresOnly?: boolean; eventTypes?: string[] };

/**
 * The state each event of a history built by buildHistory belongs to, worked out from the events
 * themselves (not from the tool): a state's events lie between its StateEntered and StateExited
 * (or the end of the history); Execution events belong to no state.
 */
function truthNames(events: FakeEvent[]): Map<number, string | undefined> {
  const out = new Map<number, string | undefined>();
  let current: string | undefined;
  for (const e of events) {
    const entered = e.stateEnteredEventDetails as { name?: string } | undefined;
    const exited = e.stateExitedEventDetails as { name?: string } | undefined;
    if (entered) current = entered.name;
    out.set(e.id, e.type.startsWith('Execution') ? undefined : (exited?.name ?? current));
    if (exited) current = undefined;
  }
  return out;
}

const isFailure = (type: string): boolean => /(Failed|TimedOut|Aborted)$/.test(type) || type === 'FailStateEntered';

function matches(filter: Filter, type: string, stateName: string | undefined): boolean {
  if (filter.eventTypes && !filter.eventTypes.includes(type)) return false;
  if (filter.failuresOnly && !isFailure(type)) return false;
  if (filter.stateName !== undefined && stateName !== filter.stateName) return false;
  return true;
}

/** What the call must return, from the fake's own events: ids in the asked-for order. */
function expectedIds(filter: Filter, reverseOrder: boolean): number[] {
  const events = fake.history(arn);
  const names = truthNames(events);
  const ids = events.filter((e) => matches(filter, e.type, names.get(e.id))).map((e) => e.id);
  return reverseOrder ? ids.reverse() : ids;
}

describe('get_execution_history filters while paging', () => {
  it('the history has what the filters are checked against', () => {
    const names = truthNames(fake.history(arn));
    expect(names.get(2)).toBe('Step1');
    // The failing state never exits: its events are named from its StateEntered only.
    const failed = fake.history(arn).filter((e) => e.type === 'TaskFailed').map((e) => names.get(e.id));
    expect(failed).toEqual(['Step1', 'Step12']);
  });

  it('stateName, failuresOnly, eventTypes and reverseOrder give exactly the events of the fake history that match, whatever maxItems and pageSize', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          reverseOrder: fc.boolean(),
          filter: fc.constantFrom<Filter>(
            {},
            { stateName: 'Step1' },
            { stateName: 'Step7' },
            { stateName: 'Step12' },
            { failuresOnly: true },
            { eventTypes: ['TaskScheduled', 'TaskStateExited'] },
            { stateName: 'Step3', eventTypes: ['TaskSucceeded'] },
            { stateName: 'Step1', failuresOnly: true },
          ),
        }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 11 }),
        async ({ reverseOrder, filter }, maxItems, pageSize) => {
          const expected = expectedIds(filter, reverseOrder);
          expect(expected.length).toBeGreaterThan(0);
          const got = await walk({ reverseOrder, ...filter }, maxItems, pageSize);
          expect(got.map((e) => e.id)).toEqual(expected);
          const names = truthNames(fake.history(arn));
          for (const e of got) {
            expect(matches(filter, e.type, e.stateName), JSON.stringify(e)).toBe(true);
            // Newest first and unfiltered, a state that never exited (the failing Step12) is named only
            // once its StateEntered is read: its plain events may come back unnamed, never misnamed.
            if (e.stateName !== undefined || filter.stateName !== undefined || isFailure(e.type) || !reverseOrder) expect(e.stateName).toBe(names.get(e.id));
          }
          const named = got.filter((e) => names.get(e.id) !== undefined);
          // Not vacuous: newest first, the read-ahead names most events too.
          expect(named.filter((e) => e.stateName !== undefined).length).toBeGreaterThan(named.length * 0.75);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('a running execution read newest first from a backend whose page tokens are positions', () => {
  // New events arrive at the head of a newest-first history between continuations and shift what a
  // position token points at: each continuation must still go on after the last event returned.
  it.each([
    [2, undefined, 5],
    [3, 3, 7],
    [4, undefined, 150],
  ])('maxItems %s, pageSize %s, %s new events before each continuation: every older event once, in order', async (maxItems, pageSize, arrivals) => {
    const running = fake.addExecution({ stateMachineArn: machine, name: `running-${maxItems}-${arrivals}`, status: 'RUNNING' });
    fake.setHistory(running.executionArn, buildHistory({ tasks: 4 }).filter((e) => e.type !== 'ExecutionSucceeded'));
    const original = fake.history(running.executionArn).map((e) => e.id).reverse();
    fake.positionTokens(true);
    try {
      const seen: number[] = [];
      let token: string | undefined;
      for (let n = 0; n < 100; n += 1) {
        const r = await env.call('get_execution_history', { executionArn: running.executionArn, reverseOrder: true, maxItems, ...(pageSize ? { pageSize } : {}), ...(token ? { startingToken: token } : {}) });
        expect(r.isError, r.text).toBeUndefined();
        seen.push(...(r.structured?.events as Ev[]).map((e) => e.id));
        token = r.structured?.nextToken as string | undefined;
        if (!token) break;
        for (let i = 0; i < arrivals; i += 1) fake.appendEvent(running.executionArn, 'PassStateEntered', { stateEnteredEventDetails: { name: `Later${i}`, input: '{}' } });
      }
      expect(token).toBeUndefined();
      expect(seen).toEqual(original);
    } finally {
      fake.positionTokens(false);
    }
  });
});

describe('a running execution read oldest first to the end of its history so far', () => {
  it('says the run goes on and how to see the newest events; an ended one just ends', async () => {
    const running = fake.addExecution({ stateMachineArn: machine, name: 'still-going', status: 'RUNNING' });
    fake.setHistory(running.executionArn, buildHistory({ tasks: 2 }).filter((e) => e.type !== 'ExecutionSucceeded'));
    const lastId = fake.history(running.executionArn).at(-1)?.id;
    const pages: string[] = [];
    let token: string | undefined;
    do {
      const r = await env.call('get_execution_history', { executionArn: running.executionArn, maxItems: 4, pageSize: 3, ...(token ? { startingToken: token } : {}) });
      pages.push(r.text);
      token = r.structured?.nextToken as string | undefined;
    } while (token);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.at(-1)).toContain(`The execution has not ended (its history has no end event yet): more events will follow after #${lastId}. To see the newest, call again with reverseOrder=true`);
    expect(pages.slice(0, -1).join('\n')).not.toContain('has not ended');
    // Filtered down to nothing, the last page still tells.
    const failures = await env.call('get_execution_history', { executionArn: running.executionArn, failuresOnly: true });
    expect(failures.text).toContain('has not ended');

    const ended = await env.call('get_execution_history', { executionArn: arn, maxItems: 1000 });
    expect(ended.structured?.nextToken).toBeUndefined();
    expect(ended.text).not.toContain('has not ended');
    const newestFirst = await env.call('get_execution_history', { executionArn: running.executionArn, reverseOrder: true, maxItems: 1000 });
    expect(newestFirst.text).not.toContain('has not ended');
  });
});
