import { describe, expect, it } from 'vitest';
import { useLocalMachines } from './helpers.js';

/**
 * A result or state output over 256 KiB of UTF-8 fails the execution with States.DataLimitExceeded,
 * a terminal error: no Retry or Catch handles it (States.ALL included), as in Step Functions.
 */

const BIG = 'arn:aws:lambda:us-east-1:123456789012:function:big';
const handlers = `export default { '${BIG}': async (input) => ({ blob: (input.char ?? 'x').repeat(input.size) }) };`;
const catchAll = [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Handled' }];
const handled = { Type: 'Pass', End: true };

const { run } = useLocalMachines(
  {
    'big-result': {
      StartAt: 'Produce',
      States: { Produce: { Type: 'Task', Resource: BIG, Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }], Catch: catchAll, End: true }, Handled: handled },
    },
    'doubling-pass': { StartAt: 'Double', States: { Double: { Type: 'Pass', Parameters: { 'a.$': '$', 'b.$': '$' }, End: true } } },
    'map-of-big': {
      StartAt: 'Each',
      States: {
        Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'Produce', States: { Produce: { Type: 'Task', Resource: BIG, End: true } } }, Catch: catchAll, End: true },
        Handled: handled,
      },
    },
  },
  handlers,
);

describe('the 256 KiB payload quota', () => {
  it('a task result over the quota fails the execution, whatever its Retry and Catch', async () => {
    const { description, events } = await run('big-result', { size: 300_000 });
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(description.cause).toContain(BIG);
    expect(events.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1);
    expect(events.map((e) => e.type)).not.toContain('PassStateEntered');
  });

  it('counts UTF-8 bytes: 100,000 three-byte characters are over it, 250,000 ASCII ones are not', async () => {
    expect((await run('big-result', { size: 100_000, char: '€' })).description).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect((await run('big-result', { size: 250_000 })).description.status).toBe('SUCCEEDED');
  });

  it('a state output over the quota fails the execution, and the state does not exit', async () => {
    const { description, events } = await run('doubling-pass', { blob: 'y'.repeat(140_000) });
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(description.cause).toContain("'Double'");
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'PassStateEntered', 'ExecutionFailed']);
  });

  it('an iteration over the quota fails the Map, and the Map cannot catch it', async () => {
    const { description } = await run('map-of-big', { items: [{ size: 10 }, { size: 300_000 }] });
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });
});
