import type { HistoryEvent } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { PayloadSchema, compact, iso, payload, type Payload } from '../../server/render.js';

/** Compact view of Step Functions history events, and the state-name linkage across events. */

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

/** Event types that report something going wrong. */
export function isFailureEvent(type: string): boolean {
  return /(Failed|TimedOut|Aborted)$/.test(type) || type === 'FailStateEntered';
}

export const HistoryEventView = z.object({
  id: z.number().int(),
  previousEventId: z.number().int().optional(),
  type: z.string(),
  timestamp: z.string().optional(),
  stateName: z.string().optional().describe('State the event belongs to, when known.'),
  error: z.string().optional(),
  cause: PayloadSchema.optional(),
  resourceType: z.string().optional(),
  resource: z.string().optional(),
  index: z.number().int().optional().describe('Map iteration index.'),
  length: z.number().int().optional().describe('Number of Map iterations.'),
  mapRunArn: z.string().optional(),
  redriveCount: z.number().int().optional(),
  input: PayloadSchema.optional(),
  output: PayloadSchema.optional(),
  parameters: PayloadSchema.optional(),
});
export type HistoryEventView = z.infer<typeof HistoryEventView>;

interface AnyDetails {
  name?: string;
  error?: string;
  cause?: string;
  resource?: string;
  resourceType?: string;
  input?: string;
  output?: string;
  parameters?: string;
  index?: number;
  length?: number;
  mapRunArn?: string;
  redriveCount?: number;
}

export function detailsOf(event: HistoryEvent): AnyDetails | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object') return value as AnyDetails;
  }
  return undefined;
}

/**
 * Resolves the state an event belongs to: StateEntered/Exited carry the name; Task, Lambda,
 * Activity and Map events link to it through previousEventId. Whole pages are observed before any
 * event is viewed. In newest-first order a named event also marks the event it links to, so the
 * chain resolves before its StateEntered arrives. The links that leave the last page travel in the
 * continuation token (save/restore), so a continuation names events whose state began earlier.
 */
export class StateNameIndex {
  private readonly names = new Map<number, string>();
  private readonly previous = new Map<number, number>();
  private readonly seen = new Set<number>();
  private lastPage: HistoryEvent[] = [];

  observe(events: HistoryEvent[]): void {
    for (const e of events) {
      if (e.id === undefined) continue;
      this.seen.add(e.id);
      const name = detailsOf(e)?.name;
      if (name && /State(Entered|Exited)$/.test(e.type ?? '')) this.names.set(e.id, name);
      if (e.previousEventId !== undefined) this.previous.set(e.id, e.previousEventId);
    }
    for (const e of events) {
      const prev = e.previousEventId;
      if (prev === undefined || !prev || this.names.has(prev) || !linksWithinState(e.type)) continue;
      const name = this.nameOf(e);
      if (name) this.names.set(prev, name);
    }
    this.lastPage = events;
  }

  nameOf(event: HistoryEvent): string | undefined {
    const own = detailsOf(event)?.name;
    if (own && /State(Entered|Exited)$/.test(event.type ?? '')) return own;
    if (event.type?.startsWith('Execution') || event.type?.startsWith('MapIteration')) return undefined;
    return this.resolve(event.id);
  }

  private resolve(start: number | undefined): string | undefined {
    let id = start;
    // Bounded walk: events of one state are a short chain from its StateEntered event.
    for (let hops = 0; id !== undefined && hops < 64; hops += 1) {
      const name = this.names.get(id);
      if (name) return name;
      id = this.previous.get(id);
    }
    return undefined;
  }

  /**
   * Names a continuation needs: of the events the last page links to outside itself, of the last
   * events of that page (the next page links back to them), and marks not yet seen.
   */
  save(): Array<[number, string]> | undefined {
    const onPage = new Set(this.lastPage.map((e) => e.id));
    const out = new Map<number, string>();
    const remember = (id: number | undefined) => {
      const name = id ? this.resolve(id) : undefined;
      if (id && name) out.set(id, name);
    };
    for (const e of this.lastPage) if (e.previousEventId && !onPage.has(e.previousEventId)) remember(e.previousEventId);
    for (const e of this.lastPage.slice(-32)) remember(e.id);
    for (const [id, name] of this.names) if (!this.seen.has(id)) out.set(id, name);
    const entries = [...out].slice(0, 200);
    return entries.length > 0 ? entries : undefined;
  }

  restore(saved: unknown): void {
    if (!Array.isArray(saved)) return;
    for (const entry of saved) {
      if (Array.isArray(entry) && typeof entry[0] === 'number' && typeof entry[1] === 'string') this.names.set(entry[0], entry[1]);
    }
  }
}

/** Whether an event and the one it links to belong to the same state (a StateEntered links to the previous state). */
function linksWithinState(type: string | undefined): boolean {
  return !!type && !type.endsWith('StateEntered') && !type.startsWith('Execution') && !type.startsWith('MapIteration');
}

export function viewEvent(e: HistoryEvent, stateName: string | undefined, maxPayloadChars: number, includeData: boolean): HistoryEventView {
  const d = detailsOf(e) ?? {};
  const data = (v: string | undefined): Payload | undefined => (includeData ? payload(v, maxPayloadChars) : undefined);
  return compact({
    id: e.id ?? 0,
    previousEventId: e.previousEventId || undefined,
    type: e.type ?? 'Unknown',
    timestamp: iso(e.timestamp),
    stateName,
    error: d.error,
    cause: payload(d.cause, maxPayloadChars),
    resourceType: d.resourceType,
    resource: d.resource,
    index: d.index,
    length: d.length,
    mapRunArn: d.mapRunArn,
    redriveCount: d.redriveCount,
    input: data(d.input),
    output: data(d.output),
    parameters: data(d.parameters),
  });
}
