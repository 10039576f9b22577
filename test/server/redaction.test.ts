import { afterAll, beforeAll, expect, it } from 'vitest';
import { setRedactions } from '../../src/log.js';
import { BASE_EPOCH_S } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from '../sfn/env.js';

/** The server's secrets, echoed back by a backend, never reach a client: not even a cut-off part of one. */

// An AWS session token is hundreds of characters; a 40-character secret key behaves the same way at the cut.
const SECRET = `FwoGZXIvYXdzEJr//////////wEaDH7secretSessionTokenPart${'A'.repeat(300)}`;
// A URL query value such as auth=true is registered too; in results it must not garble data.
const SHORT = 'true';
let env: SfnEnv;
beforeAll(async () => {
  env = await startSfnEnv();
  setRedactions([SECRET, SHORT]);
});
afterAll(async () => {
  setRedactions([]);
  await env.close();
});

it('an echoed secret cut by the payload limit is still redacted, in both blocks', async () => {
  const max = env.config.limits.maxPayloadChars;
  const machine = env.fake.addStateMachine('Redact');
  // The secret starts 100 characters before the cut: a cut first would keep its first 100 characters.
  const prefix = `{"pad":"${'x'.repeat(max - 100 - 18)}","k":"`;
  const input = `${prefix}${SECRET}"}`;
  const arn = env.fake.addExecution({ stateMachineArn: machine, name: 'echo', status: 'SUCCEEDED', input }).executionArn;
  const r = await env.call('describe_execution', { executionArn: arn });
  const shown = JSON.stringify(r.structured) + r.text;
  expect(shown).not.toContain(SECRET.slice(0, 24));
  expect(shown).toContain('"k":"[redacted]');
});

it('a short registered value does not garble results', async () => {
  const machine = env.fake.addStateMachine('Short');
  const arn = env.fake.addExecution({ stateMachineArn: machine, name: 'flags', status: 'SUCCEEDED', input: '{"dryRun":true}' }).executionArn;
  const r = await env.call('describe_execution', { executionArn: arn });
  expect(r.structured?.input).toEqual({ untrustedData: '{"dryRun":true}' });
});

it('an echoed secret near a state name\'s 80-character cut is redacted before the cut', async () => {
  const machine = env.fake.addStateMachine('RedactName');
  const name = `${'s'.repeat(70)}${SECRET}`;
  const arn = env.fake.addExecution({ stateMachineArn: machine, name: 'named', status: 'FAILED' }).executionArn;
  env.fake.setHistory(arn, [
    { id: 1, type: 'ExecutionStarted', timestamp: 1_763_600_000 },
    { id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: 1_763_600_001, stateEnteredEventDetails: { name } },
    { id: 3, previousEventId: 2, type: 'TaskFailed', timestamp: 1_763_600_002, taskFailedEventDetails: { error: 'Boom' } },
  ]);
  const r = await env.call('get_execution_history', { executionArn: arn });
  const shown = JSON.stringify(r.structured) + r.text;
  expect(shown).not.toContain(SECRET.slice(0, 8));
  expect(shown).toContain(`${'s'.repeat(70)}[redacted]`);
});

it('an echoed secret is redacted JSON-escaped ("\\/" for "/") and URL-encoded too', async () => {
  const machine = env.fake.addStateMachine('RedactEscaped');
  const escaped = SECRET.replaceAll('/', '\\/');
  const input = `{"php":"${escaped}","url":"https://x.example/?t=${encodeURIComponent(SECRET)}"}`;
  const arn = env.fake.addExecution({ stateMachineArn: machine, name: 'escaped', status: 'SUCCEEDED', input }).executionArn;
  const r = await env.call('describe_execution', { executionArn: arn });
  const shown = JSON.stringify(r.structured) + r.text;
  expect(shown).not.toContain('secretSessionToken');
  expect(shown).toContain('{"php":"[redacted]","url":"https://x.example/?t=[redacted]"}');
});

it('items read before a backend fault are redacted as a successful answer\'s are, short values left alone', async () => {
  const machine = env.fake.addStateMachine('RedactPartial');
  env.fake.addExecutions(machine, 8);
  env.fake.addExecution({ stateMachineArn: machine, name: SECRET, status: 'SUCCEEDED', startDate: BASE_EPOCH_S + 60 });
  env.fake.addExecution({ stateMachineArn: machine, name: SHORT, status: 'SUCCEEDED', startDate: BASE_EPOCH_S + 120 });
  env.fake.inject({ kind: 'slow', ms: 0 }, { op: 'ListExecutions', times: 2 });
  env.fake.inject({ kind: 'internal', status: 503 }, { op: 'ListExecutions' });
  const r = await env.call('list_executions', { stateMachineArn: machine, pageSize: 2 });
  expect(r.isError).toBe(true);
  expect(r.text).toContain('Read before the fault: 4 item(s) from 2 page(s)');
  expect(r.text).not.toContain(SECRET.slice(0, 24));
  expect(r.text).toContain(':execution:RedactPartial:[redacted]');
  // Its ARN is the header's prefix and its name, which the line shows whole.
  expect(r.text).toMatch(/^executionArn = arn:aws:states:[\w-]+:\d+:execution:RedactPartial:<name> /m);
  expect(r.text).toMatch(/^true {2}SUCCEEDED /m);
});

it("a secret a backend's error message echoes is redacted inside its fence, before the message is cut", async () => {
  const machine = env.fake.addStateMachine('RedactError');
  // The secret starts 20 characters before the 400-character cut of a message.
  env.fake.inject({ kind: 'error', type: 'ExecutionDoesNotExist', message: `${'m'.repeat(380)} ${SECRET} was not found` }, { op: 'DescribeExecution' });
  const r = await env.call('describe_execution', { executionArn: machine.replace(':stateMachine:', ':execution:') + ':x' });
  expect(r.isError).toBe(true);
  expect(r.text).not.toContain(SECRET.slice(0, 16));
  expect(r.text).toMatch(new RegExp(`\\(HTTP 400\\): <untrusted-data-(\\w+)>m{380} \\[redacted\\] was not …</untrusted-data-\\1>\\. Next: `));
});
