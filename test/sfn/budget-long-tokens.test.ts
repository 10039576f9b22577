import { describe, expect, it } from 'vitest';
import type { FakeEvent } from '../fakes/sfn.js';
import { answerSize, startSfnEnv, type SfnEnv } from './env.js';

/**
 * Backend page tokens so long that, with the items taken, the next page's token does not fit the
 * answer: a call ends at the end of the page before. Pages that add nothing in between (empty, or all
 * filtered out) carry such a token too, and so do calls that end early (deadline) after them: every
 * answer stays within the budget with its items whole, and the continuations return each item once.
 */

const CUT_NOTE = /long values were cut to keep this answer within the response budget/;

type Walked = { stopReasons: string[]; names: string[] };

/** Follows nextToken to the end; `before(call)` runs before each call (faults for it). */
async function walk(env: SfnEnv, tool: string, args: Record<string, unknown>, list: string, nameOf: (item: Record<string, unknown>) => string, budget: number, before: (call: number) => void = () => {}): Promise<Walked> {
  const out: Walked = { stopReasons: [], names: [] };
  let token: string | undefined;
  for (let call = 0; call < 100; call += 1) {
    before(call);
    const r = await env.call(tool, { ...args, ...(token ? { startingToken: token } : {}) });
    env.fake.clearFaults();
    expect(r.isError, r.text.slice(0, 300)).toBeUndefined();
    expect(answerSize(r)).toBeLessThanOrEqual(budget);
    // Within the budget as the engine sized it, not by the last line of defence cutting the items.
    expect(r.text).not.toMatch(CUT_NOTE);
    out.stopReasons.push(String(r.structured?.stopReason));
    out.names.push(...(r.structured?.[list] as Array<Record<string, unknown>>).map(nameOf));
    const next = r.structured?.nextToken as string | undefined;
    expect(next, 'a continuation hands out a new position').not.toBe(token);
    token = next;
    if (!token) return out;
  }
  throw new Error('no end');
}

describe('list_executions with long page tokens and an empty page before each page', () => {
  // First page: 30 executions (about 9,000 characters), then the 6,000-character token of the empty page.
  const run = async (deadlineOnFirstCall: boolean) => {
    const env = await startSfnEnv({ argv: ['--response-budget-chars', '16000'], env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' } });
    try {
      env.fake.padTokens(5500);
      env.fake.emptyPagesBefore(1);
      const machine = env.fake.addStateMachine('EmptyPages');
      const all = env.fake.addExecutions(machine, 90);
      const walked = await walk(env, 'list_executions', { stateMachineArn: machine, pageSize: 30, maxItems: 1000 }, 'executions', (e) => String(e.name), 16_000, (call) => {
        if (call > 0 || !deadlineOnFirstCall) return;
        // The first page and the empty one answer; the page after hangs past the call's deadline.
        env.fake.inject({ kind: 'slow', ms: 0 }, { op: 'ListExecutions', times: 2 });
        env.fake.inject({ kind: 'slow', ms: 60_000 }, { op: 'ListExecutions' });
      });
      expect(walked.names).toEqual(all.map((e) => e.name));
      return walked;
    } finally {
      await env.close();
    }
  };

  it('a call whose next token does not fit ends before the empty page, not on the page after it with that token', async () => {
    const walked = await run(false);
    expect(walked.stopReasons[0]).toBe('responseBudget');
  });

  it('the deadline on the page after the empty one ends the call before the empty page too', async () => {
    const walked = await run(true);
    expect(walked.stopReasons[0]).toBe('deadline');
  });
});

describe('get_execution_history with long page tokens and a page the filter leaves empty', () => {
  // Pages of 12 events: 12 TaskSucceeded (each with a 2,000-character output, about 52,000 characters
  // together), 12 TaskScheduled the eventTypes filter leaves out, and so on.
  const run = async (deadlineOnFirstCall: boolean) => {
    const env = await startSfnEnv({ env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' } });
    try {
      env.fake.padTokens(6000);
      const machine = env.fake.addStateMachine('Filtered');
      const arn = env.fake.addExecutions(machine, 1)[0]?.executionArn ?? '';
      const events: FakeEvent[] = [];
      for (let id = 1; id <= 48; id += 1) {
        const kept = Math.floor((id - 1) / 12) % 2 === 0;
        const timestamp = 1_763_000_000 + id;
        events.push(
          kept
            ? { id, previousEventId: id - 1, type: 'TaskSucceeded', timestamp, taskSucceededEventDetails: { output: `${id}:${'x'.repeat(3000)}`, resource: 'r', resourceType: 'lambda' } }
            : { id, previousEventId: id - 1, type: 'TaskScheduled', timestamp, taskScheduledEventDetails: { resource: 'r', resourceType: 'lambda', region: 'us-east-1', parameters: '{}' } },
        );
      }
      env.fake.setHistory(arn, events);
      const walked = await walk(env, 'get_execution_history', { executionArn: arn, eventTypes: ['TaskSucceeded'], pageSize: 12, maxItems: 1000 }, 'events', (e) => String(e.id), 60_000, (call) => {
        if (call > 0 || !deadlineOnFirstCall) return;
        // The kept page and the filtered one answer; the next hangs past the call's deadline.
        env.fake.inject({ kind: 'slow', ms: 0 }, { op: 'GetExecutionHistory', times: 2 });
        env.fake.inject({ kind: 'slow', ms: 60_000 }, { op: 'GetExecutionHistory' });
      });
      expect(walked.names).toEqual(events.filter((e) => e.type === 'TaskSucceeded').map((e) => String(e.id)));
      return walked;
    } finally {
      await env.close();
    }
  };

  it('a call whose next token does not fit ends before the filtered page, not after it with its too-long token', async () => {
    const walked = await run(false);
    expect(walked.stopReasons[0]).toBe('responseBudget');
  });

  it('the deadline on the page after the filtered one ends the call before the filtered page too', async () => {
    const walked = await run(true);
    expect(walked.stopReasons[0]).toBe('deadline');
  });
});
