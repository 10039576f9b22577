import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCost } from '../../src/server/budget.js';
import { loadDefinitions } from '../../src/local/definitions.js';
import { LocalEngine } from '../../src/local/engine.js';
import { startLocalEngine, type LocalEngineHandle } from '../../src/local/index.js';
import { loadHandlers } from '../../src/local/tasks.js';
import { setQuiet } from '../../src/log.js';
import { testConfig } from '../helpers/config.js';
import { connect, type Harness } from '../helpers/harness.js';
import { fixtureDir, smArn } from './helpers.js';

/**
 * list_state_machines's notes on definitions that cannot run are found before the walk and kept
 * within a share of the response budget, so the items are sized with their room kept free: notes
 * said after the walk once overflowed the answer's envelope and the budget cutter cut the listed
 * stateMachineArns. Validation goes through one shared schema compiler, so each definition must
 * still get its own verdict and its own messages.
 */

const BUDGET = 16_000;
const pass = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
// Costly reasons: CJK names (a token each) in messages the validator repeats per state.
const costly = (i: number) => {
  const states: Record<string, unknown> = {};
  for (let k = 0; k < 8; k += 1) states[`状態${k}${'処理'.repeat(30)}`] = { Type: 'Pass', Next: `存在しない${k}${'注文'.repeat(30)}` };
  return { [`bad${i}-${'壊'.repeat(60)}`]: { StartAt: `開始${'始'.repeat(50)}`, States: states } };
};

const machines: Record<string, unknown> = {};
for (let i = 0; i < 40; i += 1) machines[`m${String(i).padStart(3, '0')}-${i % 2 ? '注文処理'.repeat(18) : 'x'.repeat(72)}`] = pass;
for (let i = 0; i < 14; i += 1) Object.assign(machines, costly(i));
// Interleaved verdicts, each with a message of its own: a shared compiler must not carry one over.
Object.assign(machines, {
  aValid: pass,
  aBadPath: { StartAt: 'P', States: { P: { Type: 'Pass', OutputPath: 'x..', End: true } } },
  aValid2: { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, Next: 'S' }, S: { Type: 'Succeed' } } },
  aBadType: { StartAt: 'P', States: { P: { Type: 'Passs', End: true } } },
  aValid3: pass,
});

let fixture: ReturnType<typeof fixtureDir>;
let engine: LocalEngineHandle;
let h: Harness;

beforeAll(async () => {
  setQuiet(true);
  fixture = fixtureDir(machines);
  writeFileSync(join(fixture.dir, 'ignored.txt'), 'not a definition');
  const config = testConfig(['--local', fixture.dir, '--allow-writes', '--response-budget-chars', String(BUDGET)]);
  engine = await startLocalEngine(config);
  h = await connect(config, { sfn: engine.sfnBackend });
});
afterAll(async () => {
  await h.close();
  await engine.close();
  fixture.remove();
});

describe('list_state_machines notes on definitions that cannot run', () => {
  it('stay within the budget, leave every listed stateMachineArn whole and count the ones not named', async () => {
    const r = await h.call('list_state_machines', {});
    expect(r.isError, r.text).toBeUndefined();
    expect(answerCost(r.structured, r.text)).toBeLessThanOrEqual(BUDGET);
    const listed = r.structured?.stateMachines as Array<{ name: string; stateMachineArn: string }>;
    expect(listed.length).toBeGreaterThan(0);
    for (const m of listed) expect(m.stateMachineArn).toBe(smArn(m.name));
    expect(r.structured?.stopReason).toBe('responseBudget');

    const notes = r.text.split('\n').filter((line) => line.startsWith('Note: '));
    const named = notes.filter((n) => n.includes('cannot run, start_execution refuses it'));
    // 16 cannot run (14 costly, two with bad fields): the notes name some and count the rest.
    expect(named.length).toBeGreaterThan(0);
    expect(named.length).toBeLessThan(16);
    expect(notes.at(-1)).toBe(`Note: ${16 - named.length} more local definition(s) cannot run; the server's log at start names each.`);
  });

  it('give each definition its own verdict and message', async () => {
    const start = (name: string) => h.call('start_execution', { stateMachineArn: smArn(name), name: 'verdict' });
    for (const valid of ['aValid', 'aValid2', 'aValid3']) {
      const started = await start(valid);
      expect(started.isError, started.text).toBeUndefined();
    }
    const badPath = await start('aBadPath');
    expect(badPath.isError).toBe(true);
    expect(badPath.text).toContain('OutputPath');
    expect(badPath.text).not.toContain('/Type');
    const badType = await start('aBadType');
    expect(badType.isError).toBe(true);
    expect(badType.text).toContain('Type');
    expect(badType.text).not.toContain('OutputPath');
  });
});

describe('the engine check of which definitions cannot run', () => {
  it('counts as unchecked the machines not validated before its signal aborts', async () => {
    const scope = { region: 'us-east-1', account: '123456789012' };
    const [{ machines: loaded }, handlers] = await Promise.all([loadDefinitions(fixture.dir, scope, () => undefined), loadHandlers(fixture.dir, () => undefined)]);
    const fresh = new LocalEngine(loaded, { scope, roleArn: 'arn:aws:iam::123456789012:role/local', timeScale: 1, handlers, handlerFileHint: 'handlers.mjs' });
    const aborted = await fresh.unrunnable(AbortSignal.abort());
    expect(aborted).toEqual({ found: [], unchecked: loaded.length });
    const complete = await fresh.unrunnable(new AbortController().signal);
    expect(complete.unchecked).toBe(0);
    expect(complete.found.map((d) => d.name)).toEqual(expect.arrayContaining(['aBadPath', 'aBadType']));
    expect(complete.found).toHaveLength(16);
  });
});
