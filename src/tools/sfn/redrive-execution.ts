import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { defineTool } from '../../server/define-tool.js';
import { BackendError, ToolError, errorSummary, outcomeUnknown, throttledEveryAttempt, withHint } from '../../server/errors.js';
import { iso } from '../../server/render.js';
import { arnField, parentMachineOf, refuseExpress, requireArn } from './views.js';

/** A Map Run's child (REDRIVABLE_BY_MAP_RUN) is redriven with its parent, never by itself: say which to redrive. */
function mapRunChildRefusal(err: unknown, executionArn: string): unknown {
  const parent = parentMachineOf(executionArn);
  if (!(err instanceof BackendError) || err.code !== 'ExecutionNotRedrivable' || err.details.hint !== undefined || !parent) return err;
  return withHint(
    err,
    `it is a Distributed Map's child (its ARN names the Map state after a "/"), which Step Functions redrives with its parent: redrive_execution on the parent execution runs the Map Run's unsuccessful children again (list_executions with stateMachineArn=${parent} finds the parent)`,
  );
}

export const redriveExecution = defineTool({
  name: 'redrive_execution',
  title: 'Redrive execution',
  description:
    'Redrive a failed, timed-out or aborted STANDARD execution from the state that failed, keeping the work already done. ' +
    'Only executions that ended in the last 14 days can be redriven; describe_execution shows redriveStatus. Returns the redrive date.',
  toolset: 'stepfunctions',
  operation: 'write',
  inputSchema: z.object({
    executionArn: arnField('ARN of the execution to redrive.'),
    clientToken: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[!-~]+$/, 'printable ASCII without spaces')
      .optional()
      .describe('Idempotency token: repeating a call with the same token does not redrive twice.'),
  }),
  outputSchema: z.object({
    redriveDate: z.string().optional(),
  }),
  errorHints: {
    ExecutionNotRedrivable:
      'only STANDARD executions that FAILED, TIMED_OUT or were ABORTED within the last 14 days can be redriven, and not while a redrive is running; ' +
      'call describe_execution to see redriveStatus and redriveStatusReason',
    ExecutionDoesNotExist: 'call list_executions with statusFilter=FAILED to find redrivable executions',
  },
  async handler(args, ctx) {
    requireArn('executionArn', args.executionArn, 'execution');
    refuseExpress('redrive_execution', 'RedriveExecution', args.executionArn, {
      viaParent: 'redrives its Map Run, which runs its failed children again',
      otherwise: 'start_execution runs the state machine again, as a new execution',
      nothingDone: 'Nothing was redriven.',
    });
    const sfn = await ctx.backends.sfn();
    // Chosen here when not given (the SDK would choose one and keep it to itself): a retry after a
    // lost answer needs it, or it could redrive twice.
    const clientToken = args.clientToken ?? randomUUID();
    ctx.spendWrite();
    let out: Awaited<ReturnType<typeof sfn.redriveExecution>>;
    try {
      out = await sfn.redriveExecution({ executionArn: args.executionArn, clientToken }, ctx.signal);
    } catch (err) {
      if (outcomeUnknown(err)) {
        throw new ToolError(
          `Step Functions RedriveExecution failed: ${errorSummary(err, ctx.fence)}. The redrive may have reached Step Functions anyway. ` +
            `Next: describe_execution shows its status and redriveCount; to retry, call redrive_execution again with clientToken="${clientToken}" so that it cannot redrive twice.`,
        );
      }
      throw mapRunChildRefusal(throttledEveryAttempt(err, 'nothing was redriven'), args.executionArn);
    }
    const structured = { redriveDate: iso(out.redriveDate) };
    return {
      structured,
      text: `Redrove ${args.executionArn} at ${structured.redriveDate ?? 'unknown time'}. Next: describe_execution to follow it.`,
    };
  },
});
