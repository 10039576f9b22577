import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { PREAMBLE, fenced, withFenceId } from '../helpers/fence.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * AWS's common errors for a request it could not authenticate or authorize, as the JSON protocol
 * sends them: each names its cause and the next step on the server (credentials, profile, clock,
 * region), not the tool's arguments or a permission it does not lack.
 */

let fake: FakeSfn;
let env: SfnEnv;

beforeAll(async () => {
  fake = await startFakeSfn();
  fake.addStateMachine('Orders');
  env = await startSfnEnv({ fake });
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

async function answerTo(type: string, status: number, message: string): Promise<string> {
  fake.inject({ kind: 'error', type, message, status }, { op: 'ListStateMachines' });
  const r = await env.call('list_state_machines');
  expect(r.isError).toBe(true);
  return r.text;
}

const UNSIGNED = /Next: the request reached the endpoint without a signature: .*check the server's credentials \(AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\), its endpoint and any proxy \(this is not fixable from a tool call\)\.$/;
const INCOMPLETE = /Next: AWS found the request's signature incomplete: a proxy .* changed its Authorization header, or the server's credentials are incomplete; check any proxy .*and the server's credentials/;
const WRONG_SIGNATURE = /Next: AWS computed another signature: the secret access key is not the one of the access key ID .*clock is off by more than 5 minutes .*fix AWS_SECRET_ACCESS_KEY or the AWS profile's aws_secret_access_key, and check the system clock/;

describe('AWS common auth errors name the cause and the fix on the server', () => {
  it.each<[string, number, string, RegExp]>([
    ['MissingAuthenticationToken', 403, 'Missing Authentication Token', UNSIGNED],
    ['MissingAuthenticationTokenException', 403, 'Missing Authentication Token', UNSIGNED],
    ['IncompleteSignature', 400, 'The request signature does not conform to AWS standards.', INCOMPLETE],
    ['IncompleteSignatureException', 400, "Authorization header requires 'Signature' parameter.", INCOMPLETE],
    ['SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided.', WRONG_SIGNATURE],
    ['InvalidSignatureException', 400, 'Signature expired: 20261120T100000Z is now earlier than 20261120T100500Z', WRONG_SIGNATURE],
    [
      'InvalidClientTokenId',
      403,
      'The security token included in the request is invalid.',
      /Next: the access key ID the server signs with is not known to AWS \(mistyped, deleted, or of another partition: .*\); fix AWS_ACCESS_KEY_ID or the AWS profile's aws_access_key_id \(this is not fixable from a tool call\)\.$/,
    ],
    ['RequestExpired', 400, 'Request has expired.', /Next: AWS received the request more than 5 minutes after its signing time: the server machine's clock is wrong, .*check the system clock \(sync it with NTP, e\.g\. timedatectl\), then call again\.$/],
    ['NotAuthorized', 400, 'You do not have permission to perform this action.', /Next: the server's credentials are not allowed this operation \(an IAM policy, a permissions boundary or an organization's SCP denies it\); grant it \(see the README's permission table\)\.$/],
    ['OptInRequired', 403, 'The AWS access key ID needs a subscription for the service.', /Next: the AWS account is not subscribed to Step Functions here, or the region is an opt-in region not enabled for the account: enable the region .* or run the server with another AWS_REGION\.$/],
    ['InvalidAction', 400, 'The action or operation requested is invalid.', /Next: the endpoint does not know this operation: it is not the Step Functions API, or an emulator that lacks it/],
  ])('%s (HTTP %d)', async (type, status, message, hint) => {
    // AWS's words are fenced, the advice is ours; the preamble follows.
    const [line, preamble, ...rest] = withFenceId(await answerTo(type, status, message)).split('\n');
    const head = `Step Functions ListStateMachines failed: ${type} (HTTP ${status}): ${fenced(message.replace(/\.$/, ''))}. Next: `;
    expect(line?.slice(0, head.length)).toBe(head);
    expect(line).toMatch(hint);
    expect(preamble).toBe(PREAMBLE);
    expect(rest).toEqual([]);
    // Not the advice of another kind of error.
    expect(line).not.toMatch(/check the arguments|lack permission|report it/);
  });

  // Read as bad arguments, these drew the advice for an ARN of another region, or of an EXPRESS execution.
  it.each([
    ['RequestExpired', /clock is wrong/],
    ['IncompleteSignatureException', /signature incomplete/],
    ['SignatureDoesNotMatch', /computed another signature/],
    ['NotAuthorized', /not allowed this operation/],
    ['InvalidAction', /does not know this operation/],
  ])('%s (HTTP 400) on an ARN of another region or an EXPRESS one keeps its own advice', async (type, hint) => {
    for (const executionArn of ['arn:aws:states:eu-west-1:123456789012:execution:Orders:run-1', 'arn:aws:states:us-east-1:123456789012:express:Orders:run-1:abc']) {
      fake.inject({ kind: 'error', type, message: 'refused', status: 400 }, { op: 'DescribeExecution' });
      const r = await env.call('describe_execution', { executionArn });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(hint);
      expect(r.text).not.toMatch(/AWS_REGION=eu-west-1|EXPRESS/);
    }
  });
});
