import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S } from '../fakes/sfn.js';
import type { ToolCallResult } from '../helpers/harness.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * describe_execution's hint line at the smallest response budget: it must be true of what a call
 * again shows. Where the budget cut the payloads, a larger maxPayloadChars is cut back the same way;
 * where maxPayloadChars cut them, the value it names must fit the budget.
 */

let env: SfnEnv;
let machine: string;

beforeAll(async () => {
  env = await startSfnEnv({ argv: ['--response-budget-chars', '16000'] });
  machine = env.fake.addStateMachine('Hints');
});
afterAll(async () => {
  await env.close();
});

const BUDGET_LINE = 'The response budget (16000 characters), not maxPayloadChars, limits the payloads: a larger maxPayloadChars is cut back. Next: ';
const MORE_LINE = /^Payloads longer than (\d+) characters were cut: call again with maxPayloadChars up to (\d+) to see more( \(the most the response budget holds\))?\.$/m;

/** Text that costs the budget most: CJK, emoji, and what JSON escapes. */
function heavy(length: number): string {
  const parts = ['エラー', '😀', 'x', '"', '\n', '\\', '注'];
  let s = '';
  for (let i = 0; s.length < length; i += 1) s += parts[i % parts.length];
  return s.slice(0, length);
}

/** Characters shown of each payload, after checking the text's size note says what structuredContent holds. */
function shown(r: ToolCallResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const field of ['cause', 'input', 'output']) {
    const p = r.structured?.[field] as { untrustedData: string; truncated?: true; fullSize?: number } | undefined;
    if (!p) continue;
    const note = new RegExp(`^${field} \\((\\d+) chars, first (\\d+) shown\\): `, 'm').exec(r.text);
    if (p.truncated) expect([Number(note?.[1]), Number(note?.[2])]).toEqual([p.fullSize, p.untrustedData.length]);
    else expect(note).toBeNull();
    out[field] = p.untrustedData.length;
  }
  return out;
}

describe('describe_execution payload hint within the response budget', () => {
  it('when the budget cut the payloads, says so instead of promising more from maxPayloadChars, and the reads it names show more', async () => {
    const input = JSON.stringify({ v: heavy(20_000) });
    const cause = heavy(32_768);
    const { executionArn } = env.fake.addExecution({ stateMachineArn: machine, name: 'cjk', status: 'FAILED', stopDate: BASE_EPOCH_S + 100, input, output: JSON.stringify({ v: heavy(9000) }), error: 'States.TaskFailed', cause });
    env.fake.setHistory(executionArn, [
      { id: 1, type: 'ExecutionStarted', timestamp: BASE_EPOCH_S, executionStartedEventDetails: { input, roleArn: 'arn:aws:iam::123456789012:role/r' } },
      { id: 2, previousEventId: 1, type: 'ExecutionFailed', timestamp: BASE_EPOCH_S + 100, executionFailedEventDetails: { error: 'States.TaskFailed', cause } },
    ]);
    const small = await env.call('describe_execution', { executionArn, maxPayloadChars: 1000 });
    const smallShown = shown(small);
    // The budget, not the 1,000 asked for, is what cut them.
    for (const n of Object.values(smallShown)) expect(n).toBeLessThan(1000);
    expect(small.text).not.toContain('call again with maxPayloadChars');
    expect(small.text.split('\n')).toContain(
      `${BUDGET_LINE}includedData=METADATA_ONLY (the rest without input and output); get_execution_history with maxPayloadChars and eventTypes=[ExecutionStarted] reads the input alone, [ExecutionSucceeded] the output, [ExecutionFailed] the cause; or a larger EXECUTIONS_MCP_RESPONSE_BUDGET_CHARS.`,
    );

    // The most maxPayloadChars this server allows is cut back too, and says the same.
    const most = await env.call('describe_execution', { executionArn, maxPayloadChars: 2000 });
    for (const n of Object.values(shown(most))) expect(n).toBeLessThan(1000);
    expect(most.text).toContain(BUDGET_LINE);

    // The next steps it names do show more.
    const metadata = await env.call('describe_execution', { executionArn, maxPayloadChars: 2000, includedData: 'METADATA_ONLY' });
    expect(shown(metadata).cause).toBeGreaterThan(smallShown.cause ?? 0);
    const started = await env.call('get_execution_history', { executionArn, maxPayloadChars: 2000, eventTypes: ['ExecutionStarted'] });
    const event = (started.structured?.events as Array<{ input?: { untrustedData: string } }>)[0];
    expect(event?.input?.untrustedData.length).toBeGreaterThan(smallShown.input ?? 0);
  });

  it('with one payload, cut by the budget, names only the larger budget: nothing else shows more of it', async () => {
    const { executionArn } = env.fake.addExecution({ stateMachineArn: machine, name: 'cjk-cause', status: 'FAILED', stopDate: BASE_EPOCH_S + 100, error: 'States.TaskFailed', cause: '注'.repeat(5000) });
    const r = await env.call('describe_execution', { executionArn, maxPayloadChars: 2000, includedData: 'METADATA_ONLY' });
    expect(shown(r).cause).toBeLessThan(2000);
    expect(r.text.split('\n')).toContain(`${BUDGET_LINE}a larger EXECUTIONS_MCP_RESPONSE_BUDGET_CHARS.`);
  });

  it('when maxPayloadChars cut them, names a larger one the budget holds, and that call shows that much', async () => {
    // Quotes and backslashes cost double in JSON: three payloads at the 2,000 allowed do not fit 16,000.
    const doc = 'a"b\\'.repeat(1500);
    const { executionArn } = env.fake.addExecution({ stateMachineArn: machine, name: 'escaped', status: 'FAILED', stopDate: BASE_EPOCH_S + 100, input: doc, output: doc, error: 'States.TaskFailed', cause: doc });
    const first = await env.call('describe_execution', { executionArn, maxPayloadChars: 300 });
    expect(shown(first)).toEqual({ cause: 300, input: 300, output: 300 });
    const more = MORE_LINE.exec(first.text);
    expect(more?.[1]).toBe('300');
    const suggested = Number(more?.[2]);
    expect(suggested).toBeGreaterThan(300);
    expect(suggested).toBeLessThan(2000);
    expect(more?.[3]).toBeDefined();

    // Shown whole at that size, with no budget cut; a larger size is what the budget cuts back.
    const again = await env.call('describe_execution', { executionArn, maxPayloadChars: suggested });
    expect(shown(again)).toEqual({ cause: suggested, input: suggested, output: suggested });
    expect(again.text).not.toContain('to keep this answer within the response budget');
    expect(again.text).not.toMatch(MORE_LINE);
    expect(again.text).toContain(BUDGET_LINE);
    const over = await env.call('describe_execution', { executionArn, maxPayloadChars: 2000 });
    expect(over.text).toContain('to keep this answer within the response budget');
    expect(over.text).toContain(BUDGET_LINE);
  });

  it('says nothing of payloads when none was cut, even where the budget cut another value', async () => {
    const whole = env.fake.addExecution({ stateMachineArn: machine, name: 'short', status: 'FAILED', input: '{"a":1}', error: 'States.TaskFailed', cause: 'short cause' });
    const r = await env.call('describe_execution', { executionArn: whole.executionArn, maxPayloadChars: 300 });
    expect(shown(r)).toEqual({ cause: 11, input: 7 });
    expect(r.text).not.toMatch(/^(Payloads longer|The response budget)/m);

    const longTrace = env.fake.addExecution({ stateMachineArn: machine, name: 'long-trace', status: 'FAILED', input: '{"a":1}', error: 'States.TaskFailed', cause: 'short cause', traceHeader: 't'.repeat(40_000) });
    const cutTrace = await env.call('describe_execution', { executionArn: longTrace.executionArn, maxPayloadChars: 300 });
    expect(cutTrace.text).toContain('to keep this answer within the response budget');
    expect(shown(cutTrace)).toEqual({ cause: 11, input: 7 });
    expect(cutTrace.text).not.toMatch(/^(Payloads longer|The response budget)/m);
  });
});
