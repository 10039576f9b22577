import * as z from 'zod';

/** The paginator fields every list tool takes (the AWS SDK paginator's, flattened). */
/** Longest continuation token: a backend's own token (AWS: up to 1024 characters) plus our cursor, in base64. */
export const MAX_TOKEN_CHARS = 16_384;

export function pagingInput(opts: { defaultMaxItems: number; maxPageSize: number; minPageSize?: number; itemNoun: string }) {
  return {
    maxItems: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(opts.defaultMaxItems)
      .describe(`Most ${opts.itemNoun} to return in this call (default ${opts.defaultMaxItems}). The answer may hold fewer if it would exceed the response budget; nextToken then continues.`),
    pageSize: z
      .number()
      .int()
      .min(opts.minPageSize ?? 1)
      .max(opts.maxPageSize)
      .optional()
      .describe(
        `Backend page size used while collecting (at most ${opts.maxPageSize}). Default: as many as this call can still return, or ${opts.maxPageSize} when a filter applies. Rarely needed.`,
      ),
    startingToken: z
      .string()
      .min(1)
      .max(MAX_TOKEN_CHARS)
      .optional()
      .describe('nextToken from a previous call, to continue exactly where it stopped. Repeat the other arguments unchanged.'),
  };
}

export const STOP_REASONS = ['exhausted', 'maxItems', 'responseBudget', 'timeWindow', 'deadline', 'cancelled'] as const;

export const pagingOutput = {
  nextToken: z.string().optional().describe('Present when more items exist: pass it as startingToken to continue.'),
  stopReason: z.enum(STOP_REASONS).describe('Why collection stopped.'),
  pagesFetched: z.number().int().describe('Backend pages fetched by this call.'),
  itemsScanned: z.number().int().describe('Backend items examined by this call (including ones filtered out).'),
};

/** Arguments that identify a listing, i.e. everything but the paging knobs (and the payload cut and includeError, which only shape the answer). */
export function fingerprintOf(args: Record<string, unknown>): Record<string, unknown> {
  const { maxItems: _maxItems, pageSize: _pageSize, startingToken: _startingToken, maxPayloadChars: _maxPayloadChars, includeError: _includeError, ...rest } = args;
  return rest;
}
