import { describe, expect, it } from 'vitest';
import { LineGate, requestIdIn } from '../../src/transports/line-gate.js';
import type { Rejection } from '../../src/transports/message-check.js';
import { until } from '../helpers/wait.js';

describe('requestIdIn()', () => {
  const big = 'x'.repeat(100);
  it('finds a top-level id first or last, never one nested in params', () => {
    expect(requestIdIn({ head: `{"jsonrpc":"2.0","id":7,"method":"ping","params":{"a":"${big}`, tail: `${big}"}}\n` })).toBe(7);
    // The MCP SDK client writes the id last.
    expect(requestIdIn({ head: `{"method":"tools/call","params":{"name":"t","arguments":{"id":"inner","x":"${big}`, tail: `${big}"}},"jsonrpc":"2.0","id":"outer"}\n` })).toBe('outer');
    expect(requestIdIn({ head: `{"method":"x","params":{"id":"inner","x":"${big}`, tail: `${big}"}}` })).toBeUndefined();
  });
});

describe('LineGate', () => {
  it('passes lines through, refuses an oversized one whole (by the id at its start), and holds the end until told', async () => {
    const dropped: Array<{ rejection: Rejection; bytes: number }> = [];
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const gate = new LineGate({ maxLineBytes: 40, onRejected: (rejection, bytes) => dropped.push({ rejection, bytes }), beforeEnd: () => released });
    const out: string[] = [];
    gate.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    let ended = false;
    gate.on('end', () => (ended = true));
    const tooLong = '{"jsonrpc":"2.0","id":9,"method":"ping","params":{"x":"long-long"}}\n';
    gate.write('{"jsonrpc":"2.0","method":"a"}\n');
    gate.write(tooLong.slice(0, 30));
    gate.write(`${tooLong.slice(30)}{"jsonrpc":"2.0",`);
    gate.end('"method":"b"}\n');
    await until(() => out.join('').includes('"b"'), 'the last line to pass');
    // Everything is through, and the end is still held.
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.join('')).toBe('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0","method":"b"}\n');
    expect(dropped).toEqual([{ rejection: { id: 9, code: -32600, message: expect.stringContaining('more than the 40 bytes') }, bytes: tooLong.length }]);
    expect(ended).toBe(false);
    release();
    await until(() => ended, 'the end, once released');
  });

  it('answers lines that are not JSON-RPC instead of passing them on, and keeps going', async () => {
    const dropped: Rejection[] = [];
    const gate = new LineGate({ maxLineBytes: 1000, onRejected: (rejection) => dropped.push(rejection), beforeEnd: async () => undefined });
    const out: string[] = [];
    gate.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    gate.write('{"jsonrpc":"2.0","id":1,"method":"ping"\n[{"jsonrpc":"2.0","id":2,"method":"ping"}]\n\n');
    let ended = false;
    gate.on('end', () => (ended = true));
    gate.end('{"jsonrpc":"2.0","id":3,"method":"ping"}');
    await until(() => ended, 'the gate to end');
    expect(dropped.map((r) => [r.id, r.code])).toEqual([[null, -32700], [null, -32600]]);
    // The blank line goes on (the SDK skips it); the last line gets its newline.
    expect(out.join('')).toBe('\n{"jsonrpc":"2.0","id":3,"method":"ping"}\n');
  });

  it('takes a byte-order mark before the first message as no part of it, even split across writes', async () => {
    const dropped: Rejection[] = [];
    const gate = new LineGate({ maxLineBytes: 1000, onRejected: (rejection) => dropped.push(rejection), beforeEnd: async () => undefined });
    const out: string[] = [];
    gate.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    let ended = false;
    gate.on('end', () => (ended = true));
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    gate.write(bom.subarray(0, 1));
    gate.write(Buffer.concat([bom.subarray(1), Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}\n')]));
    // Only before the first message: later, it is a line that is not JSON.
    gate.end(Buffer.concat([bom, Buffer.from('{"jsonrpc":"2.0","id":2,"method":"ping"}\n')]));
    await until(() => ended, 'the gate to end');
    expect(out.join('')).toBe('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    expect(dropped.map((r) => [r.id, r.code])).toEqual([[null, -32700]]);
  });
});
