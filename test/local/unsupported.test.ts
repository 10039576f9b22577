import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/local/definitions.js';
import { fixtureDir, smArn, startTestEngine, waitForStatus, type TestEngine } from './helpers.js';

/** What the embedded engine cannot run is refused with UnsupportedOperation; skipped files say why. */

const task = (extra: Record<string, unknown>, resource = 'arn:aws:states:::sqs:sendMessage') => ({
  StartAt: 'T',
  States: { T: { Type: 'Task', Resource: resource, End: true, ...extra } },
});

const machines: Record<string, unknown> = {
  Plain: task({}),
  Callback: task({}, 'arn:aws:states:::sqs:sendMessage.waitForTaskToken'),
  Heartbeat: task({ TimeoutSeconds: 60, HeartbeatSeconds: 10 }),
  HeartbeatPath: task({ HeartbeatSecondsPath: '$.hb' }),
  Credentials: task({ Credentials: { RoleArn: 'arn:aws:iam::123456789012:role/other' } }),
  NestedHeartbeat: {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemProcessor: { StartAt: 'Inner', States: { Inner: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', HeartbeatSeconds: 5, End: true } } }, End: true } },
  },
  Assigns: { StartAt: 'P', States: { P: { Type: 'Pass', Assign: { x: 1 }, End: true } } },
  FailIntrinsic: { StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: "States.Format('Order.{}', $.code)", CausePath: '$.why' } } },
  AllNotLast: task({ Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['Custom'] }] }),
  AllNotAlone: task({ Catch: [{ ErrorEquals: ['Custom', 'States.ALL'], Next: 'T' }] }),
  SlowingRetry: task({ Retry: [{ ErrorEquals: ['Custom'], BackoffRate: 0.5 }, { ErrorEquals: ['Other'], JitterStrategy: 'PARTIAL' }] }),
  EmptyErrors: task({ Retry: [{ ErrorEquals: [] }], Catch: [{ ErrorEquals: [], Next: 'T' }] }),
  ZeroDelays: task({ Retry: [{ ErrorEquals: ['Custom'], IntervalSeconds: 0, MaxDelaySeconds: 0, MaxAttempts: 1.5 }] }),
  NestedEmptyErrors: {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemProcessor: { StartAt: 'Inner', States: { Inner: { Type: 'Pass', End: true } } }, Retry: [{ ErrorEquals: [] }], End: true } },
  },
  FailBadPaths: { StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: 'not a path', CausePath: '$.why[*]' } } },
  FailPaths: { StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: "$['error code']", CausePath: '$$.Execution.Name' } } },
  ContextResult: task({ ResultPath: '$$.x', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$$.y', Next: 'T' }] }),
  // A Choice whose default state is named Default: valid for AWS, misread by the library's checks.
  FieldNamed: {
    StartAt: 'Route',
    States: {
      Route: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'Branches' }], Default: 'Default' },
      Branches: { Type: 'Pass', End: true },
      Default: { Type: 'Pass', End: true },
    },
  },
  Distributed: {
    StartAt: 'M',
    States: { M: { Type: 'Map', ItemReader: { Resource: 'arn:aws:states:::s3:getObject' }, ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true } },
  },
};

const REFUSED: Array<[string, RegExp]> = [
  ['Callback', /Task state "T" uses the callback pattern \(\.waitForTaskToken\), which the embedded engine does not support \(Callback\.asl\.json\)/],
  ['Heartbeat', /Task state "T" uses HeartbeatSeconds, which the embedded engine does not support/],
  ['HeartbeatPath', /Task state "T" uses HeartbeatSecondsPath, which the embedded engine does not support/],
  ['Credentials', /Task state "T" uses Credentials, which the embedded engine does not support/],
  ['NestedHeartbeat', /Task state "Inner" uses HeartbeatSeconds/],
  ['Assigns', /Assign \(variables\), which the embedded engine does not support/],
  ['Distributed', /Distributed Map .*not support/],
  ['FieldNamed', /state "Branches" has the name of an ASL field, .*; state "Default" has the name of an ASL field, which the embedded engine does not support \(its definition checks take the name for the field\); rename the state to run it locally/],
  ['FailIntrinsic', /Fail state "F" uses an intrinsic function in ErrorPath or CausePath, which the embedded engine does not support/],
];

/** Invalid for AWS too: refused as InvalidDefinition, which the library alone would have run. */
const INVALID: Array<[string, RegExp]> = [
  ['AllNotLast', /state "T": the Retry entry with States\.ALL must be the last one \(it is Retry\[0\] of 2\)/],
  ['AllNotAlone', /state "T": States\.ALL must appear alone in the ErrorEquals of Catch\[0\]/],
  ['SlowingRetry', /state "T": Retry\[0\] has BackoffRate 0\.5; it must be a number of at least 1\.0; state "T": Retry\[1\] has JitterStrategy "PARTIAL"; it must be FULL or NONE/],
  ['EmptyErrors', /state "T": Retry\[0\] has an empty ErrorEquals; it must name at least one error \(\/States\/T\/Retry\/0\/ErrorEquals\); state "T": Catch\[0\] has an empty ErrorEquals; .* \(\/States\/T\/Catch\/0\/ErrorEquals\)/],
  [
    'ZeroDelays',
    /state "T": Retry\[0\] has IntervalSeconds 0; it must be an integer from 1 to 99999999 \(\/States\/T\/Retry\/0\/IntervalSeconds\); state "T": Retry\[0\] has MaxAttempts 1\.5; it must be an integer from 0 to 99999999 \(\/States\/T\/Retry\/0\/MaxAttempts\); state "T": Retry\[0\] has MaxDelaySeconds 0; it must be an integer from 1 to 31622401 \(\/States\/T\/Retry\/0\/MaxDelaySeconds\)/,
  ],
  ['NestedEmptyErrors', /state "Each": Retry\[0\] has an empty ErrorEquals; it must name at least one error \(\/States\/Each\/Retry\/0\/ErrorEquals\)/],
  [
    'FailBadPaths',
    /Fail state "F" has ErrorPath "not a path", which is not a reference path like \$\.error or \$\$\.Execution\.Name, nor an intrinsic function \(\/States\/F\/ErrorPath\); Fail state "F" has CausePath "\$\.why\[\*\]", .* \(\/States\/F\/CausePath\)/,
  ],
  ['ContextResult', /state "T": Catch\[0\] has ResultPath "\$\$\.y", a context path.*; state "T" has ResultPath "\$\$\.x", a context path, where only a path into the state's data is allowed/],
];

const handlers = `export default { 'arn:aws:states:::sqs:sendMessage': async () => ({ sent: true }) };`;

let t: TestEngine;
let fixture: ReturnType<typeof fixtureDir>;

beforeAll(async () => {
  fixture = fixtureDir(machines, handlers);
  writeFileSync(join(fixture.dir, 'BadJson.asl.json'), '{ "StartAt": ');
  writeFileSync(join(fixture.dir, 'NotObject.asl.json'), '[]');
  t = await startTestEngine(fixture.dir, ['--allow-writes']);
});
afterAll(async () => {
  await t.close();
  fixture.remove();
});

const start = (name: string) => t.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn(name), input: '{"hb":5}' }));

describe('features the embedded engine does not support', () => {
  it.each(REFUSED)('%s: StartExecution is refused with UnsupportedOperation (HTTP 400)', async (name, message) => {
    const refused = start(name);
    await expect(refused).rejects.toMatchObject({ name: 'UnsupportedOperation', $metadata: { httpStatusCode: 400 } });
    await expect(refused).rejects.toThrow(message);
  });

  it.each(INVALID)('%s: StartExecution is refused with InvalidDefinition', async (name, message) => {
    const refused = start(name);
    await expect(refused).rejects.toMatchObject({ name: 'InvalidDefinition' });
    await expect(refused).rejects.toThrow(message);
  });

  it('still runs a Task without those features', async () => {
    const s = await start('Plain');
    expect((await waitForStatus(t.inProcess, s.executionArn ?? '')).status).toBe('SUCCEEDED');
  });

  it('runs a Fail state whose ErrorPath and CausePath are reference paths', async () => {
    const s = await t.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn('FailPaths'), name: 'run-1', input: '{"error code": "E42"}' }));
    expect(await waitForStatus(t.inProcess, s.executionArn ?? '')).toMatchObject({ status: 'FAILED', error: 'E42', cause: 'run-1' });
  });

  it('warns about each one at load', async () => {
    const warnings: string[] = [];
    await loadDefinitions(fixture.dir, { region: 'us-east-1', account: '123456789012' }, (m) => warnings.push(m));
    for (const [name] of REFUSED) {
      expect(warnings.some((w) => w.includes(`${name}.asl.json: `) && /not support.*StartExecution will be refused/.test(w))).toBe(true);
    }
    expect(warnings.some((w) => w.includes('Plain.asl.json'))).toBe(false);
  });

  it('uses UnsupportedOperation for versions/aliases and mapRunArn too', async () => {
    const version = t.inProcess.send(new DescribeStateMachineCommand({ stateMachineArn: `${smArn('Plain')}:1` }));
    await expect(version).rejects.toMatchObject({ name: 'UnsupportedOperation' });
    await expect(version).rejects.toThrow(/^State machine versions and aliases are not supported /);
    const mapRun = 'arn:aws:states:us-east-1:123456789012:mapRun:Plain/m:abc';
    await expect(t.inProcess.send(new ListExecutionsCommand({ mapRunArn: mapRun }))).rejects.toMatchObject({ name: 'UnsupportedOperation' });
  });
});

describe('definition files skipped at load', () => {
  const skippedCalls = (name: string) => [
    t.inProcess.send(new DescribeStateMachineCommand({ stateMachineArn: smArn(name) })),
    t.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn(name) })),
    t.inProcess.send(new ListExecutionsCommand({ stateMachineArn: smArn(name) })),
  ];

  it('say which file was skipped and why, still as StateMachineDoesNotExist', async () => {
    for (const call of skippedCalls('BadJson')) {
      await expect(call).rejects.toBeInstanceOf(StateMachineDoesNotExist);
      await expect(call).rejects.toThrow(/BadJson\.asl\.json was skipped at load: not valid JSON \(/);
    }
    for (const call of skippedCalls('NotObject')) {
      await expect(call).rejects.toThrow(/NotObject\.asl\.json was skipped at load: a definition must be a JSON object/);
    }
  });

  it('an ARN with no file at all keeps the plain message', async () => {
    const missing = t.inProcess.send(new DescribeStateMachineCommand({ stateMachineArn: smArn('Nothing') }));
    await expect(missing).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(missing).rejects.toThrow(/^State Machine Does Not Exist: '[^']+'$/);
  });
});

describe('start-up problems', () => {
  it('a handlers.mjs that does not load: the error names the file', async () => {
    const broken = fixtureDir({ Plain: task({}) }, 'export default { a: async () => ( };');
    try {
      const err = await startTestEngine(broken.dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^\S+handlers\.mjs cannot be loaded: \w*Error: /);
      expect((err as Error).message).toContain(join(broken.dir, 'handlers.mjs'));
    } finally {
      broken.remove();
    }
  });

  it('an empty definitions directory is warned about', async () => {
    const empty = fixtureDir({});
    try {
      const warnings: string[] = [];
      const loaded = await loadDefinitions(empty.dir, { region: 'us-east-1', account: '123456789012' }, (m) => warnings.push(m));
      expect(loaded.machines).toEqual([]);
      expect(warnings).toEqual([`no *.asl.json state machines found in ${empty.dir}`]);
    } finally {
      empty.remove();
    }
  });
});
