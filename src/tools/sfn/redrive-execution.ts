import * as z from 'zod';
import { defineTool } from '../../server/define-tool.js';
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
    // No answer: the redrive may have happened all the same.
    'RedriveExecution:timeout': 'the redrive may have reached Step Functions anyway: describe_execution shows its status and redriveCount; to retry, call again with the same clientToken so it cannot redrive twice',
    'RedriveExecution:unavailable': 'the redrive may have reached Step Functions anyway: describe_execution shows its status and redriveCount; to retry, call again with the same clientToken so it cannot redrive twice',
  },
  async handler(args, ctx) {
    requireArn('executionArn', args.executionArn, 'execution');
    const sfn = await ctx.backends.sfn();
    ctx.spendWrite();
    const out = await sfn.redriveExecution({ executionArn: args.executionArn, clientToken: args.clientToken }, ctx.signal);
    const structured = { redriveDate: iso(out.redriveDate) };
    return {
      structured,
      text: `Redrove ${args.executionArn} at ${structured.redriveDate ?? 'unknown time'}. Next: describe_execution to follow it.`,
    };
  },
});
