import * as z from 'zod';
import { defineTool } from '../../server/define-tool.js';
import type { NormalisedState } from '../../server/states.js';
import { type Payload, PayloadSchema, type UntrustedFence, compact, iso, payload } from '../../server/render.js';
import { arnField, consoleUrl, count, durationText, expressRefusal, isExpressArn, kmsRefusal, machineArnOf, parentMachineOf, maxPayloadCharsField, payloadCut, requireArn, sfnState, shortTime, stateField, text } from './views.js';
import { payloadRoomHint } from './payload-room.js';

// A stopped or timed-out run usually has no failing state: what matters is what was running.
const NEXT_STEP: Partial<Record<NormalisedState, string>> = {
  failed:
    'Next: get_execution_history with failuresOnly=true and reverseOrder=true (newest first): below ExecutionFailed, the first failure not marked (retried) or (caught) is the one that ended the run.',
  running: 'Next: get_execution_history with reverseOrder=true and maxItems=5 shows the state it is in now.',
  timed_out: 'Next: get_execution_history with reverseOrder=true shows what was running when it timed out (the last states entered before ExecutionTimedOut).',
  aborted: 'Next: get_execution_history with reverseOrder=true shows what was running when it was stopped (failuresOnly=true narrows to the stop and the states it aborted).',
};

/** What shows more of an EXPRESS execution (a Map Run's child, the only kind described): not its history, which Step Functions does not keep. */
function expressNextStep(mapRunArn: string | undefined, parentMachine: string | undefined, fence: UntrustedFence): string {
  const logs =
    "Next: Step Functions keeps no event history of EXPRESS executions, so get_execution_history cannot read this one: its events are in the state machine's CloudWatch Logs, if it logs.";
  if (!mapRunArn) return logs;
  const parent = parentMachine ? ` (an execution of ${fence.inline('parent', parentMachine)})` : '';
  return `${logs} Its Map Run: list_executions with the mapRunArn above lists its siblings, and get_execution_history of the parent execution${parent} shows the Map Run's outcome.`;
}

/** The event of a run's history that holds its cause, by how the run ended. */
const CAUSE_EVENT: Partial<Record<NormalisedState, string>> = { timed_out: 'ExecutionTimedOut', aborted: 'ExecutionAborted' };

/**
 * What shows more of payloads the response budget cut: fewer of them in one answer (each read
 * alone, where the answer holds several), or a larger budget.
 */
function budgetNextSteps(d: { executionArn: string; state: NormalisedState; cause?: Payload; input?: Payload; output?: Payload }): string {
  const steps: string[] = [];
  if (d.input || d.output) steps.push('includedData=METADATA_ONLY (the rest without input and output)');
  const reads = [
    d.input ? ['ExecutionStarted', 'the input'] : undefined,
    d.output ? ['ExecutionSucceeded', 'the output'] : undefined,
    d.cause ? [CAUSE_EVENT[d.state] ?? 'ExecutionFailed', 'the cause'] : undefined,
  ].filter((r) => r !== undefined);
  // Step Functions keeps no history of EXPRESS executions; one payload alone gets more room only beside others.
  if (reads.length > 1 && !isExpressArn(d.executionArn)) {
    steps.push(`get_execution_history with maxPayloadChars and eventTypes=${reads.map(([type, what], i) => (i === 0 ? `[${type}] reads ${what} alone` : `[${type}] ${what}`)).join(', ')}`);
  }
  steps.push(`${steps.length > 0 ? 'or ' : ''}a larger EXECUTIONS_MCP_RESPONSE_BUDGET_CHARS`);
  return `${steps.join('; ')}.`;
}

export const describeExecution = defineTool({
  name: 'describe_execution',
  title: 'Describe execution',
  description:
    'Describe one Step Functions execution: status, start/stop dates, error and cause when it failed, redrive status, input and output (cut to a size limit, untrusted), and an AWS console link. ' +
    'To see which state failed and why, follow with get_execution_history (failuresOnly=true).',
  toolset: 'stepfunctions',
  operation: 'read',
  inputSchema: z.object({
    executionArn: arnField('ARN of the execution (from list_executions or start_execution).'),
    includedData: z
      .enum(['ALL_DATA', 'METADATA_ONLY'])
      .optional()
      .describe('METADATA_ONLY leaves out input and output (default ALL_DATA).'),
    maxPayloadChars: maxPayloadCharsField,
  }),
  outputSchema: z.object({
    executionArn: z.string(),
    stateMachineArn: z.string(),
    name: z.string().optional(),
    status: z.string(),
    state: stateField,
    startDate: z.string().optional(),
    stopDate: z.string().optional(),
    error: z.string().optional(),
    cause: PayloadSchema.optional(),
    input: PayloadSchema.optional(),
    output: PayloadSchema.optional(),
    redriveCount: z.number().int().optional(),
    redriveDate: z.string().optional(),
    redriveStatus: z.string().optional(),
    redriveStatusReason: z.string().optional(),
    mapRunArn: z.string().optional(),
    stateMachineVersionArn: z.string().optional(),
    stateMachineAliasArn: z.string().optional(),
    traceHeader: z.string().optional(),
    consoleUrl: z.string().optional(),
  }),
  errorHints: {
    ExecutionDoesNotExist: 'call list_executions with the stateMachineArn to find existing executions (EXPRESS executions cannot be described, except the child executions of a Map Run)',
    InvalidArn: 'call list_executions to find valid execution ARNs',
  },
  async handler(args, ctx) {
    requireArn('executionArn', args.executionArn, 'execution');
    const sfn = await ctx.backends.sfn();
    const out = await sfn.describeExecution({ executionArn: args.executionArn, includedData: args.includedData }, ctx.signal).catch((err: unknown) => {
      const refusal = expressRefusal(err, args.executionArn, 'nothing to describe (except the child executions of a Map Run)');
      throw kmsRefusal(refusal, args.includedData === 'METADATA_ONLY' ? undefined : 'describe_execution with includedData=METADATA_ONLY reads it without its input and output');
    });
    const cut = payloadCut(args.maxPayloadChars, ctx.config.limits);
    // Built at any payload size: the hint line tries larger ones against the response budget.
    const view = (max: number) => {
      const structured = compact({
        executionArn: text(out.executionArn) ?? args.executionArn,
        stateMachineArn: text(out.stateMachineArn) ?? machineArnOf(args.executionArn),
        name: text(out.name),
        status: text(out.status) ?? 'UNKNOWN',
        state: sfnState(text(out.status)),
        startDate: iso(out.startDate),
        stopDate: iso(out.stopDate),
        error: text(out.error),
        cause: payload(out.cause, max),
        input: payload(out.input, max),
        output: payload(out.output, max),
        redriveCount: count(out.redriveCount) || undefined,
        redriveDate: iso(out.redriveDate),
        redriveStatus: text(out.redriveStatus),
        redriveStatusReason: text(out.redriveStatusReason),
        mapRunArn: text(out.mapRunArn),
        stateMachineVersionArn: text(out.stateMachineVersionArn),
        stateMachineAliasArn: text(out.stateMachineAliasArn),
        traceHeader: text(out.traceHeader),
        consoleUrl: sfn.local ? undefined : consoleUrl(out.executionArn ?? args.executionArn),
      });
      // Said only of a run that ended unsuccessfully. The reason has no documented bound: cut like the payloads, with its full size said.
      const redrivable = structured.redriveStatus && ['failed', 'timed_out', 'aborted'].includes(structured.state) ? structured.redriveStatus : undefined;
      const reason = redrivable ? payload(structured.redriveStatusReason, max) : undefined;
      const took = durationText(out.startDate, out.stopDate);
      const historyStep =
        // A Choice with no matching rule writes no failure event of its own: the state is the one ExecutionFailed follows.
        structured.error === 'States.NoChoiceMatched'
          ? 'Next: get_execution_history with reverseOrder=true shows the Choice state no rule matched (the last one entered before the failure) and the input its rules saw.'
          : (NEXT_STEP[structured.state] ?? '');
      // GetExecutionHistory refuses every EXPRESS execution, a Map Run's child too: point to what can be read.
      const nextStep =
        historyStep && isExpressArn(structured.executionArn) ? expressNextStep(structured.mapRunArn, parentMachineOf(structured.executionArn), ctx.fence) : historyStep;
      const lines = [
        `${ctx.fence.inline('name', structured.name ?? structured.executionArn)}  ${ctx.fence.inline('status', structured.status)}  started ${shortTime(structured.startDate) || 'at an unknown time'}${structured.stopDate ? `  stopped ${shortTime(structured.stopDate)}` : ''}${took ? ` (${took})` : ''}`,
        ctx.fence.labelled('executionArn', structured.executionArn),
        ctx.fence.labelled('stateMachineArn', structured.stateMachineArn),
        // Which version ran, and the Map Run a child belongs to (list_executions takes it as mapRunArn).
        ctx.fence.labelled('stateMachineVersionArn', structured.stateMachineVersionArn),
        ctx.fence.labelled('stateMachineAliasArn', structured.stateMachineAliasArn),
        ctx.fence.labelled('mapRunArn', structured.mapRunArn),
        ctx.fence.labelled('traceHeader', structured.traceHeader),
        ctx.fence.field('error', structured.error),
        ctx.fence.wrap(structured.cause, 'cause'),
        redrivable ? `redrive: ${ctx.fence.inline('redriveStatus', redrivable)}${reason ? ` ${ctx.fence.wrap(reason, 'reason')}` : ''}` : '',
        // Whatever the outcome: a run that succeeded after a redrive failed before it.
        structured.redriveCount
          ? `redriven ${structured.redriveCount}×${structured.redriveDate ? `, last at ${shortTime(structured.redriveDate)}` : ''}: get_execution_history shows each run's failure (marked redriven)`
          : '',
        ctx.fence.wrap(structured.input, 'input'),
        ctx.fence.wrap(structured.output, 'output'),
        // Absent is not empty: say when the service withheld the data.
        out.inputDetails?.included === false ? 'input: not included (includedData METADATA_ONLY, or no kms:Decrypt on the key)' : '',
        out.outputDetails?.included === false && structured.state === 'succeeded'
          ? 'output: not included (includedData METADATA_ONLY, or no kms:Decrypt on the key)'
          : '',
        structured.consoleUrl ? `console: ${structured.consoleUrl}` : '',
        nextStep,
        cut.note ?? '',
      ];
      return { structured, text: lines.filter(Boolean).join('\n'), cut: [structured.cause, structured.input, structured.output, reason].some((p) => p?.truncated) };
    };
    const shown = view(cut.max);
    const hint = payloadRoomHint(cut, shown, view, ctx.config.limits.responseBudgetChars, ctx.fence, () => budgetNextSteps(shown.structured));
    return { structured: shown.structured, text: [shown.text, hint].filter(Boolean).join('\n') };
  },
});
