import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { detailsOf } from './history-events.js';
import { text } from './views.js';

// What the history events that state naming follows are, by their type alone (see state-names.ts).

/** What naming needs of an event: a HistoryEvent, or the view of one. */
export type EventLike = Pick<HistoryEvent, 'id' | 'previousEventId'> & { type?: string };

export type Container = 'Map' | 'Parallel';

export const CONTAINER_EVENT = /^(Map|Parallel)State(Started|Succeeded|Failed|Aborted)$/;
/** The end of a run, which nothing but a redrive (ExecutionRedriven) links to. */
export const RUN_END = /^Execution(Failed|TimedOut|Aborted)$/;
/** Execution events a later event may still link to: a run's end (by a redrive) and a redrive (by what it runs again). */
export const REDRIVE_LINKED = /^Execution(Failed|TimedOut|Aborted|Redriven)$/;
/**
 * What a run's end links back through to the failure that caused it: the ends of the containers
 * that failure closed, and a Distributed Map's run. A redrive opens them again.
 */
export const CLOSED_BY_FAILURE = /^(Map|Parallel)State(Failed|Aborted)$|^MapRun(Failed|Aborted)$/;
/** A Map item that ended without failing. A failed item's last event is what a retry of its Map links to: always kept. */
export const ITEM_DONE = /^MapIteration(Succeeded|Aborted)$/;

export function ownName(e: EventLike): string | undefined {
  const type = e.type ?? '';
  // The one event besides these that names its state; it links to the event before it, whatever that was.
  if (type === 'EvaluationFailed') return text(detailsOf(e)?.state);
  if (!/State(Entered|Exited)$/.test(type) && !type.startsWith('MapIteration')) return undefined;
  return text(detailsOf(e)?.name);
}

/** A Map/Parallel *StateStarted. */
export function isContainerStart(type: string): boolean {
  return type === 'MapStateStarted' || type === 'ParallelStateStarted';
}

export function containerKind(type: string): Container {
  return type.startsWith('Map') ? 'Map' : 'Parallel';
}

export function isContainerEnd(kind: Container, type: string): boolean {
  return type === `${kind}StateSucceeded` || type === `${kind}StateFailed` || type === `${kind}StateAborted`;
}

/**
 * A Map's MapStateExited links to the Map's last iteration event, past its MapStateSucceeded (as
 * AWS records it; a Parallel's links to its end): a walk back through it enters the container
 * without meeting its end event.
 */
export function exitsPastEnd(type: string, prevIsEnd: boolean | undefined): boolean {
  if (!/^(Map|Parallel)StateExited$/.test(type)) return false;
  // Not known (read in an earlier call, carried without its kind): a Map's exit is past its end, a Parallel's is not.
  return prevIsEnd === undefined ? type.startsWith('Map') : !prevIsEnd;
}

/** Links that stay inside one state, along which a known owner can be handed to the older event. */
export function linksWithinState(type: string): boolean {
  return !type.endsWith('StateEntered') && !type.startsWith('Execution') && !type.startsWith('MapIteration') && !CONTAINER_EVENT.test(type);
}
