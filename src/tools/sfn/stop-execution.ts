import * as z from 'zod';
import { defineTool } from '../../server/define-tool.js';
import { iso } from '../../server/render.js';
import { arnField, requireArn } from './views.js';

export const stopExecution = defineTool({
  name: 'stop_execution',
  title: 'Stop execution',
  description:
    'Stop a running Step Functions execution (STANDARD only). It ends with status ABORTED and the given error and cause. Returns the stop date. ' +
    'Stopping an execution that already ended changes nothing.',
  toolset: 'stepfunctions',
  operation: 'destructive',
  inputSchema: z.object({
    executionArn: arnField('ARN of the running execution to stop.'),
    error: z.string().max(256).optional().describe('Error code recorded on the aborted execution.'),
    cause: z.string().max(32_768).optional().describe('Human-readable reason recorded on the aborted execution.'),
  }),
  outputSchema: z.object({
    stopDate: z.string().optional(),
  }),
  errorHints: {
    ExecutionDoesNotExist: 'call list_executions with statusFilter=RUNNING to find running executions',
  },
  async handler(args, ctx) {
    requireArn('executionArn', args.executionArn, 'execution');
    const sfn = await ctx.backends.sfn();
    const out = await sfn.stopExecution({ executionArn: args.executionArn, error: args.error, cause: args.cause }, ctx.signal);
    const structured = { stopDate: iso(out.stopDate) };
    return { structured, text: `Stopped ${args.executionArn} at ${structured.stopDate ?? 'unknown time'}.` };
  },
});
