/**
 * Diagnostics go to stderr as JSON lines: on stdio, stdout belongs to the MCP protocol.
 * Secrets registered with setRedactions never reach the log.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';

let redactions: string[] = [];
let quiet = false;

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
  if (quiet && level !== 'error') return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  process.stderr.write(`${redact(line)}\n`);
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
};
