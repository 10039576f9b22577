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
  /** Whether an initialize request has gone to the server on this connection. */
  private readonly connection = { initialized: false };

  constructor(private readonly options: LineGateOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.consume(chunk, 0, done);
  }

  /** Passes on the lines of `chunk` from `start`; a hold pauses it, and with it the reading of stdin. */
  private consume(chunk: Buffer, from: number, done: TransformCallback): void {
    let start = from;
    let linesPassed = 0;
    for (;;) {
      const hold = this.options.holdInput?.();
      if (hold) {
        void hold.then(() => this.consume(chunk, start, done));
        return;
      }
      // A chunk holds up to a thousand small requests: let the ones passed on answer before the
      // next go, so that the hold sees their answers queued.
      if (linesPassed === LINES_BEFORE_YIELD && this.options.holdInput) {
        setImmediate(() => this.consume(chunk, start, done));
        return;
      }
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
        this.refuseOversized();
      } else {
        this.passOn(Buffer.concat(this.pending));
        this.pending = [];
        this.pendingBytes = 0;
      }
      start = newline + 1;
      linesPassed += 1;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    // A last line without its newline still counts as a message (the transport parses only
    // complete lines); an oversized one cut off by the end is still reported.
    if (this.dropping) this.refuseOversized();
    else if (this.pendingBytes > 0) this.passOn(Buffer.concat([...this.pending, Buffer.from('\n')]));
    // Let the last lines reach the server before waiting for the calls they started.
    setImmediate(() => {
      void this.options.beforeEnd().then(() => done());
    });
  }

  private passOn(whole: Buffer): void {
    // A byte-order mark before the first message (RFC 8259 lets a parser ignore it) is not part of it.
    const line = this.firstLine && whole[0] === 0xef && whole[1] === 0xbb && whole[2] === 0xbf ? whole.subarray(3) : whole;
    this.firstLine = false;
    const rejection = rejectionOf(line.toString('utf8'), this.connection);
    if (rejection) this.options.onRejected(rejection, line.length);
    else this.push(line);
  }

  private refuseOversized(): void {
    const { head, tail, bytes } = this.dropping ?? { head: '', tail: Buffer.alloc(0), bytes: 0 };
    this.dropping = undefined;
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
