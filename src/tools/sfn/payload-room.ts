import { answerCost, textCost } from '../../server/budget.js';
import { fitToBudget } from '../../server/fit-to-budget.js';
import type { UntrustedFence } from '../../server/render.js';
import type { PayloadCut } from './views.js';

/**
 * The hint line of a single answer (describe_execution's) that shows payloads: a larger
 * maxPayloadChars shows more of them only while the response budget has room. Where the budget
 * cuts them (the server fits every answer to it, after the view), a larger one is cut back the
 * same way: the line then says so and names reads that do show more.
 */

/** The answer a view builds with payloads cut at one size, without the hint line. */
export interface PayloadView {
  structured: Record<string, unknown>;
  text: string;
  /** Whether that size cut any payload the answer shows. */
  cut: boolean;
}

/**
 * The line for `shown`, view(cut.max): none when nothing was cut; the budget's line when the
 * server's budget cut cuts a payload, or when no larger maxPayloadChars fits; otherwise the largest
 * maxPayloadChars the budget holds (found by building the answer at that size). `next` names the
 * reads that show more when the budget is what limits.
 */
export function payloadRoomHint(cut: PayloadCut, shown: PayloadView, view: (max: number) => PayloadView, budget: number, fence: UntrustedFence, next: () => string): string {
  // Nothing to say of an answer without payloads: the common call costs no measure here.
  if (!shown.cut && !Object.values(shown.structured).some((value) => dataOf(value) !== undefined)) return '';
  const full = `The response budget (${budget} characters), not maxPayloadChars, limits the payloads: a larger maxPayloadChars is cut back. Next: ${next()}`;
  // As the server measures it: the fence's preamble, the text, and the longest line this can add.
  const fits = (v: PayloadView): boolean => answerCost(v.structured, fence.preamble() + v.text) + 1 + textCost(full) <= budget;
  // What the server's budget cut will do to this answer with that line (the same call, so the same cut).
  const fitted = fitToBudget(shown.structured, `${fence.preamble()}${shown.text}\n${full}`, budget, fence.id);
  if (payloadsCut(shown.structured, fitted.structured)) return full;
  if (!shown.cut || cut.max >= cut.ceiling) return '';
  // The largest size seen to fit: cost grows with the size, but for the few characters a cut's note takes.
  // Most often the largest size allowed fits: one build, no search.
  if (fits(view(cut.ceiling))) return `Payloads longer than ${cut.max} characters were cut: call again with maxPayloadChars up to ${cut.ceiling} to see more.`;
  let lo = cut.max;
  let hi = cut.ceiling;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(view(mid))) lo = mid;
    else hi = mid - 1;
  }
  if (lo === cut.max) return full;
  const bound = lo < cut.ceiling ? ' (the most the response budget holds)' : '';
  return `Payloads longer than ${cut.max} characters were cut: call again with maxPayloadChars up to ${lo} to see more${bound}.`;
}

/** Whether a top-level payload of `before` is shorter, or gone, in `after`. */
function payloadsCut(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  return Object.entries(before).some(([key, value]) => {
    const data = dataOf(value);
    if (data === undefined) return false;
    const kept = dataOf(after[key]);
    return kept === undefined || kept.length < data.length;
  });
}

function dataOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const data = (value as { untrustedData?: unknown }).untrustedData;
  return typeof data === 'string' ? data : undefined;
}
