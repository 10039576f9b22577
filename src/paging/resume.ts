/**
 * How a continuation re-finds its place in a listing that may have changed since the last call:
 * items can arrive at the head (position tokens then shift every page), leave a filter, or sit
 * out of order. The keys of the last items a walk passed anchor the resume point; their recency
 * tells repeats from items not yet returned, but only on a list that has shown itself newest first.
 */

/** Items a token remembers: the one just before the cursor and those before it. */
const TRAIL_LENGTH = 5;

/**
 * Items sharing the recency of the one passed last that a token remembers beyond TRAIL_LENGTH: among
 * ties (runs started in one millisecond) recency cannot tell passed from not, only keys can.
 */
const TIED_KEPT = 45;

/** The most items a trail holds (a token holding more was not written by this server). */
export const MAX_TRAIL = TRAIL_LENGTH + TIED_KEPT;

/** Characters of a trail key's hash (about 34 bits: anchors and ties are searched on one page of at most 1,000 items). */
const TRAIL_HASH_CHARS = 7;

export type ListOrder = 'unknown' | 'newest-first' | 'unordered';

/** Falls of recency, with no rise, that show a list newest first: 8 in a row come by chance once in 40,320 lists in no order. */
const ORDER_EVIDENCE = 8;
const MAX_EVIDENCE = 255;

/** A trail on the wire, oldest first: [hash, recency] pairs; the first recency given is absolute, each later one a difference from the one given before it. */
export type WireTrail = Array<[string] | [string, number]>;

interface Entry<R> {
  hash?: string;
  raw?: R;
  time?: number | undefined;
}

/**
 * The last items a walk passed (returned, filtered out, or outside the time window), oldest first,
 * and the order the walk has seen: newest first once recency fell from item to item
 * ORDER_EVIDENCE times without ever rising (a few falls in a row happen in a list in no order too),
 * unordered once it rose (a list that is not newest first, or not strictly). Items are hashed only
 * when the trail is saved or searched, not as they pass.
 */
export class Trail<R> {
  private entries: Array<Entry<R>> = [];

  constructor(
    private readonly keyOf: (raw: R) => string,
    /** -1 once recency rose; otherwise how many times it fell (capped). */
    private evidence = 0,
  ) {}

  get order(): ListOrder {
    return this.evidence < 0 ? 'unordered' : this.evidence >= ORDER_EVIDENCE ? 'newest-first' : 'unknown';
  }

  /** What the token carries of the order seen: -1 (unordered) or the falls seen so far. */
  get orderEvidence(): number {
    return this.evidence;
  }

  static restore<R>(keyOf: (raw: R) => string, wire: WireTrail | undefined, orderEvidence: number): Trail<R> {
    const trail = new Trail(keyOf, orderEvidence);
    // Each recency is a difference from the last one given (see save), the first given absolute.
    let base: number | undefined;
    for (const [hash, recency] of wire ?? []) {
      const time = recency === undefined ? undefined : base === undefined ? recency : base + recency;
      base = time ?? base;
      trail.entries.push({ hash, time });
    }
    return trail;
  }

  pass(raw: R, time: number | undefined): void {
    // Across calls, where no page watcher sees it: a rise only (the falls were counted as fetched).
    const last = this.entries[this.entries.length - 1]?.time;
    if (time !== undefined && last !== undefined && time > last) this.evidence = -1;
    this.entries.push({ raw, time });
    // Oldest first: past TRAIL_LENGTH, only a run of items tied with the last stays (newest first, ties are consecutive).
    while (this.entries.length > TRAIL_LENGTH && (time === undefined || this.entries[0]?.time !== time || this.entries.length > MAX_TRAIL)) this.entries.shift();
  }

  /**
   * Notes the order of the pages one call reads, in the order it fetches them (which is list
   * order). A re-read page may open above the trail (a shift), so pages are compared among
   * themselves, not with the trail.
   */
  watchOrder(recency: (raw: R) => number | undefined): (items: R[]) => void {
    let previous: number | undefined;
    return (items) => {
      for (const raw of items) {
        const time = recency(raw);
        this.note(previous, time);
        previous = time ?? previous;
      }
    };
  }

  private note(previous: number | undefined, time: number | undefined): void {
    if (time === undefined || previous === undefined || this.evidence < 0) return;
    if (time > previous) this.evidence = -1;
    else if (time < previous) this.evidence = Math.min(this.evidence + 1, MAX_EVIDENCE);
  }

  save(): WireTrail | undefined {
    if (this.entries.length === 0) return undefined;
    let before: number | undefined;
    return this.entries.map((entry) => {
      const hash = this.hash(entry)?.slice(0, TRAIL_HASH_CHARS) ?? '';
      const { time } = entry;
      const pair: [string] | [string, number] = time === undefined ? [hash] : [hash, before === undefined ? time : time - before];
      before = time ?? before;
      return pair;
    });
  }

  /** Index just after the last item of `items` (within the first `limit`) that the trail holds. */
  anchorIn(items: R[], limit = items.length): number | undefined {
    const held = new Set(this.entries.map((entry) => this.hash(entry)?.slice(0, TRAIL_HASH_CHARS)).filter((hash) => hash !== undefined));
    if (held.size === 0) return undefined;
    let after: number | undefined;
    const end = Math.min(limit, items.length);
    for (let i = 0; i < end; i += 1) {
      const hash = hashOf(items[i] as R, this.keyOf);
      if (hash !== undefined && held.has(hash.slice(0, TRAIL_HASH_CHARS))) after = i + 1;
    }
    return after;
  }

  /** The list has not been seen out of order, and the last item passed has a recency to compare with. */
  mayBeNewestFirst(): boolean {
    return this.order !== 'unordered' && this.entries[this.entries.length - 1]?.time !== undefined;
  }

  /**
   * Whether an item met where a resume could not be anchored by a key may be one returned before (a
   * position token shifted it back into view): newer than the last item passed, and not newer only by
   * an ordering slip (passed items newer than the last one are all in the trail up to its newest, so
   * an item below that and not in it was not passed). Only on a list seen newest first, unless
   * `orUnknown`: on a list of no known order a newer item may just as well be the next one (a list
   * oldest first), which is worth a look ahead, not a skip.
   */
  mayBeRepeat(raw: R, time: number | undefined, orUnknown = false): boolean {
    const last = this.entries[this.entries.length - 1]?.time;
    const ordered = this.order === 'newest-first' || (orUnknown && this.order === 'unknown');
    if (!ordered || time === undefined || last === undefined || time < last) return false;
    let newest = last;
    for (const entry of this.entries) if (entry.time !== undefined && entry.time > newest) newest = entry.time;
    return (time > last && time >= newest) || this.holds(raw);
  }

  /** Whether `raw` is the item passed last. */
  isLast(raw: R | undefined): boolean {
    const last = this.entries[this.entries.length - 1];
    if (raw === undefined || last === undefined) return false;
    const hash = hashOf(raw, this.keyOf)?.slice(0, TRAIL_HASH_CHARS);
    return hash !== undefined && hash === this.hash(last)?.slice(0, TRAIL_HASH_CHARS);
  }

  /** Strictly older than the item passed last (false when either recency is unknown). */
  olderThanLast(time: number | undefined): boolean {
    const last = this.entries[this.entries.length - 1]?.time;
    return time !== undefined && last !== undefined && time < last;
  }

  /** One of the items passed last, or newer than the last of them: behind the cursor on a newest-first list. */
  passedOrNewer(raw: R, time: number | undefined): boolean {
    return this.newerThanLast(time) || this.holds(raw);
  }

  /** Strictly more recent than the item passed last (false when either recency is unknown). */
  newerThanLast(time: number | undefined): boolean {
    const last = this.entries[this.entries.length - 1]?.time;
    return time !== undefined && last !== undefined && time > last;
  }

  private holds(raw: R): boolean {
    const hash = hashOf(raw, this.keyOf)?.slice(0, TRAIL_HASH_CHARS);
    return hash !== undefined && this.entries.some((entry) => this.hash(entry)?.slice(0, TRAIL_HASH_CHARS) === hash);
  }

  private hash(entry: Entry<R>): string | undefined {
    if (entry.hash === undefined && entry.raw !== undefined) {
      const hash = hashOf(entry.raw, this.keyOf);
      if (hash !== undefined) entry.hash = hash;
    }
    return entry.hash;
  }
}

/** An item without a key (an Ona item with no id) is never stored in, or matched against, a token. */
export function hashOf<R>(raw: R, keyOf: (raw: R) => string): string | undefined {
  const key = keyOf(raw);
  return key === '' ? undefined : keyHash(key);
}

/**
 * Identifies an item inside a token (which is HMAC'd, so this needs no cryptographic strength):
 * cyrb53, a fast 53-bit string hash, since a resume may hash every key of a 1000-item page.
 */
function keyHash(key: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i += 1) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
