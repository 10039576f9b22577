import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { detailsOf } from './history-events.js';
import { text } from './views.js';

/** Entries of each kind a continuation carries. */
const CARRY_ENTRIES = 16;
/** Characters of Map state names a continuation carries (a backend's names may be longer than AWS allows). */
const CARRY_NAME_CHARS = 1000;
/** The end of a Map attempt: its failure, or the start of a retry of the whole Map. */
const ATTEMPT_END = /^MapState(Failed|Started)$/;

/** The end of a Map attempt, by the failure it links to (read here), or carried with its outcome code. */
export interface AttemptEnd {
  end: number;
  failure?: number;
  carried?: { name: string; code: string };
}

/**
 * Which attempt of a Map each failed item ran in, so that the items that failed beside the one the
 * Map reacted to share its outcome. When several items fail, the Map's failure (MapStateFailed, or
 * the MapStateStarted of a retry of the whole Map) links to one item's failure, beside that item's
 * MapIterationFailed (the lead); the other items' MapIterationFailed are followed by nothing. Each
 * is written before its attempt ends: it belongs to the first attempt end of a Map of the same name
 * after it. An end's Map is known from the MapIterationFailed beside it. (Two runs of one Map at
 * once, a Map inside a Map's items, share a name: an item may then be given the other run's outcome.)
 */
export class MapAttempts {
  /** MapIterationFailed read → its Map state's name and the failure it follows. */
  private readonly items = new Map<number, { name: string; prev: number | undefined }>();
  /** An item's failure → its Map state's name (read here, or carried). */
  private readonly nameAfter = new Map<number, string>();
  /** A failure → the attempt end that links to it. */
  private readonly endAfter = new Map<number, number>();
  private readonly ends: AttemptEnd[] = [];
  /** The oldest event read: newest first, what lies below is read by later calls. */
  private oldestRead: number | undefined;
  /** Ids of the last page read: a continuation re-reads it from its cursor. */
  private lastPage = new Set<number>();

  constructor(private readonly newestFirst: boolean) {}

  observe(events: HistoryEvent[]): void {
    this.lastPage = new Set();
    for (const e of events) {
      if (e.id !== undefined) this.lastPage.add(e.id);
      this.observeEvent(e);
    }
  }

  private observeEvent(e: HistoryEvent): void {
    const type = e.type ?? '';
    const prev = e.previousEventId || undefined;
    if (e.id === undefined) return;
    if (this.oldestRead === undefined || e.id < this.oldestRead) this.oldestRead = e.id;
    if (prev === undefined) return;
    if (type === 'MapIterationFailed') {
      const name = text(detailsOf(e)?.name);
      if (name === undefined) return;
      this.items.set(e.id, { name, prev });
      this.nameAfter.set(prev, name);
    } else if (ATTEMPT_END.test(type) && !this.endAfter.has(prev)) {
      this.endAfter.set(prev, e.id);
      this.ends.push({ end: e.id, failure: prev });
    }
  }

  /** The MapIterationFailed events read that no attempt end links beside: items that may have failed with a lead. */
  *siblings(): Iterable<number> {
    for (const id of this.items.keys()) if (this.isSibling(id)) yield id;
  }

  /** For an item failure that is not a lead: the end of its attempt, once read (or carried) and certain. */
  attemptOf(id: number): AttemptEnd | undefined {
    return this.awaitsLead(id) ? undefined : this.namedEndAfter(id);
  }

  /**
   * Newest first: an item failure that may have failed beside the lead of an attempt end read whose
   * lead is not read yet (its Map's name not known): its attempt is not known here.
   */
  awaitsLead(id: number): boolean {
    if (!this.newestFirst || !this.isSibling(id)) return false;
    const known = this.namedEndAfter(id);
    return this.leadsUnread().some((end) => end.end > id && (known === undefined || end.end < known.end));
  }

  private isSibling(id: number): boolean {
    const item = this.items.get(id);
    return item !== undefined && (item.prev === undefined || !this.endAfter.has(item.prev));
  }

  /** The first attempt end after a non-lead item failure whose Map is the item's. */
  private namedEndAfter(id: number): AttemptEnd | undefined {
    const item = this.items.get(id);
    if (!item || !this.isSibling(id)) return undefined;
    let found: AttemptEnd | undefined;
    for (const end of this.ends) if (end.end > id && (found === undefined || end.end < found.end) && this.nameOf(end) === item.name) found = end;
    return found;
  }

  /**
   * What the next call needs. Newest first (older events next): each Map's oldest attempt end, with
   * its outcome code, and the ends whose lead is not read yet. Oldest first (newer events next): the
   * Map of each item failure whose attempt end is not read yet, or is read again with the last page.
   */
  save(codeOf: (end: AttemptEnd) => string): unknown {
    if (!this.newestFirst) {
      const pending = ([failure]: [number, string]) => {
        const end = this.endAfter.get(failure);
        return end === undefined || this.lastPage.has(end);
      };
      const p = withinBudget([...this.nameAfter].filter(pending).sort((a, b) => a[0] - b[0]), ([, name]) => name);
      return p.length > 0 ? { p } : undefined;
    }
    const oldest = new Map<string, AttemptEnd>();
    for (const end of this.ends) {
      const name = this.nameOf(end);
      const known = name === undefined ? undefined : oldest.get(name);
      if (name !== undefined && (known === undefined || end.end < known.end)) oldest.set(name, end);
    }
    const s = withinBudget([...oldest].sort((a, b) => a[1].end - b[1].end), ([name]) => name).map(([name, end]) => [end.end, name, codeOf(end)]);
    const l = this.leadsUnread().sort((a, b) => a.end - b.end).slice(0, CARRY_ENTRIES).map((end) => [end.failure, end.end]);
    return s.length === 0 && l.length === 0 ? undefined : { ...(s.length > 0 && { s }), ...(l.length > 0 && { l }) };
  }

  restore(saved: unknown): void {
    if (!saved || typeof saved !== 'object') return;
    const { s, l, p } = saved as Record<string, unknown>;
    for (const [end, name, code] of entries(s)) {
      if (isId(end) && typeof name === 'string' && typeof code === 'string') this.ends.push({ end, carried: { name, code } });
    }
    for (const [failure, end] of entries(l)) {
      if (!isId(failure) || !isId(end) || this.endAfter.has(failure)) continue;
      this.endAfter.set(failure, end);
      this.ends.push({ end, failure });
    }
    for (const [failure, name] of entries(p)) if (isId(failure) && typeof name === 'string') this.nameAfter.set(failure, name);
  }

  private nameOf(end: AttemptEnd): string | undefined {
    return end.carried?.name ?? (end.failure === undefined ? undefined : this.nameAfter.get(end.failure));
  }

  /** Newest first: attempt ends whose failure is not read yet, so neither is the lead item between them. */
  private leadsUnread(): AttemptEnd[] {
    const oldest = this.oldestRead;
    return this.ends.filter((end) => end.failure !== undefined && oldest !== undefined && end.failure < oldest && !this.nameAfter.has(end.failure));
  }
}

/** The first entries, up to CARRY_ENTRIES of them and CARRY_NAME_CHARS of names. */
function withinBudget<T>(list: T[], nameOf: (entry: T) => string): T[] {
  const kept: T[] = [];
  let chars = 0;
  for (const entry of list) {
    chars += nameOf(entry).length;
    if (kept.length >= CARRY_ENTRIES || chars > CARRY_NAME_CHARS) break;
    kept.push(entry);
  }
  return kept;
}

function entries(value: unknown): unknown[][] {
  return Array.isArray(value) ? value.slice(0, CARRY_ENTRIES).filter((entry): entry is unknown[] => Array.isArray(entry)) : [];
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
