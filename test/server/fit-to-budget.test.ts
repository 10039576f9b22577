import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerCost } from '../../src/server/budget.js';
import { fitToBudget } from '../../src/server/fit-to-budget.js';
import { UntrustedFence, continuationHint, payload, type Payload } from '../../src/server/render.js';

const balanced = (line: string, id: string): boolean => {
  let depth = 0;
  for (const [, slash] of line.matchAll(new RegExp(`<(/?)untrusted-data-${id}>`, 'g'))) {
    depth += slash ? -1 : 1;
    if (depth < 0 || depth > 1) return false;
  }
  return depth === 0;
};

/** Each size note of a line with the value it stands before: [full size, shown, data]. */
const sizeNotes = (text: string, id: string): Array<[number, number, string]> =>
  [...text.matchAll(new RegExp(`\\((\\d+) chars, first (\\d+) shown\\): <untrusted-data-${id}>(.*?)</untrusted-data-${id}>`, 'g'))].map((m) => [Number(m[1]), Number(m[2]), m[3] ?? '']);

describe('fitToBudget()', () => {
  it('leaves an answer within the budget untouched', () => {
    const structured = { name: 'x'.repeat(100) };
    expect(fitToBudget(structured, 'short', 10_000, new UntrustedFence().id)).toEqual({ structured, text: 'short' });
  });

  it('cuts overlong values and lines, keeps fences closed and the continuation token whole', () => {
    const fence = new UntrustedFence();
    const token = `em2.${'t'.repeat(3000)}`;
    const hint = continuationHint('list_executions', 2, 'maxItems', token, 'executions');
    const text = [fence.wrap({ untrustedData: 'p'.repeat(5000) }, 'output'), fence.wrap({ untrustedData: `first\n${'q'.repeat(5000)}` }, 'cause'), 'after', hint].join('\n');
    const out = fitToBudget({ name: 'n'.repeat(100_000), nextToken: token }, text, 20_000, fence.id);
    expect(answerCost(out.structured, out.text)).toBeLessThanOrEqual(20_000);
    expect(out.structured.name).toMatch(/^n{1000,}… \[cut from 100000 chars\]$/);
    expect(out.structured.nextToken).toBe(token);
    const lines = out.text.split('\n');
    expect(lines).toContain(hint);
    expect(lines).toContain('after');
    for (const line of lines) expect(balanced(line, fence.id)).toBe(true);
    // A fenced value cut in the text says how much of it is shown, as a view's cut says it.
    expect(lines[0]).toMatch(new RegExp(`^output \\(5000 chars, first \\d+ shown\\): <untrusted-data-${fence.id}>p+</untrusted-data-${fence.id}>$`));
    expect(lines[1]).toMatch(new RegExp(`^cause \\(5006 chars, first \\d+ shown\\): <untrusted-data-${fence.id}>first⏎q+</untrusted-data-${fence.id}>$`));
    for (const [, shown, data] of sizeNotes(out.text, fence.id)) expect(data.length).toBe(shown);
    expect(lines.at(-1)).toMatch(/^Note: long values were cut to keep this answer within the response budget/);
  });

  it('counts values as JSON writes them: a string of control characters costs six characters each', () => {
    const fence = new UntrustedFence();
    const structured = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field${i}`, '\u0001'.repeat(1000)]));
    const out = fitToBudget(structured, 'one line', 16_000, fence.id);
    expect(JSON.stringify(out.structured).length + out.text.length).toBeLessThanOrEqual(16_000);
  });

  it('cuts long keys of a record, keeping two keys alike up to the cut apart', () => {
    const fence = new UntrustedFence();
    const annotations = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${'k'.repeat(1000)}-${i}`, 'v']));
    const out = fitToBudget({ id: 'x', annotations }, 'x', 16_000, fence.id);
    const keys = Object.keys(out.structured.annotations);
    expect(keys).toHaveLength(50);
    expect(new Set(keys).size).toBe(50);
    expect(keys.every((k) => k.length < 1000)).toBe(true);
    expect(answerCost(out.structured, out.text)).toBeLessThanOrEqual(16_000);
  });

  it('a payload it cuts keeps the Payload contract, and the line showing it shows the same start', () => {
    const fence = new UntrustedFence();
    const whole = payload('w'.repeat(9000), 10_000) as Payload;
    const viewCut = payload('c'.repeat(50_000), 9000) as Payload;
    const text = [fence.wrap(whole, 'input'), fence.wrap(viewCut, 'cause')].join('\n');
    const out = fitToBudget({ input: whole, cause: viewCut }, text, 16_000, fence.id);
    expect(out.structured.input).toEqual({ untrustedData: 'w'.repeat(out.structured.input.untrustedData.length), truncated: true, fullSize: 9000 });
    expect(out.structured.cause).toEqual({ untrustedData: 'c'.repeat(out.structured.cause.untrustedData.length), truncated: true, fullSize: 50_000 });
    const lines = out.text.split('\n');
    expect(lines[0]).toBe(`input (9000 chars, first ${out.structured.input.untrustedData.length} shown): <untrusted-data-${fence.id}>${out.structured.input.untrustedData}</untrusted-data-${fence.id}>`);
    expect(lines[1]).toBe(`cause (50000 chars, first ${out.structured.cause.untrustedData.length} shown): <untrusted-data-${fence.id}>${out.structured.cause.untrustedData}</untrusted-data-${fence.id}>`);
    // The budget is shared evenly: both kept about the same.
    expect(Math.abs(out.structured.input.untrustedData.length - out.structured.cause.untrustedData.length)).toBeLessThan(200);
  });

  it('where values cut short still do not fit, leaves out the last entries of the costliest lists, and says so', () => {
    const fence = new UntrustedFence();
    const structured = {
      id: 'x',
      annotations: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`key-${i}`, `${i}`.padEnd(200, 'v')])),
      environments: Array.from({ length: 300 }, (_, i) => ({ environmentId: `${i}`.padEnd(200, 'e') })),
    };
    // The id is required: a check that refuses its absence.
    const out = fitToBudget(structured, 'x  running', 16_000, fence.id, (s) => typeof s.id === 'string');
    expect(answerCost(out.structured, out.text)).toBeLessThanOrEqual(16_000);
    const kept = { annotations: Object.keys(out.structured.annotations ?? {}).length, environments: out.structured.environments?.length ?? 0 };
    expect(out.text).toContain(`the last ${300 - kept.annotations} entries of annotations`);
    expect(out.text).toContain(`the last ${300 - kept.environments} entries of environments`);
    // The first entries are the ones kept.
    expect(out.structured.environments?.[0]?.environmentId).toMatch(/^0e+/);
    expect(out.structured.id).toBe('x');
  });

  // Entries that cannot be cut (each under the shortest cut): the answer is cut as short as it goes, and its first line kept.
  const filler = { id: 'x', entries: Array.from({ length: 2000 }, (_, i) => `${i}`.padEnd(50, 'e')) };

  it('a line of several fenced fields keeps each of them, cut as its value is', () => {
    const fence = new UntrustedFence();
    const fields = ['agent', 'creator', 'session'];
    const line = fields.map((f) => fence.field(f, `${f[0]}`.repeat(5000))).join('  ');
    const out = fitToBudget(filler, line, 16_000, fence.id);
    const first = out.text.split('\n')[0] ?? '';
    expect(first).not.toContain('[line cut');
    expect(sizeNotes(first, fence.id).map(([full, shown, data]) => [full, shown, data[0]])).toEqual(fields.map((f) => [5000, 64, f[0]]));
  });

  it('a line cut where a fenced value starts leaves that value out with its label, never an empty fence', () => {
    const fence = new UntrustedFence();
    // The whole line cut at the shortest cut's length falls inside the opening tag of creator's value.
    const line = `${'b'.repeat(170)}  ${fence.field('creator', 'c'.repeat(5000))}`;
    const out = fitToBudget(filler, line, 16_000, fence.id);
    expect(out.text).not.toContain(`<untrusted-data-${fence.id}></untrusted-data-${fence.id}>`);
    expect(out.text.split('\n')[0]).toMatch(/^b{170} … \[line cut from \d+ chars\]$/);
  });

  it('never leaves out an item of a listing: its nextToken goes on after it', () => {
    const fence = new UntrustedFence();
    const item = { id: 'one', parts: Array.from({ length: 400 }, (_, i) => `${i}`.padEnd(100, 'p')) };
    const out = fitToBudget({ items: [item], nextToken: 'em1.x', stopReason: 'responseBudget' }, 'one', 16_000, fence.id);
    expect(out.structured.items).toHaveLength(1);
    expect(out.structured.items[0]?.id).toBe('one');
    expect(answerCost(out.structured, out.text)).toBeLessThanOrEqual(16_000);
  });

  it('property: any answer of payloads and values fits any budget, cut payloads keep their contract, and lines say what they show', () => {
    const unit = fc.constantFrom('a', '"', '\\', '\n', '\u0001', '漢', '😀', '<', ')');
    const text = fc.array(unit, { maxLength: 30 }).chain((units) => fc.nat(20_000).map((n) => (units.length === 0 ? '' : units.join('').repeat(Math.ceil(n / units.length)).slice(0, n))));
    fc.assert(
      fc.property(fc.array(fc.tuple(text, fc.boolean()), { minLength: 1, maxLength: 8 }), fc.integer({ min: 16_000, max: 80_000 }), (values, budget) => {
        const fence = new UntrustedFence();
        const structured: Record<string, unknown> = { id: 'x' };
        const lines: string[] = [];
        values.forEach(([value, isPayload], i) => {
          if (isPayload) {
            const p = payload(value, 10_000);
            structured[`p${i}`] = p;
            lines.push(fence.wrap(p, `p${i}`));
          } else {
            structured[`v${i}`] = value;
            lines.push(`v${i}: ${fence.wrap(payload(value, 512), 'value')}`);
          }
        });
        const out = fitToBudget(structured, [fence.preamble(), ...lines].join('\n'), budget, fence.id);
        expect(answerCost(out.structured, out.text)).toBeLessThanOrEqual(budget);
        for (const line of out.text.split('\n').slice(1)) expect(balanced(line, fence.id)).toBe(true);
        for (const [key, value] of Object.entries(out.structured)) {
          if (!key.startsWith('p') || value === undefined) continue;
          const before = structured[key] as Payload;
          const after = value as Payload;
          expect(before.untrustedData.startsWith(after.untrustedData)).toBe(true);
          if (after.untrustedData.length < before.untrustedData.length) expect(after).toMatchObject({ truncated: true, fullSize: before.fullSize ?? before.untrustedData.length });
        }
        for (const [, shown, data] of sizeNotes(out.text, fence.id)) expect(data.length).toBe(shown);
      }),
      { numRuns: 200 },
    );
  });
});
