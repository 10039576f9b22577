import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { collect, type BackendPage, type CollectSpec } from '../../src/paging/engine.js';
import { CursorCodec } from '../../src/paging/token.js';

/**
 * Backend tokens of very different lengths: a short one leads to an empty page, whose own token is
 * too long to carry with the items taken. The call ends at the end of the empty page (its short
 * token), not inside the page after it with the long one.
 */

const codec = new CursorCodec('long-token-pages');
/** Random base64: nothing the continuation token's deflate can shorten. */
const LONG = `C${randomBytes(2400).toString('base64')}`;
const ITEM_CHARS = 200;
const BUDGET = 10_000;

// Page A (no token): a00…a19, then token "B" to an empty page, whose token LONG leads to c00…c29.
const c = Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const a = Array.from({ length: 20 }, (_, i) => `a${String(i).padStart(2, '0')}`);
async function fetchPage(token: string | undefined, size: number): Promise<BackendPage<string>> {
  await Promise.resolve();
  if (token === undefined) return { items: a.slice(0, size), nextToken: 'B' };
  if (token === 'B') return { items: [], nextToken: LONG };
  const [from = 0] = token === LONG ? [0] : [Number(token.slice(LONG.length + 1))];
  const items = c.slice(from, from + size);
  return from + size < c.length ? { items, nextToken: `${LONG}:${from + size}` } : { items };
}

function spec(startingToken: string | undefined): CollectSpec<string, string> {
  return {
    tool: 'list_things',
    fingerprint: {},
    principal: undefined,
    codec,
    startingToken,
    maxItems: 1000,
    pageSize: 20,
    fetchPage: (token, size) => fetchPage(token, size),
    keyOf: (k) => k,
    view: (k) => k,
    sizeOf: () => ITEM_CHARS,
    budgetChars: BUDGET,
    tokenCopies: 2,
    deadlineAt: Number.MAX_SAFE_INTEGER,
    signal: new AbortController().signal,
  };
}

describe('collect() with an empty page between a short token and a long one', () => {
  it('every answer keeps its items and both copies of its token within the budget, and the walk returns each item once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let call = 0; call < 50; call += 1) {
      const r = await collect(spec(token));
      expect(r.items.length * ITEM_CHARS + 2 * (r.nextToken?.length ?? 0), `call ${call}`).toBeLessThanOrEqual(BUDGET);
      expect(r.nextToken).not.toBe(token);
      seen.push(...r.items);
      token = r.nextToken;
      if (!token) break;
    }
    expect(seen).toEqual([...a, ...c]);
  });
});
