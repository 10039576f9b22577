import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Harness } from '../helpers/harness.js';
import { historyEvents, type SeenEvent } from '../helpers/history-walk.js';
import { testConfig } from '../helpers/config.js';
import { startLocalEngine, type LocalEngineHandle } from '../../src/local/index.js';
import { setQuiet } from '../../src/log.js';
import { fixtureDir, smArn } from './helpers.js';

/**
 * Triage of Map runs the embedded engine really ran (concurrent items, a Retry on the Map itself):
 * every paging of get_execution_history gives the names, outcomes and events of one whole read.
 */

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:process-item';
const mapWithRetry = (maxAttempts: number) => ({
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Next: 'ProcessAll' },
    ProcessAll: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 4,
      ItemProcessor: { StartAt: 'ProcessItem', States: { ProcessItem: { Type: 'Task', Resource: LAMBDA, End: true } } },
      Retry: [{ ErrorEquals: ['ItemFailed'], IntervalSeconds: 5, MaxAttempts: maxAttempts, BackoffRate: 1 }],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
});
const handlers = `
const attempts = new Map();
const fail = (message) => { const e = new Error(message); e.name = 'ItemFailed'; return e; };
export default {
  '${LAMBDA}': async (item, ctx) => {
    await new Promise((r) => setTimeout(r, 2 + (item.id % 3)));
    if (item.mode === 'bad') throw fail('item ' + item.id + ' is corrupt');
    const key = ctx.executionArn + '/' + item.id;
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    if (item.mode === 'flaky' && n === 1) throw fail('item ' + item.id + ' failed once');
    return { id: item.id };
  },
};`;

let engine: LocalEngineHandle;
let h: Harness;
let fixture: ReturnType<typeof fixtureDir>;
const runs: Record<string, string> = {};

async function startAndWait(machine: string, items: Array<{ id: number; mode: string }>): Promise<string> {
  const started = await h.call('start_execution', { stateMachineArn: smArn(machine), input: JSON.stringify({ items }) });
  const executionArn = String(started.structured?.executionArn);
  for (let i = 0; i < 2000; i += 1) {
    const d = await h.call('describe_execution', { executionArn });
    if (d.structured?.status !== 'RUNNING') return executionArn;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${machine} did not end`);
}

beforeAll(async () => {
  setQuiet(true);
  fixture = fixtureDir({ 'map-giveup': mapWithRetry(2), 'map-retry-ok': mapWithRetry(3) }, handlers);
  const config = testConfig(['--local', fixture.dir, '--allow-writes', '--local-time-scale', '0.001']);
  engine = await startLocalEngine(config);
  h = await connect(config, { sfn: engine.sfnBackend });
  const items = (bad: number, mode: string) => Array.from({ length: 32 }, (_, id) => ({ id, mode: id === bad ? mode : 'ok' }));
  runs.giveup = await startAndWait('map-giveup', items(17, 'bad'));
  runs.retryOk = await startAndWait('map-retry-ok', items(23, 'flaky'));
}, 60_000);
afterAll(async () => {
  await h.close();
  await engine.close();
  fixture.remove();
});

const walk = (executionArn: string, args: Record<string, unknown>) => historyEvents((name, a) => h.call(name, a), { executionArn, includeExecutionData: false, ...args });

const show = (e: SeenEvent) => `${e.id} ${e.type} [${e.stateName ?? '?'}]${e.outcome ? ` (${e.outcome})` : ''}`;

describe('a Map retried as a whole, run by the engine, read in small calls', () => {
  for (const [name, args] of [
    ['oldest first', [{ maxItems: 3 }, { maxItems: 7 }, { maxItems: 4, pageSize: 13 }, { maxItems: 3, pageSize: 7 }]],
    ['newest first', [{ reverseOrder: true, maxItems: 3 }, { reverseOrder: true, maxItems: 4, pageSize: 13 }]],
  ] as const) {
    it(`${name}: every event has the name and outcome it has in one whole read`, async () => {
      for (const run of ['giveup', 'retryOk']) {
        const whole = await walk(runs[run] as string, { maxItems: 1000 });
        const truth = new Map(whole.map((e) => [e.id, e]));
        expect(whole.filter((e) => e.type === 'MapStateStarted').map((e) => e.stateName)).toEqual(whole.filter((e) => e.type === 'MapStateStarted').map(() => 'ProcessAll'));
        for (const paging of args) {
          const got = await walk(runs[run] as string, paging);
          const reverse = 'reverseOrder' in paging;
          // Newest first a name may still be unknown (its state's start lies ahead), never another state's.
          const wrong = got.filter((e) => {
            const t = truth.get(e.id) as SeenEvent;
            return e.outcome !== t.outcome || (e.stateName !== t.stateName && !(reverse && e.stateName === undefined));
          });
          expect(wrong.map((e) => `${show(e)} should be ${show(truth.get(e.id) as SeenEvent)}`), `${run} ${JSON.stringify(paging)}`).toEqual([]);
          expect(got.length).toBe(whole.length);
        }
      }
    }, 60_000);
  }

  it('failuresOnly newest first in small pages gives what one call gives', async () => {
    for (const run of ['giveup', 'retryOk']) {
      const whole = (await walk(runs[run] as string, { failuresOnly: true, reverseOrder: true })).map(show);
      for (const paging of [{ maxItems: 2, pageSize: 5 }, { maxItems: 1, pageSize: 1 }, { maxItems: 3, pageSize: 7 }]) {
        expect((await walk(runs[run] as string, { failuresOnly: true, reverseOrder: true, ...paging })).map(show), `${run} ${JSON.stringify(paging)}`).toEqual(whole);
      }
    }
  }, 60_000);
});
