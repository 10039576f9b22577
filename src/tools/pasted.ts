/**
 * An ARN or id as models paste it: with a trailing newline, or quoted (`"arn:…"`, backticks). No
 * ARN or id starts or ends with white space or a quote, so these are taken off rather than sent on
 * to a backend, which answers "does not exist" for an ARN the list tools show.
 */
export function unwrapPasted(value: string): string {
  let id = value.trim();
  while (id.length >= 2 && QUOTES.includes(id[0] ?? '') && id.at(-1) === id[0]) id = id.slice(1, -1).trim();
  return id;
}

const QUOTES = ['"', "'", '`'];
