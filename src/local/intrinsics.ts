/**
 * Intrinsic function expressions ("States.Format('{}', $.x)") as the library splits them, parsed
 * into calls so library-fixes can rewrite some of them. Arguments that are not calls (paths,
 * quoted strings, numbers) are kept as written.
 */

export interface IntrinsicCall {
  name: string;
  args: Array<IntrinsicCall | string>;
}

/** The call an expression holds, or undefined when it is not one (a plain path) or cannot be split. */
export function parseIntrinsic(expression: string): IntrinsicCall | undefined {
  const text = expression.trim();
  const open = text.indexOf('(');
  if (!text.startsWith('States.') || open < 0 || !text.endsWith(')')) return undefined;
  const args = splitArguments(text.slice(open + 1, -1));
  if (args === undefined) return undefined;
  const parsed: Array<IntrinsicCall | string> = [];
  for (const arg of args) {
    if (!arg.startsWith('States.')) {
      parsed.push(arg);
      continue;
    }
    const call = parseIntrinsic(arg);
    if (call === undefined) return undefined;
    parsed.push(call);
  }
  return { name: text.slice(0, open), args: parsed };
}

export function printIntrinsic(call: IntrinsicCall): string {
  return `${call.name}(${call.args.map((arg) => (typeof arg === 'string' ? arg : printIntrinsic(arg))).join(', ')})`;
}

/** Rewrites every call, innermost first. */
export function mapCalls(call: IntrinsicCall, rewrite: (call: IntrinsicCall) => IntrinsicCall): IntrinsicCall {
  return rewrite({ name: call.name, args: call.args.map((arg) => (typeof arg === 'string' ? arg : mapCalls(arg, rewrite))) });
}

/** Top-level arguments, split at commas outside quotes and parentheses; undefined when unbalanced. */
function splitArguments(body: string): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i];
    if (quoted) {
      if (char === '\\') i += 1;
      else if (char === "'") quoted = false;
    } else if (char === "'") quoted = true;
    else if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    else if (char === ',' && depth === 0) {
      args.push(body.slice(start, i).trim());
      start = i + 1;
    }
    if (depth < 0) return undefined;
  }
  if (quoted || depth !== 0) return undefined;
  const last = body.slice(start).trim();
  if (last !== '' || args.length > 0) args.push(last);
  return args;
}
