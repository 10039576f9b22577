import { describe, expect, it } from 'vitest';
import { useLocalTools } from './helpers.js';

/**
 * States.TaskFailed in a Retry or Catch is a wildcard for every error name outside "States." (and
 * States.TaskFailed itself), on a Parallel or Map state as on a Task (LocalStack's AWS-parity
 * matcher): the other States.* errors (States.Permissions, States.Timeout...) fall through to the
 * next retrier or catcher.
 */

const FAIL_AS = 'arn:aws:lambda:us-east-1:123456789012:function:fail-as';
const handlers = `export default { '${FAIL_AS}': async (input) => { const e = new Error('failed as ' + input.name); e.name = input.name; throw e; } };`;
const task = { Type: 'Task', Resource: FAIL_AS };
const handling = {
  Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1, IntervalSeconds: 1 }],
  Catch: [
    { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'ViaTaskFailed' },
    { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ViaAll' },
  ],
};
const handled = (first: Record<string, unknown>) => ({
  StartAt: 'Work',
  States: {
    Work: { ...first, ...handling, End: true },
    ViaTaskFailed: { Type: 'Pass', Result: 'States.TaskFailed', ResultPath: '$.via', End: true },
    ViaAll: { Type: 'Pass', Result: 'States.ALL', ResultPath: '$.via', End: true },
  },
});
const branch = { StartAt: 'Call', States: { Call: { ...task, End: true } } };

const { call, run } = useLocalTools(
  {
    'on-parallel': handled({ Type: 'Parallel', Branches: [branch] }),
    'on-map': handled({ Type: 'Map', ItemsPath: '$.items', ItemProcessor: branch }),
    'on-task': handled(task),
  },
  handlers,
);

const CASES: Array<[errorName: string, matched: boolean]> = [
  ['AddressNotFound', true],
  ['Lambda.Unknown', true],
  ['States.TaskFailed', true],
  ['States.Permissions', false],
  ['States.Timeout', false],
];

describe('States.TaskFailed in Retry and Catch', () => {
  for (const machine of ['on-parallel', 'on-map', 'on-task']) {
    it.each(CASES)(`${machine}: an error named %s is matched: %s`, async (name, matched) => {
      const input = machine === 'on-map' ? { items: [{ name }] } : { name };
      const { executionArn, described } = await run(machine, input);
      expect(described.structured).toMatchObject({ status: 'SUCCEEDED' });
      const output = JSON.parse(String((described.structured?.output as { untrustedData?: string }).untrustedData)) as { via: string; error: { Error: string } };
      expect(output).toMatchObject({ via: matched ? 'States.TaskFailed' : 'States.ALL', error: { Error: name } });

      // Retried once when matched: the handler ran twice. (A States.Timeout shows as LambdaFunctionTimedOut.)
      const history = await call('get_execution_history', { executionArn, includeExecutionData: false, failuresOnly: true });
      const failures = (history.structured?.events as Array<{ type: string; outcome?: string }>).filter((e) => /^LambdaFunction(Failed|TimedOut)$/.test(e.type));
      expect(failures.map((e) => e.outcome)).toEqual(matched ? ['retried', 'caught'] : ['caught']);
    });
  }
});
