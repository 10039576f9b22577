import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSfnEnv, type SfnEnv } from './env.js';
import { addHistories, lineOf, entered, exited, iter, type Spec } from './history-specs.js';

/**
 * The text collapses runs of three or more like events into one line; a failure's mark (retried,
 * caught, or what followed) is what a triage reads, so it survives: events whose marks differ are
 * never collapsed together, and a collapsed line shows the mark its events share.
 */

/** Map "Check" starts three items at once; each enters Fail state "Reject" (`details` on each MapIterationFailed). */
function threeItemsFail(specs: Spec[], started: number, withDetails: boolean): number {
  const items = [0, 1, 2].map((i) => specs.push(['MapIterationStarted', started, iter('Started', i, 'Check')]));
  const fails = items.map((item) => specs.push(['FailStateEntered', item, entered('Reject')]));
  fails.forEach((fail, i) => specs.push(['MapIterationFailed', fail, withDetails ? iter('Failed', i, 'Check') : {}]));
  return fails[0] as number;
}

/** The Map's Catch handles the failure its first item led to; the run goes on and succeeds. */
function caughtTogether(withDetails: boolean): Spec[] {
  const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Check')], ['MapStateStarted', 2]];
  const first = threeItemsFail(specs, 3, withDetails);
  specs.push(['MapStateFailed', first]); // 13: caught
  specs.push(['MapStateExited', specs.length, exited('Check')]);
  specs.push(['PassStateEntered', specs.length, entered('Report')]);
  specs.push(['PassStateExited', specs.length, exited('Report')]);
  specs.push(['ExecutionSucceeded', specs.length]);
  return specs;
}

/** The Map's Retry runs it again as a whole (AWS's shape: the new MapStateStarted links to the first item's failure); it fails again and ends the run. */
function retriedTogether(): Spec[] {
  const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Check')], ['MapStateStarted', 2]];
  const first = threeItemsFail(specs, 3, true);
  specs.push(['MapStateStarted', first]); // 13
  const again = threeItemsFail(specs, 13, true);
  specs.push(['MapStateFailed', again]); // 23
  specs.push(['ExecutionFailed', specs.length]);
  return specs;
}

const CASES: Record<string, { status: 'FAILED' | 'SUCCEEDED'; specs: Spec[] }> = {
  caught: { status: 'SUCCEEDED', specs: caughtTogether(true) },
  // Item failures without details (an odd backend): the first item's still shares the Map's outcome.
  caughtNoItemDetails: { status: 'SUCCEEDED', specs: caughtTogether(false) },
  retried: { status: 'FAILED', specs: retriedTogether() },
};

/** Three items started together fail in another order (1, 2, 0): the failures' links do not step with their ids. */
function outOfOrder(): Spec[] {
  const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Check')], ['MapStateStarted', 2]];
  const items = [0, 1, 2].map((i) => specs.push(['MapIterationStarted', 3, iter('Started', i, 'Check')]));
  const fails = [1, 2, 0].map((i) => specs.push(['PassStateEntered', items[i] as number, entered('Note')]));
  specs.push(['ExecutionFailed', fails[2] as number]);
  return specs;
}

let env: SfnEnv;
let arns: Record<string, string> = {};
beforeAll(async () => {
  env = await startSfnEnv();
  arns = addHistories(env.fake, 'Collapsed', { ...CASES, outOfOrder: { status: 'FAILED', specs: outOfOrder() } });
});
afterAll(async () => env.close());


describe('collapsed runs of failures keep their marks', () => {
  for (const name of Object.keys(CASES)) {
    for (const reverseOrder of [false, true]) {
      it(`${name}, ${reverseOrder ? 'newest' : 'oldest'} first: every failure's line shows its own mark`, async () => {
        const r = await env.call('get_execution_history', { executionArn: arns[name], failuresOnly: true, includeExecutionData: false, reverseOrder });
        const lines = r.text.split('\n').filter((l) => l.startsWith('#'));
        const events = r.structured?.events as Array<{ id: number; outcome?: string }>;
        expect(events.some((e) => e.outcome)).toBe(true);
        for (const e of events) {
          const line = lineOf(lines, e.id);
          const marks = line.match(/\((retried|caught|redriven)\)/g) ?? [];
          expect(`#${e.id}: ${marks.join(' ')}`, line).toBe(`#${e.id}: ${e.outcome ? `(${e.outcome})` : ''}`);
        }
      });
    }
  }

  it('a run collapsed together shows the mark its events share', async () => {
    const r = await env.call('get_execution_history', { executionArn: arns.retried, failuresOnly: true, includeExecutionData: false, reverseOrder: true });
    expect(r.text).toMatch(/^#12…#10 ←9…7 MapIterationFailed \[Check\] ×3 \(index 2, 1, 0\) \(retried\), /m);
    expect(r.text).toMatch(/^#22…#20 ←19…17 MapIterationFailed \[Check\] ×3 \(index 2, 1, 0\), /m);
  });
});

describe('collapsed runs keep the ←previousEventId links of their events', () => {
  const runs = async (name: string, reverseOrder: boolean) => {
    const r = await env.call('get_execution_history', { executionArn: arns[name], includeExecutionData: false, reverseOrder });
    return r.text.split('\n').filter((l) => /^#\d+…/.test(l)).map((l) => l.replace(/, \S+ to \S+$/, ''));
  };

  it('one link all share, or a range when each links one on from the last, in the order the ids are listed', async () => {
    expect(await runs('retried', false)).toEqual([
      '#4…#6 ←3 MapIterationStarted [Check] ×3 (index 0, 1, 2)',
      '#7…#9 ←4…6 FailStateEntered [Reject] ×3 (retried)',
      '#10…#12 ←7…9 MapIterationFailed [Check] ×3 (index 0, 1, 2) (retried)',
      '#14…#16 ←13 MapIterationStarted [Check] ×3 (index 0, 1, 2)',
      '#17…#19 ←14…16 FailStateEntered [Reject] ×3',
      '#20…#22 ←17…19 MapIterationFailed [Check] ×3 (index 0, 1, 2)',
    ]);
    expect((await runs('retried', true))[0]).toBe('#22…#20 ←19…17 MapIterationFailed [Check] ×3 (index 2, 1, 0)');
  });

  it('each link, in the order of the ids, when they do not step with them', async () => {
    expect(await runs('outOfOrder', false)).toEqual(['#4…#6 ←3 MapIterationStarted [Check] ×3 (index 0, 1, 2)', '#7…#9 ←5,6,4 PassStateEntered [Note] ×3']);
    expect(await runs('outOfOrder', true)).toEqual(['#9…#7 ←4,6,5 PassStateEntered [Note] ×3', '#6…#4 ←3 MapIterationStarted [Check] ×3 (index 2, 1, 0)']);
  });
});
