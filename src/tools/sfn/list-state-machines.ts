import type { StateMachineListItem } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { pagingInput, pagingOutput } from '../../paging/fields.js';
import { runListCall } from '../../paging/list-call.js';
import type { UnrunnableDefinition } from '../../local/engine.js';
import { untilAborted } from '../../server/deadline.js';
import { defineTool, type ToolContext } from '../../server/define-tool.js';
import { compact, continuationHint, iso } from '../../server/render.js';
import { ArnPrefix, shortTime, text } from './views.js';

const StateMachine = z.object({
  stateMachineArn: z.string(),
  name: z.string(),
  type: z.string().describe('STANDARD or EXPRESS. EXPRESS machines have no execution list or history in Step Functions.'),
  creationDate: z.string().optional(),
});
type StateMachine = z.infer<typeof StateMachine>;

export const listStateMachines = defineTool({
  name: 'list_state_machines',
  title: 'List state machines',
  description:
    'List the Step Functions state machines in the account and region: name, ARN, type (STANDARD or EXPRESS) and creation date. ' +
    'Start here to find the stateMachineArn that list_executions and start_execution need. Continue with startingToken=nextToken.',
  toolset: 'stepfunctions',
  operation: 'read',
  inputSchema: z.object({
    ...pagingInput({ defaultMaxItems: 100, maxPageSize: 1000, itemNoun: 'state machines' }),
  }),
  outputSchema: z.object({
    stateMachines: z.array(StateMachine),
    ...pagingOutput,
  }),
  async handler(args, ctx) {
    const sfn = await ctx.backends.sfn();
    let withoutArn = 0;
    const arns = new ArnPrefix('stateMachineArn');
    const result = await runListCall<StateMachineListItem, StateMachine>(ctx, {
      tool: 'list_state_machines',
      source: 'Step Functions ListStateMachines',
      args,
      maxPageSize: 1000,
      fetchPage: async (nextToken, maxResults, signal) => {
        const out = await sfn.listStateMachines({ nextToken, maxResults }, signal);
        return { items: out.stateMachines ?? [], nextToken: out.nextToken };
      },
      keyOf: (m) => m.stateMachineArn ?? '',
      view: (m) =>
        typeof m.stateMachineArn === 'string' && m.stateMachineArn !== ''
          ? compact({ stateMachineArn: m.stateMachineArn, name: text(m.name) ?? m.stateMachineArn.split(':').pop() ?? '', type: text(m.type) ?? 'UNKNOWN', creationDate: iso(m.creationDate) })
          : void (withoutArn += 1),
      // Names and ARNs are shown bare only when they look like identifiers (fenced otherwise).
      line: (m) =>
        `${ctx.fence.inline('name', m.name)}  ${ctx.fence.inline('type', m.type)}${m.creationDate ? `  created ${shortTime(m.creationDate)}` : ''}${arns.omits(m.stateMachineArn, m.name) ? '' : `  ${ctx.fence.inline('stateMachineArn', m.stateMachineArn)}`}`,
      header: (items) => arns.header(items, (m) => m.stateMachineArn, (m) => m.name),
    });
    if (withoutArn > 0) ctx.note(`${withoutArn} state machine(s) the backend listed without a stateMachineArn were left out.`);
    // Said once per listing, on its first call: AWS refuses such definitions when they are created.
    if (args.startingToken === undefined && sfn.unrunnableDefinitions) {
      // Bounded by the call: the listing is the answer, the notes an extra.
      const found = await untilAborted(sfn.unrunnableDefinitions(), ctx.signal).catch(() => []);
      noteUnrunnable(found, ctx);
    }
    const { items, header, lines, ...paging } = result;
    return {
      structured: { stateMachines: items, ...paging },
      text: [header, ...lines, continuationHint('list_state_machines', items.length, paging.stopReason, paging.nextToken, 'state machines')].filter(Boolean).join('\n'),
    };
  },
});

/** Enough to act on; the server's stderr at start has every definition's full reasons. */
const MAX_NOTED = 10;
const MAX_REASON_CHARS = 400;

/** Names and reasons come from definition files: fenced like the listing's names. */
function noteUnrunnable(found: UnrunnableDefinition[], ctx: ToolContext): void {
  for (const d of found.slice(0, MAX_NOTED)) {
    const reason = ctx.fence.inline('reason', d.reason.length > MAX_REASON_CHARS ? `${d.reason.slice(0, MAX_REASON_CHARS - 1)}…` : d.reason);
    const name = ctx.fence.inline('name', d.name);
    ctx.note(
      d.loaded
        ? `local state machine ${name} cannot run, start_execution refuses it: ${reason}. Fix the file and restart the server.`
        : `${ctx.fence.inline('file', d.file)} was not loaded, so no state machine ${name} is listed: ${reason}. Fix the file and restart the server.`,
    );
  }
  if (found.length > MAX_NOTED) ctx.note(`${found.length - MAX_NOTED} more local definition(s) cannot run; the server's log at start names each.`);
}
