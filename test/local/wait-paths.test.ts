import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, smArn, startTestEngine, waitForStatus, type TestEngine } from './helpers.js';

/**
 * A Wait's TimestampPath or SecondsPath value is checked the same way whatever --local-time-scale
 * is: the path-based Wait runs in the engine's own code at any scale (so its sleep is capped like the others).
 */

const machines = {
  AtPath: { StartAt: 'Until', States: { Until: { Type: 'Wait', TimestampPath: '$.t', End: true } } },
  ForPath: { StartAt: 'For', States: { For: { Type: 'Wait', SecondsPath: '$.s', End: true } } },
};

const CASES: Array<[machine: string, input: unknown, outcome: string]> = [
  ['AtPath', { t: '2020-01-01T00:00:00Z' }, 'SUCCEEDED'],
  ['AtPath', { t: '2020-01-01T00:00:00.250+02:00' }, 'SUCCEEDED'],
  ['AtPath', { t: '2020-01-01' }, "Path expression '$.t' evaluated to \"2020-01-01\", but expected a timestamp conforming to the RFC3339 profile"],
  ['AtPath', { t: 'Wed, 01 Jan 2020 00:00:00 GMT' }, 'but expected a timestamp conforming to the RFC3339 profile'],
  ['AtPath', { t: '2020-01-01T00:00:00' }, 'but expected a timestamp conforming to the RFC3339 profile'],
  ['AtPath', { t: 7 }, "Path expression '$.t' evaluated to 7, but expected a timestamp"],
  ['AtPath', {}, "Path expression '$.t' does not point to a value"],
  ['ForPath', { s: 0 }, 'SUCCEEDED'],
  ['ForPath', { s: 1.5 }, "Path expression '$.s' evaluated to 1.5, but expected an integer"],
  ['ForPath', { s: -1 }, "Path expression '$.s' evaluated to -1, but expected an integer >= 0"],
  ['ForPath', { s: '3' }, "Path expression '$.s' evaluated to \"3\", but expected an integer"],
];

let fixture: ReturnType<typeof fixtureDir>;
const engines: Record<string, TestEngine> = {};

beforeAll(async () => {
  fixture = fixtureDir(machines);
  engines.unscaled = await startTestEngine(fixture.dir);
  engines.scaled = await startTestEngine(fixture.dir, ['--local-time-scale', '0.001']);
});
afterAll(async () => {
  for (const e of Object.values(engines)) await e.close();
  fixture.remove();
});

describe('Wait paths under any time scale', () => {
  for (const scale of ['unscaled', 'scaled']) {
    it.each(CASES)(`${scale}: %s with %j → %s`, async (machine, input, outcome) => {
      const client = engines[scale]?.inProcess;
      if (!client) throw new Error('engine not started');
      const { executionArn = '' } = await client.send(new StartExecutionCommand({ stateMachineArn: smArn(machine), input: JSON.stringify(input) }));
      const d = await waitForStatus(client, executionArn);
      if (outcome === 'SUCCEEDED') {
        expect(d.status).toBe('SUCCEEDED');
      } else {
        expect(d).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
        expect(d.cause).toContain(outcome);
      }
    });
  }
});
