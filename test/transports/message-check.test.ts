import { deserializeMessage, isSpecType } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyRejection, rejectionOf } from '../../src/transports/message-check.js';

describe('rejectionOf()', () => {
  it('refuses what is not one JSON-RPC message, with the id when it can be told', () => {
    const cases: Array<[string, string | number | null, number, string]> = [
      ['{"jsonrpc":"2.0","id":1,"method":"ping"', null, -32700, 'not valid JSON'],
      ['[{"jsonrpc":"2.0","id":1,"method":"ping"}]', null, -32600, 'batches'],
      ['"ping"', null, -32600, 'JSON object'],
      ['{"jsonrpc":"1.0","id":"a","method":"ping"}', 'a', -32600, '"jsonrpc" must be "2.0"'],
      ['{"jsonrpc":"2.0","id":2,"method":"ping","extra":true}', 2, -32600, 'unknown member "extra"'],
      ['{"jsonrpc":"2.0","id":1.5,"method":"ping"}', null, -32600, '"id" must be a string or an integer'],
      ['{"jsonrpc":"2.0","id":null,"method":"ping"}', null, -32600, '"id" must be'],
      ['{"jsonrpc":"2.0","id":3,"method":7}', 3, -32600, '"method" must be a string'],
      ['{"jsonrpc":"2.0","id":4,"method":"tools/call","params":["a"]}', 4, -32600, '"params" must be an object'],
      ['{"jsonrpc":"2.0","id":5}', 5, -32600, 'neither "method"'],
      ['{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}', null, -32600, '"id" must be a string or an integer'],
      ['{"jsonrpc":"2.0","id":"m-r","method":"ping","result":{}}', 'm-r', -32600, 'never both'],
      ['{"jsonrpc":"2.0","id":10,"method":"ping","params":{"_meta":null}}', 10, -32602, '"params._meta" must be an object'],
      ['{"jsonrpc":"2.0","id":11,"method":"ping","params":{"_meta":{"progressToken":{"a":1}}}}', 11, -32602, 'progressToken'],
      ['{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"t","arguments":{"__proto__":{"x":1}}}}', 6, -32602, 'the key "__proto__" is not allowed'],
      ['{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"t","arguments":{"\\u005f_proto__":1}}}', 7, -32602, 'the key "__proto__" is not allowed'],
      ['{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"t","arguments":{"__pro\\u0074o__":1}}}', 9, -32602, 'the key "__proto__" is not allowed'],
      [`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"t","arguments":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)},"b":{"__proto__":1}}}}`, 8, -32602, 'not allowed'],
      // Shapes the SDK answers with -32603 and its schema issues dumped as text.
      ['{"jsonrpc":"2.0","id":12,"method":"initialize"}', 12, -32602, 'initialize needs "params"'],
      ['{"jsonrpc":"2.0","id":13,"method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"c","version":"1"}}}', 13, -32602, '"params.protocolVersion" must be a string'],
      ['{"jsonrpc":"2.0","id":14,"method":"initialize","params":{"protocolVersion":"2025-11-25","clientInfo":{"name":"c","version":"1"}}}', 14, -32602, '"params.capabilities" must be an object'],
      ['{"jsonrpc":"2.0","id":15,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c"}}}', 15, -32602, '"params.clientInfo" must be an object with string "name" and "version"'],
      ['{"jsonrpc":"2.0","id":16,"method":"tools/list","params":{"cursor":5}}', 16, -32602, '"params.cursor" must be a string'],
      ['{"jsonrpc":"2.0","id":18,"method":"tools/call","params":{"name":"t","arguments":"{\\"a\\":1}"}}', 18, -32602, '"params.arguments" must be an object'],
      ['{"jsonrpc":"2.0","id":19,"method":"tools/call","params":{"name":"t","arguments":null}}', 19, -32602, '"params.arguments" must be an object'],
      ['{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"t","arguments":[1]}}', 20, -32602, '"params.arguments" must be an object'],
      ['{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"arguments":{}}}', 21, -32602, 'the tool\'s "name" as a string'],
      ['{"jsonrpc":"2.0","id":22,"method":"tools/call","params":{"name":5}}', 22, -32602, 'the tool\'s "name" as a string'],
      // Nested deep enough, the SDK's parsing overflows its stack (and says so).
      [`{"jsonrpc":"2.0","id":17,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"experimental":{"x":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}},"clientInfo":{"name":"c","version":"1"}}}`, 17, -32602, 'nested more than 64 levels deep'],
    ];
    for (const [line, id, code, why] of cases) {
      expect(rejectionOf(line), line).toEqual({ id, code, message: expect.stringContaining(why) });
    }
  });

  it('refuses a second initialize on one connection, which would re-negotiate the protocol version', () => {
    const connection = { initialized: false };
    const init = (id: number, version: string) =>
      `{"jsonrpc":"2.0","id":${id},"method":"initialize","params":{"protocolVersion":"${version}","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`;
    expect(rejectionOf(init(1, '2025-11-25'), connection)).toBeUndefined();
    expect(rejectionOf(init(2, '2024-11-05'), connection)).toEqual({ id: 2, code: -32600, message: expect.stringContaining('initialized already') });
    expect(rejectionOf('{"jsonrpc":"2.0","id":3,"method":"tools/list"}', connection)).toBeUndefined();
    // Another connection starts afresh.
    expect(rejectionOf(init(1, '2025-11-25'), { initialized: false })).toBeUndefined();
  });

  it('passes requests, notifications, responses and blank lines', () => {
    for (const line of [
      '{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"t","arguments":{},"_meta":{"progressToken":1}}}',
      '{"jsonrpc":"2.0","id":"y","method":"tools/call","params":{"name":"t","arguments":{"note":"a \\"__proto__\\": inside a string is data"}}}',
      '{"jsonrpc":"2.0","method":"notifications/initialized"}',
      '{"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{}},"clientInfo":{"name":"c","version":"1"}}}',
      '{"jsonrpc":"2.0","id":"l","method":"tools/list","params":{"cursor":"abc"}}',
      `{"jsonrpc":"2.0","id":"d","method":"tools/call","params":{"name":"t","arguments":{"deep":${'['.repeat(500)}${']'.repeat(500)}}}}`,
      '{"jsonrpc":"2.0","id":7,"result":{}}',
      '{"jsonrpc":"2.0","id":8,"error":{"code":-1,"message":"no"}}',
      '  \r',
    ]) {
      expect(rejectionOf(line), line).toBeUndefined();
    }
  });

  it('never refuses a line the MCP SDK would accept', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), fc.string()), fc.array(fc.integer()));
    const id = fc.oneof(fc.string(), fc.integer());
    const wellFormed = fc.oneof(
      fc.record({ jsonrpc: fc.constant('2.0'), id, method: fc.constantFrom('ping', 'tools/call'), params: fc.record({ name: fc.string() }) }, { requiredKeys: ['jsonrpc', 'id', 'method'] }),
      fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constant('notifications/initialized') }),
      fc.record({ jsonrpc: fc.constant('2.0'), id, result: fc.constant({}) }),
      fc.record({ jsonrpc: fc.constant('2.0'), id, error: fc.record({ code: fc.integer(), message: fc.string() }) }),
    );
    // Half the time one member is replaced, dropped or added: both sides of the SDK's schema get reached.
    const member = fc.constantFrom('jsonrpc', 'id', 'method', 'params', 'result', 'error', 'extra');
    const message = fc.tuple(wellFormed, fc.boolean(), member, fc.option(value)).map(([m, mutate, key, replacement]) => {
      const out: Record<string, unknown> = { ...m };
      if (!mutate) return out;
      if (replacement === null) delete out[key];
      else out[key] = replacement;
      return out;
    });
    let accepted = 0;
    fc.assert(
      fc.property(message, (m) => {
        const line = JSON.stringify(m);
        const sdkAccepts = sdkTakes(line);
        // The one deliberate difference: a "__proto__" key, which the SDK would drop without a word.
        if (!sdkAccepts || line.includes('"__proto__"')) return;
        accepted += 1;
        expect(rejectionOf(line)).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
    // The generator must reach messages the SDK takes, or the property says nothing.
    expect(accepted).toBeGreaterThan(30);
  });

  it('answers every request the MCP SDK would drop: nothing with a method goes unanswered', () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(2 ** 53 + 2), fc.constant({ a: 1 }));
    const meta = fc.oneof(scalar, fc.record({ progressToken: scalar }), fc.record({ 'io.modelcontextprotocol/related-task': fc.oneof(scalar, fc.record({ taskId: scalar })) }));
    const message = fc.record(
      {
        jsonrpc: fc.constantFrom('2.0', '2.0', '1.0'),
        id: scalar,
        method: fc.oneof(fc.constantFrom('ping', 'tools/call'), scalar),
        params: fc.oneof(fc.record({ name: fc.string(), _meta: meta }, { requiredKeys: [] }), scalar),
        result: fc.constant({}),
        error: fc.constant({ code: 1, message: 'x' }),
      },
      { requiredKeys: ['method'] },
    );
    let refused = 0;
    fc.assert(
      fc.property(message, (m) => {
        const line = JSON.stringify(m);
        const sdkAccepts = sdkTakes(line);
        if (!sdkAccepts) refused += 1;
        expect(rejectionOf(line) === undefined, line).toBe(sdkAccepts);
      }),
      { numRuns: 3000 },
    );
    expect(refused).toBeGreaterThan(100);
  });
});

describe('bodyRejection()', () => {
  it('refuses a misshapen tools/call over HTTP exactly when stdio does, however the body is spaced', () => {
    const absent = fc.constant(undefined);
    const call = fc.record({
      name: fc.oneof(fc.constantFrom('list_executions', 'start_execution'), fc.integer(), fc.constant(null), absent),
      arguments: fc.oneof(fc.dictionary(fc.constantFrom('name', 'arguments', 'input'), fc.oneof(fc.string(), fc.constant(null), fc.integer())), fc.string(), fc.array(fc.integer()), fc.constant(null), fc.boolean(), absent),
    });
    let refused = 0;
    fc.assert(
      fc.property(call, fc.constantFrom(0, 1, '\t', ' \r\n'), (params, indent) => {
        const line = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: JSON.parse(JSON.stringify(params)) as unknown });
        const body = JSON.stringify(JSON.parse(line), null, indent);
        const overStdio = rejectionOf(line);
        if (overStdio) refused += 1;
        expect(bodyRejection(body), body).toEqual(overStdio);
      }),
      { numRuns: 2000 },
    );
    expect(refused).toBeGreaterThan(300);
  });
});

/**
 * Whether the MCP SDK takes the line: its parser as a message, and a tools/call's params as its
 * request schema does (a call it would refuse with its schema's issues dumped, we refuse first).
 */
function sdkTakes(line: string): boolean {
  try {
    const message = deserializeMessage(line);
    return !('method' in message) || message.method !== 'tools/call' || isSpecType.CallToolRequest(message);
  } catch {
    return false;
  }
}
