import { describe, expect, it } from 'vitest';
import { useLocalTools } from './helpers.js';

/**
 * Map items that reach a Fail state together: the engine fails the Map on the first and aborts the
 * others' iterations. A Fail state ends its item as it is entered, so the history does not say of
 * the others that their state was aborted (QA: it did), but that their item was.
 */

const { call, run } = useLocalTools({
  'fail-in-map': {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          StartAt: 'Check',
          States: {
            Check: { Type: 'Choice', Choices: [{ Variable: '$', NumericGreaterThan: 2, Next: 'TooBig' }], Default: 'Ok' },
            TooBig: { Type: 'Fail', Error: 'Item.TooBig', Cause: 'item above 2' },
            Ok: { Type: 'Succeed' },
          },
        },
        Catch: [{ ErrorEquals: ['Item.TooBig'], ResultPath: '$.err', Next: 'Report' }],
        End: true,
      },
      Report: { Type: 'Pass', End: true },
    },
  },
});

describe('Fail states entered by several Map items at once', () => {
  it.each([false, true])('the first is caught, the others say their item was aborted (reverseOrder %s)', async (reverseOrder) => {
    const { executionArn, described } = await run('fail-in-map', { items: [3, 4, 5] });
    expect(described.structured?.status).toBe('SUCCEEDED');
    const r = await call('get_execution_history', { executionArn, failuresOnly: true, reverseOrder, includeExecutionData: false });
    expect(r.isError, r.text).toBeUndefined();
    const lines = r.text.split('\n').filter((line) => line.includes('FailStateEntered'));
    expect(lines).toHaveLength(3);
    expect(lines.filter((line) => line.includes('(caught)'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('(then its item or branch was aborted)'))).toHaveLength(2);
    expect(r.text).not.toContain('then its state was aborted');
  });
});
