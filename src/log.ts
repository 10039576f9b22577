/**
 * Diagnostics go to stderr as JSON lines: on stdio, stdout belongs to the MCP protocol.
 * Secrets registered with setRedactions never reach the log.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let redactions: string[] = [];
let quiet = false;
let threshold: Level = 'info';

export function setLogLevel(level: Level): void {
  threshold = level;
}

export function setRedactions(secrets: string[]): void {
  redactions = secrets.filter((s) => s.length >= 4);
}

export function setQuiet(value: boolean): void {
  quiet = value;
}

export function redact(text: string): string {
  let out = text;
  for (const secret of redactions) out = out.split(secret).join('[redacted]');
  return out;
}

function write(level: Level, message: string, fields?: Record<string, unknown>): void {
  if ((quiet && level !== 'error') || RANK[level] < RANK[threshold]) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  process.stderr.write(`${redact(line)}\n`);
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
};
