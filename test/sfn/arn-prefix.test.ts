import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, BASE_EPOCH_S, REGION, startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * List texts give the ARN prefix once, in a header, and leave it out of each line whose ARN is that
 * prefix and its name; a line whose ARN is not (a name shown fenced, a backend's odd ARN) ends with its own.
 */

const A = `arn:aws:states:${REGION}:${ACCOUNT}`;
let fake: FakeSfn;
let env: SfnEnv;

beforeAll(async () => {
  fake = await startFakeSfn();
  env = await startSfnEnv({ fake });
});
afterAll(async () => {
  await env.close();
  await fake.close();
});

describe('the ARN prefix header', () => {
  it('every line leaves its ARN out: the header gives the prefix, and each ARN is the prefix and the name', async () => {
    const machine = fake.addStateMachine('Plain');
    fake.addExecutions(machine, 3);
    const r = await env.call('list_executions', { stateMachineArn: machine });
    const lines = r.text.split('\n');
    expect(lines[0]).toBe(`executionArn = ${A}:execution:Plain:<name>`);
    const items = r.structured?.executions as Array<{ executionArn: string; name: string }>;
    expect(items).toHaveLength(3);
    items.forEach((e, i) => {
      expect(e.executionArn).toBe(`${A}:execution:Plain:${e.name}`);
      expect(lines[i + 1]?.startsWith(`${e.name}  `)).toBe(true);
      expect(lines[i + 1]).not.toContain('arn:aws:states');
    });
  });

  it('a line whose ARN is not the prefix and its name ends with its own ARN, and the header says so', async () => {
    const machine = fake.addStateMachine('Mixed');
    const run = (name: string, startDate: number, executionArn?: string) =>
      fake.addExecution({ stateMachineArn: machine, name, status: 'SUCCEEDED', startDate, ...(executionArn ? { executionArn } : {}) });
    run('first', BASE_EPOCH_S);
    // A backend's ARN that does not end with the run's name.
    const odd = `${A}:execution:Mixed:renamed-later`;
    run('second', BASE_EPOCH_S - 1, odd);
    run('third', BASE_EPOCH_S - 2);
    const r = await env.call('list_executions', { stateMachineArn: machine });
    const lines = r.text.split('\n');
    expect(lines[0]).toBe(`executionArn = ${A}:execution:Mixed:<name> (where a line does not end with its own executionArn)`);
    expect(lines[1]).toMatch(/^first {2}SUCCEEDED /);
    expect(lines[1]).not.toContain('arn:aws:states');
    expect(lines[2]).toMatch(new RegExp(`^second {2}SUCCEEDED .* {2}${odd}$`));
    expect(lines[3]).not.toContain('arn:aws:states');
    expect((r.structured?.executions as Array<{ executionArn: string }>).map((e) => e.executionArn)).toEqual([`${A}:execution:Mixed:first`, odd, `${A}:execution:Mixed:third`]);
  });

  it('when the first ARN is not its prefix and name, every line ends with its own ARN and there is no header', async () => {
    const machine = fake.addStateMachine('Odd');
    fake.addExecution({ stateMachineArn: machine, name: 'alpha', status: 'RUNNING', startDate: BASE_EPOCH_S, executionArn: `${A}:execution:Odd:other` });
    fake.addExecution({ stateMachineArn: machine, name: 'beta', status: 'RUNNING', startDate: BASE_EPOCH_S - 1 });
    const r = await env.call('list_executions', { stateMachineArn: machine });
    const lines = r.text.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^alpha {2}RUNNING .* {2}${A}:execution:Odd:other$`));
    expect(lines[1]).toMatch(new RegExp(`^beta {2}RUNNING .* {2}${A}:execution:Odd:beta$`));
    expect(r.text).not.toContain('executionArn =');
  });

  it('list_state_machines: the header gives the prefix of every state machine ARN', async () => {
    const own = await startFakeSfn();
    const sfn = await startSfnEnv({ fake: own });
    try {
      own.addStateMachine('One');
      own.addStateMachine('Two');
      const r = await sfn.call('list_state_machines', {});
      const lines = r.text.split('\n');
      expect(lines[0]).toBe(`stateMachineArn = ${A}:stateMachine:<name>`);
      expect(lines.slice(1, 3).map((l) => l.split('  ')[0]).sort()).toEqual(['One', 'Two']);
      expect(lines.slice(1, 3).join('\n')).not.toContain('arn:aws:states');
    } finally {
      await sfn.close();
      await own.close();
    }
  });
});
