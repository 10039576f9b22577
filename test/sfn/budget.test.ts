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
