import type { StateInfo } from './states.js';
import type { Invocation } from './tasks.js';

/** The history recorder's shared pieces: wire event type, scopes and frames, and the event sink. */

export interface WireEvent {
  timestamp: number;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

export type Outcome =
  | { status: 'SUCCEEDED'; output: string; at: number }
  | { status: 'FAILED' | 'TIMED_OUT'; error?: string; cause?: string; at: number };

/** The state running in a scope. */
export interface Active {
  info: StateInfo;
  /** Id of its *StateEntered event. */
  enteredId: number;
  invocation: Invocation | undefined;
  caught: boolean;
  frame: Frame | undefined;
}

/** A sequence of states: the execution itself, one Map item or one Parallel branch. */
export interface Scope {
  lastId: number;
  active: Active | undefined;
  /** A Map/Parallel failure whose *StateFailed waits until it is known not to be retried. */
  pending: { active: Active; prev: number } | undefined;
  /** The Map or Parallel run this scope is an item or a branch of. */
  frame: Frame | undefined;
  /** Map items: the item index. */
  index: number | undefined;
  closed: boolean;
}

/** One run (attempt) of a Map or Parallel state. */
export interface Frame {
  info: StateInfo;
  startedId: number;
  /** Map: the library StateMachine running this attempt's items (bound by the first item). */
  machine: object | undefined;
  items: Scope[];
  branches: Scope[];
  /** Last state event of the most recently finished item: where the next MapIterationStarted points. */
  lastClosedId: number;
  lastMarkerId: number | undefined;
  /** Last event of the item or branch whose failure failed this run. */
  failedLastId: number | undefined;
  lastEventId: number;
  /** The state failed: items the library still starts for this attempt are not recorded. */
  failed: boolean;
}

export const NOT_TRUNCATED = Object.freeze({ truncated: false });

export function newScope(lastId: number, frame: Frame | undefined, index?: number): Scope {
  return { lastId, active: undefined, pending: undefined, frame, index, closed: false };
}

/** Assigns ids, appends events, keeps each frame's last event id; timestamps never go back. */
export class EventSink {
  private nextId = 1;
  private lastTs = 0;

  constructor(private readonly append: (event: WireEvent) => void) {}

  emit(type: string, prev: number, ts: number, details?: Record<string, unknown>): number {
    const id = this.nextId++;
    this.lastTs = Math.max(this.lastTs, ts);
    this.append({ timestamp: this.lastTs, type, id, previousEventId: prev, ...details });
    return id;
  }

  emitIn(scope: Scope, type: string, prev: number, ts: number, details?: Record<string, unknown>): number {
    const id = this.emit(type, prev, ts, details);
    if (scope.frame) scope.frame.lastEventId = id;
    return id;
  }
}

/** JSON of an event's data, taken when the event happens (later mutation must not show). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function lower(type: string): string {
  return type.charAt(0).toLowerCase() + type.slice(1);
}

export function errorText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

export function causeText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  return value === undefined ? '' : JSON.stringify(value);
}

export function compact<T extends Record<string, unknown>>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== '') (out as Record<string, unknown>)[k] = v;
  return out;
}
