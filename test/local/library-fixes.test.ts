import { describe, expect, it } from 'vitest';
import { detailsOf, useLocalMachines } from './helpers.js';

/** Definitions aws-local-stepfunctions 3.0.0 runs differently from Step Functions, run as Step Functions does. */

const L = 'arn:aws:lambda:us-east-1:123456789012:function:';

const pass = (extra: Record<string, unknown>) => ({ StartAt: 'P', States: { P: { Type: 'Pass', End: true, ...extra } } });

const machines: Record<string, unknown> = {
  // ResultPath "$" is the default: the result replaces the input, in a state and in a Catch.
  'result-path-root': {
    StartAt: 'P',
    States: {
      P: { Type: 'Pass', Result: { r: 1 }, ResultPath: '$', Next: 'T' },
      T: { Type: 'Task', Resource: `${L}double`, ResultPath: '$', Next: 'C' },
      C: { Type: 'Task', Resource: `${L}boom`, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'Done' }], End: true },
      Done: { Type: 'Succeed' },
    },
  },
  'result-path-brackets': pass({ Result: [1, 2], ResultPath: "$['out key']" }),
  'pass-zero': pass({ Result: 0 }),
  'pass-false-into': pass({ Result: false, ResultPath: '$.flag', InputPath: '$.ignored', Parameters: { 'x.$': '$.nope' } }),
  'pass-empty-string': pass({ Result: '', OutputPath: '$' }),
  // "$" is the default of InputPath and OutputPath too, whatever the value.
  'root-paths': {
    StartAt: 'Zero',
    States: { Zero: { Type: 'Pass', InputPath: '$.n', Next: 'Same' }, Same: { Type: 'Pass', InputPath: '$', OutputPath: '$', End: true } },
  },
  'pass-null-in-map': {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'Nil', States: { Nil: { Type: 'Pass', Result: null, End: true } } }, End: true } },
  },
  // Each false type test, alone and nested, against a value that has the other types.
  'type-tests-false': {
    StartAt: 'Check',
    States: {
      Check: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.missing', IsPresent: false, Next: 'Absent' },
          { And: [{ Variable: '$.text', IsNumeric: false }, { Variable: '$.text', IsNull: false }, { Variable: '$.n', IsString: false }], Next: 'Typed' },
        ],
        Default: 'Wrong',
      },
      Absent: { Type: 'Pass', Result: 'absent', End: true },
      Typed: { Type: 'Pass', Result: 'typed', End: true },
      Wrong: { Type: 'Pass', Result: 'wrong', End: true },
    },
  },
  // "$" read from 0, false, "" and null: in a template, a Choice, a ResultSelector, an ItemSelector.
  'root-of-falsy-map': {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'item.$': '$$.Map.Item.Value' },
        ItemProcessor: {
          StartAt: 'Unwrap',
          States: {
            Unwrap: { Type: 'Pass', InputPath: '$.item', Next: 'Kind' },
            Kind: {
              Type: 'Choice',
              Choices: [
                { Variable: '$', IsNull: true, Next: 'Null' },
                { Variable: '$', IsNumeric: true, Next: 'Num' },
              ],
              Default: 'Wrap',
            },
            Null: { Type: 'Pass', Result: 'null', End: true },
            Num: { Type: 'Pass', Parameters: { 'v.$': '$' }, End: true },
            Wrap: { Type: 'Pass', Parameters: { 'v.$': '$', 'list.$': 'States.Array($)' }, End: true },
          },
        },
        End: true,
      },
    },
  },
  'root-of-falsy-selector': {
    StartAt: 'T',
    States: { T: { Type: 'Task', Resource: `${L}echo`, InputPath: '$.v', ResultSelector: { 'r.$': '$' }, End: true } },
  },
  'type-tests-nested': {
    StartAt: 'Check',
    States: {
      Check: {
        Type: 'Choice',
        Choices: [{ Not: { Variable: '$.flag', IsBoolean: false }, Next: 'Bool' }, { Or: [{ Variable: '$.when', IsTimestamp: false }], Next: 'NotTime' }],
        Default: 'Neither',
      },
      Bool: { Type: 'Pass', Result: 'bool', End: true },
      NotTime: { Type: 'Pass', Result: 'not a timestamp', End: true },
      Neither: { Type: 'Pass', Result: 'neither', End: true },
    },
  },
  // Comparisons of a value of another type are false, never coerced, never a TypeError.
  'typed-comparisons': {
    StartAt: 'Route',
    States: {
      Route: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.v', NumericLessThan: 5, Next: 'Less' },
          { Variable: '$.v', StringMatches: 'ERR-*', Next: 'Code' },
          { Or: [{ Variable: '$.v', TimestampLessThan: '2030-01-01T00:00:00Z' }, { Variable: '$.v', StringGreaterThan: 'Z' }], Next: 'Nested' },
        ],
        Default: 'Other',
      },
      Less: { Type: 'Pass', Result: 'less', End: true },
      Code: { Type: 'Pass', Result: 'code', End: true },
      Nested: { Type: 'Pass', Result: 'nested', End: true },
      Other: { Type: 'Pass', Result: 'other', End: true },
    },
  },
  // JsonMerge's first argument is read by every iteration and by the next state: merging must not change it.
  'json-merge': {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 1,
        ItemSelector: { 'cfg.$': 'States.JsonMerge($.defaults, $$.Map.Item.Value, false)' },
        ItemProcessor: { StartAt: 'Keep', States: { Keep: { Type: 'Pass', OutputPath: '$.cfg', End: true } } },
        ResultPath: '$.merged',
        Next: 'After',
      },
      After: {
        Type: 'Pass',
        Parameters: {
          'defaults.$': '$.defaults',
          'input.$': '$$.Execution.Input.defaults',
          'nested.$': 'States.JsonToString(States.JsonMerge($.defaults, $.extra, false))',
          'merged.$': '$.merged',
        },
        Next: 'Again',
      },
      Again: { Type: 'Pass', Parameters: { 'defaults.$': '$.defaults', 'merged.$': '$.merged', 'nested.$': '$.nested', 'after.$': '$.defaults' }, End: true },
    },
  },
};

const handlers = `export default {
  '${L}double': async (input) => ({ doubled: input.r * 2 }),
  '${L}boom': async () => { const e = new Error('it broke'); e.name = 'Boom'; throw e; },
  '${L}echo': async (input) => input,
};`;

describe('definitions the library runs differently from Step Functions', () => {
  const { run } = useLocalMachines(machines, handlers);
  const output = async (machine: string, input: unknown = {}) => {
    const { description } = await run(machine, input);
    expect(description.status, description.cause).toBe('SUCCEEDED');
    return JSON.parse(description.output ?? 'undefined') as unknown;
  };

  it('ResultPath "$" replaces the input with the result, in a state and in a Catch', async () => {
    const { description, events } = await run('result-path-root', { k: 1 });
    expect(description.status).toBe('SUCCEEDED');
    const exited = events.filter((e) => e.type?.endsWith('StateExited')).map((e) => [detailsOf(e).name, JSON.parse(String(detailsOf(e).output))]);
    expect(exited).toEqual([
      ['P', { r: 1 }],
      ['T', { doubled: 2 }],
      ['C', { Error: 'Boom', Cause: JSON.stringify({ errorMessage: 'it broke', errorType: 'Boom' }) }],
      ['Done', { Error: 'Boom', Cause: JSON.stringify({ errorMessage: 'it broke', errorType: 'Boom' }) }],
    ]);
  });

  it('ResultPath in bracket notation sets that field', async () => {
    expect(await output('result-path-brackets', { k: 1 })).toEqual({ k: 1, 'out key': [1, 2] });
  });

  it('a Pass Result of 0, false, "" or null is the result, not the input passed through', async () => {
    expect(await output('pass-zero', { x: 1 })).toBe(0);
    expect(await output('pass-false-into', { x: 1 })).toEqual({ x: 1, flag: false });
    expect(await output('pass-empty-string', { x: 1 })).toBe('');
    expect(await output('pass-null-in-map', { items: [1, 2] })).toEqual([null, null]);
    expect(await output('root-paths', { n: 0 })).toBe(0);
    expect(await output('root-paths', { n: false })).toBe(false);
  });

  it("the history shows the Pass state's input as it came, not the value it reads", async () => {
    const { events } = await run('pass-false-into', { x: 1 });
    const entered = events.find((e) => e.type === 'PassStateEntered');
    expect(JSON.parse(String(detailsOf(entered).input))).toEqual({ x: 1 });
  });

  it('"$" reads 0, false, "" and null as they are: in Parameters, a Choice, an intrinsic and a ResultSelector', async () => {
    expect(await output('root-of-falsy-map', { items: [0, false, '', null, 5] })).toEqual([
      { v: 0 },
      { v: false, list: [false] },
      { v: '', list: [''] },
      'null',
      { v: 5 },
    ]);
    for (const v of [0, '', false, null]) expect(await output('root-of-falsy-selector', { v })).toEqual({ r: v });
  });

  it('a false type test matches what the true one does not, also inside And, Or and Not', async () => {
    expect(await output('type-tests-false', { text: 'a', n: 1 })).toBe('absent');
    expect(await output('type-tests-false', { missing: 1, text: 'a', n: 1 })).toBe('typed');
    expect(await output('type-tests-false', { missing: 1, text: 5, n: 1 })).toBe('wrong');
    expect(await output('type-tests-nested', { flag: true, when: '2026-01-01T00:00:00Z' })).toBe('bool');
    expect(await output('type-tests-nested', { flag: 'yes', when: 'soon' })).toBe('not a timestamp');
    expect(await output('type-tests-nested', { flag: 'yes', when: '2026-01-01T00:00:00Z' })).toBe('neither');
  });

  it('a comparison of a value of another type is false: not coerced, and no TypeError', async () => {
    expect(await output('typed-comparisons', { v: 3 })).toBe('less');
    for (const v of [null, '3', true, [], 404, {}]) expect(await output('typed-comparisons', { v }), JSON.stringify(v)).toBe('other');
    expect(await output('typed-comparisons', { v: 'ERR-42' })).toBe('code');
    expect(await output('typed-comparisons', { v: '2024-01-01T00:00:00Z' })).toBe('nested');
    // A missing Variable is still a States.Runtime failure, as in Step Functions.
    const { description } = await run('typed-comparisons', {});
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('States.JsonMerge leaves its first argument as it was, for later iterations, states and the execution input', async () => {
    const defaults = { color: 'red', size: 'M' };
    expect(await output('json-merge', { defaults, extra: { size: 'XL' }, items: [{ size: 'L' }, { color: 'blue' }, {}] })).toEqual({
      defaults,
      merged: [
        { color: 'red', size: 'L' },
        { color: 'blue', size: 'M' },
        { color: 'red', size: 'M' },
      ],
      nested: JSON.stringify({ color: 'red', size: 'XL' }),
      after: defaults,
    });
  });
});
