import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { defineTool } from '../../server/define-tool.js';
import { ToolError, errorSummary, outcomeUnknown } from '../../server/errors.js';
import { iso } from '../../server/render.js';
import { arnField, requireArn } from './views.js';

/** arn:…:stateMachine:M[:version|alias] + name → arn:…:execution:M:name. */
function executionArnFor(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  return [...parts.slice(0, 5), 'execution', parts[6] ?? '', name].join(':');
}

/** How much earlier than the call a returned start date must be to mean an execution that already ran. */
const EARLIER_MARGIN_MS = 60_000;

const MAX_INPUT_CHARS = 262_144;
const MAX_INPUT_BYTES = 262_144;

export const startExecution = defineTool({
  name: 'start_execution',
  title: 'Start execution',
  description:
    'Start an execution of a Step Functions state machine with a JSON input. Returns the new executionArn and start date; ' +
    'follow with describe_execution to watch it. Reusing a name with the same input of a running STANDARD execution returns that execution instead of a new one.',
  toolset: 'stepfunctions',
  operation: 'write',
  inputSchema: z.object({
    stateMachineArn: arnField('ARN of the state machine (or a version or alias) to run; from list_state_machines.'),
    name: z
      .string()
      .min(1)
      .max(80)
      .optional()
      .describe('Execution name, unique per state machine for 90 days. Omit to get a generated UUID.'),
    input: z.string().max(MAX_INPUT_CHARS).optional().describe('Execution input: a JSON text such as {"orderId": 42}. Default {}.'),
    traceHeader: z.string().max(256).optional().describe('AWS X-Ray trace header to pass through.'),
  }),
  outputSchema: z.object({
    executionArn: z.string(),
    startDate: z.string().optional(),
  }),
  errorHints: {
    ExecutionAlreadyExists: 'an execution with this name already exists (names stay reserved for 90 days); choose another name or omit it',
    InvalidExecutionInput: 'input must be a JSON text of at most 256 KiB',
    InvalidName: 'names are 1-80 characters without whitespace, brackets, wildcards or control characters',
    StateMachineDoesNotExist: 'call list_state_machines to find valid state machine ARNs',
    ExecutionLimitExceeded: 'the account has too many running executions; wait for some to finish',
  },
  async handler(args, ctx) {
    requireArn('stateMachineArn', args.stateMachineArn, 'stateMachine');
    const input = args.input ?? '{}';
    if (Buffer.byteLength(input, 'utf8') > MAX_INPUT_BYTES) {
      throw new ToolError(`input is ${Buffer.byteLength(input, 'utf8')} bytes of UTF-8; Step Functions accepts at most 256 KiB. Nothing was started.`);
    }
    try {
      JSON.parse(input);
    } catch (err) {
      const reason = err instanceof Error ? err.message : 'not JSON';
      throw new ToolError(`input must be valid JSON text, e.g. {"orderId": 42}; parsing it failed: ${reason.slice(0, 160)}. Nothing was started.`);
    }
    if (args.name !== undefined && /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(args.name)) {
      throw new ToolError(
        'name may not contain whitespace, < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : / or control characters. Nothing was started.',
      );
    }
    const sfn = await ctx.backends.sfn();
    // Named here, not by the service: the SDK retries a dropped or 5xx StartExecution, and with the
    // same name and input a STANDARD execution starts once, where two unnamed requests start two.
    const name = args.name ?? randomUUID();
    let out: Awaited<ReturnType<typeof sfn.startExecution>>;
    ctx.spendWrite();
    const sentAt = Date.now();
    try {
      out = await sfn.startExecution({ stateMachineArn: args.stateMachineArn, name, input, traceHeader: args.traceHeader }, ctx.signal);
    } catch (err) {
      // The request may have reached Step Functions: a blind retry under a new name would start a
      // second execution. Hand back the name, which makes a retry safe and the outcome checkable.
      if (outcomeUnknown(err)) {
        const arn = executionArnFor(args.stateMachineArn, name);
        throw new ToolError(
          `Step Functions StartExecution failed: ${errorSummary(err)}. The execution may have started anyway, as ${name}. ` +
            `Next: describe_execution with executionArn="${arn}" to check; or call start_execution again with name="${name}" and the same input (a STANDARD machine then returns that execution instead of starting another).`,
        );
      }
      throw err;
    }
    const structured = { executionArn: out.executionArn ?? '', startDate: iso(out.startDate) };
    const shownArn = ctx.fence.inline('executionArn', structured.executionArn);
    // StartExecution is idempotent: a running execution with this name and input comes back as it
    // is. Only a start date clearly before the call tells (clocks differ by a little).
    const startedBefore = args.name !== undefined && out.startDate instanceof Date && out.startDate.getTime() < sentAt - EARLIER_MARGIN_MS;
    if (startedBefore) {
      return {
        structured,
        text:
          `Step Functions returned ${shownArn}, started at ${structured.startDate ?? 'an unknown time'}, before this call: most likely an execution with this name and input ` +
          'that was already running, which StartExecution returns instead of starting another. Next: describe_execution to see it; to start a new run, give another name (or none).',
      };
    }
    // Step Functions keeps no description or history of an EXPRESS execution (outside a Map Run).
    const next = structured.executionArn.includes(':express:')
      ? 'It is an EXPRESS execution: describe_execution and get_execution_history do not cover it; its outcome is in the state machine\'s CloudWatch Logs, if it logs.'
      : 'Next: describe_execution to follow it.';
    return {
      structured,
      text: `Started ${shownArn} at ${structured.startDate ?? 'unknown time'}. ${next}`,
    };
  },
});
