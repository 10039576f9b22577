import { ToolError } from '../server/errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** ISO-8601 or a relative age like "90m", "2h", "7d" (meaning that long ago). Returns epoch ms. */
export function parseTimeBound(value: string, field: string, now = Date.now()): number {
  const trimmed = value.trim();
  const relative = /^(\d{1,6})\s*([smhdw])$/i.exec(trimmed);
  if (relative) {
    const amount = Number(relative[1]);
    const unit = UNIT_MS[(relative[2] ?? '').toLowerCase()] ?? 0;
    return now - amount * unit;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const parsed = Date.parse(trimmed);
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw new ToolError(
    `${field} must be an ISO-8601 date-time (e.g. 2026-11-20T09:30:00Z) or a relative age such as 30m, 2h or 7d; got "${value.slice(0, 60)}".`,
  );
}
