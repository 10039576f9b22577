import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collect, type BackendPage, type CollectSpec } from '../../src/paging/engine.js';
import { CursorCodec } from '../../src/paging/token.js';

/** A keyset-paged list whose items can be removed between calls (executions leaving a statusFilter). */
class MutableList {
  constructor(public items: string[]) {}

  async fetchPage(token: string | undefined, pageSize: number, signal: AbortSignal, delayMs = 0): Promise<BackendPage<string>> {
    if (delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, delayMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        });
      });
    }
    // The token is the last key of the previous page (keys descend); the next page starts below it.
    const after = token ? this.items.findIndex((k) => k < token) : 0;
    const start = after < 0 ? this.items.length : after;
    const page = this.items.slice(start, start + pageSize);
    const last = page.at(-1);
    return { items: page, nextToken: start + pageSize < this.items.length ? last : undefined };
  }
}

const codec = new CursorCodec('edges');

interface Pages {
  fetchPage(token: string | undefined, pageSize: number, signal: AbortSignal): Promise<BackendPage<string>>;
}

function spec(list: Pages, over: Partial<CollectSpec<string, string>> = {}): CollectSpec<string, string> {
  return {
    tool: 'list_things',
    fingerprint: {},
    principal: undefined,
    codec,
    maxItems: 5,
    pageSize: 10,
    fetchPage: (token, size, signal) => list.fetchPage(token, size, signal),
    keyOf: (k) => k,
    view: (k) => k,
    sizeOf: () => 10,
    budgetChars: 100_000,
    deadlineAt: Number.MAX_SAFE_INTEGER,
    signal: new AbortController().signal,
    ...over,
  };
}

// Newest first, like ListExecutions: r19 … r00.
const runs = () => Array.from({ length: 20 }, (_, i) => `r${String(19 - i).padStart(2, '0')}`);

describe('collect() resume edges', () => {
  it('loses nothing when several items before the cursor vanish between calls', async () => {
    const list = new MutableList(runs());
    const first = await collect(spec(list));
    expect(first.items).toEqual(['r19', 'r18', 'r17', 'r16', 'r15']);
    // r17, r16 and r15 finish and leave a RUNNING filter; r14 is still the next one to return.
    list.items = list.items.filter((k) => !['r17', 'r16', 'r15'].includes(k));
    const second = await collect(spec(list, { startingToken: first.nextToken }));
    expect(second.items).toEqual(['r14', 'r13', 'r12', 'r11', 'r10']);
  });

  it('loses nothing when the next item itself vanishes (resumes after the last returned)', async () => {
    const list = new MutableList(runs());
    const first = await collect(spec(list));
    list.items = list.items.filter((k) => k !== 'r14');
    const second = await collect(spec(list, { startingToken: first.nextToken }));
    expect(second.items).toEqual(['r13', 'r12', 'r11', 'r10', 'r09']);
  });

  it('with no key left to anchor on, both the last item returned and the next one gone, resumes at the item after them', async () => {
    const list = new MutableList(runs());
    const first = await collect(spec(list, { maxItems: 1 }));
    expect(first.items).toEqual(['r19']);
    list.items = list.items.filter((k) => k !== 'r19' && k !== 'r18');
    const second = await collect(spec(list, { maxItems: 3, startingToken: first.nextToken }));
    expect(second.items).toEqual(['r17', 'r16', 'r15']);
  });
});

describe('collect() and items that join the list between calls (an older run reaching the filtered status)', () => {
  const recencyOf = (k: string) => Number(k.slice(1));
  const without = (...gone: string[]) => runs().filter((k) => !gone.includes(k));

  it('returns an item that joined just after the last one returned, when the call stopped inside a page', async () => {
    const list = new MutableList(without('r17'));
    const first = await collect(spec(list, { maxItems: 2, recencyOf }));
    expect(first.items).toEqual(['r19', 'r18']);
    list.items = runs();
    const second = await collect(spec(list, { maxItems: 3, recencyOf, startingToken: first.nextToken }));
    expect(second.items).toEqual(['r17', 'r16', 'r15']);
  });

  it('does not return, out of order, an item that joined just before the last one returned (it is behind the cursor)', async () => {
    const list = new MutableList(without('r17'));
    const first = await collect(spec(list, { maxItems: 3, pageSize: 3, itemsCanLeave: true, recencyOf }));
    expect(first.items).toEqual(['r19', 'r18', 'r16']);
    list.items = runs();
    const second = await collect(spec(list, { maxItems: 3, pageSize: 3, itemsCanLeave: true, recencyOf, startingToken: first.nextToken }));
    expect(second.items).toEqual(['r15', 'r14', 'r13']);
  });
});

/** A newest-first list whose page tokens are positions ("from index N"), as Gitpod's offset tokens are. */
class PositionList {
  constructor(public items: string[]) {}

  async fetchPage(token: string | undefined, pageSize: number): Promise<BackendPage<string>> {
    const start = token === undefined ? 0 : Number(token);
    const end = start + pageSize;
    return { items: this.items.slice(start, end), nextToken: end < this.items.length ? String(end) : undefined };
  }
}

describe('collect() with position tokens when items returned earlier leave the list (a status filter)', () => {
  const recencyOf = (k: string) => Number(k.slice(1));

  it.each([2, 3, 5])('one item a call, then %s of those returned leave: the items that moved behind the token still come, once', async (leaving) => {
    const list = new PositionList(runs());
    const returned: string[] = [];
    let token: string | undefined;
    const call = async () => {
      const r = await collect(spec(list, { maxItems: 1, pageSize: 1, itemsCanLeave: true, positionTokens: true, recencyOf, startingToken: token }));
      returned.push(...r.items);
      token = r.nextToken;
    };
    for (let i = 0; i < 6; i += 1) await call();
    expect(returned).toEqual(['r19', 'r18', 'r17', 'r16', 'r15', 'r14']);
    list.items = list.items.filter((k) => !returned.slice(0, leaving).includes(k));
    while (token) await call();
    expect(returned).toEqual(runs());
  });

  it('pages of three, the last two returned leaving after every call: every item that stays comes once, in order', async () => {
    const all = Array.from({ length: 60 }, (_, i) => `r${String(59 - i).padStart(2, '0')}`);
    const list = new PositionList([...all]);
    const returned: string[] = [];
    const left = new Set<string>();
    let token: string | undefined;
    do {
      const r = await collect(spec(list, { maxItems: 3, pageSize: 3, itemsCanLeave: true, positionTokens: true, recencyOf, startingToken: token }));
      returned.push(...r.items);
      token = r.nextToken;
      for (const gone of r.items.slice(-2)) left.add(gone);
      list.items = list.items.filter((k) => !left.has(k));
    } while (token);
    expect(returned).toEqual(all);
  });

  it('keyset tokens need no walk from the head: a resume whose items all left costs a page or two', async () => {
    const list = new MutableList(Array.from({ length: 400 }, (_, i) => `k${String(399 - i).padStart(3, '0')}`));
    const keyRecency = (k: string) => Number(k.slice(1));
    const first = await collect(spec(list, { maxItems: 303, pageSize: 100, itemsCanLeave: true, recencyOf: keyRecency }));
    list.items = list.items.filter((k) => keyRecency(k) < 95 || keyRecency(k) > 110);
    const fetched: Array<string | undefined> = [];
    const second = await collect(
      spec({ fetchPage: (token, size, signal) => (fetched.push(token), list.fetchPage(token, size, signal)) }, { maxItems: 5, pageSize: 100, itemsCanLeave: true, recencyOf: keyRecency, startingToken: first.nextToken }),
    );
    expect(second.items).toEqual(['k094', 'k093', 'k092', 'k091', 'k090']);
    expect(fetched.length).toBeLessThanOrEqual(2);
  });

  it('the last page read emptied by the departures: the walk still goes on from where the items moved', async () => {
    const list = new PositionList(['r05', 'r04', 'r03', 'r02', 'r01']);
    const first = await collect(spec(list, { maxItems: 4, pageSize: 1, itemsCanLeave: true, positionTokens: true, recencyOf }));
    expect(first.items).toEqual(['r05', 'r04', 'r03', 'r02']);
    list.items = ['r03', 'r01'];
    const second = await collect(spec(list, { maxItems: 4, pageSize: 1, itemsCanLeave: true, positionTokens: true, recencyOf, startingToken: first.nextToken }));
    expect(second.items).toEqual(['r01']);
    expect(second.nextToken).toBeUndefined();
  });
});

describe('collect() and a backend that hands back the token it was given', () => {
  it('stops there, says so, and does not read the same page again', async () => {
    const list = new MutableList(runs());
    let fetches = 0;
    // Page 2 onwards answers with the token it was asked with: following it would never end.
    const stuck = spec(list, {
      maxItems: 50,
      pageSize: 4,
      fetchPage: async (token, size, signal) => {
        fetches += 1;
        const page = await list.fetchPage(token, size, signal);
        return token === undefined ? page : { ...page, nextToken: token };
      },
    });
    const r = await collect(stuck);
    expect(r.items).toEqual(['r19', 'r18', 'r17', 'r16', 'r15', 'r14', 'r13', 'r12']);
    expect(r).toMatchObject({ stopReason: 'exhausted', repeatedToken: true, pagesFetched: 2 });
    expect(r.nextToken).toBeUndefined();
    expect(fetches).toBe(2);
    const normal = await collect(spec(new MutableList(runs()), { maxItems: 50, pageSize: 4 }));
    expect(normal.repeatedToken).toBeUndefined();
  });

  it('stops at once when empty pages send it round in a circle (A → B → A)', async () => {
    let fetches = 0;
    const circle = spec(new MutableList([]), {
      maxItems: 50,
      fetchPage: async (token) => {
        fetches += 1;
        return { items: [], nextToken: token === 'A' ? 'B' : 'A' };
      },
    });
    const r = await collect(circle);
    expect(r).toMatchObject({ items: [], stopReason: 'exhausted', repeatedToken: true });
    // The first page (no token) → A → B → A: three pages read, the circle seen on the third.
    expect(fetches).toBe(3);
  });

  it('sees a circle across continuations too: following nextToken ends, with every item once', async () => {
    // Pages of 10 distinct items: (none) → A → B → A …; each call stops inside the circle (maxItems 7).
    const pageOf = (token: string | undefined) => Array.from({ length: 10 }, (_, i) => `${token ?? 'first'}-${i}`);
    const circle = (startingToken?: string) =>
      spec(new MutableList([]), {
        maxItems: 7,
        startingToken,
        fetchPage: async (token) => ({ items: pageOf(token), nextToken: token === 'A' ? 'B' : 'A' }),
      });
    const seen: string[] = [];
    let next: string | undefined;
    let calls = 0;
    do {
      const r = await collect(circle(next));
      seen.push(...r.items);
      next = r.nextToken;
      calls += 1;
      if (next === undefined) expect(r).toMatchObject({ stopReason: 'exhausted', repeatedToken: true });
    } while (next !== undefined && calls < 20);
    expect(next).toBeUndefined();
    expect(seen).toEqual([...pageOf(undefined), ...pageOf('A'), ...pageOf('B')]);
  });
});

describe('collect() with items that have no key', () => {
  it('never matches an item without a key against the cursor (positional tokens, keyless items on page ends)', async () => {
    // Ona items may come without an id: keyOf gives ''. Items are {label, key}; tokens are positions.
    const items = ['a', 'b', 'c', 'd', '', 'f', 'g', 'h', '', 'j', 'k'].map((key, i) => ({ label: `#${i}`, key }));
    const positional = {
      fetchPage: async (token: string | undefined, size: number): Promise<BackendPage<{ label: string; key: string }>> => {
        const start = token ? Number(token) : 0;
        return { items: items.slice(start, start + size), nextToken: start + size < items.length ? String(start + size) : undefined };
      },
    };
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const r = await collect({
        tool: 'list_things',
        fingerprint: {},
        principal: undefined,
        codec,
        maxItems: 4,
        pageSize: 5,
        startingToken: token,
        fetchPage: (t, size) => positional.fetchPage(t, size),
        keyOf: (i) => i.key,
        view: (i) => i,
        sizeOf: () => 10,
        budgetChars: 100_000,
        deadlineAt: Number.MAX_SAFE_INTEGER,
        signal: new AbortController().signal,
      });
      seen.push(...r.items.map((i) => i.label));
      token = r.nextToken;
    } while (token);
    expect(seen).toEqual(items.map((i) => i.label));
  });
});

describe('collect() deadline inside a backend call', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a slow page after the first ends the call with stopReason deadline and a token that resumes exactly', async () => {
    // A fake clock: the deadline is reached by advancing it, and the second request answers only
    // when its signal aborts, so a deadline that did not abort the request would leave it pending.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const list = new MutableList(runs());
    let hung: AbortSignal | undefined;
    const hangSecond = (token: string | undefined, size: number, signal: AbortSignal): Promise<BackendPage<string>> => {
      if (token === undefined) return list.fetchPage(token, size, signal);
      hung = signal;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    };
    const pending = collect(spec(list, { maxItems: 20, pageSize: 5, fetchPage: hangSecond, deadlineAt: Date.now() + 300 }));
    await vi.advanceTimersByTimeAsync(299);
    expect(hung, 'the second page was requested').toBeDefined();
    expect(hung?.aborted, 'still waiting before the deadline').toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    // The hung request was abandoned at the deadline, not waited out.
    expect(hung?.aborted).toBe(true);
    const r = await pending;
    expect(r.stopReason).toBe('deadline');
    expect(r.items).toEqual(runs().slice(0, 5));
    vi.useRealTimers();
    const rest = await collect(spec(list, { maxItems: 20, pageSize: 5, startingToken: r.nextToken }));
    expect(rest.items).toEqual(runs().slice(5));
  });

  it('a slow backend that serves short pages still lets every continuation make progress', async () => {
    // One item per page whatever is asked, each page slow: the look-ahead that re-finds a resume
    // point behind a short page cannot finish within the deadline, and must not stall the walk.
    const list = new MutableList(runs().slice(0, 8));
    const short = (token: string | undefined, _size: number, signal: AbortSignal) => list.fetchPage(token, 1, signal, 40);
    const first = await collect(spec(list, { maxItems: 2, fetchPage: short }));
    const seen = [...first.items];
    let token = first.nextToken;
    for (let call = 0; token !== undefined; call += 1) {
      expect(call, 'calls').toBeLessThan(20);
      const r = await collect(spec(list, { maxItems: 100, fetchPage: short, startingToken: token, deadlineAt: Date.now() + 200 }));
      expect(r.items.length, `call ${call} made progress`).toBeGreaterThan(0);
      seen.push(...r.items);
      token = r.nextToken;
    }
    expect(seen).toEqual(runs().slice(0, 8));
  });

  it('a first page slower than the deadline is a clear error, not a hang', async () => {
    const list = new MutableList(runs());
    const slow = (token: string | undefined, size: number, signal: AbortSignal) => list.fetchPage(token, size, signal, 10_000);
    await expect(collect(spec(list, { fetchPage: slow, deadlineAt: Date.now() + 200 }))).rejects.toThrow(/failed: no answer within the call's time limit/);
  });
});

describe('collect() with long backend tokens', () => {
  // The fake's token is the last key of a page: long keys make long backend tokens, random as
  // real ones are (a repetitive one would deflate to nothing).
  const longKeys = (length: number) => Array.from({ length: 20 }, (_, i) => `${String(19 - i).padStart(2, '0')}${randomBytes(length).toString('base64url').slice(0, length)}`);

  it.each([10_000, 12_000])('a %i-character backend token still makes a continuation token the tools accept', async (length) => {
    const list = new MutableList(longKeys(length));
    const first = await collect(spec(list, { maxItems: 10, pageSize: 10 }));
    expect(first.nextToken?.length).toBeGreaterThan(8192);
    expect(first.nextToken?.length).toBeLessThanOrEqual(16_384);
    const rest = await collect(spec(list, { maxItems: 10, pageSize: 10, startingToken: first.nextToken }));
    expect([...first.items, ...rest.items]).toEqual(list.items);
  });

  it('a backend token too long to carry is a clear error, not a token the next call refuses', async () => {
    const list = new MutableList(longKeys(17_000));
    await expect(collect(spec(list, { maxItems: 10, pageSize: 10 }))).rejects.toThrow(/cannot continue: the backend's page token is 17002 characters, too long to carry/);
    // One that compresses into a short continuation token is refused the same way: decoding would refuse it.
    const repetitive = new MutableList(Array.from({ length: 20 }, (_, i) => `${String(19 - i).padStart(2, '0')}${'Z'.repeat(17_000)}`));
    await expect(collect(spec(repetitive, { maxItems: 10, pageSize: 10 }))).rejects.toThrow(/cannot continue: the backend's page token is 17002 characters, too long to carry/);
  });
});

describe('collect() against a backend that answers only empty pages', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('paces the empty pages after the first ten instead of hammering the backend until the deadline', async () => {
    // A fake clock that moves only when advanced: each request's time shows the pacing exactly.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const started = Date.now();
    const at: number[] = [];
    const pending = collect(
      spec(new MutableList([]), {
        fetchPage: async () => {
          at.push(Date.now() - started);
          // Unpaced, no time passes between requests: stop the loop instead of spinning forever.
          if (at.length > 500) throw new Error(`${at.length} requests within ${Date.now() - started} ms: empty pages are not paced`);
          return { items: [], nextToken: `t${at.length}` };
        },
        deadlineAt: started + 1000,
      }),
    );
    const [, r] = await Promise.all([vi.advanceTimersByTimeAsync(1000), pending]);
    expect(r.stopReason).toBe('deadline');
    expect(r.items).toEqual([]);
    // Ten empty pages at once, then at most one every 50 ms, and paging goes on until the deadline.
    expect(at.slice(0, 10)).toEqual(Array(10).fill(0));
    const gaps = at.slice(10).map((t, i) => t - (at[9 + i] ?? 0));
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(50);
    expect(at.at(-1)).toBeGreaterThanOrEqual(950);
  });
});

describe('collect() against a backend that serves fewer items per page than asked', () => {
  it('reads each page once: a short page is walked past only where a continuation resumes', async () => {
    const list = new MutableList(Array.from({ length: 300 }, (_, i) => `r${String(299 - i).padStart(3, '0')}`));
    const tokens: Array<string | undefined> = [];
    const capped = (token: string | undefined, _size: number, signal: AbortSignal) => {
      tokens.push(token);
      return list.fetchPage(token, 10, signal);
    };
    const seen: string[] = [];
    let startingToken: string | undefined;
    do {
      const r = await collect(spec(list, { maxItems: 60, pageSize: 100, fetchPage: capped, startingToken }));
      seen.push(...r.items);
      startingToken = r.nextToken;
    } while (startingToken);
    expect(seen).toEqual(list.items);
    // 30 pages of 10, plus what a look-ahead where a continuation resumes read beyond the call's
    // end (45 in all; every boundary walked ahead, 265, before).
    expect(tokens.length).toBeLessThanOrEqual(50);
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(30);
  });

  it('shows observePage only the pages the walk reads, in order: never one it fetched only to look ahead', async () => {
    const list = new MutableList(Array.from({ length: 95 }, (_, i) => `r${String(94 - i).padStart(3, '0')}`));
    const capped = (token: string | undefined, _size: number, signal: AbortSignal) => list.fetchPage(token, 10, signal);
    let startingToken: string | undefined;
    let calls = 0;
    do {
      const observed: string[][] = [];
      const r = await collect(spec(list, { maxItems: 20, pageSize: 100, fetchPage: capped, startingToken, observePage: (page) => observed.push(page.items) }));
      calls += 1;
      const read = observed.flat();
      // Consecutive pages, starting where the call resumed and ending on the page it stopped in.
      const from = list.items.indexOf(read[0] ?? '');
      expect(read).toEqual(list.items.slice(from, from + read.length));
      expect(read).toEqual(expect.arrayContaining(r.items));
      expect(observed.at(-1)).toContain(r.items.at(-1));
      startingToken = r.nextToken;
    } while (startingToken);
    expect(calls).toBe(5);
  });
});

describe('collect() on a newest-first list with position tokens and many arrivals between calls', () => {
  interface Run {
    key: string;
    at: number;
  }
  /** Tokens are positions (offsets), as some backends issue them: new items at the head shift every page. */
  class PositionList {
    items: Run[];
    constructor(count = 40) {
      this.items = Array.from({ length: count }, (_, i) => ({ key: `old-${String(count - 1 - i).padStart(4, '0')}`, at: 1000 + (count - 1 - i) }));
    }
    private clock = 2000;
    arrive(n: number): void {
      for (let i = 0; i < n; i += 1) this.items.unshift({ key: `new-${this.clock}`, at: this.clock++ });
    }
    async fetchPage(token: string | undefined, pageSize: number): Promise<BackendPage<Run>> {
      const start = token ? Number(token) : 0;
      const end = start + pageSize;
      return { items: this.items.slice(start, end), nextToken: end < this.items.length ? String(end) : undefined };
    }
  }

  // [maxItems = pageSize, arrivals per call, items]: more arrivals than a page; more than the head
  // scan (100) but fewer than a page; more than the walk ahead can cover (25 pages of 1).
  for (const [maxItems, arrivals, count] of [[5, 6, 40], [5, 12, 40], [10, 25, 40], [5, 40, 40], [200, 120, 1000], [1, 30, 60]] as const) {
    it(`maxItems ${maxItems}, ${arrivals} new items before each continuation: every old item once, in order`, async () => {
      const list = new PositionList(count);
      const want = list.items.map((r) => r.key);
      const seen: string[] = [];
      let startingToken: string | undefined;
      do {
        const r = await collect<Run, string>({
          tool: 'list_things',
          fingerprint: {},
          principal: undefined,
          codec,
          maxItems,
          pageSize: maxItems,
          startingToken,
          fetchPage: (token, size) => list.fetchPage(token, size),
          keyOf: (r) => r.key,
          view: (r) => r.key,
          sizeOf: () => 10,
          budgetChars: 100_000,
          deadlineAt: Number.MAX_SAFE_INTEGER,
          signal: new AbortController().signal,
          window: { afterField: 'startedAfter', beforeField: 'startedBefore', timeOf: (r) => r.at, order: 'newest-first' },
        });
        seen.push(...r.items);
        startingToken = r.nextToken;
        list.arrive(arrivals);
        if (seen.length > 5000) throw new Error(`no end: ${seen.slice(0, 30).join(' ')}`);
      } while (startingToken);
      expect(seen.filter((k) => k.startsWith('old-'))).toEqual(want);
      expect(new Set(seen).size).toBe(seen.length);
    });
  }

  it('observePage sees every page the walk reads past, from the first one fetched: none skipped when the items moved on', async () => {
    const list = new PositionList(40);
    let startingToken: string | undefined;
    let movedOn = 0;
    do {
      const fetched: string[][] = [];
      const observed: string[][] = [];
      const r = await collect<Run, string>({
        tool: 'list_things',
        fingerprint: {},
        principal: undefined,
        codec,
        maxItems: 5,
        pageSize: 5,
        startingToken,
        fetchPage: async (token, size) => {
          const page = await list.fetchPage(token, size);
          fetched.push(page.items.map((x) => x.key));
          return page;
        },
        observePage: (page) => observed.push(page.items.map((x) => x.key)),
        keyOf: (x) => x.key,
        view: (x) => x.key,
        sizeOf: () => 10,
        budgetChars: 100_000,
        deadlineAt: Number.MAX_SAFE_INTEGER,
        signal: new AbortController().signal,
        window: { afterField: 'startedAfter', beforeField: 'startedBefore', timeOf: (x) => x.at, order: 'newest-first' },
      });
      // Contiguous from the first page fetched to the page the call stopped in.
      const read = observed.flat();
      const from = list.items.findIndex((x) => x.key === fetched[0]?.[0]);
      expect(read).toEqual(list.items.slice(from, from + read.length).map((x) => x.key));
      expect(read).toEqual(expect.arrayContaining(r.items));
      // The re-read page held none of this call's items: they had moved on to a later page.
      if (r.items.length > 0 && !observed[0]?.includes(r.items[0] ?? '')) movedOn += 1;
      startingToken = r.nextToken;
      list.arrive(6);
    } while (startingToken);
    // The arrivals pushed the cursor's items onto later pages on most continuations.
    expect(movedOn).toBeGreaterThan(0);
  });
});

describe('collect() when a new item arrives at the head with every request (position tokens)', () => {
  it('grows the page after pages of repeats, so every call makes progress and nothing repeats', async () => {
    let items = Array.from({ length: 60 }, (_, i) => ({ key: `old-${String(i).padStart(2, '0')}`, at: 10_000 - i }));
    let clock = 20_000;
    const fetchPage = async (token: string | undefined, size: number): Promise<BackendPage<{ key: string; at: number }>> => {
      const start = token ? Number(token.split(':')[1]) : 0;
      const page = items.slice(start, start + size);
      items = [{ key: `new-${clock}`, at: clock++ }, ...items];
      return { items: page, nextToken: start + size < items.length - 1 ? `t${clock}:${start + size}` : undefined };
    };
    const seen: string[] = [];
    let startingToken: string | undefined;
    let calls = 0;
    do {
      const r = await collect<{ key: string; at: number }, string>({
        tool: 'list_things',
        fingerprint: {},
        principal: undefined,
        codec,
        maxItems: 2,
        pageSize: 100,
        adaptivePageSize: true,
        startingToken,
        fetchPage,
        keyOf: (r) => r.key,
        view: (r) => r.key,
        sizeOf: () => 10,
        budgetChars: 100_000,
        deadlineAt: Date.now() + 5000,
        signal: new AbortController().signal,
        window: { afterField: 'startedAfter', beforeField: 'startedBefore', timeOf: (r) => r.at, order: 'newest-first' },
      });
      // Before: the page shrank to the one item still wanted and every page held only repeats, to the deadline.
      expect(r.stopReason).not.toBe('deadline');
      seen.push(...r.items);
      startingToken = r.nextToken;
      calls += 1;
    } while (startingToken && calls < 100);
    expect(seen.filter((k) => k.startsWith('old-'))).toEqual(Array.from({ length: 60 }, (_, i) => `old-${String(i).padStart(2, '0')}`));
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('a trail carried in a token', () => {
  it('keeps each item\'s recency across a save and restore, an item without one included', async () => {
    const { Trail } = await import('../../src/paging/resume.js');
    const keyOf = (item: { key: string }) => item.key;
    const before = new Trail(keyOf, 8);
    for (const [key, time] of [['a', 100], ['b', undefined], ['c', 90], ['d', 80]] as const) before.pass({ key }, time);
    const after = Trail.restore(keyOf, before.save(), before.orderEvidence);
    expect(after.save()).toEqual(before.save());
    for (const trail of [before, after]) {
      // Newer than the last (80) but below the newest (100) and not passed: an ordering slip, not a repeat.
      expect(trail.mayBeRepeat({ key: 'x' }, 95)).toBe(false);
      expect(trail.mayBeRepeat({ key: 'c' }, 90)).toBe(true);
      expect(trail.mayBeRepeat({ key: 'y' }, 120)).toBe(true);
      expect(trail.anchorIn([{ key: 'z' }, { key: 'c' }, { key: 'q' }])).toBe(2);
    }
  });
});
