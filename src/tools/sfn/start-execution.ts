import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { defineTool } from '../../server/define-tool.js';
import type { SfnBackend } from '../../backends/sfn/client.js';
import { BackendError, ToolError, errorSummary, outcomeUnknown, throttledEveryAttempt } from '../../server/errors.js';
import { type UntrustedFence, iso } from '../../server/render.js';
import { arnField, parentMachineOf, requireArn } from './views.js';

/** arn:…:stateMachine:M[:version|alias] + name → arn:…:execution:M:name. */
function executionArnFor(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  return [...parts.slice(0, 5), 'execution', parts[6] ?? '', name].join(':');
}

/** The state machine's type, or undefined when it cannot be read (no permission, no answer). */
async function machineType(sfn: SfnBackend, stateMachineArn: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    // Versions and aliases share the machine's type; the unqualified ARN is the one any caller may describe.
    const machine = stateMachineArn.split(':').slice(0, 7).join(':');
    return (await sfn.describeStateMachine({ stateMachineArn: machine }, signal)).type;
  } catch {
    return undefined;
  }
}

/** A start that may have taken effect: hand back the name, which makes the outcome checkable (and, for STANDARD, a retry safe). */
function unknownOutcome(err: BackendError, name: string, arn: string, type: string | undefined, fence: UntrustedFence): ToolError {
  const failed = `Step Functions StartExecution failed: ${errorSummary(err, fence)}. The execution may have started anyway, as ${name}.`;
  if (type === 'EXPRESS') {
    return new ToolError(
      `${failed} The machine is EXPRESS, whose starts are not idempotent, so it was not sent again: calling start_execution again may start a second execution. ` +
        "Next: look for it in the state machine's CloudWatch Logs (Step Functions keeps no record of EXPRESS executions to describe) before starting again.",
    );
  }
  const caveat = type === undefined ? ' (if the machine is EXPRESS, whose starts are not idempotent, that may start a second one: its type could not be read)' : '';
  return new ToolError(
    `${failed} Next: describe_execution with executionArn="${arn}" to check; or call start_execution again with name="${name}" and the same input ` +
      `(a STANDARD machine then returns that execution instead of starting another)${caveat}.`,
  );
}

/**
 * ExecutionAlreadyExists: the name is taken by an execution that has ended, or runs with another
 * input. When this call sent the start again after an unknown outcome, or the caller retries with a
 * name handed back after a failure, that execution is most likely the one this start asked for.
 */
function isAlreadyExists(err: unknown): err is BackendError {
  return err instanceof BackendError && err.code === 'ExecutionAlreadyExists';
}

function alreadyExists(err: unknown, name: string, arn: string, resent: boolean): unknown {
  if (!isAlreadyExists(err)) return err;
  const why = resent
    ? 'an earlier attempt of this call most likely started it, and it has since ended'
    : 'it has ended, or it runs with another input (names stay reserved for 90 days)';
  // Refused at its only send, the start changed nothing; after a resend, the first send most likely started it.
  return new ToolError(
    `Step Functions StartExecution failed: ExecutionAlreadyExists: an execution named ${name} already exists for this state machine: ${why}. ` +
      `Next: describe_execution with executionArn="${arn}" to see it${resent ? '' : '. If an earlier start_execution handed you this name after a failure, that is the execution it started; otherwise choose another name, or omit it'}.`,
    !resent,
  );
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
    InvalidExecutionInput: 'change the input as the message says (Step Functions takes a JSON text of at most 256 KiB)',
    InvalidName: 'names are 1-80 characters without whitespace, brackets, wildcards or control characters',
    StateMachineDoesNotExist: 'call list_state_machines to find valid state machine ARNs',
    StateMachineDeleting: 'the state machine is being deleted and starts no more executions: call list_state_machines to pick another',
    ExecutionLimitExceeded: 'the account has too many running executions; wait for some to finish',
  },
  async handler(args, ctx) {
    requireArn('stateMachineArn', args.stateMachineArn, 'stateMachine');
    // The ARN a Map Run's child shows as its machine's: StartExecution refuses it (API_DOES_NOT_SUPPORT_LABELED_ARNS).
    const parent = parentMachineOf(args.stateMachineArn);
    if (parent) {
      throw new ToolError(
        `stateMachineArn names a Distributed Map state after a "/" (the labelled ARN describe_execution shows for a Map Run's child), which StartExecution does not take: a Map Run's children are started by their parent execution. ` +
          `Next: start_execution with stateMachineArn=${parent}, the state machine that runs the Map. Nothing was started.`,
      );
    }
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
    // Checked here, not in the schema: a pattern with a Unicode class is not one every client's validator compiles.
    if (args.traceHeader !== undefined && /[^\u0000-\u007f]/.test(args.traceHeader)) {
      throw new ToolError('traceHeader must be ASCII (an X-Ray header such as Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1). Nothing was started.');
    }
    const sfn = await ctx.backends.sfn();
    // Named here, not by the service: with the same name and input a STANDARD execution starts
    // once, so a start whose outcome is unknown can be sent again; two unnamed requests start two.
    const name = args.name ?? randomUUID();
    const request = { stateMachineArn: args.stateMachineArn, name, input, traceHeader: args.traceHeader };
    const arn = executionArnFor(args.stateMachineArn, name);
    let out: Awaited<ReturnType<typeof sfn.startExecution>>;
    ctx.spendWrite();
    const sentAt = Date.now();
    try {
      out = await sfn.startExecution(request, ctx.signal);
    } catch (first) {
      if (!outcomeUnknown(first)) throw alreadyExists(throttledEveryAttempt(first, 'nothing was started'), name, arn, false);
      // The request may have reached Step Functions. Only a STANDARD start is idempotent: an EXPRESS
      // one sent again would start a second execution, so it is sent again only once the type is known.
      const type = await machineType(sfn, args.stateMachineArn, ctx.signal);
      if (type !== 'STANDARD') throw unknownOutcome(first, name, arn, type, ctx.fence);
      try {
        out = await sfn.startExecution(request, ctx.signal, { resend: true });
      } catch (again) {
        // Only ExecutionAlreadyExists tells what the first attempt did; any other failure leaves it unknown.
        if (isAlreadyExists(again)) throw alreadyExists(again, name, arn, true);
        throw again instanceof BackendError ? unknownOutcome(again, name, arn, type, ctx.fence) : again;
      }
    }
    const structured = { executionArn: out.executionArn ?? '', startDate: iso(out.startDate) };
    const shownArn = ctx.fence.inline('executionArn', structured.executionArn);
    // StartExecution is idempotent: a running execution with this name and input comes back as it
    // is. Only a start date clearly before the call tells (clocks differ by a little; the embedded
    // engine runs on this process's clock).
    const margin = sfn.local ? 0 : EARLIER_MARGIN_MS;
    const startedBefore = args.name !== undefined && out.startDate instanceof Date && out.startDate.getTime() < sentAt - margin;
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
