import type * as z from 'zod';
import type { Backends } from '../backends/index.js';
import type { Config, Toolset } from '../config.js';
import type { CursorCodec } from '../paging/token.js';
import type { ErrorHints } from './errors.js';
import type { UntrustedFence } from './render.js';

/** What a tool does to the outside world; annotations are derived from it, never hand-written. */
export type Operation = 'read' | 'write' | 'destructive';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export function annotationsFor(operation: Operation): ToolAnnotations {
  switch (operation) {
    case 'read':
      return { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
    case 'write':
      return { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
    case 'destructive':
      return { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true };
  }
}

/** Everything a handler may use. Backends are reached only through ctx.backends. */
export interface ToolContext {
  config: Config;
  backends: Backends;
  signal: AbortSignal;
  /** Epoch ms after which list tools stop paging and return what they have. */
  deadlineAt: number;
  /** Identity of the caller (HTTP token client id), bound into continuation tokens. */
  principal: string | undefined;
  cursors: CursorCodec;
  fence: UntrustedFence;
  /** Sends a progress notification if the client asked for them; otherwise does nothing. */
  progress(progress: number, message: string): Promise<void>;
  /**
   * Counts one write against the per-process limit, or throws a refusal. Write tools call it right
   * before the backend write, so a call refused earlier (bad input, nothing to stop) costs nothing.
   */
  spendWrite(): void;
  /**
   * Takes back the writes this call spent: the backend certainly carried none of them out (a 429
   * on every attempt, a stop refused because the execution had ended). Errors the backend refused
   * outright on the first attempt are taken back without it.
   */
  refundWrites(): void;
  /** A line for the end of the answer's text ("Note: …"): something the model must know about it. */
  note(text: string): void;
}

export interface ToolOutput<O> {
  structured: O;
  /** Compact rendering for the model: one line per item, then the continuation hint. */
  text: string;
}

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  toolset: Toolset;
  operation: Operation;
  inputSchema: I;
  outputSchema: O;
  /** Advice appended to backend errors, keyed by error code or kind. */
  errorHints?: ErrorHints;
  handler(args: z.output<I>, ctx: ToolContext): Promise<ToolOutput<z.input<O>>>;
}

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(def: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return def;
}
