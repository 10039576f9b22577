import type { HistoryEvent } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { PayloadSchema, compact, iso, payload, wellFormed, type Payload } from '../../server/render.js';
import { count, text } from './views.js';

/** Compact view of Step Functions history events, and the state-name linkage across events. */

/** Step Functions state names are at most 80 characters. */
export const MAX_STATE_NAME = 80;

/**
 * A state name as answers show it: whole when it is a legal one, else its first 80 characters and
 * "…" (never half a pair). Control characters and lone surrogates, which no name typed back can
 * hold, show as U+FFFD: so a name costs at most 2 UTF-16 units a character, in JSON too.
 */
export function shownStateName(name: string): string {
  const clean = wellFormed(name.replace(/\p{Cc}/gu, '\ufffd'));
  if (clean.length <= MAX_STATE_NAME) return clean;
  const chars = Array.from(clean);
  return chars.length <= MAX_STATE_NAME ? clean : `${chars.slice(0, MAX_STATE_NAME).join('')}…`;
}

/** Names shown bare in a line's brackets; others (brackets, parentheses, quotes, markup) could pass for the line's own marks and are fenced. */
const PLAIN_STATE_NAME = /^[\p{L}\p{N}\p{M}\p{So} _.,:;/@+&#!?%*-]+$/u;

/**
 * Letters, marks and symbols that are still not plain: those that show as nothing or a blank
 * (Hangul fillers, variation selectors, the braille blank: a name could hide words between
 * visible ones), quote-like modifier letters and ornaments, and ⏎, the line break mark of the
 * server's own fenced text.
 */
const NOT_PLAIN = /[\p{Default_Ignorable_Code_Point}\u2800\u23ce\u02b9-\u02bf\u02c8\u02ee\ua78b\ua78c\u275b-\u2760\u{1f676}-\u{1f678}]/u;

export function isPlainStateName(name: string): boolean {
  return PLAIN_STATE_NAME.test(name) && !NOT_PLAIN.test(name);
}

export const HISTORY_EVENT_TYPES = [
  'ActivityFailed', 'ActivityScheduleFailed', 'ActivityScheduled', 'ActivityStarted', 'ActivitySucceeded', 'ActivityTimedOut',
  'ChoiceStateEntered', 'ChoiceStateExited', 'EvaluationFailed', 'ExecutionAborted', 'ExecutionFailed', 'ExecutionRedriven',
  'ExecutionStarted', 'ExecutionSucceeded', 'ExecutionTimedOut', 'FailStateEntered', 'LambdaFunctionFailed',
  'LambdaFunctionScheduleFailed', 'LambdaFunctionScheduled', 'LambdaFunctionStartFailed', 'LambdaFunctionStarted',
  'LambdaFunctionSucceeded', 'LambdaFunctionTimedOut', 'MapIterationAborted', 'MapIterationFailed', 'MapIterationStarted',
  'MapIterationSucceeded', 'MapRunAborted', 'MapRunFailed', 'MapRunRedriven', 'MapRunStarted', 'MapRunSucceeded',
  'MapStateAborted', 'MapStateEntered', 'MapStateExited', 'MapStateFailed', 'MapStateStarted', 'MapStateSucceeded',
  'ParallelStateAborted', 'ParallelStateEntered', 'ParallelStateExited', 'ParallelStateFailed', 'ParallelStateStarted',
  'ParallelStateSucceeded', 'PassStateEntered', 'PassStateExited', 'SucceedStateEntered', 'SucceedStateExited',
  'TaskFailed', 'TaskScheduled', 'TaskStartFailed', 'TaskStarted', 'TaskStateAborted', 'TaskStateEntered',
  'TaskStateExited', 'TaskSubmitFailed', 'TaskSubmitted', 'TaskSucceeded', 'TaskTimedOut', 'WaitStateAborted',
  'WaitStateEntered', 'WaitStateExited',
] as const;

/**
 * Event types that report something going wrong. MapIterationAborted is left out: when one item
 * fails, Step Functions aborts its sibling iterations, and those dozens of events bury the cause.
 */
export function isFailureEvent(type: string): boolean {
  if (type === 'MapIterationAborted') return false;
  return /(Failed|TimedOut|Aborted)$/.test(type) || type === 'FailStateEntered';
}

/** The abort of a running state (a stop, a timeout, or a failing sibling): never retried or caught. */
export function isStateAbort(type: string): boolean {
  return /^(Task|Wait|Map|Parallel)StateAborted$/.test(type);
}

/** ExecutionRedriven or MapRunRedriven: a failed run reopened. */
export function isRedriveEvent(type: string): boolean {
  return type === 'ExecutionRedriven' || type === 'MapRunRedriven';
}

/** Step Functions cut the payload before storing it in the history (it was over its size limit). */
const TruncatedByBackend = z.object({ truncated: z.literal(true) }).describe('Present when Step Functions itself cut the payload in the history.');

export const HistoryEventView = z.object({
  id: z.number().int(),
  previousEventId: z.number().int().optional(),
  type: z.string(),
  timestamp: z.string().optional(),
  stateName: z.string().optional().describe('State the event belongs to, when known.'),
  outcome: z
    .enum(['retried', 'caught', 'redriven'])
    .optional()
    .describe(
      'On a failure: what happened next. retried: a Retry ran the state again; caught: a Catch moved on; redriven: the run it ended was redriven. A failure inside a Map iteration or Parallel branch shares the outcome of the failure it led to. A failure without one ended its execution, iteration or branch, unless the text says what followed is not known.',
    ),
  error: z.string().optional(),
  cause: PayloadSchema.optional(),
  resourceType: z.string().optional(),
  resource: z.string().optional(),
  location: z.string().optional().describe('EvaluationFailed: the field of the state whose evaluation failed.'),
  index: z.number().int().optional().describe('Map iteration index.'),
  length: z.number().int().optional().describe('Number of Map iterations.'),
  timeoutInSeconds: z.number().int().optional().describe('TaskScheduled, ActivityScheduled, LambdaFunctionScheduled: the time limit the task ran under (a *TimedOut event reached it or its heartbeat).'),
  heartbeatInSeconds: z.number().int().optional().describe('TaskScheduled, ActivityScheduled: the longest gap allowed between heartbeats.'),
  mapRunArn: z.string().optional(),
  redriveCount: z.number().int().optional(),
  workerName: z.string().optional().describe('ActivityStarted: the worker that took the task (the one a heartbeat timeout waited on).'),
  region: z.string().optional().describe('TaskScheduled: the region the task ran in.'),
  taskRoleArn: z.string().optional().describe('TaskScheduled, LambdaFunctionScheduled: the role the task ran with (taskCredentials.roleArn; Credentials in the state).'),
  roleArn: z.string().optional().describe('ExecutionStarted: the role the execution ran with.'),
  stateMachineVersionArn: z.string().optional().describe('ExecutionStarted: the state machine version that ran.'),
  stateMachineAliasArn: z.string().optional().describe('ExecutionStarted: the alias the execution was started through.'),
  input: PayloadSchema.optional(),
  output: PayloadSchema.optional(),
  parameters: PayloadSchema.optional(),
  assignedVariables: PayloadSchema.optional().describe('StateExited: the variables the state assigned, as a JSON object.'),
  inputDetails: TruncatedByBackend.optional(),
  outputDetails: TruncatedByBackend.optional(),
  assignedVariablesDetails: TruncatedByBackend.optional(),
});
export type HistoryEventView = z.infer<typeof HistoryEventView>;

interface AnyDetails {
  name?: string;
  error?: string;
  cause?: string;
  resource?: string;
  resourceType?: string;
  location?: string;
  state?: string;
  input?: string;
  output?: string;
  parameters?: string;
  index?: number;
  length?: number;
  timeoutInSeconds?: number;
  heartbeatInSeconds?: number;
  mapRunArn?: string;
  redriveCount?: number;
  workerName?: string;
  region?: string;
  taskCredentials?: { roleArn?: unknown };
  roleArn?: string;
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  assignedVariables?: unknown;
  inputDetails?: { truncated?: unknown };
  outputDetails?: { truncated?: unknown };
  assignedVariablesDetails?: { truncated?: unknown };
}

export function detailsOf(event: object): AnyDetails | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object') return value as AnyDetails;
  }
  return undefined;
}

export function viewEvent(e: HistoryEvent, stateName: string | undefined, maxPayloadChars: number, includeData: boolean): HistoryEventView {
  const d = detailsOf(e) ?? {};
  const data = (v: string | undefined): Payload | undefined => (includeData ? payload(v, maxPayloadChars) : undefined);
  return compact({
    id: count(e.id) ?? 0,
    previousEventId: count(e.previousEventId) || undefined,
    type: text(e.type) ?? 'Unknown',
    timestamp: iso(e.timestamp),
    stateName: stateName === undefined ? undefined : shownStateName(stateName),
    error: text(d.error),
    cause: payload(d.cause, maxPayloadChars),
    resourceType: text(d.resourceType),
    resource: text(d.resource),
    location: text(d.location),
    index: count(d.index),
    length: count(d.length),
    timeoutInSeconds: count(d.timeoutInSeconds),
    heartbeatInSeconds: count(d.heartbeatInSeconds),
    mapRunArn: text(d.mapRunArn),
    redriveCount: count(d.redriveCount),
    workerName: text(d.workerName),
    region: text(d.region),
    taskRoleArn: text(d.taskCredentials?.roleArn),
    roleArn: text(d.roleArn),
    stateMachineVersionArn: text(d.stateMachineVersionArn),
    stateMachineAliasArn: text(d.stateMachineAliasArn),
    input: data(d.input),
    output: data(d.output),
    parameters: data(d.parameters),
    assignedVariables: data(assignedJson(d.assignedVariables)),
    inputDetails: includeData ? cutByBackend(d.inputDetails) : undefined,
    outputDetails: includeData ? cutByBackend(d.outputDetails) : undefined,
    assignedVariablesDetails: includeData ? cutByBackend(d.assignedVariablesDetails) : undefined,
  });
}

/** StateExited's assignedVariables (name → value serialized as JSON) as one JSON object. */
function assignedJson(variables: unknown): string | undefined {
  if (!variables || typeof variables !== 'object' || Array.isArray(variables)) return undefined;
  const members = Object.entries(variables).map(([name, value]) => `${JSON.stringify(name)}:${typeof value === 'string' && value !== '' ? value : JSON.stringify(value ?? null)}`);
  return members.length === 0 ? undefined : `{${members.join(',')}}`;
}

function cutByBackend(details: { truncated?: unknown } | undefined): { truncated: true } | undefined {
  return details?.truncated === true ? { truncated: true } : undefined;
}

/** What a collapsed run's line shows of each event besides its heading and time: events showing more stay on their own lines. */
const COLLAPSIBLE = new Set(['id', 'previousEventId', 'type', 'timestamp', 'stateName', 'outcome', 'index']);

/**
 * A collapsed run's ←previousEventId links, which tell apart items started together from a chain:
 * the one all share ("←3"), a range when each links one on from the last as the ids do ("←7…9" for
 * #10…#12), else each in the order of the ids ("←5,6,4", "-" where an event has none).
 */
function runLinks(run: HistoryEventView[]): string {
  const links = run.map((v) => v.previousEventId);
  const first = links[0];
  if (links.every((p) => p === undefined)) return '';
  if (links.every((p) => p === first)) return ` ←${first}`;
  const step = (run[1]?.id ?? 0) - (run[0]?.id ?? 0);
  if (first !== undefined && links.every((p, k) => p === first + k * step)) return ` ←${first}…${links[links.length - 1]}`;
  return ` ←${links.map((p) => p ?? '-').join(',')}`;
}

/**
 * Three or more events with consecutive ids, of the same type, state and mark (retried, caught, or
 * what followed) and without anything else to show (e.g. the aborted siblings of a failed Map item)
 * read as one line in the text, their links and iteration indexes listed; structuredContent keeps them all.
 */
export function collapseRuns(items: HistoryEventView[], lines: string[], heading: (v: HistoryEventView) => string, mark: (v: HistoryEventView) => string): string[] {
  const out: string[] = [];
  const plain = (v: HistoryEventView) => Object.keys(v).every((key) => COLLAPSIBLE.has(key));
  for (let i = 0; i < items.length; ) {
    const first = items[i] as HistoryEventView;
    const firstMark = mark(first);
    let j = i + 1;
    for (; j < items.length; j += 1) {
      const v = items[j] as HistoryEventView;
      const adjacent = Math.abs(v.id - (items[j - 1] as HistoryEventView).id) === 1;
      if (!adjacent || !plain(first) || !plain(v) || v.type !== first.type || v.stateName !== first.stateName || mark(v) !== firstMark) break;
    }
    if (j - i >= 3) {
      const run = items.slice(i, j);
      const last = run[run.length - 1] as HistoryEventView;
      const indexes = run.every((v) => v.index !== undefined) ? ` (index ${run.map((v) => v.index).join(', ')})` : '';
      out.push(`#${first.id}…#${last.id}${runLinks(run)} ${heading(first)} ×${run.length}${indexes}${firstMark ? ` ${firstMark}` : ''}, ${first.timestamp ?? 'time unknown'} to ${last.timestamp ?? 'time unknown'}`);
    } else {
      out.push(...lines.slice(i, j));
    }
    i = j;
  }
  return out;
}
