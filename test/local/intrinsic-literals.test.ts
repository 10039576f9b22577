import { describe, expect, it } from 'vitest';
import { useLocalTools } from './helpers.js';

/**
 * Number literals with a fraction or an exponent in intrinsic function arguments, which Step
 * Functions takes and the library's validator refused (the whole definition could not run).
 */

const pass = (parameters: Record<string, unknown>) => ({ StartAt: 'P', States: { P: { Type: 'Pass', Parameters: parameters, End: true } } });

const { run } = useLocalTools({
  decimals: pass({
    'format.$': "States.Format('price {} {}', 9.99, -0.5)",
    'array.$': 'States.Array(1.5, 2, 1e3, -2.5E-1)',
    'contains.$': 'States.ArrayContains($.a, 2.5)',
    'add.$': 'States.MathAdd($.n, 0.5)',
    'nested.$': "States.Format('{}', States.MathAdd(1.25, 1))",
    'random.$': 'States.MathRandom(1.9, 3.2, 7)',
  }),
  'in-map': {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.a',
        ItemSelector: { 'v.$': 'States.MathAdd($$.Map.Item.Value, 0.5)' },
        ItemProcessor: { StartAt: 'Keep', States: { Keep: { Type: 'Pass', End: true } } },
        End: true,
      },
    },
  },
  'range-fraction': pass({ 'v.$': 'States.ArrayRange(1.5, 5, 1)' }),
});

const text = (field: unknown) => String((field as { untrustedData?: string } | undefined)?.untrustedData);

describe('decimal number literals in intrinsic function arguments', () => {
  it('run, with the values written', async () => {
    const { described } = await run('decimals', { a: [1, 2.5], n: 5 });
    expect(described.structured).toMatchObject({ status: 'SUCCEEDED' });
    const output = JSON.parse(text(described.structured?.output)) as Record<string, unknown>;
    expect(output).toMatchObject({ format: 'price 9.99 -0.5', array: [1.5, 2, 1000, -0.25], contains: true, add: 5.5, nested: '2.25' });
    // States.MathRandom takes the integer part of each bound, as it does of bounds read from a path.
    expect(output.random).toSatisfy((n: number) => Number.isInteger(n) && n >= 1 && n <= 3);
  });

  it('run in the states of a Map too', async () => {
    const { described } = await run('in-map', { a: [1, 2] });
    expect(described.structured).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(text(described.structured?.output))).toEqual([{ v: 1.5 }, { v: 2.5 }]);
  });

  it('where the function needs an integer, the state fails with States.Runtime naming it, not the definition', async () => {
    const { described } = await run('range-fraction');
    expect(described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(text(described.structured?.cause)).toContain("Intrinsic function States.ArrayRange expected argument 1 to satisfy the following constraints: 'INTEGER'");
  });
});
