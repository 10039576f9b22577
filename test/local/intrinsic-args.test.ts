import { describe, expect, it } from 'vitest';
import { smArn, useLocalMachines } from './helpers.js';

/** Intrinsic function arguments aws-local-stepfunctions 3.0.0 refuses, taken as Step Functions takes them. */

const pass = (parameters: Record<string, unknown>) => ({ StartAt: 'P', States: { P: { Type: 'Pass', Parameters: parameters, End: true } } });

const ECHO = 'arn:aws:lambda:us-east-1:123456789012:function:echo';

const machines: Record<string, unknown> = {
  // AWS-recorded: States.Format('fst={}', $.obj) of {"Arg1":1,"Arg2":[]} is "fst={Arg1=1, Arg2=[]}".
  'format-object': pass({
    'obj.$': "States.Format('fst={}', $.obj)",
    'list.$': "States.Format('{} and {}', $.list, $.n)",
    'nested.$': "States.Format('{}', $.nested)",
    'machine.$': "States.Format('{}', $$.StateMachine)",
    'inner.$': "States.JsonToString(States.Format('[{}]', $.obj))",
  }),
  'format-missing': pass({ 'v.$': "States.Format('{}', $.missing)" }),
  // LocalStack's AWS-validated test_math_random reads bounds 12.5 and 44.51 from the input.
  'random-bounds': pass({
    'paths.$': 'States.MathRandom($.f1, $.f2)',
    'negative.$': 'States.MathRandom($$.Execution.Input.low, -1, 42)',
    'nested.$': 'States.ArrayGetItem(States.Array(States.MathRandom($.f1, $.thirteen)), 0)',
  }),
  // LocalStack's AWS-validated test_string_to_json: "" and " " give null.
  'json-blank': pass({
    'empty.$': 'States.StringToJson($.empty)',
    'space.$': 'States.StringToJson($.space)',
    'literal.$': "States.StringToJson(' ')",
    'object.$': 'States.StringToJson($.text)',
  }),
  'json-malformed': pass({ 'v.$': 'States.StringToJson($.text)' }),
  'base64-invalid': {
    StartAt: 'P',
    States: {
      P: { Type: 'Task', Resource: ECHO, Parameters: { 'v.$': "States.Base64Decode('!!!notbase64')" }, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true },
      Caught: { Type: 'Pass', End: true },
    },
  },
  'base64-path': pass({ 'v.$': 'States.Base64Decode($.text)' }),
  'base64-encode': pass({ 'v.$': 'States.Base64Encode($.text)' }),
};

describe('intrinsic function arguments', () => {
  const { run } = useLocalMachines(machines, `export default { '${ECHO}': async (input) => input };`);

  it('States.Format renders an object or array as Step Functions does: {k=v, k2=v2}, [a, b], strings unquoted', async () => {
    const input = { obj: { Arg1: 1, Arg2: [] }, list: [1, 'two', null, true], n: 3, nested: { a: { b: 'x', c: null }, l: [[1], { d: 2.5 }] } };
    const { description } = await run('format-object', input);
    expect(description.status, description.cause).toBe('SUCCEEDED');
    expect(JSON.parse(description.output ?? '')).toEqual({
      obj: 'fst={Arg1=1, Arg2=[]}',
      list: '[1, two, null, true] and 3',
      nested: '{a={b=x, c=null}, l=[[1], {d=2.5}]}',
      machine: `{Id=${smArn('format-object')}, Name=format-object}`,
      inner: '"[{Arg1=1, Arg2=[]}]"',
    });
  });

  it('States.MathRandom takes the integer part of non-integer bounds and returns an integer between them', async () => {
    for (let i = 0; i < 5; i += 1) {
      const { description } = await run('random-bounds', { f1: 12.5, f2: 44.51, low: -3.7, thirteen: 13.9 });
      expect(description.status, description.cause).toBe('SUCCEEDED');
      const out = JSON.parse(description.output ?? '') as Record<string, number>;
      expect(out.paths).toSatisfy((n: number) => Number.isInteger(n) && n >= 12 && n <= 44);
      expect(out.negative).toSatisfy((n: number) => Number.isInteger(n) && n >= -3 && n <= -1);
      expect(out.nested).toSatisfy((n: number) => n === 12 || n === 13);
    }
  });

  it('States.StringToJson of an empty or blank string is null', async () => {
    const { description } = await run('json-blank', { empty: '', space: ' \n\t', text: ' {"a": [1]} ' });
    expect(description.status, description.cause).toBe('SUCCEEDED');
    expect(JSON.parse(description.output ?? '')).toEqual({ empty: null, space: null, literal: null, object: { a: [1] } });
  });

  it("what an intrinsic function's own code throws fails the execution with States.Runtime, naming the function, uncaught", async () => {
    const failed = (cause: string) => ({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringContaining(cause) as unknown });
    const { description, events } = await run('base64-invalid');
    expect(description).toMatchObject(failed("An error occurred while executing the state 'P' (entered at the event id #2). Intrinsic function States.Base64Decode failed: "));
    expect(events.map((e) => e.type)).not.toContain('TaskStateExited');
    expect((await run('base64-path', { text: 'a=b' })).description).toMatchObject(failed('Intrinsic function States.Base64Decode failed: '));
    expect((await run('base64-encode', { text: '€' })).description).toMatchObject(failed('Intrinsic function States.Base64Encode failed: '));
    expect((await run('json-malformed', { text: '{a' })).description).toMatchObject(failed('Intrinsic function States.StringToJson failed: SyntaxError: '));
  });

  it('a Format argument that points to nothing fails with the path as written', async () => {
    const { description } = await run('format-missing', {});
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(description.cause).toContain("Path expression '$.missing' does not point to a value");
    expect(description.cause).not.toContain('executions-mcp');
  });
});
