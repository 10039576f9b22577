import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, smArn, startTestEngine, type TestEngine } from './helpers.js';

/** InvalidDefinition messages name the state and the field that is wrong, not the validator's guesses. */

const pass = (extra: Record<string, unknown>) => ({ StartAt: 'A', States: { A: { Type: 'Pass', End: true, ...extra } } });
const LONG = 'A'.repeat(81);

const machines: Record<string, unknown> = {
  PassSelector: pass({ ResultSelector: { 'a.$': '$' } }),
  UnknownField: pass({ Bar: 1 }),
  WaitParameters: { StartAt: 'A', States: { A: { Type: 'Wait', Seconds: 1, Parameters: { a: 1 }, End: true } } },
  TaskNoResource: { StartAt: 'A', States: { A: { Type: 'Task', End: true } } },
  UnknownTop: { ...pass({}), Foo: 1 },
  LongName: { StartAt: LONG, States: { [LONG]: { Type: 'Pass', End: true } } },
  // The validator's own messages: its count of nested state lists ("fsm2") and other types' schemas ("/States/A/Type is invalid").
  BranchNoEnd: {
    StartAt: 'A',
    States: { A: { Type: 'Parallel', Branches: [{ StartAt: 'X', States: { X: { Type: 'Pass', Next: 'B' } } }], End: true }, B: { Type: 'Succeed' } },
  },
  BadResultPath: pass({ ResultPath: '$.a[*]' }),
};

const EXPECTED: Array<[string, string]> = [
  ['PassSelector', 'Pass state "A" has field ResultSelector, which a Pass state cannot have (/States/A/ResultSelector)'],
  ['UnknownField', 'Pass state "A" has field Bar, which a Pass state cannot have (/States/A/Bar)'],
  ['WaitParameters', 'Wait state "A" has field Parameters, which a Wait state cannot have (/States/A/Parameters)'],
  ['TaskNoResource', 'Task state "A" has no Resource, which a Task state must have (/States/A)'],
  ['UnknownTop', 'the state machine has field Foo, which a state machine cannot have (/Foo)'],
  ['LongName', `state name "${LONG}" is 81 characters long; the limit is 80 (/States/${LONG})`],
  ['BranchNoEnd', 'MISSING_TERMINAL_STATE: The states of /States/A/Branches/0 have no terminal state'],
  ['BadResultPath', 'below: SCHEMA_VALIDATION_FAILED: /States/A/ResultPath is invalid. must match format "asl_result_path" (BadResultPath.asl.json)'],
];

let t: TestEngine;
let fixture: ReturnType<typeof fixtureDir>;

beforeAll(async () => {
  fixture = fixtureDir(machines);
  t = await startTestEngine(fixture.dir, ['--allow-writes']);
});
afterAll(async () => {
  await t.close();
  fixture.remove();
});

describe('invalid definition messages', () => {
  it.each(EXPECTED)('%s: InvalidDefinition names what is wrong', async (name, message) => {
    const refused = t.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn(name) }));
    await expect(refused).rejects.toMatchObject({ name: 'InvalidDefinition' });
    const err = await refused.then(
      () => new Error('started'),
      (e: unknown) => e as Error,
    );
    expect(err.message).toContain(message);
    expect(err.message).not.toMatch(/fsm\d|\/Type is invalid|QueryLanguage is invalid/);
  });
});
