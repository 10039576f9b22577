import { createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ToolError } from '../server/errors.js';
import { MAX_TOKEN_CHARS } from './fields.js';
import { MAX_TRAIL, type WireTrail } from './resume.js';

/**
 * Continuation tokens: self-contained (any replica can continue them), bound to the tool, the
 * call's other arguments and the caller, and MAC-protected so an altered token is refused.
 * Format: "em1.<base64url JSON>.<base64url HMAC-SHA256/128>", or "em1z." with the JSON deflated
 * when that is shorter: a model reads every token twice per answer, and carried state (history
 * names, failure outcomes) compresses to less than half.
 */

export interface CursorState {
  /** Backend token of the page the cursor points into; absent for the first page. */
  backendToken?: string;
  /** Raw index inside that page of the next item to consider. */
  offset: number;
  /** Page size used to fetch that page, so re-fetching it yields the same page. */
  pageSize: number;
  /** Hash of the key of the raw item just before `offset`, to re-find the position if the page shifted. */
  previousKeyHash?: string;
  /** Read from tokens of the version before trails (their only recency); no longer written. */
  previousTime?: number;
  /** Hash of the key of the raw item at `offset`, the first one not yet returned. */
  nextKeyHash?: string;
  /** Time window resolved on the first call (relative times must not drift between calls). */
  window?: { after?: number; before?: number };
  /** Tool state carried across the continuation (see PagingCarry). */
  carry?: unknown;
  /** Average characters per returned item so far, to size the next call's backend pages. */
  avgItemChars?: number;
  /** The last items the walk passed, to anchor a resume (see Trail). */
  trail?: WireTrail;
  /** The order the walk has seen (Trail.orderEvidence): -1 unordered, else falls of recency seen. */
  orderEvidence?: number;
  /** Hashes of the backend tokens the walk read pages at last (oldest first), to tell a token cycle across calls. */
  tokensRead?: string[];
}

/** How many backend tokens a continuation remembers: a cycle of up to this many pages is caught. */
export const TOKENS_CARRIED = 12;

interface WireCursor {
  v: 2;
  n: string;
  f: string;
  p?: string;
  i: number;
  t?: string;
  o: number;
  s: number;
  h?: string;
  k?: string;
  e?: number;
  a?: number;
  b?: number;
  x?: unknown;
  z?: number;
  r?: WireTrail;
  u?: number;
  g?: string[];
}

const PREFIX = 'em1';
const DEFLATED = 'em1z';
/** Below this, deflating saves too little to be worth it. */
const DEFLATE_FROM = 256;
const MAX_AGE_SECONDS = 24 * 60 * 60;

export function stableHash(value: string, length = 16): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, length);
}

/** JSON with sorted keys and without undefined, so equal arguments give equal fingerprints. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The key for a shared secret (the cursor secret, or else the HTTP token), by scrypt: a token's body
 * and MAC are readable, so whoever holds one can test guesses of the secret offline. A fast hash
 * made each guess cost nanoseconds; this makes it about 0.1 s and 32 MiB. Derived once per secret.
 */
const derivedKeys = new Map<string, Buffer>();
function keyFor(secret: string): Buffer {
  let key = derivedKeys.get(secret);
  if (!key) {
    key = scryptSync(secret, 'executions-mcp-cursor', 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    derivedKeys.set(secret, key);
  }
  return key;
}

export class CursorCodec {
  private readonly secret: string | undefined;
  /** Derived at first use: scrypt's 0.1 s is kept off the start-up path. */
  private derived: Buffer | undefined;

  constructor(secret: string | undefined, private readonly now: () => number = Date.now) {
    // A shared secret lets replicas continue each other's tokens; without one, a random key binds
    // tokens to this process (a key derived from public text would let anyone forge them).
    this.derived = secret === undefined ? randomBytes(32) : undefined;
    this.secret = secret;
  }

  private get key(): Buffer {
    this.derived ??= keyFor(this.secret ?? '');
    return this.derived;
  }

  encode(tool: string, fingerprint: unknown, principal: string | undefined, state: CursorState): string {
    const wire: WireCursor = {
      v: 2,
      n: tool,
      f: stableHash(canonicalJson(fingerprint)),
      i: Math.floor(this.now() / 1000),
      o: state.offset,
      s: state.pageSize,
    };
    if (principal) wire.p = this.principalTag(principal);
    if (state.backendToken !== undefined) wire.t = state.backendToken;
    if (state.previousKeyHash) wire.h = state.previousKeyHash;
    if (state.nextKeyHash) wire.k = state.nextKeyHash;
    if (state.window?.after !== undefined) wire.a = state.window.after;
    if (state.window?.before !== undefined) wire.b = state.window.before;
    if (state.carry !== undefined) wire.x = state.carry;
    if (state.avgItemChars !== undefined) wire.z = state.avgItemChars;
    if (state.trail !== undefined) wire.r = state.trail;
    if (state.orderEvidence) wire.u = state.orderEvidence;
    if (state.tokensRead?.length) wire.g = state.tokensRead;
    const json = Buffer.from(JSON.stringify(wire));
    const plain = json.toString('base64url');
    const deflated = json.length >= DEFLATE_FROM ? deflateRawSync(json).toString('base64url') : undefined;
    const [prefix, body] = deflated !== undefined && deflated.length < plain.length ? [DEFLATED, deflated] : [PREFIX, plain];
    const token = `${prefix}.${body}.${this.mac(`${prefix}.${body}`)}`;
    // A token the next call would refuse is worse than none: say why the listing cannot go on.
    // The backend token is checked whole too: compressed, a long one fits, but decode refuses it.
    if (token.length > MAX_TOKEN_CHARS || (state.backendToken?.length ?? 0) > MAX_TOKEN_CHARS) {
      throw new ToolError(
        `${tool} cannot continue: the backend's page token is ${state.backendToken?.length ?? 0} characters, too long to carry in a continuation token (at most ${MAX_TOKEN_CHARS}). Next: narrow the request with filters, or raise maxItems to get more in one call.`,
      );
    }
    return token;
  }

  decode(token: string, tool: string, fingerprint: unknown, principal: string | undefined): CursorState {
    const invalid = new ToolError(
      `startingToken is not a valid continuation token for ${tool} (altered, truncated, from an older version, or from another server ` +
        'process: replicas share tokens only with the same EXECUTIONS_MCP_CURSOR_SECRET). Pass nextToken exactly as returned, or omit startingToken to start from the beginning.',
    );
    const parts = token.split('.');
    const [prefix = '', body = '', mac = ''] = parts;
    if (parts.length !== 3 || (prefix !== PREFIX && prefix !== DEFLATED)) throw invalid;
    const expected = Buffer.from(this.mac(`${prefix}.${body}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    let wire: WireCursor;
    try {
      const bytes = Buffer.from(body, 'base64url');
      const json = prefix === DEFLATED ? inflateRawSync(bytes, { maxOutputLength: 4 * MAX_TOKEN_CHARS }) : bytes;
      wire = JSON.parse(json.toString('utf8')) as WireCursor;
    } catch {
      throw invalid;
    }
    if (!wellFormed(wire)) throw invalid;
    if (wire.n !== tool) {
      throw new ToolError(`startingToken was issued by ${wire.n}, not ${tool}; pass it back to ${wire.n} with the same arguments.`);
    }
    if ((wire.p ?? '') !== (principal ? this.principalTag(principal) : '')) {
      throw new ToolError('startingToken was issued to a different client; omit startingToken to start from the beginning.');
    }
    if (wire.f !== stableHash(canonicalJson(fingerprint))) {
      throw new ToolError(
        `startingToken was issued for different arguments. Repeat every argument of the call that returned it ` +
          `unchanged (only maxItems, pageSize and maxPayloadChars may change), or omit startingToken to start over.`,
      );
    }
    if (this.now() / 1000 - wire.i > MAX_AGE_SECONDS) {
      throw new ToolError('startingToken expired (continuation tokens last 24 hours); call again without startingToken.');
    }
    const state: CursorState = { offset: wire.o, pageSize: wire.s };
    if (wire.t !== undefined) state.backendToken = wire.t;
    if (typeof wire.h === 'string') state.previousKeyHash = wire.h;
    if (typeof wire.e === 'number') state.previousTime = wire.e;
    if (typeof wire.k === 'string') state.nextKeyHash = wire.k;
    if (wire.a !== undefined || wire.b !== undefined) state.window = { after: wire.a, before: wire.b };
    if (wire.x !== undefined) state.carry = wire.x;
    if (typeof wire.z === 'number' && wire.z > 0) state.avgItemChars = wire.z;
    if (wire.r !== undefined) state.trail = wire.r;
    if (wire.u !== undefined) state.orderEvidence = wire.u;
    if (wire.g !== undefined) state.tokensRead = wire.g;
    return state;
  }

  /**
   * The caller a token is bound to, keyed: the token's body is readable, and an unkeyed hash of
   * the principal (a digest of the HTTP token) would let its holder test guesses of that token offline.
   */
  private principalTag(principal: string): string {
    return createHmac('sha256', this.key).update(`principal:${principal}`).digest('base64url').slice(0, 12);
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16).toString('base64url');
  }
}

/** Field types and ranges, checked even behind a valid MAC (the key may be shared across replicas). */
function wellFormed(wire: WireCursor): boolean {
  const int = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  const str = (v: unknown, max: number) => v === undefined || (typeof v === 'string' && v.length <= max);
  return (
    wire.v === 2 &&
    typeof wire.n === 'string' &&
    typeof wire.f === 'string' &&
    int(wire.i, 0, Number.MAX_SAFE_INTEGER) &&
    int(wire.o, 0, 100_000) &&
    int(wire.s, 1, 10_000) &&
    str(wire.t, MAX_TOKEN_CHARS) &&
    str(wire.h, 64) &&
    str(wire.k, 64) &&
    (wire.a === undefined || typeof wire.a === 'number') &&
    (wire.e === undefined || Number.isFinite(wire.e)) &&
    (wire.b === undefined || typeof wire.b === 'number') &&
    (wire.z === undefined || int(wire.z, 1, 10_000_000)) &&
    (wire.r === undefined || wellFormedTrail(wire.r)) &&
    (wire.u === undefined || int(wire.u, -1, 255)) &&
    (wire.g === undefined || (Array.isArray(wire.g) && wire.g.length <= TOKENS_CARRIED && wire.g.every((h: unknown) => typeof h === 'string' && h.length <= 16)))
  );
}

function wellFormedTrail(trail: unknown): boolean {
  return (
    Array.isArray(trail) &&
    trail.length <= MAX_TRAIL &&
    trail.every(
      (entry: unknown) =>
        Array.isArray(entry) &&
        (entry.length === 1 || entry.length === 2) &&
        typeof entry[0] === 'string' &&
        entry[0].length <= 16 &&
        (entry.length === 1 || Number.isFinite(entry[1])),
    )
  );
}
