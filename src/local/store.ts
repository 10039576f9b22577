import type { LocalStateMachine } from './definitions.js';
import type { WireEvent } from './history.js';

/**
 * The execution store. Memory-lean: ARNs are derived, not stored; a finished execution's history is
 * frozen into JSON strings (one byte per character for ASCII) and parsed again only when read,
 * with a small cache for paging through one long history.
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/**
 * Events frozen into one string each chunk: a whole history in one string can pass V8's longest
 * string (~536 million characters: a big inline Map of 245 KB items), and JSON.stringify then
 * throws. An event holds at most a few payloads of 256 KiB, so a chunk stays far below that.
 */
const EVENTS_PER_CHUNK = 200;

export class HistoryLog {
  private live: WireEvent[] | undefined = [];
  private frozen: string[] | undefined;
  length = 0;
  /** About how many characters the events hold (their payloads, mostly): what the run's memory grows with. */
  chars = 0;

  append(event: WireEvent): void {
    if (!this.live) return;
    this.live.push(event);
    this.length += 1;
    this.chars += approximateChars(event);
  }

  freeze(): void {
    if (!this.live) return;
    const chunks: string[] = [];
    for (let at = 0; at < this.live.length; at += EVENTS_PER_CHUNK) chunks.push(JSON.stringify(this.live.slice(at, at + EVENTS_PER_CHUNK)));
    this.frozen = chunks;
    this.chars = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    this.live = undefined;
  }

  /** Characters the history holds: exactly once frozen, about them before (one that could not be frozen counts too). */
  get frozenChars(): number {
    return this.chars;
  }

  events(cache: ParsedHistoryCache): WireEvent[] {
    if (this.live) return this.live;
    const frozen = this.frozen ?? [];
    return cache.get(this, () => frozen.flatMap((chunk) => JSON.parse(chunk) as WireEvent[]));
  }
}

/** An event's strings, two levels down (its details and their members), and a little for the rest. */
function approximateChars(event: WireEvent): number {
  let chars = 100;
  for (const value of Object.values(event)) {
    if (typeof value === 'string') chars += value.length;
    else if (typeof value === 'object' && value !== null) {
      for (const member of Object.values(value)) chars += typeof member === 'string' ? member.length : 20;
    }
  }
  return chars;
}

/**
 * Keeps the last few parsed histories so paging through one costs one parse; fewer when they are
 * big (a parsed history takes several times its frozen characters), the one just read always.
 */
export class ParsedHistoryCache {
  private readonly entries = new Map<HistoryLog, WireEvent[]>();
  constructor(
    private readonly size = 4,
    private readonly maxChars = 50_000_000,
  ) {}

  get(log: HistoryLog, parse: () => WireEvent[]): WireEvent[] {
    const hit = this.entries.get(log);
    if (hit) {
      this.entries.delete(log);
      this.entries.set(log, hit);
      return hit;
    }
    const events = parse();
    this.entries.set(log, events);
    let chars = 0;
    for (const cached of this.entries.keys()) chars += cached.frozenChars;
    for (const oldest of this.entries.keys()) {
      if (oldest === log || (this.entries.size <= this.size && chars <= this.maxChars)) break;
      chars -= oldest.frozenChars;
      this.entries.delete(oldest);
    }
    return events;
  }
}

export interface RunControl {
  stop(error: string | undefined, cause: string | undefined): number;
}

export class ExecutionRecord {
  status: ExecutionStatus = 'RUNNING';
  stopDate: number | undefined = undefined;
  output: string | undefined = undefined;
  error: string | undefined = undefined;
  cause: string | undefined = undefined;
  control: RunControl | undefined = undefined;
  readonly history = new HistoryLog();

  constructor(
    readonly seq: number,
    readonly machine: LocalStateMachine,
    readonly name: string,
    readonly input: string,
    readonly startDate: number,
    readonly traceHeader: string | undefined,
  ) {}

  get arn(): string {
    return this.machine.executionArnPrefix + this.name;
  }
}

/** Ended executions kept, by count and by characters held (inputs, outputs, histories); beyond either
 * the oldest ended are dropped, so a long-running server's memory stays bounded. */
export const MAX_ENDED_EXECUTIONS = 10_000;
export const MAX_ENDED_CHARS = 200_000_000;

export class ExecutionStore {
  private seq = 0;
  /** Per state machine: executions in start order (newest last), and by name. */
  private readonly byMachine = new Map<string, { list: ExecutionRecord[]; byName: Map<string, ExecutionRecord> }>();
  /** Ended executions, in the order they ended. */
  private readonly endedOrder: ExecutionRecord[] = [];
  private endedChars = 0;
  readonly parsed = new ParsedHistoryCache();

  constructor(
    private readonly maxEnded = MAX_ENDED_EXECUTIONS,
    /** Also one execution's history at most (about: payloads counted as recorded), so the store can hold one. */
    readonly maxChars = MAX_ENDED_CHARS,
  ) {}

  /** Records that an execution ended; drops the oldest ended ones (in batches) past the limits. */
  ended(record: ExecutionRecord): void {
    this.endedOrder.push(record);
    this.endedChars += charsOf(record);
    const batch = Math.ceil(this.maxEnded / 20);
    if (this.endedOrder.length <= this.maxEnded + batch && this.endedChars <= this.maxChars) return;
    let keep = Math.min(this.endedOrder.length, this.maxEnded);
    let chars = this.endedChars;
    // Drop from the oldest until both limits hold (by count, then down to 90% of the characters).
    let cut = this.endedOrder.length - keep;
    for (let i = 0; i < cut; i += 1) chars -= charsOf(this.endedOrder[i] as ExecutionRecord);
    while (chars > this.maxChars * 0.9 && cut < this.endedOrder.length - 1) {
      chars -= charsOf(this.endedOrder[cut] as ExecutionRecord);
      cut += 1;
    }
    keep = this.endedOrder.length - cut;
    this.endedChars = chars;
    const dropped = new Set(this.endedOrder.splice(0, this.endedOrder.length - keep));
    for (const bucket of this.byMachine.values()) {
      if (!bucket.list.some((r) => dropped.has(r))) continue;
      bucket.list = bucket.list.filter((r) => !dropped.has(r));
      for (const r of dropped) if (bucket.byName.get(r.name) === r) bucket.byName.delete(r.name);
    }
  }

  add(machine: LocalStateMachine, name: string, input: string, startDate: number, traceHeader: string | undefined): ExecutionRecord {
    const record = new ExecutionRecord(++this.seq, machine, name, input, startDate, traceHeader);
    let bucket = this.byMachine.get(machine.name);
    if (!bucket) {
      bucket = { list: [], byName: new Map() };
      this.byMachine.set(machine.name, bucket);
    }
    bucket.list.push(record);
    bucket.byName.set(name, record);
    return record;
  }

  get(machineName: string, executionName: string): ExecutionRecord | undefined {
    return this.byMachine.get(machineName)?.byName.get(executionName);
  }

  /** Executions of one machine, oldest first (callers walk it backwards for newest first). */
  list(machineName: string): readonly ExecutionRecord[] {
    return this.byMachine.get(machineName)?.list ?? [];
  }

  running(): ExecutionRecord[] {
    const out: ExecutionRecord[] = [];
    for (const { list } of this.byMachine.values()) for (const r of list) if (r.status === 'RUNNING') out.push(r);
    return out;
  }

  get size(): number {
    return this.seq;
  }
}

function charsOf(record: ExecutionRecord): number {
  return record.input.length + (record.output?.length ?? 0) + record.history.frozenChars;
}
