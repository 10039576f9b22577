import * as z from 'zod';

/** The normalised execution state every backend maps its own status to (architecture §5). */
export const NORMALISED_STATES = ['running', 'succeeded', 'failed', 'timed_out', 'aborted', 'waiting', 'pending'] as const;
export type NormalisedState = (typeof NORMALISED_STATES)[number];

export function stateField(howMapped?: string) {
  return z
    .enum(NORMALISED_STATES)
    .describe(`Normalised state, the same vocabulary across every backend.${howMapped ? ` ${howMapped}` : ''}`);
}
