import type { HistoryEvent } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { pagingInput, pagingOutput } from '../../paging/fields.js';
import { carryAll } from '../../paging/engine.js';
import { runListCall } from '../../paging/list-call.js';
import { callSignal } from '../../server/deadline.js';
import { defineTool, type ToolContext } from '../../server/define-tool.js';
import type { SfnBackend } from '../../backends/sfn/client.js';
import { continuationHint, exactLine, oneLine, payload, type Payload } from '../../server/render.js';
import { HISTORY_EVENT_TYPES, HistoryEventView, collapseRuns, isFailureEvent, isPlainStateName, isRedriveEvent, isStateAbort, shownStateName, viewEvent } from './history-events.js';
import { FailureOutcomes, type Unmarked } from './failure-outcomes.js';
import { FailureAborts } from './failure-aborts.js';
import { StateNameIndex } from './state-names.js';
import { arnField, expressRefusal, kmsRefusal, machineArnOf, maxPayloadCharsField, morePayloadHint, payloadCut, requireArn } from './views.js';

/** Answers left empty by the read-ahead (see the handler) a call goes on from before it answers. */
const EMPTY_ANSWERS_CONTINUED = 5;
/** Empty pages with a token a read-ahead follows on top of the pages it reads. */
const EMPTY_PAGES_FOLLOWED = 25;

/** JSON and text an outcome learnt after sizing adds: ',"outcome":"redriven"' and the longest text mark. */
const OUTCOME_GROWTH = 72;
/**
 * JSON and text a state name learnt after sizing adds: ',"stateName":"…"' with 81 characters of at
 * most 2 units (a quote escaped, an emoji), and the name fenced in the text line.
 */
const NAME_GROWTH = 420;
/** Oldest first, what one more page may settle: nothing after the failure read, or its state aborted by a cause not read yet. */
const UNSETTLED_OLDEST_FIRST = new Set<Unmarked>(['notRead', 'aborted']);
/** Payloads shorter than this are shown again rather than pointed back to ("cause: same as #12 cause" is 25 characters). */
const REPEAT_WORTH_CHARS = 100;
/** A text line that shows a payload (the only lines a repeat can shorten). */
const PAYLOAD_LABEL = /(cause|parameters|input|output|assignedVariables)( \([^)]*\))?: <untrusted-data-/;
/** Ends of a run whose line says the state it ended in (after [State]). */
const RUN_ENDS = new Set(['ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);
/** Events after which an execution's history grows no more (until a redrive). */
const RUN_ENDED = new Set([...RUN_ENDS, 'ExecutionSucceeded']);
/**
 * A Fail state entered in a Map item or Parallel branch aborted next (by another failure that came
 * first, or by a stop or timeout not read yet): the item or branch was, not the state.
 */
const FAIL_STATE_ABORTED = '(then its item or branch was aborted)';
/** Text marks of failures without an outcome whose fate is not known (a failure with none ended its run). */
const UNMARKED_TEXT: Record<Unmarked, string> = {
  ended: '',
  stopped: '(then the run was stopped)',
  timedOut: '(then the run timed out)',
  aborted: '(then its state was aborted)',
  notRead: '(what followed not read yet)',
  running: '(still running: what follows is not known yet)',
  notCarried: '(outcome not carried this far: read oldest first to see it)',
};

const inputSchema = z.object({
  executionArn: arnField('ARN of the execution (from list_executions).'),
  reverseOrder: z.boolean().default(false).describe('true lists newest events first.'),
  includeExecutionData: z.boolean().default(true).describe('false leaves out inputs, outputs, task parameters and assigned variables.'),
  failuresOnly: z
    .boolean()
    .default(false)
    .describe(
      'Only events that report a failure, timeout or abort (TaskFailed, ExecutionFailed, FailStateEntered, ...), and ExecutionRedriven/MapRunRedriven. The aborts of states stopped because something else failed (a failed Map item\'s siblings, a Parallel\'s other branches) are left out, as are MapIteration* events other than MapIterationFailed (eventTypes without failuresOnly shows them). With eventTypes or stateName too, an event must pass every filter given.',
    ),
  stateName: z
    .string()
    .min(1)
    .max(80)
    .optional()
    .describe('Only events of this state (StateEntered/Exited and the Task/Map events linked to it); an event whose state is not known is kept, marked "[state not known]".'),
  eventTypes: z.array(z.enum(HISTORY_EVENT_TYPES)).min(1).max(HISTORY_EVENT_TYPES.length).optional().describe('Only these event types. With failuresOnly or stateName too, an event must pass every filter given: failuresOnly leaves out the types that are not failures.'),
  maxPayloadChars: maxPayloadCharsField,
  ...pagingInput({ defaultMaxItems: 100, maxPageSize: 1000, itemNoun: 'events' }),
});

const outputSchema = z.object({
  events: z.array(HistoryEventView),
  ...pagingOutput,
});

type HistoryArgs = z.output<typeof inputSchema>;
type HistoryOutput = z.input<typeof outputSchema>;

export const getExecutionHistory = defineTool({
  name: 'get_execution_history',
  title: 'Get execution history',
  description:
    'Read the event history of one Step Functions execution, oldest first (reverseOrder=true for newest first). ' +
    'Narrow it with failuresOnly, stateName or eventTypes (an event must pass every filter given): they apply while paging, so a long history never floods the answer. ' +
    'Each event: id, previousEventId, type, timestamp, state name, and error/cause/resource; inputs, outputs and assigned variables (cut, untrusted) unless includeExecutionData=false. ' +
    'To find why an execution failed: failuresOnly=true, reverseOrder=true; a failure marked retried or caught was handled (redriven: its run was redriven later), the one without a mark ended the run. Continue with startingToken=nextToken.',
  toolset: 'stepfunctions',
  operation: 'read',
  inputSchema,
  outputSchema,
  errorHints: {
    ExecutionDoesNotExist: 'call list_executions with the stateMachineArn to find existing executions (EXPRESS executions have no history)',
    InvalidArn: 'call list_executions to find valid execution ARNs',
  },
  async handler(args, ctx) {
    requireArn('executionArn', args.executionArn, 'execution');
    const sfn = await ctx.backends.sfn();
    const call: CallSoFar = { opening: args.startingToken === undefined, requestsSent: 0, failureTypesSeen: new Map(), oldestFirstNoted: false };
    let read = await readHistory(args, ctx, sfn, call);
    let pagesWalked = read.output.structured.pagesFetched;
    // Events kept while their state (or their stretch of aborts) was still undecided count against
    // maxItems and may all be left out once the read-ahead decides them: an answer with no event
    // that says maxItems was reached would cost the caller a call for nothing. It goes on from its
    // own token, as the caller would (the token carries everything read so far).
    for (let more = 0; more < EMPTY_ANSWERS_CONTINUED && read.undecidedLeftOut > 0 && read.output.structured.events.length === 0; more += 1) {
      const { stopReason, nextToken, itemsScanned } = read.output.structured;
      if (stopReason !== 'maxItems' || nextToken === undefined || ctx.deadlineAt - Date.now() < 2000 || ctx.signal.aborted) break;
      const next = await readHistory({ ...args, startingToken: nextToken }, ctx, sfn, call).catch(() => undefined);
      if (!next) break;
      pagesWalked += next.output.structured.pagesFetched;
      next.output.structured.itemsScanned += itemsScanned;
      read = next;
    }
    // What the call cost: the engine counts only the pages it was handed, not read-aheads (nor a follow-up that failed).
    read.output.structured.pagesFetched = Math.max(pagesWalked, call.requestsSent);
    return read.output;
  },
});

/** What every walk of one call shares (the handler may walk again from its own token). */
interface CallSoFar {
  /** The caller's walk began in this call: only then can an answer say what a filter matched nowhere. */
  opening: boolean;
  /** GetExecutionHistory requests sent: read-aheads and look-aheads too, which the paging engine does not see. */
  requestsSent: number;
  /** Failure events of each type read: what to point at when eventTypes matched nothing. */
  failureTypesSeen: Map<string, number>;
  oldestFirstNoted: boolean;
}

/**
 * One walk of the history from args.startingToken, and how many events it kept while undecided and
 * left out after the read-ahead decided them. Its pagesFetched is the engine's count.
 */
async function readHistory(
  args: HistoryArgs,
  ctx: ToolContext,
  sfn: SfnBackend,
  call: CallSoFar,
): Promise<{ output: { structured: HistoryOutput & { pagesFetched: number; itemsScanned: number }; text: string }; undecidedLeftOut: number }> {
  const names = new StateNameIndex(args.reverseOrder);
  const outcomes = new FailureOutcomes(args.reverseOrder);
  const failureAborts = new FailureAborts(args.reverseOrder);
  const types = args.eventTypes ? new Set<string>(args.eventTypes) : undefined;
  const cut = payloadCut(args.maxPayloadChars, ctx.config.limits);
  const max = cut.max;
  /**
   * Up to `pages` 1000-event pages from `token` on, observed only (same query: backend tokens are
   * bound to it); stops early when `done`; a failure here never fails the call. Empty pages that
   * carry a token do not count (a backend may send several), up to EMPTY_PAGES_FOLLOWED of them.
   */
  const readAhead = async (start: string | undefined, pages: number, observe: (events: HistoryEvent[], last: boolean) => void, done: () => boolean): Promise<void> => {
    let token = start;
    for (let read = 0, empty = 0; read < pages && empty < EMPTY_PAGES_FOLLOWED && ctx.deadlineAt - Date.now() > 2000; ) {
      const limit = callSignal(ctx.signal, ctx.deadlineAt - Date.now() - 1000);
      try {
        call.requestsSent += 1;
        const out = await sfn.getExecutionHistory({ executionArn: args.executionArn, reverseOrder: args.reverseOrder, includeExecutionData: args.includeExecutionData, maxResults: 1000, nextToken: token }, limit.signal);
        token = out.nextToken;
        const events = out.events ?? [];
        if (events.length > 0) read += 1;
        else empty += 1;
        observe(events, !token);
      } catch {
        return;
      } finally {
        limit.dispose();
      }
      if (!token || done()) return;
    }
  };
  let readEnd: string | undefined;
  /** The last event of the pages walked, and whether it is the history's last (no page after it). */
  let lastRead: { id: number | undefined; type: string | undefined; atEnd: boolean } | undefined;
  const { opening, failureTypesSeen } = call;
  /** reverseOrder asked, yet a page came oldest first: the backend ignores reverseOrder (some emulators do). */
  let oldestFirstAnyway = false;
  /** Pages read ahead while collecting, by page size and token, handed to the engine when it gets there. */
  const prefetched = new Map<string, { items: HistoryEvent[]; nextToken?: string | undefined }>();
  // A failure without an outcome whose next event was not read (or had not happened) may still be
  // handled: say so, or it would read as the failure that ended the run.
  // An aborted state is never retried or caught: nothing is waited for after it.
  const unmarkedText = (v: HistoryEventView): string => {
    if (!isFailureEvent(v.type) || isStateAbort(v.type)) return '';
    const reason = outcomes.unmarked(v.id);
    // A Fail state ends its item or branch as it is entered: nothing of it waited to be aborted.
    return reason === 'aborted' && v.type === 'FailStateEntered' ? FAIL_STATE_ABORTED : UNMARKED_TEXT[reason];
  };
  const markOf = (v: HistoryEventView): string => (v.outcome ? `(${v.outcome})` : unmarkedText(v));
  // A plain name shows bare in brackets, exactly (so it works as the stateName filter); any other is fenced.
  const stateLabel = (name: string | undefined): string =>
    name === undefined ? '' : isPlainStateName(name) ? `[${exactLine(name)}]` : ctx.fence.wrap(payload(name, 512), 'state');
  const heading = (v: HistoryEventView): string => [ctx.fence.inline('type', v.type), stateLabel(v.stateName)].filter(Boolean).join(' ');
  // Step Functions cuts payloads over its history limit itself; that cut is said, not left to look whole.
  const dataText = (data: Payload | undefined, details: { truncated: true } | undefined, label: string, v: HistoryEventView, seen?: Map<string, string>): string =>
    !details ? once(data, label, v, seen) : data ? ctx.fence.wrap(data, `${label} (cut by Step Functions)`) : `${label}: cut by Step Functions, not shown`;
  // A retried failure's cause, or an item's data passed from state to state, often repeats word for
  // word: the answer's text shows it once and points back to it (structuredContent keeps each).
  const once = (data: Payload | undefined, label: string, v: HistoryEventView, seen?: Map<string, string>): string => {
    // Only whole payloads: two cut ones may differ beyond the cut.
    if (!data || !seen || data.truncated || data.untrustedData.length < REPEAT_WORTH_CHARS) return ctx.fence.wrap(data, label);
    const key = data.untrustedData;
    const first = seen.get(key);
    if (first !== undefined) return `${label}: same as ${first}`;
    seen.set(key, `#${v.id} ${label}`);
    return ctx.fence.wrap(data, label);
  };
  // A task runs in the execution's region unless its resource says otherwise: only another region is worth a word.
  const executionRegion = args.executionArn.split(':')[3];
  // A version or alias of the execution's own state machine shows as its suffix (":3", ":prod"); another whole.
  const machinePrefix = `${machineArnOf(args.executionArn)}:`;
  const ofMachine = (label: string, short: string, arn: string | undefined): string =>
    arn?.startsWith(machinePrefix) && arn.length > machinePrefix.length ? ctx.fence.field(short, arn.slice(machinePrefix.length)) : ctx.fence.field(label, arn);
  // The run's end names no state, yet the state it ended in is what a triage is after.
  const endedIn = (v: HistoryEventView): string => {
    if (!RUN_ENDS.has(v.type)) return '';
    const state = names.stateOfEvent(v.previousEventId);
    return state === undefined ? '' : `after ${stateLabel(shownStateName(state))}`;
  };
  const lineOf = (v: HistoryEventView, seen?: Map<string, string>): string =>
    [
      `#${v.id}${v.previousEventId ? ` ←${v.previousEventId}` : ''} ${heading(v)}`,
      endedIn(v),
      v.stateName === undefined && args.stateName ? '[state not known]' : '',
      // Milliseconds kept: events of a fast run often share one second.
      v.timestamp ?? '',
      markOf(v),
      v.index !== undefined ? `index=${v.index}` : '',
      v.length !== undefined ? `length=${v.length}` : '',
      v.timeoutInSeconds !== undefined ? `timeoutInSeconds=${v.timeoutInSeconds}` : '',
      v.heartbeatInSeconds !== undefined ? `heartbeatInSeconds=${v.heartbeatInSeconds}` : '',
      v.redriveCount !== undefined ? `redriveCount=${v.redriveCount}` : '',
      ofMachine('stateMachineVersionArn', 'version', v.stateMachineVersionArn),
      ofMachine('stateMachineAliasArn', 'alias', v.stateMachineAliasArn),
      ctx.fence.field('roleArn', v.roleArn),
      ctx.fence.field('workerName', v.workerName),
      v.region !== executionRegion ? ctx.fence.field('region', v.region) : '',
      ctx.fence.field('taskRoleArn', v.taskRoleArn),
      ctx.fence.field('resource', v.resource ? oneLine(`${v.resourceType ? `${v.resourceType}:` : ''}${v.resource}`, 256) : undefined),
      ctx.fence.field('mapRunArn', v.mapRunArn),
      ctx.fence.field('error', v.error),
      ctx.fence.field('location', v.location),
      once(v.cause, 'cause', v, seen),
      once(v.parameters, 'parameters', v, seen),
      dataText(v.input, v.inputDetails, 'input', v, seen),
      dataText(v.output, v.outputDetails, 'output', v, seen),
      dataText(v.assignedVariables, v.assignedVariablesDetails, 'assignedVariables', v, seen),
    ]
      .filter(Boolean)
      .join(' ');
  const result = await runListCall<HistoryEvent, HistoryEventView>(ctx, {
    tool: 'get_execution_history',
    source: 'Step Functions GetExecutionHistory',
    args,
    maxPageSize: 1000,
    filtering: args.failuresOnly || args.stateName !== undefined || args.eventTypes !== undefined,
    // These filters are decided after the walk for some events (a state named later, a stretch of aborts).
    partialOnFault: !args.failuresOnly && args.stateName === undefined,
    // Newest first, events arriving while a running execution is read shift position tokens; ids only grow.
    recencyOf: args.reverseOrder ? (event) => event.id : undefined,
    fetchPage: async (nextToken, maxResults, signal) => {
      const pageKey = (token: string | undefined) => `${maxResults}|${token ?? ''}`;
      const fetch = async (token: string | undefined) => {
        const cached = prefetched.get(pageKey(token));
        if (cached) return cached;
        call.requestsSent += 1;
        const out = await sfn
          .getExecutionHistory(
            { executionArn: args.executionArn, reverseOrder: args.reverseOrder, includeExecutionData: args.includeExecutionData, maxResults, nextToken: token },
            signal,
          )
          .catch((err: unknown) => {
            const refusal = expressRefusal(err, args.executionArn, 'no event history');
            throw kmsRefusal(refusal, args.includeExecutionData ? 'get_execution_history with includeExecutionData=false reads its events without their inputs and outputs' : undefined);
          });
        return { items: out.events ?? [], nextToken: out.nextToken };
      };
      const page = await fetch(nextToken);
      if (args.reverseOrder && risesInId(page.items)) oldestFirstAnyway = true;
      // Oldest first, what ends a stretch of aborts (a failure's or a stop's) comes after it: read
      // on until it does (3 pages at most) before the engine decides the stretch's events.
      if (args.failuresOnly && !args.reverseOrder) {
        failureAborts.observe(page.items);
        let ahead = page;
        for (let more = 0; more < 3 && ahead.nextToken && failureAborts.endsInsideStretch(ahead.items); more += 1) {
          const token = ahead.nextToken;
          // A failure here leaves the stretch to its item failure, if any; the engine meets it again.
          const next = await fetch(token).catch(() => undefined);
          if (!next) break;
          prefetched.set(pageKey(token), next);
          failureAborts.observe(next.items);
          ahead = next;
        }
      }
      return page;
    },
    observePage: ({ items: events, nextToken }) => {
      for (const e of events) if (e.type && isFailureEvent(e.type)) failureTypesSeen.set(e.type, (failureTypesSeen.get(e.type) ?? 0) + 1);
      // Where the pages read so far end: a read-ahead after the walk starts there.
      readEnd = nextToken;
      const last = events[events.length - 1];
      if (last) lastRead = { id: last.id, type: last.type, atEnd: false };
      if (lastRead && !nextToken) lastRead.atEnd = true;
      names.observe(events);
      outcomes.observe(events);
      if (!nextToken) outcomes.reachedEnd();
      failureAborts.observe(events);
    },
    carry: carryAll({ s: names, f: outcomes, a: failureAborts }),
    keyOf: (e) => String(e.id ?? ''),
    view: (e) => {
      const type = e.type ?? '';
      if (types && !types.has(type)) return undefined;
      // A redrive stays beside the failures: it explains why a run goes on after it failed.
      if (args.failuresOnly && !isFailureEvent(type) && !isRedriveEvent(type)) return undefined;
      // A state aborted because something else failed: noise beside the failure that caused it.
      if (args.failuresOnly && failureAborts.has(e)) return undefined;
      const stateName = names.nameOf(e);
      // Not yet known (its state's first event is on a page not read yet): kept for now, decided
      // below. Execution events belong to no state at all.
      if (args.stateName && (type.startsWith('Execution') || (stateName !== undefined && stateName !== args.stateName))) return undefined;
      const v = viewEvent(e, stateName, max, args.includeExecutionData);
      const outcome = isFailureEvent(type) ? outcomes.outcomeOf(v.id) : undefined;
      if (outcome) v.outcome = outcome;
      return v;
    },
    line: (v) => lineOf(v),
    // A name or an outcome learnt after sizing (below) appears in the structured event and in its text line.
    growth: (v) =>
      (v.stateName === undefined && !v.type.startsWith('Execution') ? NAME_GROWTH : 0) +
      (RUN_ENDS.has(v.type) ? NAME_GROWTH : 0) +
      (v.outcome === undefined && isFailureEvent(v.type) ? OUTCOME_GROWTH : 0),
  });
  // Newest first, the first events of a failed or ended state lie further on: read a little
  // ahead (nothing of it is returned) so the answer can say which state failed.
  // A run's end is named by the event it follows (after [State]), once that one is read.
  const unnamed = (v: HistoryEventView) =>
    RUN_ENDS.has(v.type)
      ? v.previousEventId !== undefined && names.stateOfEvent(v.previousEventId) === undefined && !names.isExecutionEvent(v.previousEventId)
      : v.stateName === undefined && !v.type.startsWith('Execution') && names.nameOf({ id: v.id, previousEventId: v.previousEventId, type: v.type }) === undefined;
  const worthNaming = (v: HistoryEventView) => args.stateName !== undefined || isFailureEvent(v.type) || /^(Map|Parallel)State(Succeeded|Failed|Aborted)$/.test(v.type);
  // Newest first, what decides a stretch of aborts without an end read (a running execution) lies further on.
  const abortUndecided = (v: HistoryEventView) => args.failuresOnly && failureAborts.undecided(v);
  if (args.reverseOrder && readEnd && result.items.some((v) => (worthNaming(v) && unnamed(v)) || abortUndecided(v))) {
    // A failure is what the caller came for: worth reading further than for a Map/Parallel end.
    const pages = result.items.some((v) => isFailureEvent(v.type) && unnamed(v)) ? 5 : result.items.some((v) => worthNaming(v) && unnamed(v)) ? 2 : 1;
    await readAhead(
      readEnd,
      pages,
      (events) => {
        names.observe(events);
        failureAborts.observe(events);
      },
      () => !result.items.some((v) => (worthNaming(v) && unnamed(v)) || abortUndecided(v)),
    );
  }
  // Oldest first, what followed the last failures returned (a retry, a catch, the end of the run,
  // or the stop that aborted the failed state) lies further on, and so does what ends a stretch
  // of aborts. A retry can come thousands of events later (a wide Map's items all failing first).
  const unsettledFailure = (v: HistoryEventView) => isFailureEvent(v.type) && !isStateAbort(v.type) && UNSETTLED_OLDEST_FIRST.has(outcomes.unmarked(v.id));
  const unsettled = (v: HistoryEventView) => unsettledFailure(v) || (args.failuresOnly && failureAborts.undecided(v));
  if (!args.reverseOrder && readEnd && result.items.some(unsettled)) {
    await readAhead(
      readEnd,
      result.items.some(unsettledFailure) ? 5 : 1,
      (events, last) => {
        outcomes.observe(events);
        failureAborts.observe(events);
        if (last) outcomes.reachedEnd();
      },
      () => !result.items.some(unsettled),
    );
  }
  // Names (newest first, a state's StateEntered comes after its failure) and outcomes (oldest
  // first, the retry comes after the failure) unknown when an event was first seen may be known
  // now that every page of the call has been read.
  const kept: HistoryEventView[] = [];
  const keptLines: string[] = [];
  let undecidedLeftOut = 0;
  result.items.forEach((v, i) => {
    // Known only now: what ended its stretch of aborts was on a page read after it.
    if (args.failuresOnly && failureAborts.has(v)) {
      undecidedLeftOut += 1;
      return;
    }
    let learnt = false;
    if (v.outcome === undefined && isFailureEvent(v.type)) {
      const outcome = outcomes.outcomeOf(v.id);
      if (outcome) v.outcome = outcome;
      learnt = outcome !== undefined;
    }
    if (v.stateName === undefined) {
      const name = names.nameOf({ id: v.id, previousEventId: v.previousEventId, type: v.type });
      if (name !== undefined) v.stateName = shownStateName(name);
      if (args.stateName && name !== undefined && name !== args.stateName) {
        undecidedLeftOut += 1;
        return;
      }
      learnt ||= name !== undefined;
    }
    kept.push(v);
    // Whether what followed a failure was read may have changed since it was sized.
    keptLines.push(learnt || isFailureEvent(v.type) ? lineOf(v) : (result.lines[i] ?? ''));
  });
  if (oldestFirstAnyway && !call.oldestFirstNoted) {
    call.oldestFirstNoted = true;
    ctx.note(
      'Step Functions GetExecutionHistory returned events oldest first although reverseOrder=true was asked (this backend ignores reverseOrder): the events are in the order it gave, so the newest ones are at the end of the history, not here.',
    );
  }
  const { items: _all, lines: _allLines, ...paging } = result;
  const items = kept;
  // Lines were sized whole; a payload repeated in this answer now shows once (the text only shrinks).
  const seen = new Map<string, string>();
  const lines = keptLines.map((line, i) => (PAYLOAD_LABEL.test(line) ? lineOf(items[i] as HistoryEventView, seen) : line));
  return {
    undecidedLeftOut,
    output: {
      structured: { events: items, ...paging },
      text: [
        ...collapseRuns(items, lines, heading, markOf),
        continuationHint('get_execution_history', items.length, paging.stopReason, paging.nextToken, 'events'),
        !args.reverseOrder && !paging.nextToken && lastRead?.atEnd && !RUN_ENDED.has(lastRead.type ?? '') ? stillRunning(lastRead.id) : '',
        args.stateName && items.length === 0 && !paging.nextToken && opening
          ? noEventsOfState(oneLine(args.stateName, 80), [args.failuresOnly ? 'failuresOnly' : '', args.eventTypes ? 'eventTypes' : ''].filter(Boolean))
          : '',
        types && args.failuresOnly && opening ? notFailures(types) : '',
        types && !args.stateName && items.length === 0 && !paging.nextToken && opening ? otherFailures(failureTypesSeen, types, args.failuresOnly) : '',
        morePayloadHint(cut, items.some((v) => [v.cause, v.input, v.output, v.parameters, v.assignedVariables].some((p) => p?.truncated))),
        cut.note ?? '',
      ]
        .filter(Boolean)
        .join('\n'),
    },
  };
}

/** Oldest first, a history read to its end that has no end event yet: the run goes on, and so will its history. */
function stillRunning(lastId: number | undefined): string {
  const after = lastId === undefined ? '' : ` after #${lastId}`;
  return `The execution has not ended (its history has no end event yet): more events will follow${after}. To see the newest, call again with reverseOrder=true and a small maxItems.`;
}

/** eventTypes that matched nothing in a history whose failures are of other types (TaskFailed asked, LambdaFunctionFailed there). */
function otherFailures(seen: Map<string, number>, asked: Set<string>, failuresOnly: boolean): string {
  const others = [...seen].filter(([type]) => !asked.has(type));
  if (others.length === 0) return '';
  // failuresOnly already set: only dropping eventTypes widens the answer.
  const next = failuresOnly ? 'failuresOnly=true without eventTypes shows every kind of failure' : 'failuresOnly=true shows every kind of failure';
  return `No event of the types asked for. This history's failures are ${others.map(([type, n]) => `${type} (${n})`).join(', ')}; ${next}.`;
}

/** eventTypes beside failuresOnly that failuresOnly leaves out: the filters both apply, so these never show. */
function notFailures(asked: Set<string>): string {
  const left = [...asked].filter((type) => !isFailureEvent(type) && !isRedriveEvent(type));
  if (left.length === 0) return '';
  return `failuresOnly and eventTypes both apply (an event must pass each): ${left.join(', ')} ${left.length === 1 ? 'is not a failure' : 'are not failures'}, so failuresOnly leaves ${left.length === 1 ? 'it' : 'them'} out. Drop failuresOnly to see ${left.length === 1 ? 'it' : 'them'}.`;
}

/** A stateName that matched nothing: misspelt, or (with other filters, named as given) a state with no such events. */
function noEventsOfState(name: string, filters: string[]): string {
  const given = filters.join(' and ');
  return filters.length > 0
    ? `No event of state "${name}" matches ${given} too: it may have none (${filters.includes('failuresOnly') ? 'a state that did not fail' : 'none of those types'}), or the name may be misspelt (state names are case-sensitive). Call without ${given} to tell.`
    : `No event belongs to a state named "${name}": state names are case-sensitive; call without stateName to see them.`;
}

/** Whether event ids rise across a page: a newest-first page has them fall. */
function risesInId(events: HistoryEvent[]): boolean {
  const first = events[0]?.id;
  const last = events[events.length - 1]?.id;
  return typeof first === 'number' && typeof last === 'number' && first < last;
}
