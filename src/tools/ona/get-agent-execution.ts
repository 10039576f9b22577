import * as z from 'zod';
import { defineTool, type ToolOutput } from '../../server/define-tool.js';
import { fitsByCutting } from '../../server/fit-to-budget.js';
import { AgentExecutionDetail, detailOf, detailText, listedAtMost } from './detail-view.js';
import { idField } from './views.js';

export const getAgentExecution = defineTool({
  name: 'get_agent_execution',
  title: 'Get Ona agent execution',
  description:
    'One Ona agent execution in full: phase and normalised state, failure reason and message, warning, current activity and operation, goal, ' +
    'judgement, outputs (cut to a size limit, untrusted), description, session (start_agent_execution continues it), token use and limits, model, ' +
    'code context, used environments, annotations, MCP integration status and links to the conversation, transcript and support bundle. ' +
    'Ids come from list_agent_executions or start_agent_execution.',
  toolset: 'ona',
  operation: 'read',
  inputSchema: z.object({
    agentExecutionId: idField('Id of the agent execution (from list_agent_executions or start_agent_execution).'),
  }),
  outputSchema: AgentExecutionDetail,
  errorHints: {
    not_found: 'call list_agent_executions to find valid agent execution ids',
    invalid_argument: 'agentExecutionId must be an id as returned by list_agent_executions',
    // One execution: nothing to narrow.
    throttled: 'Ona is throttling requests (a rate limit or quota); wait a few seconds and call again',
    timeout: 'Ona did not answer in time; call again',
  },
  async handler(args, ctx) {
    const ona = await ctx.backends.ona();
    const execution = await ona.getAgentExecution(args.agentExecutionId, ctx.signal);
    const { maxPayloadChars, responseBudgetChars } = ctx.config.limits;
    const answer = (atMost: number): ToolOutput<AgentExecutionDetail> => {
      const structured = detailOf(execution, args.agentExecutionId, maxPayloadChars, atMost);
      return { structured, text: detailText(structured, ctx.fence, ctx.config.allowWrites) };
    };
    // Where cutting values is not enough, the budget's last resort leaves out the last entries of a
    // list from structuredContent only (the text kept their lines and its "first N of M"): list as
    // many entries as fit instead, the same in both. Fewer entries never cost more: halve the range.
    const fits = (a: ToolOutput<AgentExecutionDetail>): boolean => fitsByCutting(a.structured, ctx.fence.preamble() + a.text, responseBudgetChars, ctx.fence.id);
    const most = listedAtMost(responseBudgetChars);
    const full = answer(most);
    if (fits(full)) return full;
    // None when even that does not fit: the last resort then leaves out what it must, and says so.
    let lo = 0;
    let hi = most - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(answer(mid))) lo = mid;
      else hi = mid - 1;
    }
    return answer(lo);
  },
});
