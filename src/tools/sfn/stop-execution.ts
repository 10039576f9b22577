import * as z from 'zod';
import { redactDeep } from '../../log.js';
import { defineTool } from '../../server/define-tool.js';
import { throttledEveryAttempt } from '../../server/errors.js';
import { compact, cutAt, iso } from '../../server/render.js';
import { arnField, refuseExpress, requireArn } from './views.js';

// The reply was redacted as it arrived (a cause may hold a server secret): ours is compared as such.
const differs = (recorded: string | undefined, sent: string | undefined) => !!recorded && recorded !== redactDeep(sent ?? '');

/** Statuses an execution never leaves (a redrive starts it again, but as a new attempt the caller asks for). */
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

export const stopExecution = defineTool({
  name: 'stop_execution',
  title: 'Stop execution',
  description:
    'Stop a running Step Functions execution (STANDARD only). It ends with status ABORTED and the given error and cause. Returns the stop date. ' +
    'An execution that already ended is left as it is, and the answer says so.',
  toolset: 'stepfunctions',
  operation: 'destructive',
  inputSchema: z.object({
    executionArn: arnField('ARN of the running execution to stop.'),
    error: z.string().max(256).optional().describe('Error code recorded on the aborted execution.'),
    cause: z.string().max(32_768).optional().describe('Human-readable reason recorded on the aborted execution.'),
  }),
  outputSchema: z.object({
    stopDate: z.string().optional(),
    status: z.string().optional().describe('Status after the call: ABORTED, or the status the execution had already ended with.'),
    alreadyEnded: z.literal(true).optional().describe('Present when the execution had already ended, so nothing was stopped.'),
  }),
  errorHints: {
    ExecutionDoesNotExist: 'call list_executions with statusFilter=RUNNING to find running executions',
    // No answer: the stop may have been applied all the same.
    'StopExecution:timeout': 'the stop may have reached Step Functions anyway: describe_execution shows whether the execution is ABORTED; calling stop_execution again is safe',
    'StopExecution:unavailable': 'the stop may have reached Step Functions anyway: describe_execution shows whether the execution is ABORTED; calling stop_execution again is safe',
    // Throttled at the last attempt only: an attempt before may have been a 5xx that was applied.
    'StopExecution:throttled': 'the stop may have reached Step Functions at an earlier attempt: describe_execution shows whether the execution is ABORTED; calling stop_execution again is safe',
    // An unreadable reply may follow a stop that was applied: a second call would then find it ended, as if someone else had stopped it.
    'StopExecution:malformed_response': 'the stop may have reached Step Functions anyway: describe_execution shows whether the execution is ABORTED; calling stop_execution again is safe',
  },
  async handler(args, ctx) {
    requireArn('executionArn', args.executionArn, 'execution');
    refuseExpress('stop_execution', 'StopExecution', args.executionArn, {
      // Stopping a Map Run cancels its STANDARD children but lets running EXPRESS ones finish.
      viaParent: 'stops its Map Run, which then starts no more children (one already running ends by itself, within its 5-minute limit)',
      otherwise: 'an EXPRESS execution ends by itself, within its 5-minute limit; nothing can stop it sooner',
      nothingDone: 'Nothing was stopped.',
    });
    const sfn = await ctx.backends.sfn();
    // StopExecution on an ended execution reports its old stop date as if it had stopped it: look
    // first. Only a status known to be final is left alone (PENDING_REDRIVE, or one this server does
    // not know, may still run).
    const current = await sfn.describeExecution({ executionArn: args.executionArn, includedData: 'METADATA_ONLY' }, ctx.signal);
    if (current.status && ENDED.has(current.status)) {
      const stopDate = iso(current.stopDate);
      return {
        structured: compact({ stopDate, status: current.status, alreadyEnded: true as const }),
        text: `${args.executionArn} had already ended ${ctx.fence.inline('status', current.status)}${stopDate ? ` at ${stopDate}` : ''}; nothing was changed.`,
      };
    }
    ctx.spendWrite();
    const out = await sfn.stopExecution({ executionArn: args.executionArn, error: args.error, cause: args.cause }, ctx.signal).catch((err: unknown) => {
      throw throttledEveryAttempt(err, 'nothing was stopped');
    });
    // The execution may have ended on its own between the look and the stop, which then answers
    // with its old stop date as if it had stopped it: look again (a failed look changes nothing).
    const after = await sfn.describeExecution({ executionArn: args.executionArn, includedData: 'METADATA_ONLY' }, ctx.signal).catch(() => undefined);
    if (after?.status && ENDED.has(after.status) && after.status !== 'ABORTED') {
      ctx.refundWrites();
      const stopDate = iso(after.stopDate ?? out.stopDate);
      return {
        structured: compact({ stopDate, status: after.status, alreadyEnded: true as const }),
        text: `${args.executionArn} ended ${ctx.fence.inline('status', after.status)}${stopDate ? ` at ${stopDate}` : ''} on its own, before the stop reached it; nothing was changed.`,
      };
    }
    // A stop that raced ours got there first when the recorded error or cause is not ours (StopExecution
    // answers a repeated stop as if it had stopped it). Without either recorded, it cannot be told.
    const recordedByAnother = after?.status === 'ABORTED' && (differs(after.error, args.error) || differs(after.cause, args.cause));
    if (after && recordedByAnother) {
      ctx.refundWrites();
      const stopDate = iso(after.stopDate ?? out.stopDate);
      const recorded = [after.error !== undefined ? `error ${ctx.fence.inline('error', after.error)}` : '', after.cause !== undefined ? `cause ${ctx.fence.inline('cause', cutAt(after.cause, 200))}` : '']
        .filter(Boolean)
        .join(' and ');
      return {
        structured: compact({ stopDate, status: 'ABORTED', alreadyEnded: true as const }),
        text: `${args.executionArn} was stopped by another request${stopDate ? ` at ${stopDate}` : ''}, before this stop reached it: it records ${recorded}, not this call's; nothing was changed.`,
      };
    }
    const structured = { stopDate: iso(out.stopDate), status: 'ABORTED' };
    return { structured, text: `Stopped ${args.executionArn} at ${structured.stopDate ?? 'unknown time'}; it ends ABORTED.` };
  },
});
