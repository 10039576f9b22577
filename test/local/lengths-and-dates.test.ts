import { describe, expect, it } from 'vitest';
import { smArn, useLocalTools } from './helpers.js';

/**
 * The embedded engine measures member lengths as the tools' input schemas do (characters, not UTF-16
 * units: an emoji is one), and its ExecutionStarted event carries the execution's startDate.
 */

const { call } = useLocalTools({
  Quick: { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } },
  Hold: { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } } },
});

const EMOJI = '\u{1F600}';

describe('lengths in characters', () => {
  it('a name of 80 emoji starts; 81 are refused by the schema, before the engine', async () => {
    const started = await call('start_execution', { stateMachineArn: smArn('Hold'), name: EMOJI.repeat(80) });
    expect(started.isError, started.text).toBeUndefined();
    expect(String(started.structured?.executionArn).endsWith(`:${EMOJI.repeat(80)}`)).toBe(true);
    const tooLong = await call('start_execution', { stateMachineArn: smArn('Hold'), name: EMOJI.repeat(81) });
    expect(tooLong.isError).toBe(true);
    expect(tooLong.text).toMatch(/name/);
    expect(tooLong.text).not.toMatch(/Member must have length/);
  });

  it('stop_execution records an error of 256 emoji and a cause of 32,768', async () => {
    const started = await call('start_execution', { stateMachineArn: smArn('Hold'), name: 'long-reasons' });
    const executionArn = String(started.structured?.executionArn);
    const error = EMOJI.repeat(256);
    const cause = EMOJI.repeat(32_768);
    const stopped = await call('stop_execution', { executionArn, error, cause });
    expect(stopped.isError, stopped.text).toBeUndefined();
    expect(stopped.structured?.status).toBe('ABORTED');
    const described = await call('describe_execution', { executionArn });
    expect(described.structured?.error).toBe(error);
  });
});

describe('an input the engine refuses', () => {
  it('nested too deep: the next step points at what the message names, not at the 256 KiB limit it is far from', async () => {
    const deep = `${'['.repeat(1500)}${']'.repeat(1500)}`;
    const refused = await call('start_execution', { stateMachineArn: smArn('Quick'), input: deep });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/InvalidExecutionInput.*nested 1500 levels deep.*Next: change the input as the message says/);
  });
});

describe('ExecutionStarted', () => {
  it('is stamped with the startDate that start_execution and describe_execution give', async () => {
    for (let i = 0; i < 40; i += 1) {
      const started = await call('start_execution', { stateMachineArn: smArn('Quick'), name: `dated-${i}` });
      const executionArn = String(started.structured?.executionArn);
      const history = await call('get_execution_history', { executionArn, maxItems: 1 });
      const first = (history.structured?.events as Array<{ type: string; timestamp: string }>)[0];
      expect(first?.type).toBe('ExecutionStarted');
      expect(first?.timestamp, `execution ${i}`).toBe(started.structured?.startDate);
    }
  });
});
