import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { defineTool } from '../../server/define-tool.js';
import { ToolError, errorSummary, outcomeUnknown, throttledEveryAttempt } from '../../server/errors.js';
import { iso } from '../../server/render.js';
import { arnField, requireArn } from './views.js';

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
          `Step Functions RedriveExecution failed: ${errorSummary(err)}. The redrive may have reached Step Functions anyway. ` +
            `Next: describe_execution shows its status and redriveCount; to retry, call redrive_execution again with clientToken="${clientToken}" so that it cannot redrive twice.`,
        );
      }
      throw throttledEveryAttempt(err, 'nothing was redriven');
    }
    const structured = { redriveDate: iso(out.redriveDate) };
    return {
      structured,
      text: `Redrove ${args.executionArn} at ${structured.redriveDate ?? 'unknown time'}. Next: describe_execution to follow it.`,
    };
  },
});
