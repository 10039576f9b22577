import { afterAll, beforeAll, expect, it } from 'vitest';
import { setRedactions } from '../../src/log.js';
import { useLocalMachines } from './helpers.js';

/**
 * The engine cuts a failure's cause to Step Functions' 32,768 characters. A secret of the server's
 * that a handler or the input echoes is redacted before that cut, which would otherwise keep its
 * first characters where nothing downstream could recognise them any more.
 */

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SQS = 'arn:aws:states:::sqs:sendMessage';
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:echo';
// The secret starts 20 characters before the cut, however long the cause around the message.
const handlers = `const echo = (input) => { throw new Error('x'.repeat(input.pad) + ${JSON.stringify(SECRET)}); };
export default { '${SQS}': echo, '${LAMBDA}': echo };`;

const { run } = useLocalMachines(
  {
    'service-task': { StartAt: 'Send', States: { Send: { Type: 'Task', Resource: SQS, End: true } } },
    'lambda-task': { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: LAMBDA, End: true } } },
    'bad-result-path': { StartAt: 'Put', States: { Put: { Type: 'Pass', Result: 1, ResultPath: '$.x', End: true } } },
    'parse-text': { StartAt: 'Parse', States: { Parse: { Type: 'Pass', Parameters: { 'v.$': 'States.StringToJson($.text)' }, End: true } } },
  },
  handlers,
);

beforeAll(() => setRedactions([SECRET]));
afterAll(() => setRedactions([]));

it.each([
  ['a service task', 'service-task', 32_768 - 20],
  // {"errorMessage":"…","errorType":"Error"} is 39 characters around the message.
  ['a Lambda task (its cause a JSON document)', 'lambda-task', 32_768 - 39 - 20],
])('%s whose error echoes a secret at the cut', async (_, machine, pad) => {
  const { description } = await run(machine, { pad });
  expect(description.status).toBe('FAILED');
  expect(description.cause).not.toContain(SECRET.slice(0, 6));
  expect(description.cause).toContain(`${'x'.repeat(20)}[redacted]`);
});

it('a ResultPath that cannot apply to an input holding a secret at the cut', async () => {
  // "Unable to apply ReferencePath $.x to input " is 43 characters, the quote 1.
  const { description } = await run('bad-result-path', `${'x'.repeat(32_768 - 44 - 20)}${SECRET}`);
  expect(description.status).toBe('FAILED');
  expect(description.cause).not.toContain(SECRET.slice(0, 6));
  expect(description.cause).toContain(`${'x'.repeat(20)}[redacted]`);
});

it('States.StringToJson of text that starts with a secret: the parser\'s message quotes none of it', async () => {
  // V8's JSON.parse message quotes the input's first 10 characters, a cut no redaction could match.
  const { description } = await run('parse-text', { text: `${SECRET} is not JSON` });
  expect(description.status).toBe('FAILED');
  expect(description.error).toBe('States.Runtime');
  expect(description.cause).toContain('Intrinsic function States.StringToJson failed: SyntaxError');
  expect(description.cause).not.toContain(SECRET.slice(0, 6));
});
