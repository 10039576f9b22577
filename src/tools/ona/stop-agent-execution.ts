import * as z from 'zod';
import { defineTool } from '../../server/define-tool.js';
import { idField } from './views.js';

export const stopAgentExecution = defineTool({
  name: 'stop_agent_execution',
  title: 'Stop Ona agent execution',
  description:
    'Stop a running or waiting Ona agent execution (StopAgentExecution). It ends in PHASE_STOPPED; the stop is asynchronous, so confirm with get_agent_execution. ' +
    'Stopping an execution that already stopped changes nothing.',
  toolset: 'ona',
  operation: 'destructive',
  inputSchema: z.object({
    agentExecutionId: idField('Id of the agent execution to stop (from list_agent_executions).'),
  }),
  outputSchema: z.object({
    agentExecutionId: z.string(),
    stopRequested: z.literal(true),
  }),
  errorHints: {
    not_found: 'call list_agent_executions with statusPhases=["PHASE_RUNNING","PHASE_WAITING_FOR_INPUT"] to find executions that can be stopped',
    // No answer: the stop may have been applied all the same.
    'StopAgentExecution:timeout': 'the stop may have reached Ona anyway: get_agent_execution shows whether it is stopping; calling stop_agent_execution again is safe',
    'StopAgentExecution:unavailable': 'the stop may have reached Ona anyway: get_agent_execution shows whether it is stopping; calling stop_agent_execution again is safe',
  },
  async handler(args, ctx) {
    const ona = await ctx.backends.ona();
    ctx.spendWrite();
    await ona.stopAgentExecution(args.agentExecutionId, ctx.signal);
    return {
      structured: { agentExecutionId: args.agentExecutionId, stopRequested: true as const },
      text: `Stop requested for agent execution ${args.agentExecutionId}. Next: get_agent_execution to confirm it reached PHASE_STOPPED.`,
    };
  },
});
