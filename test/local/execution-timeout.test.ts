import { describe, expect, it } from 'vitest';
import { useLocalTools } from './helpers.js';

/**
 * An execution past its state machine's TimeoutSeconds, as the tools show it: TIMED_OUT with no
 * error and no cause in DescribeExecution, as on AWS; its ExecutionTimedOut event says States.Timeout
 * (AWS as measured in floci-io/floci#2733).
 */

const { call, run } = useLocalTools({
  'exec-timeout': { TimeoutSeconds: 5, StartAt: 'LongWait', States: { LongWait: { Type: 'Wait', Seconds: 3600, Next: 'After' }, After: { Type: 'Pass', End: true } } },
});

describe('a timed-out execution', () => {
  it('describe_execution shows no error or cause; the history\'s ExecutionTimedOut says States.Timeout', async () => {
    const { executionArn, described } = await run('exec-timeout');
    expect(described.structured).toMatchObject({ status: 'TIMED_OUT', state: 'timed_out' });
    expect(described.structured?.error).toBeUndefined();
    expect(described.structured?.cause).toBeUndefined();
    expect(described.text).not.toContain('States.Timeout');

    const history = await call('get_execution_history', { executionArn, reverseOrder: true, maxItems: 2 });
    const events = history.structured?.events as Array<{ type: string; stateName?: string; error?: string; cause?: unknown }>;
    expect(events.map((e) => [e.type, e.stateName])).toEqual([
      ['ExecutionTimedOut', undefined],
      ['WaitStateEntered', 'LongWait'],
    ]);
    expect(events[0]?.error).toBe('States.Timeout');
    expect(events[0]?.cause).toBeUndefined();
  });
});
