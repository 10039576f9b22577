import type { StateMachineListItem } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { pagingInput, pagingOutput } from '../../paging/fields.js';
import { runListCall } from '../../paging/list-call.js';
import type { UnrunnableCheck } from '../../local/engine.js';
import { callSignal } from '../../server/deadline.js';
import { scanCost, textCost } from '../../server/budget.js';
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
    // Said once per listing, on its first call: AWS refuses such definitions when they are created.
    // Found before the walk, so the items are sized with the notes' room kept free.
    const unrunnableNotes = args.startingToken === undefined && sfn.unrunnableDefinitions ? unrunnable(await checkDefinitions(sfn.unrunnableDefinitions, ctx), ctx) : [];
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
      reservedChars: unrunnableNotes.reduce((sum, note) => sum + noteCost(note), 0),
    });
    if (withoutArn > 0) ctx.note(`${withoutArn} state machine(s) the backend listed without a stateMachineArn were left out.`);
    for (const note of unrunnableNotes) ctx.note(note);
    const { items, header, lines, ...paging } = result;
    return {
      structured: { stateMachines: items, ...paging },
      text: [header, ...lines, continuationHint('list_state_machines', items.length, paging.stopReason, paging.nextToken, 'state machines')].filter(Boolean).join('\n'),
    };
  },
});

/** At most this share of the call's time waits for definitions to be validated: the listing is the answer. */
const CHECK_TIME_SHARE = 0.5;

async function checkDefinitions(check: (signal: AbortSignal) => Promise<UnrunnableCheck>, ctx: ToolContext): Promise<UnrunnableCheck> {
  const limit = callSignal(ctx.signal, Math.max(0, (ctx.deadlineAt - Date.now()) * CHECK_TIME_SHARE));
  try {
    return await check(limit.signal);
  } catch {
    // The notes are an extra: a check that fails leaves the listing as it is.
    return { found: [], unchecked: 0 };
  } finally {
    limit.dispose();
  }
}

/** Enough to act on; the server's stderr at start has every definition's full reasons. */
const MAX_NOTED = 10;
/** A reason's cost (budget.ts: a CJK character costs four), cut to this with a mark. */
const MAX_REASON_COST = 500;
/** The notes take at most this share of the response budget, the "more" note included. */
const NOTES_BUDGET_SHARE = 0.25;
/** Room kept for the closing notes (how many more cannot run, how many were not checked). */
const CLOSING_NOTES_CHARS = 300;

/** What a note adds to the answer's text: `Note: ` and the line break before it. */
const noteCost = (note: string): number => textCost(`Note: ${note}`) + 1;

/**
 * The notes on definitions that cannot run, within their share of the budget. Names and reasons
 * come from definition files: fenced like the listing's names.
 */
function unrunnable({ found, unchecked }: UnrunnableCheck, ctx: ToolContext): string[] {
  const room = ctx.config.limits.responseBudgetChars * NOTES_BUDGET_SHARE - CLOSING_NOTES_CHARS;
  const notes: string[] = [];
  let used = 0;
  for (const d of found.slice(0, MAX_NOTED)) {
    // scanCost never ends inside a surrogate pair; the mark's room is taken from a whole character.
    const { length } = scanCost(d.reason, false, MAX_REASON_COST - 4);
    const reason = ctx.fence.inline('reason', length < d.reason.length ? `${d.reason.slice(0, length)}…` : d.reason);
    const name = ctx.fence.inline('name', d.name);
    const note = d.loaded
      ? `local state machine ${name} cannot run, start_execution refuses it: ${reason}. Fix the file and restart the server.`
      : `${ctx.fence.inline('file', d.file)} was not loaded, so no state machine ${name} is listed: ${reason}. Fix the file and restart the server.`;
    if (used + noteCost(note) > room) break;
    used += noteCost(note);
    notes.push(note);
  }
  if (found.length > notes.length) notes.push(`${found.length - notes.length} ${notes.length > 0 ? 'more ' : ''}local definition(s) cannot run; the server's log at start names each.`);
  if (unchecked > 0) {
    notes.push(`${unchecked} local definition(s) were still being validated when this call had to answer, so whether they can run is not known yet; list again without startingToken to see.`);
  }
  return notes;
}
