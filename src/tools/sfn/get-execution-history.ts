import type { HistoryEvent } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { pagingInput, pagingOutput } from '../../paging/fields.js';
import { runListCall } from '../../paging/list-call.js';
import { defineTool } from '../../server/define-tool.js';
import { continuationHint } from '../../server/render.js';
import { HISTORY_EVENT_TYPES, HistoryEventView, isFailureEvent, viewEvent } from './history-events.js';
import { StateNameIndex } from './state-names.js';
import { arnField, requireArn, shortTime } from './views.js';

export const getExecutionHistory = defineTool({
  name: 'get_execution_history',
  title: 'Get execution history',
  description:
    'Read the event history of one Step Functions execution, oldest first (reverseOrder=true for newest first). ' +
    'Narrow it with failuresOnly, stateName or eventTypes: filters apply while paging, so a long history is scanned without flooding the answer. ' +
    'Each event: id, previousEventId, type, timestamp, state name, and error/cause/resource; inputs and outputs (cut, untrusted) unless includeExecutionData=false. ' +
    'To find why an execution failed: failuresOnly=true, reverseOrder=true. Continue with startingToken=nextToken.',
  toolset: 'stepfunctions',
  operation: 'read',
  inputSchema: z.object({
    executionArn: arnField('ARN of the execution (from list_executions).'),
    reverseOrder: z.boolean().default(false).describe('true lists newest events first.'),
    includeExecutionData: z.boolean().default(true).describe('false leaves out inputs, outputs and task parameters.'),
    failuresOnly: z.boolean().default(false).describe('Only events that report a failure, timeout or abort (TaskFailed, ExecutionFailed, FailStateEntered, ...).'),
    stateName: z.string().min(1).max(80).optional().describe('Only events of this state (StateEntered/Exited and the Task/Map events linked to it).'),
    eventTypes: z.array(z.enum(HISTORY_EVENT_TYPES)).min(1).max(HISTORY_EVENT_TYPES.length).optional().describe('Only these event types.'),
    ...pagingInput({ defaultMaxItems: 100, maxPageSize: 1000, itemNoun: 'events' }),
  }),
  outputSchema: z.object({
    events: z.array(HistoryEventView),
    ...pagingOutput,
  }),
  errorHints: {
    ExecutionDoesNotExist: 'call list_executions with the stateMachineArn to find existing executions (EXPRESS executions have no history)',
    InvalidArn: 'call list_executions to find valid execution ARNs',
  },
  async handler(args, ctx) {
    requireArn('executionArn', args.executionArn, 'execution');
    const sfn = await ctx.backends.sfn();
    const names = new StateNameIndex();
    const types = args.eventTypes ? new Set<string>(args.eventTypes) : undefined;
    const max = ctx.config.limits.maxPayloadChars;
    const result = await runListCall<HistoryEvent, HistoryEventView>(ctx, {
      tool: 'get_execution_history',
      source: 'Step Functions GetExecutionHistory',
      args,
      maxPageSize: 1000,
      filtering: args.failuresOnly || args.stateName !== undefined || args.eventTypes !== undefined,
      fetchPage: async (nextToken, maxResults, signal) => {
        const out = await sfn.getExecutionHistory(
          {
            executionArn: args.executionArn,
            reverseOrder: args.reverseOrder,
            includeExecutionData: args.includeExecutionData,
            maxResults,
            nextToken,
          },
          signal,
        );
        return { items: out.events ?? [], nextToken: out.nextToken };
      },
      observePage: (events) => names.observe(events),
      carry: names,
      keyOf: (e) => String(e.id ?? ''),
      view: (e) => {
        const type = e.type ?? '';
        if (types && !types.has(type)) return undefined;
        if (args.failuresOnly && !isFailureEvent(type)) return undefined;
        const stateName = names.nameOf(e);
        if (args.stateName && stateName !== args.stateName) return undefined;
        return viewEvent(e, stateName, max, args.includeExecutionData);
      },
      line: (v) =>
        [
          `#${v.id}${v.previousEventId ? ` ←${v.previousEventId}` : ''} ${v.type}`,
          v.stateName ? `[${v.stateName}]` : '',
          shortTime(v.timestamp),
          v.index !== undefined ? `index=${v.index}` : '',
          v.length !== undefined ? `length=${v.length}` : '',
          v.resource ? `resource=${v.resourceType ? `${v.resourceType}:` : ''}${v.resource}` : '',
          v.mapRunArn ? `mapRunArn=${v.mapRunArn}` : '',
          ctx.fence.field('error', v.error),
          ctx.fence.wrap(v.cause, 'cause'),
          ctx.fence.wrap(v.parameters, 'parameters'),
          ctx.fence.wrap(v.input, 'input'),
          ctx.fence.wrap(v.output, 'output'),
        ]
          .filter(Boolean)
          .join(' '),
    });
    const { items, lines, fitsBudget, ...paging } = result;
    return {
      structured: { events: items, ...paging },
      fitsBudget,
      text: [...collapseRuns(items, lines), continuationHint('get_execution_history', items.length, paging.stopReason, paging.nextToken, 'events')].join('\n'),
    };
  },
});

/**
 * Three or more consecutive events of the same type and state without payloads (e.g. the aborted
 * siblings of a failed Map item) read as one line in the text; structuredContent keeps them all.
 */
function collapseRuns(items: HistoryEventView[], lines: string[]): string[] {
  const out: string[] = [];
  const plain = (v: HistoryEventView) => !v.cause && !v.input && !v.output && !v.parameters && !v.error;
  for (let i = 0; i < items.length; ) {
    const first = items[i] as HistoryEventView;
    let j = i + 1;
    while (j < items.length && plain(first) && plain(items[j] as HistoryEventView) && items[j]?.type === first.type && items[j]?.stateName === first.stateName) j += 1;
    if (j - i >= 3) {
      const last = items[j - 1] as HistoryEventView;
      out.push(`#${first.id}…#${last.id} ${first.type}${first.stateName ? ` [${first.stateName}]` : ''} ×${j - i}, ${shortTime(first.timestamp)} to ${shortTime(last.timestamp)}`);
    } else {
      out.push(...lines.slice(i, j));
    }
    i = j;
  }
  return out;
}
