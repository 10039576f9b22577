import { Transform, type TransformCallback } from 'node:stream';

export interface LineGateOptions {
  /** Longest line passed on; a longer one is dropped whole and reported. */
  maxLineBytes: number;
  /** A dropped line: its first bytes, to find the request id it carried. */
  onOversized(head: string, bytes: number): void;
  /** Awaited when the input ends, before the end is passed on (lets calls in flight answer). */
  beforeEnd(): Promise<void>;
}

const HEAD_BYTES = 4096;

/**
 * Sits between stdin and the MCP stdio transport. The SDK's transport closes the whole connection
 * when one line outgrows its buffer, and answers nothing once stdin has ended; this passes lines
 * through unchanged, drops an oversized one (so the server survives it), and holds the end of
 * input until the calls already sent have answered.
 */
export class LineGate extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an oversized line: its head, and how many bytes were dropped so far. */
  private dropping: { head: string; bytes: number } | undefined;

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
      } else if (this.pendingBytes + piece.length > this.options.maxLineBytes) {
        const head = Buffer.concat([...this.pending, piece]).subarray(0, HEAD_BYTES).toString('utf8');
        this.dropping = { head, bytes: this.pendingBytes + piece.length };
        this.pending = [];
        this.pendingBytes = 0;
      } else {
        this.pending.push(piece);
        this.pendingBytes += piece.length;
      }
      if (newline < 0) break;
      if (this.dropping) {
        this.options.onOversized(this.dropping.head, this.dropping.bytes);
        this.dropping = undefined;
      } else {
        this.push(Buffer.concat(this.pending));
        this.pending = [];
        this.pendingBytes = 0;
      }
      start = newline + 1;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pendingBytes > 0) this.push(Buffer.concat(this.pending));
    // Let the last lines reach the server before waiting for the calls they started.
    setImmediate(() => {
      void this.options.beforeEnd().then(() => done());
    });
  }
}

/** The id of a JSON-RPC request, from the start of its text (string or number), if it shows. */
export function requestIdIn(head: string): string | number | undefined {
  const match = /"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,20})/.exec(head);
  if (!match?.[1]) return undefined;
  try {
    return JSON.parse(match[1]) as string | number;
  } catch {
    return undefined;
  }
}
