import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerSize, startSfnEnv, type SfnEnv } from './env.js';

/** Answers the response budget cuts: what is cut keeps its contract, and the budget is spent, not wasted. */

let env: SfnEnv;

beforeAll(async () => {
  env = await startSfnEnv();
});
afterAll(async () => {
  await env.close();
});

/** Tokens a model spends on an answer, at worst: four ASCII characters to a token, a token for each UTF-16 unit beyond. */
function tokens(r: { text: string; structured: unknown }): number {
  const all = r.text + JSON.stringify(r.structured ?? {});
  const ascii = all.replace(/[^\x00-\x7f]/g, '').length;
  return ascii / 4 + (all.length - ascii);
}

interface Payload {
  untrustedData: string;
  truncated?: true;
  fullSize?: number;
}

describe('describe_execution cut to the response budget', () => {
  it('three payloads of escaped JSON, each within maxPayloadChars but together over budget, are cut fairly and keep truncated and fullSize', async () => {
    const machine = env.fake.addStateMachine('Quoted');
    // 7,000 characters each, four in five of them a quote or a backslash that JSON escapes.
    const doc = JSON.stringify({ msg: '"q"'.repeat(2100) }).slice(0, 7000);
    const { executionArn } = env.fake.addExecution({ stateMachineArn: machine, name: 'quoted', status: 'FAILED', error: 'States.TaskFailed', input: doc, output: doc, cause: doc });
    const r = await env.call('describe_execution', { executionArn, maxPayloadChars: 7500 });
    expect(r.isError).toBeUndefined();
    expect(answerSize(r)).toBeLessThanOrEqual(60_000);
    const id = /<untrusted-data-(\w+)>/.exec(r.text)?.[1] ?? '';
    for (const field of ['input', 'output', 'cause']) {
      const p = r.structured?.[field] as Payload;
      // The Payload contract: the kept start, flagged, with the whole size.
      expect(p).toEqual({ untrustedData: doc.slice(0, p.untrustedData.length), truncated: true, fullSize: 7000 });
      // The budget holds nearly all of each (about 2,000 each was all a cut to a fixed size kept).
      expect(p.untrustedData.length).toBeGreaterThan(6000);
      // The text shows the same start under the note a view's cut writes.
      expect(r.text.split('\n')).toContain(`${field} (7000 chars, first ${p.untrustedData.length} shown): <untrusted-data-${id}>${p.untrustedData}</untrusted-data-${id}>`);
    }
    expect(r.text).not.toMatch(/\[line cut from \d+ chars\]/);
  });
});

describe('list answers within the response budget', () => {
  it('a backend page token of 12,000 characters: every answer fits, and the continuations return every execution once, in order', async () => {
    const own = await startSfnEnv();
    try {
      own.fake.padTokens(12_000);
      const machine = own.fake.addStateMachine('LongTokens');
      const all = own.fake.addExecutions(machine, 1000);
      const names: string[] = [];
      let token: string | undefined;
      let longest = 0;
      do {
        // Pages of 100: from the second on, the walk holds a long backend token.
        const r = await own.call('list_executions', { stateMachineArn: machine, maxItems: 1000, pageSize: 100, ...(token ? { startingToken: token } : {}) });
        expect(r.isError).toBeUndefined();
        expect(answerSize(r)).toBeLessThanOrEqual(60_000);
        names.push(...(r.structured?.executions as Array<{ name: string }>).map((e) => e.name));
        token = r.structured?.nextToken as string | undefined;
        longest = Math.max(longest, token?.length ?? 0);
      } while (token);
      expect(names).toEqual(all.map((e) => e.name));
      // Answers carried the backend's long tokens (a call whose next page's token no longer fits ends at the end of the page before).
      expect(longest).toBeGreaterThan(12_000);
    } finally {
      await own.close();
    }
  });

  it('a continuation token too long to carry twice within the budget ends the call with an error that says so', async () => {
    const own = await startSfnEnv({ argv: ['--response-budget-chars', '16000'] });
    try {
      own.fake.padTokens(12_000);
      const machine = own.fake.addStateMachine('TooLong');
      own.fake.addExecutions(machine, 300);
      // The first call ends at the end of its first page, whose token is short; the next one needs the long one.
      const first = await own.call('list_executions', { stateMachineArn: machine, pageSize: 10 });
      expect(first.isError).toBeUndefined();
      expect(answerSize(first)).toBeLessThanOrEqual(16_000);
      const r = await own.call('list_executions', { stateMachineArn: machine, pageSize: 10, startingToken: first.structured?.nextToken });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/cannot answer within the response budget \(16000 characters\): .* its continuation token has \d+ characters, and an answer carries it twice\. Next: start the server with --response-budget-chars/);
      expect(r.text.length).toBeLessThan(16_000);
    } finally {
      await own.close();
    }
  });

  it('at the 16,000 minimum a list fills its answer: the items take most of the budget', async () => {
    const small = await startSfnEnv({ fake: env.fake, argv: ['--response-budget-chars', '16000'] });
    try {
      const machine = env.fake.addStateMachine('Fill');
      env.fake.addExecutions(machine, 500);
      const r = await small.call('list_executions', { stateMachineArn: machine, maxItems: 1000 });
      expect(r.structured?.stopReason).toBe('responseBudget');
      expect(answerSize(r)).toBeLessThanOrEqual(16_000);
      // The items alone, in both blocks: most of the budget (a flat 10,000 kept for the rest left them
      // 6,000; lines sized with the ARN the text then leaves out, 10,700).
      const items = r.structured?.executions as unknown[];
      const itemChars = JSON.stringify(items).length + r.text.split('\n').filter((l) => /^run-\d+ /.test(l)).join('\n').length;
      expect(itemChars).toBeGreaterThan(12_000);
      // What is left is less than the room kept for the envelope (1,500) and one more item.
      expect(16_000 - answerSize(r)).toBeLessThan(1_500 + itemChars / items.length);
      // The lines leave out the ARN the header gives once.
      expect(r.text.split('\n')[0]).toMatch(/^executionArn = arn:aws:states:[\w-]+:\d+:execution:Fill:<name>$/);
    } finally {
      await small.close();
    }
  });
});

describe('answers in any script within the token cap the budget is sized for', () => {
  it('CJK and emoji names and payloads: a list and a description stay within a quarter of the budget in tokens', async () => {
    const machine = env.fake.addStateMachine('Scripts');
    for (let i = 0; i < 300; i += 1) {
      env.fake.addExecution({ stateMachineArn: machine, name: `${i}-${'注文処理😀'.repeat(13)}`, status: 'FAILED', startDate: 1_800_000_000 - i, cause: '処理'.repeat(5000) });
    }
    const list = await env.call('list_executions', { stateMachineArn: machine, maxItems: 1000 });
    expect(list.structured?.stopReason).toBe('responseBudget');
    // 60,000 characters of them came to about 40,000 tokens, over a 25,000-token cap.
    expect(tokens(list)).toBeLessThanOrEqual(15_000);
    const executionArn = (list.structured?.executions as Array<{ executionArn: string }>)[0]?.executionArn;
    const described = await env.call('describe_execution', { executionArn, maxPayloadChars: 7500 });
    expect(tokens(described)).toBeLessThanOrEqual(15_000);
    expect(described.structured?.cause).toMatchObject({ truncated: true, fullSize: 10_000 });
  });
});
