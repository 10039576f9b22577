import { expect } from 'vitest';
import type { ToolCallResult } from '../helpers/harness.js';

interface Lists {
  annotations?: Record<string, string>;
  mcpIntegrations?: Array<{ failureMessage?: unknown }>;
  usedEnvironments?: Array<{ environmentId?: string }>;
  listed?: Record<string, number>;
}

/**
 * What get_agent_execution's text shows of its lists is what structuredContent holds: a line for
 * each used environment and each failing MCP integration, and for a list cut to its first entries a
 * note naming it with the count structuredContent holds. Nothing left out of one behind the text's back.
 */
export function expectListsAgree(r: ToolCallResult): void {
  const d = r.structured as Lists;
  const lines = r.text.split('\n');
  expect(r.text).not.toMatch(/^Note: left out/m);
  expect(r.text).not.toMatch(/<untrusted-data-(\w+)><\/untrusted-data-\1>/);
  expect(lines.filter((l) => l.startsWith('mcp ')).length).toBe((d.mcpIntegrations ?? []).filter((m) => m.failureMessage).length);
  expect(lines.filter((l) => l.startsWith('used environment')).length).toBe((d.usedEnvironments ?? []).filter((u) => u.environmentId).length);
  const held: Record<string, number> = {
    annotations: Object.keys(d.annotations ?? {}).length,
    mcpIntegrations: d.mcpIntegrations?.length ?? 0,
    usedEnvironments: d.usedEnvironments?.length ?? 0,
  };
  const noted = Object.fromEntries(lines.flatMap((l) => [...l.matchAll(/^Note: (\w+) lists the first (\d+) of (\d+) entries/g)].map((m) => [m[1], [Number(m[2]), Number(m[3])]])));
  expect(noted).toEqual(Object.fromEntries(Object.entries(d.listed ?? {}).map(([list, total]) => [list, [held[list], total]])));
}
