import { describe, expect, it } from 'vitest';
import { detailsOf, useLocalMachines } from './helpers.js';

/**
 * A Task that outlives its TimeoutSeconds fails with States.Timeout and, as Step Functions records
 * it, no cause: not in its TimedOut event, not on the execution, and an empty Cause for a Catch.
 */

const SLOW = 'arn:aws:lambda:us-east-1:123456789012:function:slow';
const SERVICE = 'arn:aws:states:::sns:publish';
const slowTask = (resource: string, extra: Record<string, unknown> = {}) => ({ Type: 'Task', Resource: resource, TimeoutSeconds: 1, ...extra });

const { run } = useLocalMachines(
  {
    'lambda-times-out': { StartAt: 'T', States: { T: { ...slowTask(SLOW), End: true } } },
    'service-times-out': { StartAt: 'T', States: { T: { ...slowTask(SERVICE), End: true } } },
    'timeout-caught': {
      StartAt: 'T',
      States: { T: { ...slowTask(SLOW, { Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'After' }] }), Next: 'After' }, After: { Type: 'Pass', End: true } },
    },
  },
  // Handlers run in real time (TimeoutSeconds is not scaled): 3 s against a 1 s limit.
  `const slow = () => new Promise((resolve) => setTimeout(() => resolve('late'), 3000));
export default { '${SLOW}': slow, '${SERVICE}': slow };`,
);

describe('a Task that times out', () => {
  it.each([
    ['lambda-times-out', 'LambdaFunctionTimedOut'],
    ['service-times-out', 'TaskTimedOut'],
  ])('%s: %s and ExecutionFailed carry States.Timeout and no cause; so does the execution', async (machine, timedOutType) => {
    const { description, events } = await run(machine);
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(description.cause).toBeUndefined();
    const timedOut = events.find((e) => e.type === timedOutType);
    expect(detailsOf(timedOut)).toMatchObject({ error: 'States.Timeout' });
    expect(detailsOf(timedOut).cause).toBeUndefined();
    expect(detailsOf(events.at(-1))).toEqual({ error: 'States.Timeout' });
  });

  it('caught, the Catch hands on {"Error": "States.Timeout", "Cause": ""}', async () => {
    const { description } = await run('timeout-caught', { id: 1 });
    expect(description.status).toBe('SUCCEEDED');
    expect(JSON.parse(description.output ?? 'null')).toEqual({ id: 1, failure: { Error: 'States.Timeout', Cause: '' } });
  });
});
