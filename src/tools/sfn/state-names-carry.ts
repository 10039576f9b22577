/**
 * The compact form in which StateNameIndex hands what it knows to a continuation token:
 * `{ n: names, e: [[id, nameIndex, scope?], ...] }`, each name stored once, capped at about 1.5 KB.
 * A name is tagged by its first character with what the event is:
 * - `M`/`P`: a Map/Parallel *StateStarted still open, and its state;
 * - `m`/`p`: a Map/Parallel *StateStarted that has ended;
 * - `E`: a Map/Parallel *StateEntered (a start that follows it is a first attempt);
 * - `x`: a Map/Parallel end event (a caught container's exit links to it);
 * - `F`: a failed container's end, named after the state where its failure ran (scope: where that was);
 * - `=`: any other event, and the state it belongs to.
 * The scope, when present, is the *StateStarted of the Map or Parallel the event ran inside (0: the top level).
 */

export interface CarryEntry {
  id: number;
  tag: string;
  name: string;
  scope: number | undefined;
}

const CARRY_CHARS = 1500;

/**
 * Packs `wanted` (most useful first) as far as the cap allows. An entry's scope, when not given,
 * is `scopeOf(id)`. Undefined when there is nothing to carry.
 */
export function packCarry(wanted: Array<[number, string, number?]>, scopeOf: (id: number) => number | undefined): unknown {
  const names: string[] = [];
  const entries: Array<[number, number] | [number, number, number]> = [];
  const seen = new Set<string>();
  let size = 20;
  for (const entry of wanted) {
    const [id, name] = entry;
    const key = `${id}:${name}`;
    if (seen.has(key)) continue;
    let index = names.indexOf(name);
    const scope = entry.length > 2 ? entry[2] : scopeOf(id);
    const cost = String(id).length + 4 + (index < 0 ? name.length + 3 : 0) + (scope === undefined ? 0 : String(scope).length + 1);
    if (size + cost > CARRY_CHARS) continue;
    if (index < 0) index = names.push(name) - 1;
    entries.push(scope === undefined ? [id, index] : [id, index, scope]);
    seen.add(key);
    size += cost;
  }
  return entries.length > 0 ? { n: names, e: entries } : undefined;
}

/** The entries of a packed carry; whatever is malformed (it came back from a client) is skipped. */
export function unpackCarry(saved: unknown): CarryEntry[] {
  if (!saved || typeof saved !== 'object') return [];
  const { n, e } = saved as { n?: unknown; e?: unknown };
  if (!Array.isArray(n) || !Array.isArray(e)) return [];
  const out: CarryEntry[] = [];
  for (const entry of e) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'number' || typeof entry[1] !== 'number') continue;
    const tagged = n[entry[1]];
    if (typeof tagged !== 'string' || tagged.length < 1) continue;
    out.push({ id: entry[0], tag: tagged[0] ?? '', name: tagged.slice(1), scope: typeof entry[2] === 'number' ? entry[2] : undefined });
  }
  return out;
}
