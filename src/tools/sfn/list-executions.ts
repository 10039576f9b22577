import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { pagingInput, pagingOutput } from '../../paging/fields.js';
import { runListCall } from '../../paging/list-call.js';
import { defineTool } from '../../server/define-tool.js';
import { BackendError, ToolError, withHint } from '../../server/errors.js';
import { PayloadSchema, compact, continuationHint, iso } from '../../server/render.js';
import { unwrapPasted } from '../pasted.js';
import { ERROR_ROOM, MAX_DESCRIBED, addErrors, describeTimeMs, describesAll, endedBadly } from './execution-errors.js';
import { ArnPrefix, EXECUTION_STATUSES, arnField, count, durationText, machineArnOf, parentMachineOf, requireArn, sfnState, shortTime, stateField, text, unqualifiedMachineOf } from './views.js';

const Execution = z.object({
  executionArn: z.string(),
  name: z.string(),
  status: z.string(),
  state: stateField,
  startDate: z.string().optional(),
  stopDate: z.string().optional(),
  stateMachineArn: z.string().optional().describe('Only when it differs from the queried state machine (and, for a queried version or alias, from its unqualified machine); left out for the children of a map run, which all run its machine.'),
  mapRunArn: z.string().optional(),
  itemCount: z.number().int().optional(),
  stateMachineVersionArn: z.string().optional().describe('Left out when it is the queried ARN.'),
  stateMachineAliasArn: z.string().optional().describe('Left out when it is the queried ARN.'),
  redriveCount: z.number().int().optional(),
  redriveDate: z.string().optional(),
  error: z.string().optional().describe('With includeError, for a run that ended badly: its error (from DescribeExecution).'),
  cause: PayloadSchema.optional().describe('With includeError: its cause, cut short (describe_execution shows more).'),
});
type Execution = z.infer<typeof Execution>;

const EXPRESS_HINT =
  'this is an EXPRESS state machine: Step Functions keeps no execution list or history for EXPRESS workflows (they are visible only in CloudWatch Logs when logging is enabled). Use list_state_machines to see each type';

/** Shown bare in advice: only an ARN made of identifier characters. */
const BARE_ARN = /^[\w.:/@+-]{1,512}$/;

/** ResourceNotFound for a stateMachineArn: the version or alias it names does not exist (an unknown machine is StateMachineDoesNotExist). */
function qualifierNotFound(base: string | undefined): string {
  if (!base) return 'the state machine was not found: call list_state_machines to find valid state machine ARNs';
  const unqualified = BARE_ARN.test(base) ? `stateMachineArn=${base}` : 'the state machine ARN without its version or alias suffix';
  return (
    'the state machine version or alias in stateMachineArn was not found (never published, or deleted): list_state_machines shows the state machines; ' +
    `list_executions with ${unqualified} lists the runs of every version and alias`
  );
}

export const listExecutions = defineTool({
  name: 'list_executions',
  title: 'List executions',
  description:
    'List executions of one Step Functions state machine (stateMachineArn) or the child executions of a Distributed Map run (mapRunArn), newest first. ' +
    'Filter by statusFilter (e.g. FAILED) and a time window (startedAfter/startedBefore: ISO-8601 or relative like 2h, 7d). ' +
    'Returns ARN, name, status, start/stop dates; includeError=true adds why each failed run failed (error, cause). Only STANDARD machines keep an execution list. Continue with startingToken=nextToken.',
  toolset: 'stepfunctions',
  operation: 'read',
  inputSchema: z.object({
    stateMachineArn: arnField('ARN of the state machine (or of a version or alias). Give this or mapRunArn, not both.').optional(),
    mapRunArn: z.string().overwrite(unwrapPasted).min(1).max(2000).optional().describe('ARN of a Distributed Map run, to list its child executions. Give this or stateMachineArn.'),
    statusFilter: z.enum(EXECUTION_STATUSES).optional().describe('Only executions with this status. PENDING_REDRIVE needs mapRunArn.'),
    redriveFilter: z.enum(['REDRIVEN', 'NOT_REDRIVEN']).optional().describe('Only executions that were (or were not) redriven.'),
    includeError: z
      .boolean()
      .optional()
      .describe(`Also give the error and cause of each run that failed, timed out or was aborted (one DescribeExecution per run, at most ${MAX_DESCRIBED} per call). For triage: why the recent runs failed, in one call.`),
    startedAfter: z.string().min(1).max(64).optional().describe('Only executions started at or after this time: ISO-8601 or a relative age such as 30m, 2h, 7d.'),
    startedBefore: z.string().min(1).max(64).optional().describe('Only executions started at or before this time: ISO-8601 or a relative age.'),
    ...pagingInput({ defaultMaxItems: 50, maxPageSize: 1000, itemNoun: 'executions' }),
  }),
  outputSchema: z.object({
    executions: z.array(Execution),
    stateMachineArn: z.string().optional().describe("Only when a version or alias ARN was queried: its unqualified state machine, the executions' own stateMachineArn (given here once rather than on each)."),
    ...pagingOutput,
  }),
  errorHints: {
    StateMachineTypeNotSupported: EXPRESS_HINT,
    StateMachineDoesNotExist: 'call list_state_machines to find valid state machine ARNs',
    ResourceNotFound: 'the map run does not exist; map run ARNs appear in MapRunStarted events of get_execution_history',
    InvalidArn: 'call list_state_machines to find valid state machine ARNs',
  },
  async handler(args, ctx) {
    if (!args.stateMachineArn === !args.mapRunArn) {
      throw new ToolError('Give exactly one of stateMachineArn or mapRunArn. Next: call list_state_machines to find a stateMachineArn.');
    }
    if (args.stateMachineArn) requireArn('stateMachineArn', args.stateMachineArn, 'stateMachine');
    // The ARN a Map Run's child shows as its machine's, which ListExecutions refuses (API_DOES_NOT_SUPPORT_LABELED_ARNS).
    const parent = args.stateMachineArn && parentMachineOf(args.stateMachineArn);
    if (parent) {
      throw new ToolError(
        `stateMachineArn names a Distributed Map state after a "/" (the labelled ARN describe_execution shows for a Map Run's child), which ListExecutions does not take. ` +
          `Next: list_executions with mapRunArn lists a Map Run's children (describe_execution of a child shows its mapRunArn, and so does the MapRunStarted event in get_execution_history of the parent execution); ` +
          `list_executions with stateMachineArn=${parent} lists the parent executions.`,
      );
    }
    if (args.mapRunArn) requireArn('mapRunArn', args.mapRunArn, 'mapRun');
    if (args.statusFilter === 'PENDING_REDRIVE' && !args.mapRunArn) {
      throw new ToolError('statusFilter PENDING_REDRIVE works only with mapRunArn (child executions of a map run).');
    }
    const sfn = await ctx.backends.sfn();
    const queriedMachine = args.stateMachineArn;
    // Runs of a queried version or alias carry it as their version or alias ARN, and the unqualified machine as theirs.
    const baseMachine = queriedMachine && unqualifiedMachineOf(queriedMachine);
    let ranBase = false;
    const notQueried = (arn: unknown) => (arn === queriedMachine ? undefined : text(arn));
    // An item's own machine, left out where it repeats the query: a queried version's or alias's machine is given once, at the top.
    const ownMachine = (arn: unknown): string | undefined => {
      if (args.mapRunArn) return undefined;
      if (baseMachine && arn === baseMachine) {
        ranBase = true;
        return undefined;
      }
      return notQueried(arn);
    };
    // Runs of different versions or aliases, or children with different item counts, read alike
    // without these: a version or alias of the run's own machine by its suffix (as the history shows them).
    const marks = (e: Execution): string => {
      if (!e.stateMachineVersionArn && !e.stateMachineAliasArn && e.itemCount === undefined) return '';
      const own = `${machineArnOf(e.executionArn)}:`;
      const ofMachine = (label: string, arn: string | undefined) =>
        ctx.fence.field(label, arn?.startsWith(own) && arn.length > own.length ? arn.slice(own.length) : arn);
      const shown = [ofMachine('version', e.stateMachineVersionArn), ofMachine('alias', e.stateMachineAliasArn), e.itemCount === undefined ? '' : `items=${e.itemCount}`];
      return ` ${shown.filter(Boolean).join(' ')}`;
    };
    let withoutArn = 0;
    const arns = new ArnPrefix('executionArn');
    // Each line's ARN as shown (empty when left out): includeError puts a run's error and cause before it, so that a line's ARN stays last.
    const arnShown = new Map<Execution, string>();
    const maxItems = describesAll(args) ? Math.min(args.maxItems, MAX_DESCRIBED) : args.maxItems;
    // The descriptions come after the listing: it leaves them some of the call's time.
    const listCtx = args.includeError ? { ...ctx, deadlineAt: ctx.deadlineAt - describeTimeMs(ctx.config.limits.callDeadlineMs) } : ctx;
    const result = await runListCall<ExecutionListItem, Execution>(listCtx, {
      tool: 'list_executions',
      source: 'Step Functions ListExecutions',
      args: { ...args, maxItems },
      maxPageSize: 1000,
      fetchPage: async (nextToken, maxResults, signal) => {
        const out = await sfn.listExecutions(
          {
            stateMachineArn: args.stateMachineArn,
            mapRunArn: args.mapRunArn,
            statusFilter: args.statusFilter,
            redriveFilter: args.redriveFilter,
            maxResults,
            nextToken,
          },
          signal,
        ).catch((err: unknown) => {
          // Some endpoints refuse an EXPRESS machine with a ValidationException that names the type.
          if (err instanceof BackendError && err.code === 'ValidationException' && /express/i.test(err.message) && err.details.hint === undefined) {
            throw withHint(err, EXPRESS_HINT);
          }
          // Asked by state machine, ResourceNotFound is about its version or alias (the per-tool hint is the map run's).
          if (err instanceof BackendError && err.code === 'ResourceNotFound' && args.stateMachineArn && err.details.hint === undefined) {
            throw withHint(err, qualifierNotFound(baseMachine));
          }
          throw err;
        });
        return { items: out.executions ?? [], nextToken: out.nextToken };
      },
      keyOf: (e) => e.executionArn ?? '',
      // An item without its ARN cannot be described or resumed at: skip it rather than fail the page (and say so).
      view: (e) =>
        typeof e.executionArn !== 'string' || e.executionArn === '' ? void (withoutArn += 1) : compact({
          executionArn: e.executionArn,
          name: text(e.name) ?? e.executionArn.split(':').pop() ?? e.executionArn,
          status: text(e.status) ?? 'UNKNOWN',
          state: sfnState(text(e.status)),
          startDate: iso(e.startDate),
          stopDate: iso(e.stopDate),
          // Leave out what repeats the query.
          stateMachineArn: ownMachine(e.stateMachineArn),
          mapRunArn: e.mapRunArn === args.mapRunArn ? undefined : text(e.mapRunArn),
          itemCount: count(e.itemCount),
          stateMachineVersionArn: notQueried(e.stateMachineVersionArn),
          stateMachineAliasArn: notQueried(e.stateMachineAliasArn),
          redriveCount: count(e.redriveCount) || undefined,
          redriveDate: iso(e.redriveDate),
        }),
      line: (e, raw) => {
        const took = durationText(raw.startDate, raw.stopDate);
        const redriven = e.redriveCount ? ` redriven×${e.redriveCount}` : '';
        // Names and ARNs are shown bare only when they look like identifiers (fenced otherwise).
        const arn = arns.omits(e.executionArn, e.name) ? '' : `  ${ctx.fence.inline('executionArn', e.executionArn)}`;
        if (args.includeError) arnShown.set(e, arn);
        return `${ctx.fence.inline('name', e.name)}  ${ctx.fence.inline('status', e.status)}  ${shortTime(e.startDate) || 'start unknown'}${took ? ` (${took})` : ''}${redriven}${marks(e)}${arn}`;
      },
      header: (items) => arns.header(items, (e) => e.executionArn, (e) => e.name),
      // The error and cause are read after the walk: their room is kept as each such run is sized.
      ...(args.includeError ? { growth: (e: Execution) => (endedBadly(e) ? ERROR_ROOM : 0) } : {}),
      filtering: args.startedBefore !== undefined,
      // An execution leaves a status filter when it ends, and a redrive filter when redriven.
      itemsCanLeave: args.statusFilter !== undefined || args.redriveFilter !== undefined,
      window: {
        after: args.startedAfter,
        before: args.startedBefore,
        afterField: 'startedAfter',
        beforeField: 'startedBefore',
        timeOf: (e) => (e.startDate ? e.startDate.getTime() : undefined),
        order: 'newest-first',
      },
    });
    if (withoutArn > 0) ctx.note(`${withoutArn} execution(s) the backend listed without an executionArn were left out: they cannot be described or continued from.`);
    const { items, header, lines: listed, ...paging } = result;
    let lines = listed;
    if (args.includeError) {
      const added = await addErrors(items, sfn, ctx);
      lines = listed.map((line, i) => {
        const arn = arnShown.get(items[i] as Execution) ?? '';
        return added[i] ? `${line.slice(0, line.length - arn.length)}${added[i]}${arn}` : line;
      });
      if (maxItems < args.maxItems && items.length === maxItems && paging.nextToken) {
        ctx.note(`includeError describes at most ${MAX_DESCRIBED} runs per call, so this call returned ${MAX_DESCRIBED} (maxItems ${args.maxItems}); nextToken goes on.`);
      }
    }
    return {
      structured: { executions: items, ...(ranBase && baseMachine ? { stateMachineArn: baseMachine } : {}), ...paging },
      text: [header, ...lines, continuationHint('list_executions', items.length, paging.stopReason, paging.nextToken, 'executions')]
        .filter(Boolean)
        .join('\n'),
    };
  },
});
