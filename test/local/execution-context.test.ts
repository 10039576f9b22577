import { describe, expect, it } from 'vitest';
import { useLocalMachines } from './helpers.js';

/** `$$.Execution` is the execution's, as in Step Functions, also inside Map iterations and Parallel branches. */

const L = 'arn:aws:lambda:us-east-1:123456789012:function:';

/** What each iteration or branch reports of `$$.Execution`. */
const reads = {
  'item.$': '$',
  'factor.$': '$$.Execution.Input.config.factor',
  'id.$': '$$.Execution.Id',
  'name.$': '$$.Execution.Name',
  'start.$': '$$.Execution.StartTime',
  'label.$': "States.Format('{} of {}', $$.Execution.Input.config.label, $$.Execution.Name)",
  // A quoted literal is text, not a reference.
  'literal.$': "States.Format('$$.Execution.Input is {}', $$.Execution.Input.config.label)",
};

const machines: Record<string, unknown> = {
  'map-reads': {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 2,
        ItemProcessor: {
          StartAt: 'Inner',
          States: {
            Inner: {
              Type: 'Map',
              ItemsPath: '$.sub',
              ItemProcessor: { StartAt: 'Read', States: { Read: { Type: 'Pass', Parameters: reads, End: true } } },
              End: true,
            },
          },
        },
        End: true,
      },
    },
  },
  'parallel-choice': {
    StartAt: 'Narrow',
    States: {
      // The branches' own input is no longer the execution's.
      Narrow: { Type: 'Pass', InputPath: '$.payload', Next: 'Both' },
      Both: {
        Type: 'Parallel',
        End: true,
        Branches: [
          {
            StartAt: 'Mode',
            States: {
              Mode: {
                Type: 'Choice',
                Choices: [{ Variable: '$$.Execution.Input.mode', StringEquals: 'fast', Next: 'Fast' }],
                Default: 'Slow',
              },
              Fast: { Type: 'Pass', Result: 'fast', End: true },
              Slow: { Type: 'Pass', Result: 'slow', End: true },
            },
          },
          { StartAt: 'Whole', States: { Whole: { Type: 'Pass', InputPath: '$$.Execution.Input', End: true } } },
        ],
      },
    },
  },
  'literal-result': {
    StartAt: 'Literal',
    States: { Literal: { Type: 'Pass', Result: { 'a.$': '$$.Execution.Input', Variable: '$$.Execution.Id' }, End: true } },
  },
  // In a payload template only "x.$" keys are read: a key named like a path field is data.
  'literal-template': {
    StartAt: 'Template',
    States: { Template: { Type: 'Pass', Parameters: { FilePath: '$$.Execution.Id', Variable: '$$.Execution.Name', nested: { ItemsPath: '$$.Execution.Input' }, 'real.$': '$$.Execution.Input.x' }, End: true } },
  },
  // Choice rules nested in And and Not, inside a Map iteration.
  'map-choice': {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        End: true,
        ItemProcessor: {
          StartAt: 'Pick',
          States: {
            Pick: {
              Type: 'Choice',
              Choices: [{ And: [{ Variable: '$$.Execution.Input.on', BooleanEquals: true }, { Not: { Variable: '$', NumericEqualsPath: '$$.Execution.Input.skip' } }], Next: 'Yes' }],
              Default: 'No',
            },
            Yes: { Type: 'Pass', Result: 'yes', End: true },
            No: { Type: 'Pass', Result: 'no', End: true },
          },
        },
      },
    },
  },
  // A handler that changes the copy it was given must not change what $$.Execution.Input reads later.
  'mutated-copy': {
    StartAt: 'Copy',
    States: {
      Copy: { Type: 'Pass', Parameters: { 'copy.$': '$$.Execution.Input' }, Next: 'Mutate' },
      Mutate: { Type: 'Task', Resource: L + 'mutate', Parameters: { 'copy.$': '$.copy' }, ResultPath: null, Next: 'Reread' },
      Reread: { Type: 'Pass', Parameters: { 'mode.$': '$$.Execution.Input.mode' }, End: true },
    },
  },
};

const handlers = `
export default {
  '${L}mutate': async (input) => { input.copy.mode = 'MUTATED'; return {}; },
};
`;

const { run } = useLocalMachines(machines, handlers);

describe('$$.Execution in the context object', () => {
  it('inside nested Map iterations is the execution: its input, ARN, name and start time', async () => {
    const input = { config: { factor: 3, label: 'batch-7' }, items: [{ sub: [1, 2] }, { sub: [3] }] };
    const { description, arn } = await run('map-reads', input);
    expect(description.status).toBe('SUCCEEDED');
    const name = arn.split(':').pop() ?? '';
    const start = description.startDate?.toISOString();
    const expected = (item: number) => ({
      item,
      factor: 3,
      id: arn,
      name,
      start,
      label: `batch-7 of ${name}`,
      literal: '$$.Execution.Input is batch-7',
    });
    expect(JSON.parse(description.output ?? '')).toEqual([[expected(1), expected(2)], [expected(3)]]);
  });

  it('in Parallel branches: a Choice Variable and an InputPath read the execution input', async () => {
    const fast = await run('parallel-choice', { mode: 'fast', payload: { mode: 'other' } });
    expect(JSON.parse(fast.description.output ?? '')).toEqual(['fast', { mode: 'fast', payload: { mode: 'other' } }]);
    const slow = await run('parallel-choice', { mode: 'other', payload: { mode: 'fast' } });
    expect(JSON.parse(slow.description.output ?? '')).toEqual(['slow', { mode: 'other', payload: { mode: 'fast' } }]);
  });

  it("leaves a Pass state's Result as literal data", async () => {
    const { description } = await run('literal-result', { x: 1 });
    expect(JSON.parse(description.output ?? '')).toEqual({ 'a.$': '$$.Execution.Input', Variable: '$$.Execution.Id' });
  });

  it('leaves literal data in a payload template alone, whatever its keys are called', async () => {
    const { description } = await run('literal-template', { x: 7 });
    expect(JSON.parse(description.output ?? '')).toEqual({ FilePath: '$$.Execution.Id', Variable: '$$.Execution.Name', nested: { ItemsPath: '$$.Execution.Input' }, real: 7 });
  });

  it('in Choice rules nested in And and Not, inside Map iterations', async () => {
    const on = await run('map-choice', { on: true, skip: 2, items: [1, 2, 3] });
    expect(JSON.parse(on.description.output ?? '')).toEqual(['yes', 'no', 'yes']);
    const off = await run('map-choice', { on: false, skip: 2, items: [1, 2] });
    expect(JSON.parse(off.description.output ?? '')).toEqual(['no', 'no']);
  });

  it('reads the input as started, whatever a handler did to a copy of it', async () => {
    const { description } = await run('mutated-copy', { mode: 'original' });
    expect(description.status).toBe('SUCCEEDED');
    expect(JSON.parse(description.output ?? '')).toEqual({ mode: 'original' });
  });
});
