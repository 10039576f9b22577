import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonCost, scanCost, textCost } from '../../src/server/budget.js';

describe('the budget measure', () => {
  it('jsonCost() is the cost of JSON.stringify(value), measured without building it, for any JSON-like value', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node')), fc.dictionary(fc.string({ unit: 'binary' }), tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(jsonCost(v)).toBe(textCost(JSON.stringify(v) ?? ''));
      }),
      { numRuns: 3000 },
    );
    const odd = { a: 'x"\n\u0001\ud800', b: [undefined, 1e21, -0] };
    expect(jsonCost(odd)).toBe(textCost(JSON.stringify(odd)));
  });

  it("counts a character outside ASCII as four, a token's worth: CJK and emoji cost a model about a token a UTF-16 unit", () => {
    expect(textCost('abcd')).toBe(4);
    expect(textCost('漢')).toBe(4);
    expect(textCost('😀')).toBe(8);
    expect(jsonCost('漢字')).toBe(10);
    // JSON escapes are ASCII: a control character costs its six characters, a lone surrogate too.
    expect(jsonCost('\u0001')).toBe(8);
    expect(jsonCost('\ud800')).toBe(8);
  });

  it('scanCost() finds the longest prefix within a cost, never half a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), fc.nat(200), (text, json, max) => {
        const { cost, length } = scanCost(text, json, max);
        const prefix = text.slice(0, length);
        expect(cost).toBeLessThanOrEqual(max);
        expect(cost).toBe(json ? jsonCost(prefix) - 2 : textCost(prefix));
        const code = text.charCodeAt(length - 1);
        if (length < text.length) expect(code >= 0xd800 && code <= 0xdbff && text.charCodeAt(length) >= 0xdc00 && text.charCodeAt(length) <= 0xdfff).toBe(false);
        // One more character (or pair) would cost more than max.
        if (length < text.length) expect(scanCost(text.slice(0, length + 2), json).cost > max || scanCost(text.slice(0, length + 1), json).cost > max).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
