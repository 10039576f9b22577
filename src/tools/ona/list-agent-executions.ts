import * as z from 'zod';
import type { AgentExecution, ListAgentExecutionsFilter } from '../../backends/ona/schemas.js';
import { pagingInput, pagingOutput } from '../../paging/fields.js';
import { runListCall } from '../../paging/list-call.js';
import { defineTool } from '../../server/define-tool.js';
import { compact, continuationHint } from '../../server/render.js';
import { AgentExecutionSummary, summaryLine, summaryOf } from './list-view.js';
import { PHASES, ROLES, idField, onaTimeMs } from './views.js';

const MAX_PAGE_SIZE = 100;

const idList = (what: string) => z.array(idField(what)).min(1).max(100).optional().describe(`Only executions with one of these ${what}s (at most 100).`);

// A "__proto__" key would be dropped by the record, silently widening a filter or losing an annotation: refused.
export const annotationsField = z.preprocess(
  (value, ctx) => {
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) ctx.addIssue({ code: 'custom', message: 'the annotation key "__proto__" is not allowed' });
    return value;
  },
  z.record(z.string().min(1).max(253), z.string().max(1024)).refine((m) => Object.keys(m).length <= 32, 'at most 32 annotations'),
);

export const listAgentExecutions = defineTool({
  name: 'list_agent_executions',
  title: 'List Ona agent executions',
  description:
    'List Ona (formerly Gitpod) agent executions, newest first, with phase, normalised state, failure reason, token use, creator and session ' +
      '(conversation and transcript links in structuredContent). ' +
    'Filter by agentIds, creatorIds, projectIds, environmentIds, statusPhases (e.g. PHASE_RUNNING, PHASE_WAITING_FOR_INPUT), roles, sessionIds, ' +
    'agentExecutionIds, annotations, and a creation window (createdAfter/createdBefore: ISO-8601 or relative like 2h, 7d). ' +
    'Use get_agent_execution for one execution in full. Continue with startingToken=nextToken.',
  toolset: 'ona',
  operation: 'read',
  inputSchema: z.object({
    agentIds: idList('agent id'),
    creatorIds: idList('creator (user or service account) id'),
    environmentIds: idList('environment id'),
    projectIds: idList('project id'),
    roles: z.array(z.enum(ROLES)).min(1).max(2).optional().describe('Only executions with one of these roles (default or workflow-run agents).'),
    statusPhases: z.array(z.enum(PHASES)).min(1).max(4).optional().describe('Only executions in one of these phases.'),
    sessionIds: idList('session id'),
    agentExecutionIds: idList('agent execution id'),
    annotations: annotationsField.optional().describe('Only executions carrying all of these annotation key/value pairs (at most 32).'),
    createdAfter: z.string().min(1).max(64).optional().describe('Only executions created at or after this time: ISO-8601 or a relative age such as 30m, 2h, 7d.'),
    createdBefore: z.string().min(1).max(64).optional().describe('Only executions created at or before this time: ISO-8601 or a relative age.'),
    ...pagingInput({ defaultMaxItems: 50, maxPageSize: MAX_PAGE_SIZE, itemNoun: 'agent executions' }),
  }),
  outputSchema: z.object({
    agentExecutions: z.array(AgentExecutionSummary),
    ...pagingOutput,
  }),
  errorHints: {
    invalid_argument: 'check the filter values (ids as returned by Ona, phases and roles as listed in the schema) and call again',
    not_found: 'check the ids in the filter',
  },
  async handler(args, ctx) {
    const ona = await ctx.backends.ona();
    const filter: ListAgentExecutionsFilter = compact({
      agentIds: args.agentIds,
      creatorIds: args.creatorIds,
      environmentIds: args.environmentIds,
      projectIds: args.projectIds,
      roles: args.roles,
      statusPhases: args.statusPhases,
      sessionIds: args.sessionIds,
      agentExecutionIds: args.agentExecutionIds,
    });
    // Outside compact(): an empty value ("reviewed": "") is a filter too, not an empty field.
    if (args.annotations) filter.annotations = args.annotations;
    // A filter on exactly one agent, creator, project, environment or session makes that field repeat on every item.
    const single = (ids: string[] | undefined) => (ids?.length === 1 ? ids[0] : undefined);
    const fixed = {
      agentId: single(args.agentIds),
      creatorId: single(args.creatorIds),
      projectId: single(args.projectIds),
      environmentId: single(args.environmentIds),
      sessionId: single(args.sessionIds),
    };
    const max = ctx.config.limits.maxPayloadChars;
    let withoutId = 0;
    const result = await runListCall<AgentExecution, AgentExecutionSummary>(ctx, {
      tool: 'list_agent_executions',
      source: 'Ona ListAgentExecutions',
      args,
      maxPageSize: MAX_PAGE_SIZE,
      fetchPage: async (token, pageSize, signal) => {
        const out = await ona.listAgentExecutions({ filter, pagination: compact({ pageSize, token }) }, signal);
        return { items: out.agentExecutions ?? [], nextToken: out.pagination?.nextToken || undefined };
      },
      keyOf: (e) => e.id ?? '',
      // An execution without an id cannot be fetched or resumed at: skip it rather than fail the page (and say so).
      view: (e) => (e.id ? summaryOf(e, fixed, max) : void (withoutId += 1)),
      line: (s) => summaryLine(s, ctx.fence),
      filtering: args.createdBefore !== undefined,
      // An execution can be deleted (DeleteAgentExecution), and leaves a phase filter as it runs on.
      itemsCanLeave: true,
      // Gitpod's public API pages by offset.
      positionTokens: true,
      window: {
        after: args.createdAfter,
        before: args.createdBefore,
        afterField: 'createdAfter',
        beforeField: 'createdBefore',
        timeOf: (e) => onaTimeMs(e.metadata?.createdAt),
        order: 'newest-first',
      },
    });
    if (withoutId > 0) ctx.note(`${withoutId} agent execution(s) Ona listed without an id were left out: they cannot be fetched or continued from.`);
    const { items, lines, ...paging } = result;
    const hint = continuationHint('list_agent_executions', items.length, paging.stopReason, paging.nextToken, 'agent executions');
    return {
      structured: { agentExecutions: items, ...paging },
      text: [...lines, hint].join('\n'),
    };
  },
});
