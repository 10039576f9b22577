import { describe, expect, it } from 'vitest';
import { smArn, useLocalTools } from './helpers.js';

/** list_executions includeError on runs the embedded engine really ran: each failed run with its error and cause. */

const { call, run } = useLocalTools({
  Check: {
    StartAt: 'Decide',
    States: {
      Decide: { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Done' }], Default: 'Reject' },
      Reject: { Type: 'Fail', Error: 'Order.Rejected', Cause: 'the order total is negative' },
      Done: { Type: 'Succeed' },
    },
  },
});

describe('list_executions includeError on the embedded engine', () => {
  it('gives each failed run its error and cause, and leaves the succeeded run as it is', async () => {
    await run('Check', { ok: true });
    await run('Check', { ok: false });
    await run('Check', { ok: false });
    const r = await call('list_executions', { stateMachineArn: smArn('Check'), includeError: true });
    expect(r.isError).toBeUndefined();
    const items = r.structured?.executions as Array<{ status: string; error?: string; cause?: { untrustedData: string } }>;
    expect(items.map((e) => e.status)).toEqual(['FAILED', 'FAILED', 'SUCCEEDED']);
    expect(items.slice(0, 2).map((e) => [e.error, e.cause?.untrustedData])).toEqual([
      ['Order.Rejected', 'the order total is negative'],
      ['Order.Rejected', 'the order total is negative'],
    ]);
    expect(items[2]).not.toHaveProperty('error');
    expect(r.text.split('\n').filter((l) => l.includes('error=Order.Rejected  cause: <untrusted-data-'))).toHaveLength(2);
  });
});
