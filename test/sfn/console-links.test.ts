import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/** describe_execution's console link: in the ARN's own partition and region, or none at all, never a wrong one. */

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

async function linkOf(partition: string, region: string): Promise<string | undefined> {
  const machine = `arn:${partition}:states:${region}:123456789012:stateMachine:Orders`;
  const executionArn = `arn:${partition}:states:${region}:123456789012:execution:Orders:run-1`;
  fake.addExecution({ executionArn, stateMachineArn: machine, name: 'run-1', status: 'SUCCEEDED' });
  const r = await env.call('describe_execution', { executionArn });
  expect(r.isError, r.text).toBeUndefined();
  const url = r.structured?.consoleUrl as string | undefined;
  // The text shows the same link, or none.
  if (url === undefined) expect(r.text).not.toMatch(/console|https:/);
  else expect(r.text).toContain(`console: ${url}`);
  return url;
}

describe('console links', () => {
  it.each([
    ['aws', 'us-east-1', 'https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/'],
    ['aws', 'ap-southeast-7', 'https://ap-southeast-7.console.aws.amazon.com/states/home?region=ap-southeast-7#/v2/executions/details/'],
    ['aws-cn', 'cn-north-1', 'https://cn-north-1.console.amazonaws.cn/states/home?region=cn-north-1#/v2/executions/details/'],
    ['aws-cn', 'cn-northwest-1', 'https://cn-northwest-1.console.amazonaws.cn/states/home?region=cn-northwest-1#/v2/executions/details/'],
    ['aws-us-gov', 'us-gov-west-1', 'https://us-gov-west-1.console.amazonaws-us-gov.com/states/home?region=us-gov-west-1#/v2/executions/details/'],
  ])('%s %s: the partition\'s own console', async (partition, region, prefix) => {
    const url = await linkOf(partition, region);
    expect(url).toBe(`${prefix}${encodeURIComponent(`arn:${partition}:states:${region}:123456789012:execution:Orders:run-1`)}`);
  });

  it.each([
    ['aws-iso', 'us-iso-east-1'],
    ['aws-iso-b', 'us-isob-east-1'],
    ['aws-iso-e', 'eu-isoe-west-1'],
    ['aws-iso-f', 'us-isof-south-1'],
    ['aws-eusc', 'eusc-de-east-1'],
    ['aws-new', 'xx-east-1'],
    // A partition and a region that do not belong together.
    ['aws', 'cn-north-1'],
    ['aws', 'us-gov-west-1'],
    ['aws-cn', 'us-east-1'],
    ['aws-us-gov', 'us-east-1'],
  ])('%s %s: no link (its console is not the commercial one)', async (partition, region) => {
    expect(await linkOf(partition, region)).toBeUndefined();
  });
});
