import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { TOOLSETS } from '../../src/config.js';
import { testConfig } from '../helpers/config.js';
import { connect } from '../helpers/harness.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * A date beyond year 9999 or before year 0 (a backend that sends epoch milliseconds where seconds
 * belong) is shown in ISO-8601's expanded form (+055840-…): it says what the backend sent, where
 * dropping it would read as "not started" or "still running". RFC 3339 (JSON Schema's date-time)
 * has no such form, and the client checks structuredContent with formats on: so no outputSchema
 * may declare one, or such an answer would fail whole.
 */

const FAR_S = 1.7e12; // epoch ms sent as seconds: year 55840
const BC_S = -1e11; // year -1199
const iso = (s: number) => new Date(s * 1000).toISOString();

let env: SfnEnv;
let far: string;
let machine: string;

beforeAll(async () => {
  env = await startSfnEnv();
  machine = env.fake.addStateMachine('FarDates');
  far = env.fake.addExecution({ stateMachineArn: machine, name: 'far', status: 'SUCCEEDED', startDate: FAR_S, stopDate: FAR_S + 5 }).executionArn;
  env.fake.addExecution({ stateMachineArn: machine, name: 'bc', status: 'SUCCEEDED', startDate: BC_S, stopDate: BC_S + 5 });
});
afterAll(async () => env.close());

describe('dates outside years 0000-9999 reach the client', () => {
  it('in the expanded ISO form, in structuredContent and the text, without failing the answer', async () => {
    expect(iso(FAR_S)).toBe('+055840-11-08T22:13:20.000Z');
    const list = await env.call('list_executions', { stateMachineArn: machine });
    expect(list.isError, list.text).toBeUndefined();
    expect(list.structured?.executions).toEqual([
      expect.objectContaining({ name: 'far', startDate: iso(FAR_S), stopDate: iso(FAR_S + 5) }),
      expect.objectContaining({ name: 'bc', startDate: iso(BC_S), stopDate: iso(BC_S + 5) }),
    ]);
    expect(list.text).toContain('far  SUCCEEDED  +055840-11-08T22:13:20Z (5.0s)');
    expect(list.text).toContain('bc  SUCCEEDED  -001199-02-15T14:13:20Z (5.0s)');
    const described = await env.call('describe_execution', { executionArn: far });
    expect(described.structured).toMatchObject({ startDate: iso(FAR_S), stopDate: iso(FAR_S + 5) });
    const history = await env.call('get_execution_history', { executionArn: far });
    expect(history.structured?.events).toEqual([expect.objectContaining({ id: 1, timestamp: iso(FAR_S) })]);
    // Read back, it is the instant the backend sent.
    expect(Date.parse(iso(FAR_S))).toBe(FAR_S * 1000);
  });

  it('and are taken back as startedAfter/startedBefore, in either form an answer gives them', async () => {
    // structuredContent's form, then the text's (no milliseconds).
    const after = await env.call('list_executions', { stateMachineArn: machine, startedAfter: iso(FAR_S) });
    expect(after.isError, after.text).toBeUndefined();
    expect((after.structured?.executions as Array<{ name: string }>).map((e) => e.name)).toEqual(['far']);
    const before = await env.call('list_executions', { stateMachineArn: machine, startedBefore: '-001199-02-15T14:13:20Z' });
    expect(before.isError, before.text).toBeUndefined();
    expect((before.structured?.executions as Array<{ name: string }>).map((e) => e.name)).toEqual(['bc']);
    const neither = await env.call('list_executions', { stateMachineArn: machine, startedAfter: '+010000-01-01', startedBefore: '+055840-11-08T22:13:19Z' });
    expect(neither.isError, neither.text).toBeUndefined();
    expect(neither.structured?.executions).toEqual([]);
  });

  it('the last date a Date holds, given twice, is refused with the whole-day hint that still applies (there is no day after it)', async () => {
    const r = await env.call('list_executions', { stateMachineArn: machine, startedAfter: '+275760-09-13', startedBefore: '+275760-09-13' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^startedAfter and startedBefore are the same instant \(\+275760-09-13T00:00:00\.000Z\).* For the whole day \+275760-09-13 send ISO times \(startedAfter=\+275760-09-13T00:00:00Z, startedBefore=\+275760-09-13T23:59:59\.999Z\)\./);
    expect(r.text).not.toMatch(/internal error/);
  });

  it('because no outputSchema declares a string format, which the client would enforce', async () => {
    const validate = new AjvJsonSchemaValidator().getValidator({ type: 'string', format: 'date-time' });
    expect(validate(iso(FAR_S)).valid).toBe(false);
    const all = await connect(testConfig(['--allow-writes', '--toolsets', TOOLSETS.join(',')], { ONA_API_KEY: 'test-key-not-used' }));
    try {
      const { tools } = await all.client.listTools();
      const formats = tools.flatMap((t) => [...JSON.stringify(t.outputSchema ?? {}).matchAll(/"format":"([^"]*)"/g)].map((m) => `${t.name}: ${m[1]}`));
      expect(tools.length).toBeGreaterThan(10);
      expect(formats).toEqual([]);
    } finally {
      await all.close();
    }
  });
});
