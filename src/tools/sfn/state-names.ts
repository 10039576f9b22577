import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { PagingCarry } from '../../paging/engine.js';
import { detailsOf } from './history-events.js';

/**
 * Which state each history event belongs to. Step Functions names only StateEntered/StateExited
 * (the state) and MapIteration* (the Map state); every other event links to the previous event of
 * its chain through previousEventId:
 * - Task/Lambda/Activity/Wait events walk back to their state's StateEntered;
 * - Map/Parallel Started/Succeeded/Failed/Aborted belong to the Map or Parallel state itself, found
 *   by walking back, across nested containers, to its own *StateStarted (whose previous event is
 *   its StateEntered). Walking naively would name the last branch's state instead.
 * Whole pages are observed before any event is named, and names also propagate from newer to older
 * events inside one state, so reverseOrder works too. What a continuation needs travels in the token,
 * capped at about 1.5 KB.
 */

interface Node {
  type: string;
  prev: number | undefined;
  /** Name carried by the event itself (StateEntered/Exited, MapIteration*). */
  own: string | undefined;
}

type Container = 'Map' | 'Parallel';

const MAX_WALK = 4096;
const CARRY_CHARS = 1500;

const CONTAINER_EVENT = /^(Map|Parallel)State(Started|Succeeded|Failed|Aborted)$/;

function ownName(e: HistoryEvent): string | undefined {
  const type = e.type ?? '';
  if (/State(Entered|Exited)$/.test(type) || type.startsWith('MapIteration')) return detailsOf(e)?.name;
  return undefined;
}

function isContainerEnd(kind: Container, type: string): boolean {
  return type === `${kind}StateSucceeded` || type === `${kind}StateFailed` || type === `${kind}StateAborted`;
}

/** Links that stay inside one state, along which a known owner can be handed to the older event. */
function linksWithinState(type: string): boolean {
  return !type.endsWith('StateEntered') && !type.startsWith('Execution') && !type.startsWith('MapIteration') && !CONTAINER_EVENT.test(type);
}

export class StateNameIndex implements PagingCarry {
  private readonly nodes = new Map<number, Node>();
  /** Owners known without walking: carried from earlier calls or handed down from newer events. */
  private readonly owners = new Map<number, string>();
  /** Map/Parallel states started but not yet ended, in the order seen (id of *StateStarted → name). */
  private readonly open = new Map<number, { kind: Container; name: string }>();
  private lastPage: HistoryEvent[] = [];

  observe(events: HistoryEvent[]): void {
    for (const e of events) {
      if (e.id === undefined) continue;
      this.nodes.set(e.id, { type: e.type ?? '', prev: e.previousEventId || undefined, own: ownName(e) });
    }
    for (const e of events) {
      const type = e.type ?? '';
      if (e.id !== undefined && /^(Map|Parallel)StateStarted$/.test(type)) {
        const name = this.nameOf(e);
        if (name) this.open.set(e.id, { kind: type.startsWith('Map') ? 'Map' : 'Parallel', name });
      }
      const prev = e.previousEventId;
      if (!prev || this.owners.has(prev) || !linksWithinState(type)) continue;
      const name = this.nameOf(e);
      if (name) this.owners.set(prev, name);
    }
    for (const e of events) {
      const type = e.type ?? '';
      if (!CONTAINER_EVENT.test(type) || type.endsWith('Started')) continue;
      const started = this.startedIdOf(e);
      if (started !== undefined) this.open.delete(started);
    }
    this.lastPage = events;
  }

  nameOf(event: HistoryEvent): string | undefined {
    const type = event.type ?? '';
    const own = ownName(event);
    if (own) return own;
    if (type.startsWith('Execution')) return undefined;
    if (event.id !== undefined && this.owners.has(event.id)) return this.owners.get(event.id);
    if (CONTAINER_EVENT.test(type)) return this.containerName(event);
    return this.walk(event.previousEventId);
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
      id = node.prev;
    }
    return undefined;
  }

  private containerName(event: HistoryEvent): string | undefined {
    const type = event.type ?? '';
    const kind: Container = type.startsWith('Map') ? 'Map' : 'Parallel';
    if (type.endsWith('Started')) return this.nameAt(event.previousEventId);
    if (kind === 'Map') {
      // MapState{Succeeded,Failed,Aborted} follow an iteration event, which names the Map state.
      const prev = event.previousEventId === undefined ? undefined : this.nodes.get(event.previousEventId);
      if (prev?.type.startsWith('MapIteration') && prev.own) return prev.own;
    }
    const started = this.startedIdOf(event);
    if (started !== undefined) return this.nameAt(this.nodes.get(started)?.prev) ?? this.open.get(started)?.name;
    // The walk left what this call has seen: the innermost open container of this kind is the best guess.
    return [...this.open.values()].reverse().find((c) => c.kind === kind)?.name;
  }

  /** The *StateStarted event of the container a Succeeded/Failed/Aborted event ends, across nesting. */
  private startedIdOf(event: HistoryEvent): number | undefined {
    const kind: Container = (event.type ?? '').startsWith('Map') ? 'Map' : 'Parallel';
    let depth = 0;
    let id = event.previousEventId;
    for (let hops = 0; id !== undefined && hops < MAX_WALK; hops += 1) {
      if (depth === 0 && this.open.has(id) && this.open.get(id)?.kind === kind) return id;
      const node = this.nodes.get(id);
      if (!node) return undefined;
      if (node.type === `${kind}StateStarted`) {
        if (depth === 0) return id;
        depth -= 1;
      } else if (isContainerEnd(kind, node.type)) {
        depth += 1;
      }
      id = node.prev;
    }
    return undefined;
  }

  private nameAt(id: number | undefined): string | undefined {
    if (id === undefined) return undefined;
    return this.nodes.get(id)?.own ?? this.owners.get(id);
  }

  /**
   * What a continuation needs: open containers, owners of the events the last page links to outside
   * itself (reverse order), and of the page's last events (forward order). Names are stored once.
   */
  save(): unknown {
    const onPage = new Set(this.lastPage.map((e) => e.id));
    const wanted: Array<[number, string]> = [];
    for (const [id, c] of [...this.open].slice(-16)) wanted.push([id, `${c.kind === 'Map' ? 'M' : 'P'}${c.name}`]);
    const add = (id: number | undefined, name: string | undefined) => {
      if (id !== undefined && name) wanted.push([id, `=${name}`]);
    };
    for (const e of this.lastPage) if (e.previousEventId && !onPage.has(e.previousEventId)) add(e.previousEventId, this.walk(e.previousEventId));
    for (const e of this.lastPage.slice(-32).reverse()) add(e.id, this.nameOf(e));
    const names: string[] = [];
    const entries: Array<[number, number]> = [];
    const seen = new Set<string>();
    let size = 20;
    for (const [id, name] of wanted) {
      const key = `${id}:${name}`;
      if (seen.has(key)) continue;
      let index = names.indexOf(name);
      const cost = String(id).length + 4 + (index < 0 ? name.length + 3 : 0);
      if (size + cost > CARRY_CHARS) continue;
      if (index < 0) index = names.push(name) - 1;
      entries.push([id, index]);
      seen.add(key);
      size += cost;
    }
    return entries.length > 0 ? { n: names, e: entries } : undefined;
  }

  restore(saved: unknown): void {
    if (!saved || typeof saved !== 'object') return;
    const { n, e } = saved as { n?: unknown; e?: unknown };
    if (!Array.isArray(n) || !Array.isArray(e)) return;
    for (const entry of e) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'number' || typeof entry[1] !== 'number') continue;
      const tagged = n[entry[1]];
      if (typeof tagged !== 'string' || tagged.length < 2) continue;
      const tag = tagged[0];
      const name = tagged.slice(1);
      if (tag === '=') this.owners.set(entry[0], name);
      else if (tag === 'M' || tag === 'P') this.open.set(entry[0], { kind: tag === 'M' ? 'Map' : 'Parallel', name });
    }
  }
}
