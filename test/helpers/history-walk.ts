import { expect } from 'vitest';
import type { ToolCallResult } from './harness.js';

/** What the history tests read of an event. */
export interface SeenEvent {
  id: number;
  type: string;
  stateName?: string;
  outcome?: string;
}

/** Every event get_execution_history returns for `args`, following nextToken to the end (each call must succeed). */
export async function historyEvents(call: (name: string, args: Record<string, unknown>) => Promise<ToolCallResult>, args: Record<string, unknown>): Promise<SeenEvent[]> {
  const events: SeenEvent[] = [];
  let token: string | undefined;
  let calls = 0;
  do {
    const r = await call('get_execution_history', { ...args, ...(token ? { startingToken: token } : {}) });
    expect(r.isError, r.text).toBeUndefined();
    events.push(...(r.structured?.events as SeenEvent[]));
    token = r.structured?.nextToken as string | undefined;
    expect((calls += 1)).toBeLessThan(1000);
  } while (token);
  return events;
}
