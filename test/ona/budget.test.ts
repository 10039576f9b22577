import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecution, type RawExecution } from '../fakes/ona.js';
import type { ToolCallResult } from '../helpers/harness.js';
import { expectListsAgree } from './agreement.js';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * get_agent_execution against executions whose every field is long and costly to serialise
 * (double-encoded JSON, control characters that JSON escapes sixfold) and whose annotations have
 * long keys: the answer (text plus structuredContent as JSON) stays within the response budget.
 */

type Json = Record<string, unknown>;
const part = (e: Json, key: string): Json => (e[key] ??= {}) as Json;

const fill = (unit: string, n: number): string => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const DOUBLE_ENCODED = JSON.stringify(JSON.stringify({ error: { code: 'x', msg: 'y' } }));
const UNITS = { 'double-encoded JSON': DOUBLE_ENCODED, 'control characters': '\u0001', 'a stack trace': 'Error: boom\n    at handler (/var/task/index.js:12:7)\n' };

/** Every string of an execution `n` characters of `unit`, its lists `entries` long, 50 annotations with 300-character keys. */
function costly(id: string, unit: string, n: number, entries = 60): RawExecution {
  const e = makeExecution(900) as Json;
  e.id = id;
  const v = () => fill(unit, n);
  Object.assign(part(e, 'metadata'), {
    name: v(),
    description: v(),
    creator: { id: v() },
    sessionId: v(),
    annotations: Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`${k}-${fill(unit, 300)}`, fill(unit, 300)])),
  });
  Object.assign(part(e, 'spec'), { agentId: v(), codeContext: { projectId: v(), contextUrl: { url: `https://x/${v()}` } } });
  Object.assign(part(e, 'status'), {
    phase: 'PHASE_STOPPED',
    failureMessage: v(),
    warningMessage: v(),
    currentActivity: v(),
    judgement: v(),
    goal: { objective: v(), status: 'GOAL_STATUS_ACTIVE' },
    outputs: Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`o${k}`, { stringValue: v() }])),
    mcpIntegrationStatuses: Array.from({ length: entries }, (_, k) => ({ id: `m${k}`, name: fill(unit, 1000), phase: 'PHASE_FAILED', failureMessage: fill(unit, 1000) })),
    usedEnvironments: Array.from({ length: entries }, (_, k) => ({ environmentId: `${k}-${fill(unit, 1000)}` })),
  });
  return e as RawExecution;
}

const size = (r: ToolCallResult): number => r.text.length + JSON.stringify(r.structured).length;

/** Tokens a model spends on an answer, at worst: four ASCII characters to a token, a token for each UTF-16 unit beyond. */
function tokens(r: ToolCallResult): number {
  const all = r.text + JSON.stringify(r.structured);
  const ascii = all.replace(/[^\x00-\x7f]/g, '').length;
  return ascii / 4 + (all.length - ascii);
}

const executions: RawExecution[] = [];
for (const [name, unit] of Object.entries(UNITS)) {
  executions.push(costly(`${name.replace(/\W/g, '-')}-long`, unit, 20_000), costly(`${name.replace(/\W/g, '-')}-wide`, unit, 300, 200));
}

describe('get_agent_execution within the response budget, whatever the data', () => {
  let small: OnaEnv;
  let standard: OnaEnv;
  beforeAll(async () => {
    small = await onaEnv({ executions, argv: ['--response-budget-chars', '16000'] });
    standard = await onaEnv({ executions });
  });
  afterAll(async () => {
    await small.close();
    await standard.close();
  });

  it.each(executions.map((e) => e.id as string))('%s fits the 16,000 minimum and the 60,000 default', async (id) => {
    for (const [env, budget] of [
      [small, 16_000],
      [standard, 60_000],
    ] as const) {
      const r = await env.harness.call('get_agent_execution', { agentExecutionId: id });
      expect(r.isError).toBeUndefined();
      expect(size(r)).toBeLessThanOrEqual(budget);
      // Filled, not cut to nothing: at least half the budget is used.
      expect(size(r)).toBeGreaterThan(budget / 2);
      expect(r.text).toMatch(/^Note: (long values were cut|left out) to keep this answer within the response budget/m);
      const d = r.structured as { annotations?: Record<string, string>; failureMessage?: { untrustedData: string; truncated?: true; fullSize?: number } };
      // Annotation keys are cut too (each key was 300 characters and more).
      for (const key of Object.keys(d.annotations ?? {})) expect(JSON.stringify(key).length).toBeLessThan(300);
      // A cut payload keeps its contract, and its line says how much of it is shown.
      if (d.failureMessage?.truncated) {
        expect(d.failureMessage.fullSize).toBeGreaterThan(d.failureMessage.untrustedData.length);
        expect(r.text).toContain(`failure message (${d.failureMessage.fullSize} chars, first ${d.failureMessage.untrustedData.length} shown): `);
        expect(d.failureMessage.untrustedData).not.toContain('[cut from');
      }
    }
  });

  it('an execution written in CJK and emoji stays within a quarter of the budget in tokens, at the minimum and the default', async () => {
    for (const [env, budget] of [
      [small, 16_000],
      [standard, 60_000],
    ] as const) {
      env.fake.executions.unshift(costly('scripts', '漢字😀', 20_000));
      try {
        const r = await env.harness.call('get_agent_execution', { agentExecutionId: 'scripts' });
        expect(r.isError).toBeUndefined();
        expect(tokens(r)).toBeLessThanOrEqual(budget / 4);
      } finally {
        env.fake.executions.shift();
      }
    }
  });

  it('at the minimum, the lists hold as many entries as fit, the same in the text, and the answer still matches the output schema', async () => {
    for (const e of executions) {
      const r = await small.harness.call('get_agent_execution', { agentExecutionId: e.id });
      // The client checks structuredContent against the tool's outputSchema: an error would be thrown above.
      expect(r.structured).toMatchObject({ id: e.id, state: 'failed' });
      expect(size(r)).toBeLessThanOrEqual(16_000);
      expectListsAgree(r);
    }
  });
});
