import { Transform, type TransformCallback } from 'node:stream';
import { INVALID_REQUEST } from '@modelcontextprotocol/server';
import { rejectionOf, type Rejection } from './message-check.js';

export interface LineGateOptions {
  /** Longest line passed on; a longer one is dropped whole and refused. */
  maxLineBytes: number;
  /** A line that was not passed on (too long, not JSON, not JSON-RPC), with the error that answers it. */
  onRejected(rejection: Rejection, bytes: number): void;
  /** Awaited when the input ends, before the end is passed on (lets calls in flight answer). */
  beforeEnd(): Promise<void>;
  /** What to wait for before the next line goes on, or undefined to go on now (see startStdio). */
  holdInput?(): Promise<void> | undefined;
}

const HEAD_BYTES = 4096;
const LINES_BEFORE_YIELD = 32;
/** Requests read but held back (answers unread) past which stdin is not read until they go on. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/**
 * Sits between stdin and the MCP stdio transport. The SDK's transport closes the whole connection
 * when one line outgrows its buffer, drops lines that are not JSON-RPC without an answer, and
 * answers nothing once stdin has ended; this passes good lines through unchanged, refuses the
 * others with a JSON-RPC error (so the server survives them and the client is not left waiting),
 * and holds the end of input until the calls already sent have answered.
 */
export class LineGate extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an oversized line: its head, its latest tail, and how many bytes were dropped so far. */
  private dropping: { head: string; tail: Buffer; bytes: number } | undefined;
  private firstLine = true;
  /** Lines (and refusals) not handed on yet, in order: they wait while answers are unread. */
  private queue: Array<{ bytes: number; handle: () => void }> = [];
  private queuedBytes = 0;
  private draining = false;
  /** The input has ended: holds no longer apply. */
  private ending = false;
  /** The callback that lets stdin be read again, held while too much waits in the queue. */
  private readMore: TransformCallback | undefined;
  private whenDrained: (() => void) | undefined;
  /** The drain waiting for the host to read, to go on at once when the input ends. */
  private heldStep: (() => void) | undefined;
  /** Whether an initialize request has gone to the server on this connection. */
  private readonly connection = { initialized: false };

  constructor(private readonly options: LineGateOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, newline < 0 ? chunk.length : newline + 1);
      if (this.dropping) {
        this.dropping.bytes += piece.length;
        this.dropping.tail = Buffer.concat([this.dropping.tail, piece]).subarray(-HEAD_BYTES);
      } else if (this.pendingBytes + piece.length > this.options.maxLineBytes) {
        const whole = Buffer.concat([...this.pending, piece]);
        this.dropping = { head: whole.subarray(0, HEAD_BYTES).toString('utf8'), tail: whole.subarray(-HEAD_BYTES), bytes: whole.length };
        this.pending = [];
        this.pendingBytes = 0;
      } else {
        this.pending.push(piece);
        this.pendingBytes += piece.length;
      }
      if (newline < 0) break;
      if (this.dropping) {
        const dropped = this.dropping;
        this.dropping = undefined;
        this.enqueue(0, () => this.refuseOversized(dropped));
      } else {
        const line = Buffer.concat(this.pending);
        this.enqueue(line.length, () => this.passOn(line));
      }
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
    }
    // Lines wait while answers are unread (holdInput); past a limit, stdin is not read either.
    if (this.queuedBytes > MAX_QUEUED_BYTES) this.readMore = done;
    else done();
  }

  override _flush(done: TransformCallback): void {
    // A last line without its newline still counts as a message (the transport parses only
    // complete lines); an oversized one cut off by the end is still reported.
    const dropped = this.dropping;
    this.dropping = undefined;
    if (dropped) this.enqueue(0, () => this.refuseOversized(dropped));
    else if (this.pendingBytes > 0) {
      const line = Buffer.concat([...this.pending, Buffer.from('\n')]);
      this.enqueue(line.length, () => this.passOn(line));
    }
    // The host has sent all it will: what waits goes on now, unread answers or not.
    this.ending = true;
    // Let the last lines reach the server before waiting for the calls they started.
    const end = () => setImmediate(() => void this.options.beforeEnd().then(() => done()));
    if (!this.draining && this.queue.length === 0) {
      end();
      return;
    }
    this.whenDrained = end;
    const held = this.heldStep;
    this.heldStep = undefined;
    if (held) held();
    else this.drain();
  }

  private enqueue(bytes: number, handle: () => void): void {
    this.queue.push({ bytes, handle });
    this.queuedBytes += bytes;
    this.drain();
  }

  /** Hands the queued lines on in order, waiting while holdInput says answers are unread. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    let passed = 0;
    const step = (): void => {
      for (let next = this.queue[0]; next !== undefined; next = this.queue[0]) {
        const hold = this.ending ? undefined : this.options.holdInput?.();
        if (hold) {
          // Resumed by whichever comes first: the host reading, or the input ending (_flush).
          this.heldStep = step;
          void hold.then(() => {
            if (this.heldStep !== step) return;
            this.heldStep = undefined;
            step();
          });
          return;
        }
        // Many small requests arrive together: let those passed on answer before the next go,
        // so that the hold sees their answers queued.
        if (passed === LINES_BEFORE_YIELD && this.options.holdInput) {
          passed = 0;
          setImmediate(step);
          return;
        }
        this.queue.shift();
        this.queuedBytes -= next.bytes;
        next.handle();
        passed += 1;
        const readMore = this.readMore;
        if (readMore && this.queuedBytes <= MAX_QUEUED_BYTES) {
          this.readMore = undefined;
          readMore();
        }
      }
      this.draining = false;
      const drained = this.whenDrained;
      this.whenDrained = undefined;
      drained?.();
    };
    step();
  }

  private passOn(whole: Buffer): void {
    // A byte-order mark before the first message (RFC 8259 lets a parser ignore it) is not part of it.
    const line = this.firstLine && whole[0] === 0xef && whole[1] === 0xbb && whole[2] === 0xbf ? whole.subarray(3) : whole;
    this.firstLine = false;
    const rejection = rejectionOf(line.toString('utf8'), this.connection);
    if (rejection) this.options.onRejected(rejection, line.length);
    else this.push(line);
  }

  private refuseOversized({ head, tail, bytes }: { head: string; tail: Buffer; bytes: number }): void {
    const id = requestIdIn({ head, tail: tail.toString('utf8') }) ?? null;
    this.options.onRejected({ id, code: INVALID_REQUEST, message: `Request refused: ${bytes} bytes is more than the ${this.options.maxLineBytes} bytes a message may have.` }, bytes);
  }
}

const ID_VALUE = String.raw`("(?:[^"\\]|\\.){0,200}"|-?\d{1,20})`;
/** "id" as a member of the top-level object, before any nested object or array opens. */
const ID_FIRST = new RegExp(String.raw`^\s*\{(?:[^{}\[\]"]|"(?:[^"\\]|\\.)*")*?"id"\s*:\s*` + ID_VALUE);
/** "id" as the last member of the top-level object (where the MCP SDK client puts it). */
const ID_LAST = new RegExp(String.raw`"id"\s*:\s*` + ID_VALUE + String.raw`\s*\}\s*$`);

/** The id of a JSON-RPC request whose text is too long to parse, from its first or last bytes. */
export function requestIdIn(ends: { head: string; tail: string }): string | number | undefined {
  const match = ID_FIRST.exec(ends.head) ?? ID_LAST.exec(ends.tail.replace(/\r?\n$/, ''));
  if (!match?.[1]) return undefined;
  try {
    return JSON.parse(match[1]) as string | number;
  } catch {
    return undefined;
  }
}
