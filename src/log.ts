/**
 * Diagnostics go to stderr as JSON lines: on stdio, stdout belongs to the MCP protocol.
 * Secrets registered with setRedactions never reach the log.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let redactions: string[] = [];
/** Those replaced in results too (see redactInResult). */
let resultRedactions: string[] = [];
let quiet = false;
let threshold: Level = 'info';

export function setLogLevel(level: Level): void {
  threshold = level;
}

/** Secrets from the configuration, and those learnt later (credentials the AWS SDK resolved). */
let configured: string[] = [];
const learnt = new Set<string>();
/** Credentials refresh (an assumed role's, hourly): older ones are dropped past this many. */
const MAX_LEARNT = 16;

export function setRedactions(secrets: string[]): void {
  configured = secrets;
  learnt.clear();
  rebuild();
}

/** Adds secrets known only once resolved, such as the credentials of an AWS profile or role. */
export function addRedactions(secrets: Array<string | undefined>): void {
  const fresh = secrets.filter((s): s is string => s !== undefined && s.length >= 4 && !learnt.has(s) && !configured.includes(s));
  if (fresh.length === 0) return;
  for (const secret of fresh) learnt.add(secret);
  for (const old of learnt) if (learnt.size > MAX_LEARNT) learnt.delete(old);
  rebuild();
}

function rebuild(): void {
  const all = [...configured, ...learnt];
  // Under 4 characters a secret is not looked for: it would match ordinary text. Only secrets the
  // server cannot refuse can be that short (AWS keys, URL parts); config.ts refuses short keys of its own.
  redactions = formsOf(all.filter((s) => s.length >= 4));
  // The 8-character rule is the secret's own length, not that of an escaped form ("/api/" → "%2Fapi%2F").
  resultRedactions = formsOf(all.filter((s) => s.length >= 8));
}

/**
 * A backend may echo a secret JSON-escaped ("\/" for "/", as PHP writes it) or URL-encoded, by
 * whichever encoder: JavaScript's, RFC 3986's (which also encodes !'()*), either with "/" left as is
 * (Python's quote), each with upper or lower-case hex (.NET writes "%2f"). Longest first, so no
 * shorter form cuts into a longer one before it is replaced.
 */
function formsOf(secrets: string[]): string[] {
  const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1), s.replaceAll('/', '\\/'), ...percentForms(s)]);
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

function percentForms(secret: string): string[] {
  let js: string;
  try {
    js = encodeURIComponent(secret);
  } catch {
    // A lone half of a surrogate pair (a credential_process's broken JSON) has no percent-encoding.
    return [];
  }
  const rfc = js.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const upper = [js, rfc, js.replaceAll('%2F', '/'), rfc.replaceAll('%2F', '/')];
  return [...upper, ...upper.map((form) => form.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()))];
}

export function setQuiet(value: boolean): void {
  quiet = value;
}

export function redact(text: string): string {
  let out = text;
  for (const secret of redactions) {
    if (!out.includes(secret)) continue;
    // A secret is replaced wherever it appears; a very short one (under 8 characters) only where
    // it stands alone, so "other" neither garbles "another" nor gives itself away by the cut.
    if (secret.length >= 8) out = out.split(secret).join('[redacted]');
    else out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(secret)}(?![A-Za-z0-9])`, 'g'), '[redacted]');
  }
  return out;
}

/**
 * For results: only secrets of 8 characters or more. A short one (a URL's "auth=true") would garble
 * data that merely contains the same word; logs and errors still hide it.
 */
export function redactInResult(text: string): string {
  let out = text;
  for (const secret of resultRedactions) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

/** A JSON value with every string passed through redactInResult: copied only where something was replaced. */
export function redactDeep<T>(value: T): T {
  if (resultRedactions.length === 0) return value;
  return redactValue(value) as T;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactInResult(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i += 1) {
      const r = redactValue(value[i]);
      if (r !== value[i]) (copy ??= [...value])[i] = r;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  let keysEcho = false;
  const record = value as Record<string, unknown>;
  // for...in: JSON values have no inherited enumerable keys, and no entries array is allocated per object.
  for (const key in record) {
    const v = record[key];
    const r = redactValue(v);
    if (r !== v) (copy ??= { ...record })[key] = r;
    // A key is backend data too (an annotation's name, an output's key).
    keysEcho ||= redactInResult(key) !== key;
  }
  if (!keysEcho) return copy ?? value;
  const renamed: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(copy ?? record)) renamed[redactInResult(key)] = v;
  return renamed;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function write(level: Level, message: string, fields?: Record<string, unknown>): void {
  if ((quiet && level !== 'error') || RANK[level] < RANK[threshold]) return;
  // Values are redacted before JSON escapes them ("\\nsecret" would hide a word boundary), the
  // line again after.
  const line = JSON.stringify({ time: new Date().toISOString(), level, message: redact(message), ...(fields && redactValues(fields)) });
  // A host that closed our stderr gets no logs; a failed log write must never become an error itself.
  if (process.stderr.destroyed || !process.stderr.writable) return;
  try {
    process.stderr.write(`${redact(line)}\n`);
  } catch {
    // Nothing left to tell it to.
  }
}

function redactValues(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = typeof v === 'string' ? redact(v) : v !== null && typeof v === 'object' && !Array.isArray(v) ? redactValues(v as Record<string, unknown>) : v;
  }
  return out;
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
};
