/**
 * How a continuation re-finds its place in a listing that may have changed since the last call:
 * items can arrive at the head (position tokens then shift every page), leave a filter, or sit
 * out of order. The keys of the last items a walk passed anchor the resume point; their recency
 * tells repeats from items not yet returned, but only on a list that has shown itself newest first.
 */

/** Items a token remembers: the one just before the cursor and those before it. */
export const TRAIL_LENGTH = 5;

/** Characters of a trail key's hash: anchors are searched on one page, so 36 bits is plenty. */
const TRAIL_HASH_CHARS = 7;

/** A trail on the wire, oldest first: [hash, recency] pairs, each recency but the first as a difference from the one before. */
export type WireTrail = Array<[string] | [string, number]>;

interface Entry<R> {
  hash?: string;
  raw?: R;
  time?: number | undefined;
}

/**
 * The last items a walk passed (returned, filtered out, or outside the time window), oldest first,
 * and whether the walk has seen recency rise: a list that is not newest first, or not strictly.
 * Items are hashed only when the trail is saved or searched, not as they pass.
 */
export class Trail<R> {
  private entries: Array<Entry<R>> = [];

  constructor(
    private readonly keyOf: (raw: R) => string,
    public unordered = false,
  ) {}

  static restore<R>(keyOf: (raw: R) => string, wire: WireTrail | undefined, unordered: boolean): Trail<R> {
    const trail = new Trail(keyOf, unordered);
    let time: number | undefined;
    for (const [hash, recency] of wire ?? []) {
      time = recency === undefined ? undefined : time === undefined ? recency : time + recency;
      trail.entries.push({ hash, time });
    }
    return trail;
  }

  pass(raw: R, time: number | undefined): void {
    const last = this.entries[this.entries.length - 1]?.time;
    if (time !== undefined && last !== undefined && time > last) this.unordered = true;
    this.entries.push({ raw, time });
    if (this.entries.length > TRAIL_LENGTH) this.entries.shift();
  }

  /**
   * Notes the order of pages read back to back where a resume looks for its place (a re-read page
   * and those read ahead): a rise anywhere in them shows the list is not newest first. Their head
   * may sit above the trail (a shift), so they are checked among themselves only.
   */
  watchOrder(): (items: R[], recency: (raw: R) => number | undefined) => void {
    let previous: number | undefined;
    return (items, recency) => {
      for (const raw of items) {
        const time = recency(raw);
        if (time === undefined) continue;
        if (previous !== undefined && time > previous) this.unordered = true;
        previous = time;
      }
    };
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

  /**
   * Whether an item met where a resume could not be anchored by a key may be one returned before (a
   * position token shifted it back into view): newer than the last item passed, and not newer only by
   * an ordering slip (passed items newer than the last one are all in the trail up to its newest, so
   * an item below that and not in it was not passed). Never on a list seen out of order.
   */
  mayBeRepeat(raw: R, time: number | undefined): boolean {
    const last = this.entries[this.entries.length - 1]?.time;
    if (this.unordered || time === undefined || last === undefined || time < last) return false;
    let newest = last;
    for (const entry of this.entries) if (entry.time !== undefined && entry.time > newest) newest = entry.time;
    if (time > last && time >= newest) return true;
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
