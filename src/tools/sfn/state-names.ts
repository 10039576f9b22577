import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { PagingCarry } from '../../paging/engine.js';
import {
  CLOSED_BY_FAILURE,
  CONTAINER_EVENT,
  ITEM_DONE,
  REDRIVE_LINKED,
  RUN_END,
  containerKind,
  exitsPastEnd,
  isContainerStart,
  isContainerEnd,
  linksWithinState,
  ownName,
  type Container,
  type EventLike,
} from './state-event-kinds.js';
import { packCarry, unpackCarry } from './state-names-carry.js';

/**
 * Which state each history event belongs to. Step Functions names only StateEntered/StateExited
 * (the state) and MapIteration* (the Map state); every other event links to the previous event of
 * its chain through previousEventId:
 * - Task/Lambda/Activity/Wait events walk back to their state's StateEntered;
 * - Map/Parallel Started/Succeeded/Failed/Aborted belong to the Map or Parallel state itself, found
 *   by walking back, across nested containers, to its own *StateStarted (whose previous event is
 *   its StateEntered). Walking naively would name the last branch's state instead.
 * - after a redrive (ExecutionRedriven, linked to the run's end), the containers the failure that
 *   ended the run closed are open again: their new end events belong to them too.
 * Whole pages are observed before any event is named, and names also propagate from newer to older
 * events inside one state, so reverseOrder works too. What a continuation needs travels in the token
 * (state-names-carry.ts).
 */

interface Node {
  type: string;
  prev: number | undefined;
  /** Name carried by the event itself (StateEntered/Exited, MapIteration*). */
  own: string | undefined;
}

/** Where a failure that closed containers ran: the innermost one's *StateStarted (0: the top level), and its state. */
interface Failed {
  scope: number | undefined;
  owner: string | undefined;
}

const MAX_WALK = 4096;

export class StateNameIndex implements PagingCarry {
  /** reverseOrder: later calls read older events, which newer ones name; else the other way round. */
  constructor(private readonly newestFirst = false) {}

  private readonly nodes = new Map<number, Node>();
  /** Owners known without walking: carried from earlier calls or handed down from newer events. */
  private readonly owners = new Map<number, string>();
  /** Map/Parallel states started but not yet ended, in the order seen (id of *StateStarted → name). */
  private readonly open = new Map<number, { kind: Container; name: string }>();
  /** Ids some observed event links to: an event nothing links to yet is a chain's tip. */
  private readonly linked = new Set<number>();
  /** Map/Parallel *StateEntered events read in an earlier call (from the token): a start that follows one is a first attempt. */
  private readonly enteredBefore = new Set<number>();
  /** Map/Parallel end events read in an earlier call (from the token): an exit that links to one is not past it. */
  private readonly endsBefore = new Set<number>();
  /**
   * Oldest first only: the Map/Parallel each event runs inside (id of its *StateStarted; 0 at the
   * top level), and the container each end event closes. They travel with a continuation's tips, so
   * an end event names its container even when everything between lies in earlier calls.
   */
  private readonly scopes = new Map<number, number>();
  private readonly closes = new Map<number, number>();
  /** Containers that ended in this call: start id → name, kind, and the id of the end event. */
  private readonly ended = new Map<number, string>();
  private readonly endedKinds = new Map<number, Container>();
  private readonly endedAt = new Map<number, number>();
  /** Last event of a Map item that ended without failing → the id of its MapIteration{Succeeded,Aborted}. */
  private readonly itemEndAfter = new Map<number, number>();
  /** Oldest first: Map/Parallel starts whose *StateExited has been read: nothing links into them any more. */
  private readonly exited = new Set<number>();
  private lastPage: HistoryEvent[] = [];
  /** Oldest first: the failed container ends and run ends read → where the failure they follow ran (see failureOf). */
  private readonly failedAt = new Map<number, Failed>();
  /** Id an item's MapIteration* event follows → the Map state it names. */
  private readonly iterationAfter = new Map<number, string>();

  observe(events: HistoryEvent[]): void {
    for (const e of events) {
      // An item's last event stays a tip after its MapIteration* event: the next item's
      // MapIterationStarted, the Map's end, or the MapStateStarted of a retry links to it again.
      if (e.previousEventId && !(e.type ?? '').startsWith('MapIteration')) this.linked.add(e.previousEventId);
      if (e.id === undefined) continue;
      if (ITEM_DONE.test(e.type ?? '') && e.previousEventId) this.itemEndAfter.set(e.previousEventId, e.id);
      const own = ownName(e);
      this.nodes.set(e.id, { type: e.type ?? '', prev: e.previousEventId || undefined, own });
      if (own !== undefined && e.previousEventId && (e.type ?? '').startsWith('MapIteration')) this.iterationAfter.set(e.previousEventId, own);
      if (!this.newestFirst) this.trackScope(e.id, e.type ?? '', e.previousEventId || undefined);
    }
    for (const e of events) {
      const type = e.type ?? '';
      if (e.id !== undefined && isContainerStart(type)) {
        const name = this.nameOf(e);
        if (name) this.open.set(e.id, { kind: containerKind(type), name });
        // The failed attempt a retry replaces writes no end event of its own: it ends here.
        const attempt = this.restartOf(type, e.previousEventId || undefined)?.attempt;
        if (attempt !== undefined) this.closeContainer(attempt, e.id);
      }
      const prev = e.previousEventId;
      if (!prev || this.owners.has(prev) || !linksWithinState(type)) continue;
      // A Map's exit links past its end into its last item, whose state is another one.
      if (exitsPastEnd(type, this.isEndEvent(prev))) continue;
      const name = this.nameOf(e);
      if (name) this.owners.set(prev, name);
    }
    for (const e of events) {
      const type = e.type ?? '';
      if (!CONTAINER_EVENT.test(type) || type.endsWith('Started')) continue;
      const started = (e.id !== undefined ? this.closes.get(e.id) : undefined) ?? this.startedIdOf(e);
      if (started !== undefined) this.closeContainer(started, e.id);
    }
    if (!this.newestFirst) {
      for (const e of events) this.trackExit(e.type ?? '', e.previousEventId || undefined);
      // After the containers that ended on this page are closed: a redrive opens its run's again.
      for (const e of events) if (e.type === 'ExecutionRedriven' && e.id !== undefined) this.reopen(this.scopes.get(e.id));
    }
    this.lastPage = events;
  }

  private closeContainer(started: number, endId: number | undefined): void {
    const ended = this.open.get(started);
    if (!ended) {
      // Closed already in an earlier call (carried as ended): a re-read of its end carries it on again.
      if (endId !== undefined && this.ended.has(started)) this.endedAt.set(started, endId);
      return;
    }
    // Still needed to name the end event itself (and its Exited) when its start came from a token.
    this.ended.set(started, ended.name);
    this.endedKinds.set(started, ended.kind);
    if (endId !== undefined) this.endedAt.set(started, endId);
    this.open.delete(started);
  }

  /**
   * A redrive runs the failed state again inside the containers its failure closed: `start` (the
   * innermost, where the run's end sits) and those around it are open again, to be closed by the
   * end events the redriven run writes.
   */
  private reopen(start: number | undefined): void {
    for (let at = start, hops = 0; at !== undefined && at !== 0 && hops < MAX_WALK; at = this.scopes.get(at), hops += 1) {
      const name = this.ended.get(at);
      const kind = this.kindAt(at);
      if (this.open.has(at) || name === undefined || kind === undefined) continue;
      this.open.set(at, { kind, name });
      this.ended.delete(at);
      this.endedKinds.delete(at);
      this.endedAt.delete(at);
    }
  }

  /**
   * Where the failure a failed container's end (or a run's end) follows ran: the *StateStarted of
   * the innermost container it closed (0: the top level), and its state (the one a redrive runs
   * again). Passed down the chain of ends, which a page split may cut.
   */
  private failureOf(prev: number): Failed {
    const carried = this.failedAt.get(prev);
    if (carried) return carried;
    // A container that failed before anything ran in it (a Map whose items could not be read) links its end to its start.
    const scope = this.isStart(prev) ? prev : this.scopes.get(prev);
    return { scope, owner: this.walk(prev) };
  }

  /** Whether an event is a Map/Parallel *StateStarted, read here or carried in the token. */
  private isStart(id: number): boolean {
    return isContainerStart(this.nodes.get(id)?.type ?? '') || (!this.nodes.has(id) && (this.open.has(id) || this.endedKinds.has(id)));
  }

  /**
   * For a *StateStarted that follows the last event of a failed attempt instead of its *StateEntered
   * (a Map or Parallel retried as a whole, as AWS records it): the *StateStarted of that attempt,
   * undefined when it is out of sight. Not a restart: undefined.
   */
  private restartOf(type: string, prev: number | undefined): { attempt: number | undefined } | undefined {
    if (prev === undefined || !isContainerStart(type)) return undefined;
    const kind = containerKind(type);
    const again = this.startsAgain(kind, prev);
    if (!again && (this.nodes.has(prev) || this.enteredBefore.has(prev))) return undefined;
    const walked = again ? this.startedIdOf({ id: undefined, type: `${kind}StateFailed`, previousEventId: prev }) : undefined;
    if (walked !== undefined) return { attempt: walked };
    // Where that event ran, as tracked here or carried in the token (a start closed in an earlier
    // call travels without its kind). An event other than a *StateEntered runs inside the attempt.
    const inside = this.scopes.get(prev);
    const insideKind = inside === undefined ? undefined : this.kindAt(inside);
    if (inside !== undefined && inside !== 0 && (insideKind === undefined || insideKind === kind)) return { attempt: inside };
    // Read here and not a *StateEntered: a restart, of an attempt out of sight. Otherwise, not known.
    return again ? { attempt: undefined } : undefined;
  }

  private trackScope(id: number, type: string, prev: number | undefined): void {
    if (prev === undefined) {
      this.scopes.set(id, 0);
      return;
    }
    if (RUN_END.test(type) || CLOSED_BY_FAILURE.test(type)) {
      const failed = this.failureOf(prev);
      this.failedAt.set(id, failed);
      // A run's end sits where the failure it follows ran, so that a redrive linked to it runs there again.
      if (RUN_END.test(type)) {
        if (failed.scope !== undefined) this.scopes.set(id, failed.scope);
        return;
      }
    }
    const attempt = this.restartOf(type, prev)?.attempt;
    if (attempt !== undefined) {
      // A retried Map or Parallel runs beside its failed attempt, not inside it.
      const parent = this.scopes.get(attempt);
      if (parent !== undefined) this.scopes.set(id, parent);
      return;
    }
    // A start read in an earlier call is known as one of the open containers carried over.
    const inside = this.isStart(prev) ? prev : this.scopes.get(prev);
    if (exitsPastEnd(type, this.isEndEvent(prev))) {
      // It runs beside the container it exits, not inside it.
      const parent = inside === undefined || inside === 0 ? inside : this.scopes.get(inside);
      if (parent !== undefined) this.scopes.set(id, parent);
      return;
    }
    if (CONTAINER_EVENT.test(type) && !type.endsWith('Started')) {
      // An end event follows the last event inside its container (or, for an empty Map, its start);
      // one that links elsewhere (a Parallel's end to a Map's iteration) closes nothing we can tell.
      const insideKind = inside === undefined ? undefined : this.kindAt(inside);
      if (inside === undefined || inside === 0 || (insideKind !== undefined && insideKind !== containerKind(type))) return;
      this.closes.set(id, inside);
      const parent = this.scopes.get(inside);
      if (parent !== undefined) this.scopes.set(id, parent);
      return;
    }
    if (inside !== undefined) this.scopes.set(id, inside);
  }

  nameOf(event: EventLike): string | undefined {
    const type = event.type ?? '';
    const own = ownName(event);
    if (own) return own;
    if (type.startsWith('Execution')) return undefined;
    if (event.id !== undefined && this.owners.has(event.id)) return this.owners.get(event.id);
    if (CONTAINER_EVENT.test(type)) return this.containerName(event);
    return this.walk(event.previousEventId);
  }

  /** Whether the event `id` was read in this call and is an Execution* event (which belongs to no state). */
  isExecutionEvent(id: number): boolean {
    return this.nodes.get(id)?.type.startsWith('Execution') === true;
  }

  /** The state of the event `id` (what an ExecutionFailed follows: the state the run ended in), when it was read. */
  stateOfEvent(id: number | undefined): string | undefined {
    if (id === undefined) return undefined;
    const node = this.nodes.get(id);
    if (node === undefined) return this.owners.get(id);
    return node.own ?? this.nameOf({ id, previousEventId: node.prev, type: node.type });
  }

  /** Back along previousEventId to the first event that names its state. */
  private walk(start: number | undefined): string | undefined {
    let id = start;
    for (let hops = 0; id !== undefined && hops < MAX_WALK; hops += 1) {
      const known = this.owners.get(id);
      if (known) return known;
      const node = this.nodes.get(id);
      if (!node) return undefined;
      if (node.own) return node.own;
      // Through a run's end (from a redrive) into the failure that ended it, past container ends
      // whose carried owners name the containers.
      const failed = RUN_END.test(node.type) ? this.failedAt.get(id)?.owner : undefined;
      if (failed) return failed;
      id = node.prev;
    }
    return undefined;
  }

  private containerName(event: EventLike): string | undefined {
    const type = event.type ?? '';
    const kind: Container = type.startsWith('Map') ? 'Map' : 'Parallel';
    if (type.endsWith('Started')) return event.id === undefined ? this.nameAt(event.previousEventId) : this.startName(event.id, event.previousEventId);
    if (kind === 'Map') {
      // MapState{Succeeded,Failed,Aborted} follow an iteration event, which names the Map state.
      const prev = event.previousEventId === undefined ? undefined : this.nodes.get(event.previousEventId);
      if (prev?.type.startsWith('MapIteration') && prev.own) return prev.own;
      // A failed item's MapIterationFailed and the MapStateFailed it causes both follow the item's
      // last event: the iteration event names the Map state, whose start may lie thousands of events away.
      const sibling = event.previousEventId === undefined ? undefined : this.iterationAfter.get(event.previousEventId);
      if (sibling !== undefined) return sibling;
    }
    const started = (event.id !== undefined ? this.closes.get(event.id) : undefined) ?? this.startedIdOf(event);
    if (started !== undefined) {
      // A start of the other kind would name a Parallel event after a Map state: never. (A start whose
      // kind is not known, restored from a token without its open entry, is taken as before.)
      const startedKind = this.kindAt(started);
      if (startedKind !== undefined && startedKind !== kind) return undefined;
      return this.startName(started, this.nodes.get(started)?.prev);
    }
    // The walk left what this call has seen: only a single container of this kind open when the
    // event happened is certain; with several (nested Parallels) a guess would name the wrong state,
    // so the name stays unknown. Newest first, "open" holds containers whose end was read before
    // their start: no guess at all.
    if (this.newestFirst || event.id === undefined) return undefined;
    const at = event.id;
    const candidates = [...this.open].filter(([start, c]) => c.kind === kind && start < at).map(([, c]) => c.name);
    for (const [start, end] of this.endedAt) if (start < at && end >= at && this.kindAt(start) === kind) candidates.push(this.ended.get(start) ?? '');
    return candidates.length === 1 && candidates[0] ? candidates[0] : undefined;
  }

  /**
   * The state a *StateStarted event starts: the one its *StateEntered names or, for a retry, the
   * state of the attempt it replaces. Not the state of whatever event ended that attempt.
   */
  private startName(startId: number, prev: number | undefined): string | undefined {
    let id = startId;
    let before = prev;
    for (let hops = 0; hops < MAX_WALK; hops += 1) {
      const known = this.open.get(id)?.name ?? this.ended.get(id);
      if (known) return known;
      const type = this.nodes.get(id)?.type ?? '';
      const restart = this.restartOf(type, before);
      // A start read in an earlier call may carry its own name in the token (see save).
      if (!restart) return this.owners.get(id) ?? this.nameAt(before);
      if (restart.attempt === undefined) return this.owners.get(id);
      id = restart.attempt;
      before = this.nodes.get(id)?.prev;
    }
    return undefined;
  }

  /** Whether a *StateStarted whose previous event is `prev` follows a failed attempt (a retry) rather than its *StateEntered: only from what is known, no walk. */
  private startsAgain(kind: Container, prev: number | undefined): boolean {
    if (prev === undefined || this.enteredBefore.has(prev)) return false;
    const before = this.nodes.get(prev)?.type;
    return before !== undefined && before !== `${kind}StateEntered`;
  }

  /** Whether an event is a Map/Parallel Succeeded/Failed/Aborted, read here or carried in the token; undefined when not known. */
  private isEndEvent(id: number | undefined): boolean | undefined {
    if (id === undefined) return undefined;
    const type = this.nodes.get(id)?.type;
    if (type !== undefined) return CONTAINER_EVENT.test(type) && !type.endsWith('Started');
    return this.endsBefore.has(id) ? true : undefined;
  }

  /** Map or Parallel, for the id of a *StateStarted event read here or carried in the token. */
  private kindAt(startId: number): Container | undefined {
    const type = this.nodes.get(startId)?.type;
    if (type === 'MapStateStarted') return 'Map';
    if (type === 'ParallelStateStarted') return 'Parallel';
    return this.open.get(startId)?.kind ?? this.endedKinds.get(startId);
  }

  /** The *StateStarted event of the container a Succeeded/Failed/Aborted event ends, across nesting. */
  private startedIdOf(event: EventLike): number | undefined {
    const kind: Container = (event.type ?? '').startsWith('Map') ? 'Map' : 'Parallel';
    let depth = 0;
    // Back through a redrive and the run's end it follows: the ends of the containers the failure
    // closed (up to the failure itself) are open again, and open no level.
    let reopened = false;
    let id = event.previousEventId;
    for (let hops = 0; id !== undefined && hops < MAX_WALK; hops += 1) {
      if (depth === 0 && this.open.has(id) && this.open.get(id)?.kind === kind) return id;
      const node = this.nodes.get(id);
      if (!node) return undefined;
      if (RUN_END.test(node.type)) reopened = true;
      else if (reopened && CLOSED_BY_FAILURE.test(node.type)) {
        // Passed, like a run's end: its container is the one the redrive runs in again.
      } else if (node.type === `${kind}StateStarted`) {
        reopened = false;
        if (depth === 0) return id;
        // A nested container's retry starts no new level: the walk goes on into the attempt it
        // replaces, whose own start closes the level its end opened.
        if (!this.startsAgain(kind, node.prev)) depth -= 1;
      } else {
        reopened = false;
        if (isContainerEnd(kind, node.type) || (node.type === `${kind}StateExited` && exitsPastEnd(node.type, this.isEndEvent(node.prev)))) depth += 1;
      }
      id = node.prev;
    }
    return undefined;
  }

  /**
   * The state an event already seen belongs to, resolved as nameOf would: a Map/Parallel end event
   * by its own start, never by walking into its last branch.
   */
  private ownerOf(id: number): string | undefined {
    const node = this.nodes.get(id);
    // Not read here: a carried owner, or a container start this call saw end.
    if (!node) return this.walk(id) ?? this.ended.get(id) ?? this.open.get(id)?.name;
    // A run's end or a redrive belongs to no state: what a walk through it finds (the state that failed).
    if (node.type.startsWith('Execution')) return this.walk(id);
    return node.own ?? this.nameOf({ id, previousEventId: node.prev, type: node.type });
  }

  private nameAt(id: number | undefined): string | undefined {
    if (id === undefined) return undefined;
    return this.nodes.get(id)?.own ?? this.owners.get(id);
  }

  /**
   * What a continuation needs, most useful first within about 1.5 KB: open containers; the owners of
   * the events the last page links to outside itself (a cursor inside it re-reads it; newest first,
   * the next pages hold those events); oldest first, the owners of every chain tip (an event nothing
   * links to yet, newest first: later events link to these, e.g. the 40 running iterations of a
   * Map). Names are stored once.
   */
  save(): unknown {
    const onPage = new Set(this.lastPage.map((e) => e.id));
    // [id, tagged name, scope when it is not the event's own]
    const wanted: Array<[number, string, number?]> = [];
    // Innermost (newest) open containers first: they are the likeliest to end next.
    if (!this.newestFirst) for (const [id, c] of [...this.open].reverse()) wanted.push([id, `${c.kind === 'Map' ? 'M' : 'P'}${c.name}`]);
    const add = (id: number | undefined, name: string | undefined) => {
      // A tip whose state is unknown is still worth its scope: a later end event may need it.
      if (id === undefined || (!name && !this.scopes.has(id))) return;
      // 'E': a Map/Parallel *StateEntered, which a first attempt's start follows (see restartOf).
      const type = this.nodes.get(id)?.type ?? '';
      const entered = /^(Map|Parallel)StateEntered$/.test(type) || this.enteredBefore.has(id);
      // 'm'/'p': a Map/Parallel start that has ended: a re-read of its events still runs inside it.
      const startKind = isContainerStart(type) ? containerKind(type) : this.endedKinds.get(id);
      // 'x': a Map/Parallel end event, which a caught container's exit links to.
      const end = this.isEndEvent(id) === true;
      const tag = entered ? 'E' : startKind === 'Map' ? 'm' : startKind === 'Parallel' ? 'p' : end ? 'x' : '=';
      wanted.push([id, `${tag}${name ?? ''}`]);
    };
    // The containers a failure closed, from the innermost: a redrive opens them again.
    const addClosed = (scope: number | undefined) => {
      for (let at = scope, hops = 0; at !== undefined && at !== 0 && hops < MAX_WALK; at = this.scopes.get(at), hops += 1) add(at, this.ended.get(at) ?? this.open.get(at)?.name);
    };
    // 'F': a failed container's end, and where its failure ran (see failureOf), for the end of the
    // run that may follow; its scope is the failure's.
    const addFailed = (id: number) => {
      const failed = this.failedAt.get(id);
      if (failed === undefined || this.newestFirst) return;
      const name = `F${failed.owner ?? ''}`;
      wanted.push(failed.scope === undefined ? [id, name] : [id, name, failed.scope]);
      addClosed(failed.scope);
    };
    // A cursor inside the last page re-reads it: what it links to outside itself comes first, and
    // the name of a Map or Parallel started again there, which the re-read may not find again.
    for (const e of this.lastPage) {
      if (e.id !== undefined && this.restartOf(e.type ?? '', e.previousEventId || undefined)) add(e.id, this.nameOf(e));
      if (e.previousEventId && !onPage.has(e.previousEventId)) {
        add(e.previousEventId, this.ownerOf(e.previousEventId));
        addFailed(e.previousEventId);
      }
    }
    // The re-read begins where the containers that ended on the page were still open: their starts
    // (kind, name, scope) let it close them again, and the containers around them. One that also
    // started on the page is met again whole.
    if (!this.newestFirst) {
      for (const [start, end] of [...this.endedAt].reverse()) if (onPage.has(end) && !onPage.has(start)) add(start, this.ended.get(start));
    }
    if (!this.newestFirst) {
      let newestFailed: number | undefined;
      for (const [id, node] of this.nodes) {
        if (this.linked.has(id)) continue;
        if (CLOSED_BY_FAILURE.test(node.type) && (newestFailed === undefined || id > newestFailed)) newestFailed = id;
        // A run's end: a redrive read later opens the containers its failure closed again.
        if (RUN_END.test(node.type)) addClosed(this.scopes.get(id));
      }
      // The newest failed container's end nothing links to yet: the end of the run may follow it.
      // (Older ones, the aborted branches of a failure, are followed by their container's failure.)
      if (newestFailed !== undefined) addFailed(newestFailed);
      const tips: number[] = [];
      for (const [id, node] of this.nodes) if (!this.linked.has(id) && (!node.type.startsWith('Execution') || REDRIVE_LINKED.test(node.type))) tips.push(id);
      for (const id of new Set([...this.owners.keys(), ...this.scopes.keys()])) if (!this.linked.has(id) && !this.nodes.has(id) && !this.open.has(id)) tips.push(id);
      const stale = this.staleTips(tips);
      for (const id of tips.sort((a, b) => b - a)) if (!stale.has(id)) add(id, this.ownerOf(id));
    }
    return packCarry(wanted, (id) => this.scopes.get(id));
  }

  /** Which container a Map/Parallel *StateExited leaves: its end event's (a Parallel's, a caught one's), its last item's scope (a Map's), or its start (an empty Map). */
  private trackExit(type: string, prev: number | undefined): void {
    if (prev === undefined || !/^(Map|Parallel)StateExited$/.test(type)) return;
    const prevType = this.nodes.get(prev)?.type ?? '';
    const container = isContainerStart(prevType) ? prev : this.isEndEvent(prev) === true ? this.closes.get(prev) : this.scopes.get(prev);
    if (container !== undefined && container !== 0) this.exited.add(container);
  }

  /**
   * Tips nothing can link to any more, which would crowd older ones (a long Task in a sibling
   * branch) out of the carry:
   * - whatever ran inside a Map or Parallel that has been exited, its start, and its end event (a
   *   Map's exit links past it);
   * - of the Map items that succeeded (or were aborted), all but the newest's last event and
   *   MapIteration end event (links from MapIteration* events are not counted): only those can be
   *   linked to, by the next item's start or the Map's end. A failed item's are kept: a retry of the
   *   whole Map links to them.
   */
  private staleTips(tips: number[]): Set<number> {
    const stale = new Set<number>();
    const newest = new Map<string, { id: number; rank: number }>();
    for (const id of tips) {
      const scope = this.scopes.get(id);
      const closed = this.closes.get(id);
      if ((scope !== undefined && this.exited.has(scope)) || this.exited.has(id) || (closed !== undefined && this.exited.has(closed))) {
        stale.add(id);
        continue;
      }
      const isItemEnd = ITEM_DONE.test(this.nodes.get(id)?.type ?? '');
      const endedBy = this.itemEndAfter.get(id);
      if (scope === undefined || scope === 0 || (!isItemEnd && endedBy === undefined)) continue;
      if (isItemEnd && this.ended.has(scope)) {
        stale.add(id);
        continue;
      }
      const key = `${isItemEnd ? 'end' : 'last'}:${scope}`;
      const rank = isItemEnd ? id : (endedBy ?? id);
      const best = newest.get(key);
      if (!best) newest.set(key, { id, rank });
      else if (rank > best.rank) {
        stale.add(best.id);
        newest.set(key, { id, rank });
      } else stale.add(id);
    }
    return stale;
  }

  restore(saved: unknown): void {
    for (const { id, tag, name, scope } of unpackCarry(saved)) {
      if (tag === 'F') {
        if (!this.newestFirst) this.failedAt.set(id, { scope, owner: name || undefined });
        continue;
      }
      if (scope !== undefined && !this.newestFirst) this.scopes.set(id, scope);
      // What the event is counts even without a name: its kind decides what links to it.
      if (tag === 'E') this.enteredBefore.add(id);
      if (tag === 'x') this.endsBefore.add(id);
      if (!name) continue;
      if (tag === 'M' || tag === 'P') {
        this.open.set(id, { kind: tag === 'M' ? 'Map' : 'Parallel', name });
        continue;
      }
      this.owners.set(id, name);
      if ((tag === 'm' || tag === 'p') && !this.open.has(id)) {
        this.ended.set(id, name);
        this.endedKinds.set(id, tag === 'm' ? 'Map' : 'Parallel');
      }
    }
  }
}
