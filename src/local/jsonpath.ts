import type { Json } from './library.js';

/**
 * A small reference-path evaluator ($, $.a.b, $['a'], $.a[0]) for what the engine must know before
 * the library does: a Map's item count and the duration of a path-based Wait. Anything fancier
 * (filters, wildcards, $$ context paths) is reported as unsupported and the caller falls back.
 */

export type PathSegment = string | number;

export function parseReferencePath(path: string): PathSegment[] | undefined {
  if (!path.startsWith('$') || path.startsWith('$$')) return undefined;
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^[A-Za-z_][\w-]*/.exec(path.slice(i + 1));
      if (!m) return undefined;
      segments.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const index = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[(['"])((?:(?!\1).)*)\1\]/.exec(rest);
      if (index) {
        segments.push(Number(index[1]));
        i += index[0].length;
      } else if (quoted) {
        segments.push(quoted[2] ?? '');
        i += quoted[0].length;
      } else return undefined;
    } else return undefined;
  }
  return segments;
}

export function evaluatePath(path: string, value: Json): { ok: true; value: Json } | { ok: false } {
  const segments = parseReferencePath(path);
  if (!segments) return { ok: false };
  let current: Json = value;
  for (const seg of segments) {
    if (typeof seg === 'number') {
      if (!Array.isArray(current) || seg >= current.length) return { ok: false };
      current = current[seg] as Json;
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !(seg in current)) return { ok: false };
      current = current[seg] as Json;
    }
  }
  return { ok: true, value: current };
}
