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
  frame: Frame | undefined;
  closed: boolean;
}

/** One run (attempt) of a Map or Parallel state. */
export interface Frame {
  info: StateInfo;
  startedId: number;
  items: Map<number, Scope>;
  lastItem: Scope | undefined;
  /** Items running now, and item starts held back until a slot frees (see Frames.iteration()). */
  live: number;
  queued: Array<{ index: number; ts: number }>;
  branches: Map<number, Scope>;
  /** Last state event of the most recently finished item: where the next MapIterationStarted points. */
  lastClosedId: number;
  lastMarkerId: number | undefined;
  failedLastId: number | undefined;
  /** Last event of the most recent failure in one of this frame's scopes (the failing Parallel branch). */
  lastFailureId: number | undefined;
  lastEventId: number;
}

export const NOT_TRUNCATED = Object.freeze({ truncated: false });

export function newScope(lastId: number, frame: Frame | undefined): Scope {
  return { lastId, active: undefined, pending: undefined, frame, closed: false };
}

/** Assigns ids, appends events, and keeps each frame's last event id. */
export class EventSink {
  private nextId = 1;
  private lastValue: unknown = Symbol('none');
  private lastJson = '';

  constructor(private readonly append: (event: WireEvent) => void) {}

  emit(type: string, prev: number, ts: number, details?: Record<string, unknown>): number {
    const id = this.nextId++;
    this.append({ timestamp: ts, type, id, previousEventId: prev, ...details });
    return id;
  }

  emitIn(scope: Scope, type: string, prev: number, ts: number, details?: Record<string, unknown>): number {
    const id = this.emit(type, prev, ts, details);
    if (scope.frame) scope.frame.lastEventId = id;
    return id;
  }

  /** Output of one state is the input of the next: stringify each value once. */
  json(value: unknown): string {
    if (value === this.lastValue) return this.lastJson;
    this.lastValue = value;
    this.lastJson = JSON.stringify(value ?? null);
    return this.lastJson;
  }
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
