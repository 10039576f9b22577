/**
 * The response budget: what an answer costs against it (its text plus its structuredContent as
 * JSON) and the measure list tools size their items by. It is sized for a client's token cap, and
 * models' tokenizers take about four ASCII characters to a token but about a token for each CJK
 * character (two for an emoji): counted as characters alone, a budget of 60,000 let a CJK answer
 * reach some 40,000 tokens.
 */

/** What a UTF-16 unit outside ASCII costs: a token's worth, as four ASCII characters are. */
const NON_ASCII_WEIGHT = 4;

// Strings with none of these cost their length (plus the quotes, in JSON).
const NON_ASCII = /[^\x00-\x7f]/;
const NOT_PLAIN_JSON = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/**
 * Cost of `text` as it stands (json false) or as a JSON string's content (json true: `"`, `\` and
 * control characters escaped, lone surrogates as \uXXXX), with the length of its longest prefix
 * costing at most `max`. Surrogate pairs are never split.
 */
export function scanCost(text: string, json: boolean, max = Number.POSITIVE_INFINITY): { cost: number; length: number } {
  let cost = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    let units = 1;
    let add: number;
    if (c < 0x80) add = json ? asciiJsonCost(c) : 1;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      units = 2;
      add = 2 * NON_ASCII_WEIGHT;
    } else if (c >= 0xd800 && c <= 0xdfff) add = json ? 6 : NON_ASCII_WEIGHT;
    else add = NON_ASCII_WEIGHT;
    if (cost + add > max) break;
    cost += add;
    i += units;
  }
  return { cost, length: i };
}

function asciiJsonCost(c: number): number {
  if (c === 0x22 || c === 0x5c) return 2;
  if (c >= 0x20) return 1;
  // \b \t \n \f \r have two-character escapes; other control characters take \u00XX.
  return c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
}

const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** What a line of text costs. */
export function textCost(text: string): number {
  return NON_ASCII.test(text) ? scanCost(text, false).cost : text.length;
}

/** What a string costs in JSON, quotes included. */
export function jsonStringCost(value: string): number {
  return (NOT_PLAIN_JSON.test(value) ? scanCost(value, true).cost : value.length) + 2;
}

// Field names repeat on every item: measure each once.
const keyCosts = new Map<string, number>();
function keyCost(key: string): number {
  let n = keyCosts.get(key);
  if (n === undefined) {
    n = jsonStringCost(key);
    if (keyCosts.size < 10_000) keyCosts.set(key, n);
  }
  return n;
}

/**
 * What a value costs as JSON (textCost of JSON.stringify(value)) without building the string: sizing
 * every list item against the budget is on the hot path. Plain data only: no toJSON, BigInt or cycles.
 */
export function jsonCost(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return jsonStringCost(value);
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4;
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let n = 1 + Math.max(value.length, 1);
        for (const v of value) n += v === undefined || typeof v === 'function' || typeof v === 'symbol' ? 4 : jsonCost(v);
        return n;
      }
      if (value instanceof Date) return JSON.stringify(value).length;
      let n = 1;
      let fields = 0;
      for (const key of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        n += keyCost(key) + 1 + jsonCost(v);
        fields += 1;
      }
      return n + Math.max(fields, 1);
    }
    default:
      return 0;
  }
}

/** What a whole answer costs: its text and its structuredContent. */
export function answerCost(structured: unknown, text: string): number {
  return jsonCost(structured) + textCost(text);
}

/** What a list item adds to an answer: its JSON, its text line, a comma and a line break. */
export function itemCost(item: unknown, line: string): number {
  return jsonCost(item) + textCost(line) + 2;
}
