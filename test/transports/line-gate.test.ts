import { describe, expect, it } from 'vitest';
import { LineGate, requestIdIn } from '../../src/transports/line-gate.js';

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
  it('passes lines through, drops an oversized one whole (reporting its ends), and holds the end until told', async () => {
    const dropped: Array<{ head: string; tail: string; bytes: number }> = [];
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const gate = new LineGate({ maxLineBytes: 16, onOversized: (ends, bytes) => dropped.push({ ...ends, bytes }), beforeEnd: () => released });
    const out: string[] = [];
    gate.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    let ended = false;
    gate.on('end', () => (ended = true));
    gate.write('{"a":1}\n{"too":"');
    gate.write('long-long-long"}\n{"b"');
    gate.end(':2}\n');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(out.join('')).toBe('{"a":1}\n{"b":2}\n');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]?.bytes).toBe('{"too":"long-long-long"}\n'.length);
    expect(dropped[0]?.tail).toContain('long"}');
    expect(ended).toBe(false);
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ended).toBe(true);
  });
});
