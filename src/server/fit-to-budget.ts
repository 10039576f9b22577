import { answerCost, jsonCost, jsonStringCost, scanCost, textCost } from './budget.js';
import { onOneLine, preambleLine } from './render.js';

/**
 * Last line of defence for the response budget: views cut execution payloads, but a backend can
 * put any length into a field no view expects to be long (a 100k-character name or error), and an
 * execution can hold many payloads. When an answer costs more than the budget, its long values are
 * cut, all to the same largest size that fits (a value shorter than that is left whole), in the
 * structured content and in the text, and the text says so. A payload keeps its contract (the kept
 * start, truncated, fullSize), and its text line says what a view's cut says. Where even values cut
 * to MIN_CAP do not fit, entries and fields are left out, largest first, and the text names them.
 * Continuation tokens are never touched. `fenceId` is the answer's UntrustedFence id: only tags
 * carrying it are the answer's own (data inside a fence can hold any other tag). `valid` tells
 * whether a structured answer with something left out still matches the tool's output schema.
 */
export function fitToBudget<S>(structured: S, text: string, budget: number, fenceId: string, valid: (structured: S) => boolean = () => true): { structured: S; text: string } {
  if (answerCost(structured, text) <= budget) return { structured, text };
  const cutter = new Cutter(structured, text, fenceId);
  let best = cutter.cut(MIN_CAP);
  if (best.cost > budget) return cutter.leaveOut(best, budget, valid) as { structured: S; text: string };
  // The largest cap that fits, to within a few percent: fewer probes, each a pass over the answer.
  let lo = MIN_CAP;
  // No value of an answer within the budget costs more than the budget.
  let hi = Math.min(cutter.maxCost, budget);
  while (hi - lo > Math.max(16, lo >> 5)) {
    const mid = Math.floor((lo + hi) / 2);
    const fitted = cutter.cut(mid);
    if (fitted.cost <= budget) {
      lo = mid;
      best = fitted;
    } else hi = mid;
  }
  // The probes' sums are exact; should one not be, the answer is still not let over the budget.
  if (answerCost(best.structured, best.text) > budget) return cutter.leaveOut(best, budget, valid) as { structured: S; text: string };
  return { structured: best.structured as S, text: best.text };
}

/**
 * Whether cutting long values alone brings the answer within the budget, so that fitToBudget leaves
 * nothing out. A view whose text has a line for each entry of a list sizes the list by it: entries
 * fitToBudget left out of the structured content would still have their lines in the text.
 */
export function fitsByCutting(structured: unknown, text: string, budget: number, fenceId: string): boolean {
  return answerCost(structured, text) <= budget || new Cutter(structured, text, fenceId).cut(MIN_CAP).cost <= budget;
}

/** Values costing this much or less are never cut (enums, dates, ids); below it an answer leaves out entries instead. */
const MIN_CAP = 64;

/** A label, a size note and two fence tags: what a line adds to the value it shows. */
const LINE_FRAME_CHARS = 160;

const CUT_NOTE =
  'Note: long values were cut to keep this answer within the response budget: a cut payload says how much of it is shown, other values end in "… [cut from N chars]" (a line of text: "[line cut from N chars]").';

interface Fitted {
  structured: unknown;
  text: string;
}

/** A fenced value in a line: the whole match (size note, label's colon, tags), the size note's full size, the data. */
interface Fenced {
  whole: string;
  noted: string | undefined;
  data: string;
}

/** One cut of the answer under way: whether anything was cut, what the structured content's cost changed by, payloads cut (by shownKey). */
interface Probe {
  cut: boolean;
  delta: number;
  payloads: Map<string, PayloadShape>;
}

/** A payload as views build it (render.ts payload()). */
interface PayloadShape {
  untrustedData: string;
  truncated?: true;
  fullSize?: number;
}

function isPayload(value: object): value is PayloadShape {
  const p = value as Record<string, unknown>;
  return typeof p.untrustedData === 'string' && Object.keys(p).every((k) => k === 'untrustedData' || k === 'truncated' || k === 'fullSize');
}

/** The end of a label with a view's size note: `label (N chars, first M shown): ` before a fenced value. */
const SIZE_NOTE = /\((\d+) chars, first \d+ shown\): $/;

/** Our own footer (it carries the token, which must stay whole); never a line of execution data. */
const CONTINUATION_HINT = /^\d+ [\w ]+ \([^)]*\); more may exist: call \w+ again with the same arguments and startingToken="[^"<]*"\.$/;

/** The paging fields of a listing: a listing's items are never left out, its nextToken goes on after them. */
const PAGED = 'stopReason';

/** How UntrustedFence.preamble()'s line starts. */
const PREAMBLE_START = 'Text inside <untrusted-data-';

class Cutter {
  readonly maxCost: number;
  private readonly structuredCost: number;
  private readonly lines: string[];
  private readonly open: string;
  private readonly close: string;
  private readonly fixed: Set<number>;
  /** What each string met costs (JSON for values and keys, text for lines and fenced data): the search cuts the same ones again and again. */
  private readonly jsonCosts = new Map<string, number>();
  private readonly textCosts = new Map<string, number>();
  /** A payload's data as a line shows it (onOneLine), by the data. */
  private readonly shownForms = new Map<string, string>();
  /** Each line holding fenced values, in parts: our own text, and each fenced value with its size note. */
  private readonly parts = new Map<number, Array<string | Fenced>>();

  constructor(
    private readonly structured: unknown,
    text: string,
    fenceId: string,
  ) {
    this.open = `<untrusted-data-${fenceId}>`;
    this.close = `</untrusted-data-${fenceId}>`;
    const fenced = new RegExp(`(?: \\((\\d+) chars, first \\d+ shown\\))?: ${escapeRegExp(this.open)}([^]*?)${escapeRegExp(this.close)}`, 'g');
    this.lines = text.split('\n');
    this.lines.forEach((line, i) => {
      if (!line.includes(this.open)) return;
      const parts: Array<string | Fenced> = [];
      let at = 0;
      for (const m of line.matchAll(fenced)) {
        parts.push(line.slice(at, m.index), { whole: m[0], noted: m[1], data: m[2] ?? '' });
        at = m.index + m[0].length;
      }
      parts.push(line.slice(at));
      this.parts.set(i, parts);
    });
    const preamble = preambleLine(fenceId);
    this.fixed = new Set(this.lines.flatMap((line, i) => (line === preamble || CONTINUATION_HINT.test(line) ? [i] : [])));
    let max = MIN_CAP;
    for (const line of this.lines) max = Math.max(max, this.textCostOf(line));
    this.maxCost = Math.max(max, this.largestString(structured));
    this.structuredCost = jsonCost(structured);
  }

  /** The answer with every value and line costing more than `cap` cut, and what it costs. */
  cut(cap: number): Fitted & { cost: number } {
    const probe: Probe = { cut: false, delta: 0, payloads: new Map() };
    const structured = this.shorten(this.structured, '', cap, probe);
    let cost = this.structuredCost + probe.delta + this.lines.length - 1;
    const lines = this.lines.map((line, i) => {
      const shown = this.fixed.has(i) ? line : this.shortenLine(line, this.parts.get(i), cap, probe);
      // Measured from the cache or short: a pass over the whole answer per probe would cost more than the cutting.
      cost += shown === line ? this.textCostOf(line) : textCost(shown);
      return shown;
    });
    if (probe.cut) {
      lines.push(CUT_NOTE);
      cost += textCost(CUT_NOTE) + 1;
    }
    return { structured, text: lines.join('\n'), cost };
  }

  private shorten(value: unknown, key: string, cap: number, probe: Probe): unknown {
    if (typeof value === 'string') {
      if (key === 'nextToken' || this.jsonCostOf(value) <= cap) return value;
      const kept = `${value.slice(0, scanCost(value, true, cap).length)}… [cut from ${value.length} chars]`;
      const saved = this.jsonCostOf(value) - jsonStringCost(kept);
      if (saved <= 0) return value;
      probe.cut = true;
      probe.delta -= saved;
      return kept;
    }
    if (Array.isArray(value)) return value.map((v) => this.shorten(v, key, cap, probe));
    if (value === null || typeof value !== 'object') return value;
    if (isPayload(value)) {
      if (this.jsonCostOf(value.untrustedData) <= cap) return value;
      const kept = value.untrustedData.slice(0, scanCost(value.untrustedData, true, cap).length);
      const p: PayloadShape = { untrustedData: kept, truncated: true, fullSize: value.fullSize ?? value.untrustedData.length };
      // The data is the costly part of the old payload: measured from the cache, the rest as it stands.
      probe.delta += jsonCost(p) - (this.jsonCostOf(value.untrustedData) - 2 + jsonCost({ ...value, untrustedData: '' }));
      probe.payloads.set(this.shownKey(value), p);
      probe.cut = true;
      return p;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      let name = k;
      // A key from the data (an annotation's) can be long too; keys of a schema are far shorter than MIN_CAP.
      if (this.jsonCostOf(k) > cap) {
        const start = k.slice(0, scanCost(k, true, cap).length);
        name = `${start}…`;
        // Two long keys alike up to the cut stay two entries.
        for (let n = 2; Object.hasOwn(out, name); n += 1) name = `${start}…#${n}`;
        probe.cut = true;
        probe.delta += jsonStringCost(name) - this.jsonCostOf(k);
      }
      out[name] = this.shorten(v, k, cap, probe);
    }
    return out;
  }

  /**
   * A line with each fenced value cut to `cap` (a payload the structured content cut shows what that
   * keeps), with a view's size note; a line still longer than that and a frame for each of its fenced
   * values (one at least), and showing no such payload, is cut as a whole. A frame for each: with one
   * for the line, a line of several fields (agent, creator, session) was cut after the first, and the
   * text lost fields structuredContent kept.
   */
  private shortenLine(line: string, parts: Array<string | Fenced> | undefined, cap: number, probe: Probe): string {
    let matched = false;
    let changed = false;
    const fenced = (part: Fenced): string => {
      const p = probe.payloads.get(`${part.noted ?? ''}|${part.data}`);
      if (p !== undefined) {
        matched = true;
        changed = true;
        return this.sizeNoted(p.fullSize ?? p.untrustedData.length, p.untrustedData.length, onOneLine(p.untrustedData));
      }
      if (this.textCostOf(part.data) <= cap) return part.whole;
      changed = true;
      const kept = part.data.slice(0, scanCost(part.data, false, cap).length);
      return this.sizeNoted(part.noted === undefined ? part.data.length : Number(part.noted), kept.length, kept);
    };
    const mapped = parts?.map((part) => (typeof part === 'string' ? part : fenced(part)));
    const shown = changed && mapped !== undefined ? mapped.join('') : line;
    if (shown !== line) probe.cut = true;
    const allowed = Math.max(1, parts?.filter((part) => typeof part !== 'string').length ?? 0) * (cap + LINE_FRAME_CHARS);
    if (matched || (shown === line ? this.textCostOf(line) : textCost(shown)) <= allowed) return shown;
    probe.cut = true;
    return this.cutLine(shown, allowed);
  }

  /** A fenced value after its label, as UntrustedFence.wrap() shows a cut payload. */
  private sizeNoted(fullSize: number, shown: number, data: string): string {
    return ` (${fullSize} chars, first ${shown} shown): ${this.open}${data}${this.close}`;
  }

  /**
   * Where values cut to MIN_CAP still do not fit: the largest entry of a list or record is left out
   * (its last one), or else the largest optional field, or a line of text, until the answer fits.
   */
  leaveOut(fitted: Fitted, budget: number, valid: (structured: never) => boolean): Fitted {
    const structured = fitted.structured;
    const lines = fitted.text.split('\n');
    const left: LeftOut = { entries: new Map(), fields: [], lines: 0 };
    const assemble = (): Fitted => ({ structured, text: [...lines, ...leftOutNote(left)].join('\n') });
    const check = (s: unknown): boolean => valid(s as never);
    for (let answer = assemble(); answerCost(answer.structured, answer.text) > budget; answer = assemble()) {
      const textFirst = textCost(answer.text) > jsonCost(structured);
      const over = answerCost(answer.structured, answer.text) - budget;
      const done = textFirst ? this.dropLine(lines, left) || dropEntries(structured, check, left, over) : dropEntries(structured, check, left, over) || this.dropLine(lines, left);
      if (!done) return answer;
    }
    return assemble();
  }

  /** Leaves out the last line that is neither the first one (it names the object) nor a note, a next step or our own. */
  private dropLine(lines: string[], left: LeftOut): boolean {
    const first = lines.findIndex((line) => !line.startsWith(PREAMBLE_START));
    for (let i = lines.length - 1; i > first; i -= 1) {
      const line = lines[i] as string;
      if (line.startsWith('Note:') || line.startsWith('Next:') || line.startsWith(PREAMBLE_START) || CONTINUATION_HINT.test(line)) continue;
      lines.splice(i, 1);
      left.lines += 1;
      return true;
    }
    return false;
  }

  /** The cost of the costliest string (value or key) in a structured value. */
  private largestString(value: unknown): number {
    if (typeof value === 'string') return this.jsonCostOf(value);
    if (value === null || typeof value !== 'object') return 0;
    let max = 0;
    if (Array.isArray(value)) for (const v of value) max = Math.max(max, this.largestString(v));
    else for (const [k, v] of Object.entries(value)) max = Math.max(max, this.jsonCostOf(k), this.largestString(v));
    return max;
  }

  private jsonCostOf(value: string): number {
    let cost = this.jsonCosts.get(value);
    if (cost === undefined) {
      cost = jsonStringCost(value);
      this.jsonCosts.set(value, cost);
    }
    return cost;
  }

  private textCostOf(value: string): number {
    let cost = this.textCosts.get(value);
    if (cost === undefined) {
      cost = textCost(value);
      this.textCosts.set(value, cost);
    }
    return cost;
  }

  /**
   * How a payload is told in a line: its data as the line shows it, after the full size a view's cut
   * states (two payloads can share their first 2,000 characters).
   */
  private shownKey(p: PayloadShape): string {
    let shown = this.shownForms.get(p.untrustedData);
    if (shown === undefined) {
      shown = onOneLine(p.untrustedData);
      this.shownForms.set(p.untrustedData, shown);
    }
    return `${p.truncated ? (p.fullSize ?? '') : ''}|${shown}`;
  }

  /** A line cut to cost at most `max`: a fenced value the cut falls in is closed, and its label says how much of it is shown. */
  private cutLine(line: string, max: number): string {
    let end = scanCost(line, false, max).length;
    // A cut inside one of the answer's own tags: an opening tag is kept whole (nothing of its value
    // shown), a closing one dropped (the fence is closed below).
    const tagAt = line.lastIndexOf('<', end - 1);
    if (tagAt >= 0 && line.startsWith(this.open, tagAt) && tagAt + this.open.length > end) end = tagAt + this.open.length;
    else if (tagAt >= 0 && line.startsWith(this.close, tagAt) && tagAt + this.close.length > end) end = tagAt;
    const kept = line.slice(0, end);
    const cutNote = `… [line cut from ${line.length} chars]`;
    // Fences do not nest: the cut fell inside one when its last opening tag is not closed in the kept part.
    const openAt = kept.lastIndexOf(this.open);
    if (openAt < 0 || kept.includes(this.close, openAt)) return `${kept}${cutNote}`;
    const dataAt = openAt + this.open.length;
    // Nothing of the value would be shown: an empty fence reads as an empty value, so the value goes
    // with its label (which starts after the previous fence or two spaces, as views join fields).
    if (end <= dataAt) {
      const closedAt = kept.lastIndexOf(this.close, openAt);
      const spacedAt = kept.lastIndexOf('  ', openAt);
      const labelAt = Math.max(closedAt < 0 ? 0 : closedAt + this.close.length, spacedAt < 0 ? 0 : spacedAt + 2);
      return `${kept.slice(0, labelAt).trimEnd()} ${cutNote}`.trimStart();
    }
    const closeAt = line.indexOf(this.close, dataAt);
    const head = relabel(kept.slice(0, openAt), (closeAt < 0 ? line.length : closeAt) - dataAt, end - dataAt);
    // Beyond the fenced value, only what followed it on the line is lost.
    const rest = closeAt >= 0 && closeAt + this.close.length < line.length;
    return `${head}${kept.slice(openAt)}${this.close}${rest ? ` ${cutNote}` : ''}`;
  }
}

/**
 * The label before a fenced value cut in a line, saying what a view's cut says: its full size (the
 * view's, when it had cut it already) and how many characters are shown.
 */
function relabel(head: string, whole: number, shown: number): string {
  const note = SIZE_NOTE.exec(head);
  if (note !== null) return `${head.slice(0, note.index)}(${note[1]} chars, first ${shown} shown): `;
  return head.endsWith(': ') ? `${head.slice(0, -2)} (${whole} chars, first ${shown} shown): ` : head;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

type Container = Record<string, unknown> | unknown[];

/** What leaveOut left out: trailing entries by the path of their list or record, whole top-level fields, lines of text. */
interface LeftOut {
  entries: Map<string, number>;
  fields: string[];
  lines: number;
}

function leftOutNote(left: LeftOut): string[] {
  const said = [...left.entries].map(([path, n]) => `${n === 1 ? 'the last entry' : `the last ${n} entries`} of ${path}`);
  if (left.fields.length > 0) said.push(`${left.fields.length === 1 ? 'the field' : 'the fields'} ${left.fields.join(', ')}`);
  if (left.lines > 0) said.push(`${left.lines} line${left.lines === 1 ? '' : 's'} of this text`);
  return said.length > 0 ? [`Note: left out to keep this answer within the response budget: ${said.join('; ')}.`] : [];
}

/**
 * Leaves out the last entries of the list or record below the top level whose last entry costs most
 * (never an item of a listing, nor part of a payload), as many as make up its share of `over`, one
 * at least, where `valid` accepts the answer without them; where there is none, the costliest
 * top-level field it accepts the answer without. False when nothing can go.
 */
function dropEntries(root: unknown, valid: (structured: unknown) => boolean, left: LeftOut, over: number): boolean {
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return false;
  const candidates: Array<{ container: Container; path: string; cost: number }> = [];
  const visit = (value: unknown, path: string, paged: boolean): void => {
    if (value === null || typeof value !== 'object' || isPayload(value)) return;
    const container = value as Container;
    const keys = Array.isArray(container) ? container.map((_, i) => i) : Object.keys(container);
    const last = keys[keys.length - 1];
    if (path !== '' && !paged && keys.length >= 2 && last !== undefined && last !== 'nextToken') {
      candidates.push({ container, path, cost: jsonCost((container as Record<string | number, unknown>)[last]) });
    }
    const listing = !Array.isArray(container) && Object.hasOwn(container, PAGED);
    for (const key of keys) {
      const child = (container as Record<string | number, unknown>)[key];
      visit(child, path === '' ? String(key) : Array.isArray(container) ? `${path}[${key}]` : `${path}.${key}`, listing && Array.isArray(child));
    }
  };
  visit(root, '', false);
  candidates.sort((a, b) => b.cost - a.cost);
  // Its share: lists alike give up about as much each, over a few rounds rather than one entry a round.
  const share = over / Math.max(1, candidates.length);
  for (const { container, path } of candidates) {
    const keys = Array.isArray(container) ? container.map((_, i) => i) : Object.keys(container);
    const removed: Array<[string | number, unknown]> = [];
    let freed = 0;
    do {
      const key = keys.pop() as string | number;
      const value = removeLast(container, key);
      removed.push([key, value]);
      freed += jsonCost(value) + 1;
    } while (freed < share && keys.length > 1);
    if (valid(root)) {
      left.entries.set(path, (left.entries.get(path) ?? 0) + removed.length);
      return true;
    }
    for (const [key, value] of removed.reverse()) restoreLast(container, key, value);
  }
  // The top level's own fields last: they are what the answer is about.
  const top = root as Record<string, unknown>;
  const paged = Object.hasOwn(top, PAGED);
  const fields = Object.keys(top)
    .filter((k) => k !== 'nextToken' && !(paged && Array.isArray(top[k])))
    .sort((a, b) => jsonCost(top[b]) - jsonCost(top[a]));
  for (const key of fields) {
    const { [key]: _gone, ...without } = top;
    if (!valid(without)) continue;
    delete top[key];
    left.fields.push(key);
    return true;
  }
  return false;
}

function removeLast(container: Container, key: string | number): unknown {
  if (Array.isArray(container)) return container.pop();
  const value = container[key as string];
  delete container[key as string];
  return value;
}

/** Puts back what removeLast took: it was the last entry, so the order is kept. */
function restoreLast(container: Container, key: string | number, value: unknown): void {
  if (Array.isArray(container)) container.push(value);
  else container[key as string] = value;
}
