import { INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR } from '@modelcontextprotocol/server';

/** A line from the host that cannot be handed to the MCP SDK, as the JSON-RPC error that answers it. */
export interface Rejection {
  /** The request's id, or null when it cannot be told (JSON-RPC 2.0 §5). */
  id: string | number | null;
  code: number;
  message: string;
}

const MESSAGE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params', 'result', 'error']);

/**
 * What JSON-RPC says to answer a line with, or undefined when the line can go to the SDK. The SDK's
 * stdio transport drops bad lines without a word, which leaves a client waiting for an answer that
 * never comes; this mirrors the shape its message schema accepts, so nothing it would take is refused.
 */
export function rejectionOf(line: string, connection?: { initialized: boolean }): Rejection | undefined {
  if (line.trim() === '') return undefined;
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return { id: null, code: PARSE_ERROR, message: 'Parse error: the message is not valid JSON. Send one JSON-RPC message per line.' };
  }
  if (Array.isArray(message)) {
    return { id: null, code: INVALID_REQUEST, message: 'Invalid Request: MCP does not accept JSON-RPC batches. Send one message per line.' };
  }
  if (!isObject(message)) return invalid(null, 'a JSON-RPC message is a JSON object');
  // A response to one of our requests is never answered, whatever its shape (the SDK reports a bad one).
  if (!('method' in message) && ('result' in message || 'error' in message)) return undefined;
  const id = validId(message.id) ? message.id : null;
  if (message.jsonrpc !== '2.0') return invalid(id, '"jsonrpc" must be "2.0"');
  const stray = Object.keys(message).find((key) => !MESSAGE_KEYS.has(key));
  if (stray !== undefined) return invalid(id, `unknown member "${stray}"`);
  if ('id' in message && !validId(message.id)) return invalid(null, '"id" must be a string or an integer');
  if ('method' in message) {
    if (typeof message.method !== 'string') return invalid(id, '"method" must be a string');
    if ('result' in message || 'error' in message) return invalid(id, 'a request has "method", a response "result" or "error", never both');
    if ('params' in message && !isObject(message.params)) return invalid(id, '"params" must be an object');
    const meta = isObject(message.params) ? metaProblem(message.params) : undefined;
    if (meta !== undefined) return { id, code: INVALID_PARAMS, message: `Invalid params: ${meta}.` };
    const params = paramsProblem(message.method, message.params);
    if (params !== undefined) return { id, code: INVALID_PARAMS, message: `Invalid params: ${params}.` };
    // The SDK would re-negotiate the protocol version mid-connection (its HTTP path refuses a repeat).
    if (message.method === 'initialize' && connection) {
      if (connection.initialized) return invalid(id, 'this connection is initialized already (initialize comes once, first)');
      connection.initialized = true;
    }
    // The SDK's parsing drops such a key without a word: an argument would be ignored, not refused.
    if (mayHoldProtoKey(line) && hasProtoKey(message.params)) return { id, code: INVALID_PARAMS, message: 'Invalid params: the key "__proto__" is not allowed.' };
    return undefined;
  }
  return invalid(id, 'it has neither "method" nor "result"/"error"');
}

/**
 * For an HTTP body (one message or a batch), as on stdio: the answer to a message with a "__proto__"
 * key anywhere, which the SDK would drop without a word, or with params the SDK would answer with
 * an internal error (see paramsProblem). Undefined otherwise, or when the body is not JSON (the SDK
 * answers that).
 */
export function bodyRejection(body: string): Rejection | undefined {
  // Other bodies can be told apart unparsed (a method's "\/" escape still ends in '/list"' or '/call"').
  // A tool call cannot: its own arguments may be named "name" or "arguments", so only parsing tells
  // its params' shape (as on stdio, where every line is parsed).
  if (!mayHoldProtoKey(body) && !body.includes('"initialize"') && !body.includes('/list"') && !body.includes('/call"') && !opensMoreThan(body, MAX_PARAMS_DEPTH)) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return undefined;
  }
  const id = isObject(message) && validId(message.id) ? message.id : null;
  if (mayHoldProtoKey(body) && hasProtoKey(message)) return { id, code: INVALID_PARAMS, message: 'Invalid params: the key "__proto__" is not allowed.' };
  for (const one of Array.isArray(message) ? message : [message]) {
    if (!isObject(one) || typeof one.method !== 'string') continue;
    const problem = paramsProblem(one.method, one.params);
    if (problem !== undefined) return { id: validId(one.id) ? one.id : null, code: INVALID_PARAMS, message: `Invalid params: ${problem}.` };
  }
  return undefined;
}

const PAGED_METHODS = new Set(['tools/list', 'resources/list', 'resources/templates/list', 'prompts/list']);

/** Deeper than this outside a tool's arguments, params are no client's: the SDK's parsing overflows its stack on them. */
const MAX_PARAMS_DEPTH = 64;

/**
 * Params of a wrong shape the SDK answers with -32603 or -32602 and its schema's issues dumped as text (or,
 * nested deep enough, a stack overflow), where JSON-RPC asks for -32602 and one sentence. The
 * shapes clients get wrong; the SDK still checks the rest.
 */
function paramsProblem(method: string, params: unknown): string | undefined {
  if (isObject(params) && nestedDeeperThan(params, MAX_PARAMS_DEPTH)) return `"params" is nested more than ${MAX_PARAMS_DEPTH} levels deep`;
  if (method === 'initialize') {
    if (!isObject(params)) return 'initialize needs "params" with protocolVersion, capabilities and clientInfo';
    if (typeof params.protocolVersion !== 'string') return '"params.protocolVersion" must be a string';
    if (!isObject(params.capabilities)) return '"params.capabilities" must be an object';
    const info = params.clientInfo;
    if (!isObject(info) || typeof info.name !== 'string' || typeof info.version !== 'string') return '"params.clientInfo" must be an object with string "name" and "version"';
  }
  if (PAGED_METHODS.has(method) && isObject(params) && params.cursor !== undefined && typeof params.cursor !== 'string') return '"params.cursor" must be a string';
  if (method === 'tools/call') {
    if (!isObject(params) || typeof params.name !== 'string') return 'tools/call needs "params" with the tool\'s "name" as a string';
    if ('arguments' in params && !isObject(params.arguments)) return '"params.arguments" must be an object of the tool\'s arguments by name (or left out)';
  }
  return undefined;
}

/** Whether the text opens more than `limit` objects and arrays in all: only then can it nest deeper. */
function opensMoreThan(text: string, limit: number): boolean {
  let opened = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if ((c === 0x7b || c === 0x5b) && ++opened > limit) return true;
  }
  return false;
}

/** Iterative, and not into a tool call's arguments (checked against the tool's own schema). */
function nestedDeeperThan(params: Record<string, unknown>, limit: number): boolean {
  const pending: Array<[unknown, number]> = Object.entries(params).flatMap(([key, value]) => (key === 'arguments' ? [] : [[value, 1] as [unknown, number]]));
  while (pending.length > 0) {
    const [value, depth] = pending.pop() as [unknown, number];
    if (depth > limit) return true;
    if (Array.isArray(value)) for (const item of value) pending.push([item, depth + 1]);
    else if (isObject(value)) for (const item of Object.values(value)) pending.push([item, depth + 1]);
  }
  return false;
}

/** Whether JSON text can hold a "__proto__" key: written out, or with any of its letters escaped ("__pro\u0074o__"). */
function mayHoldProtoKey(text: string): boolean {
  return text.includes('proto__') || text.includes('\\u');
}

/** Iterative: JSON.parse accepts nesting far deeper than the call stack. */
function hasProtoKey(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) pending.push(...value);
    else if (isObject(value)) {
      if (Object.hasOwn(value, '__proto__')) return true;
      pending.push(...Object.values(value));
    }
  }
  return false;
}

function invalid(id: string | number | null, why: string): Rejection {
  return { id, code: INVALID_REQUEST, message: `Invalid Request: ${why}.` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Ids and progress tokens: strings, or integers a JSON number holds exactly (the SDK's zod int()). */
function validId(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));
}

/** What the SDK's schema refuses in params._meta (and then drops the message unanswered). */
function metaProblem(params: Record<string, unknown>): string | undefined {
  if (!('_meta' in params)) return undefined;
  const meta = params._meta;
  if (!isObject(meta)) return '"params._meta" must be an object';
  if ('progressToken' in meta && meta.progressToken !== undefined && !validId(meta.progressToken)) return '"params._meta.progressToken" must be a string or an integer';
  const related = meta['io.modelcontextprotocol/related-task'];
  if (related !== undefined && !(isObject(related) && typeof related.taskId === 'string')) return '"io.modelcontextprotocol/related-task" in params._meta must hold a string taskId';
  return undefined;
}
