import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.js';
import { brokenLocalDir } from './cli.js';

/**
 * The built CLI in local mode over raw stdio: user task handlers that write to console must not
 * corrupt the protocol stream, and closing stdin ends the process even with executions running.
 */
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:noisy';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'emcp-local-'));
  writeFileSync(
    join(dir, 'noisy.asl.json'),
    JSON.stringify({ StartAt: 'Noisy', States: { Noisy: { Type: 'Task', Resource: FN, End: true } } }),
  );
  writeFileSync(
    join(dir, 'sleepy.asl.json'),
    JSON.stringify({ StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3600, End: true } } }),
  );
  writeFileSync(
    join(dir, 'handlers.mjs'),
    `console.log('handler module loaded');\nprocess.stdout.write('raw stdout at import\\n');\n` +
      `export default { '${FN}': async (input) => { console.log('handling', input); console.info('info too'); process.stdout.write('raw stdout in handler\\n'); return { ok: true }; } };\n`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Session {
  send(message: object): void;
  sendRaw(text: string): void;
  response(id: number): Promise<Record<string, unknown>>;
  stdoutLines: string[];
  stderr(): string;
  exited: Promise<number | null>;
  closeStdin(): void;
  destroyStderr(): void;
  kill(): void;
}

function startCli(args: string[], logLevel = 'error', env: Record<string, string> = {}): Session {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', EXECUTIONS_MCP_LOG_LEVEL: logLevel, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  const waiters = new Map<number, (r: Record<string, unknown>) => void>();
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.trim()) continue;
      stdoutLines.push(line);
      try {
        const msg = JSON.parse(line) as { id?: number };
        if (typeof msg.id === 'number') waiters.get(msg.id)?.(msg as Record<string, unknown>);
      } catch {
        // Kept in stdoutLines; the test asserts every line is JSON.
      }
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    send: (message) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`),
    sendRaw: (text) => child.stdin.write(text),
    response: (id) => new Promise((resolve) => waiters.set(id, resolve)),
    stdoutLines,
    stderr: () => stderr,
    exited,
    closeStdin: () => child.stdin.end(),
    destroyStderr: () => child.stderr.destroy(),
    kill: () => child.kill('SIGKILL'),
  };
}

async function initialize(s: Session): Promise<void> {
  const init = s.response(1);
  s.send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '0' } } });
  await init;
  s.send({ method: 'notifications/initialized' });
}

describe('local mode over stdio', () => {
  it('console and process.stdout output of task handlers goes to stderr; stdout carries only JSON-RPC', async () => {
    const s = startCli(['--local', dir, '--allow-writes']);
    try {
      await initialize(s);
      const started = s.response(2);
      s.send({ id: 2, method: 'tools/call', params: { name: 'start_execution', arguments: { stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:noisy', name: 'n1' } } });
      expect(JSON.stringify(await started)).toContain('execution:noisy:n1');
      // Let the handler run (and log), then read its history through the protocol.
      let id = 3;
      await until(async () => {
        const history = s.response((id += 1));
        s.send({ id, method: 'tools/call', params: { name: 'get_execution_history', arguments: { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:noisy:n1' } } });
        return JSON.stringify(await history).includes('ExecutionSucceeded');
      }, 'the execution to succeed');
      expect(s.stdoutLines.length).toBeGreaterThanOrEqual(3);
      for (const line of s.stdoutLines) expect(() => JSON.parse(line), line).not.toThrow();
    } finally {
      s.kill();
    }
  });

  it('exits when the host closes stdin, even with an execution waiting', async () => {
    const s = startCli(['--local', dir, '--allow-writes']);
    await initialize(s);
    const started = s.response(2);
    s.send({ id: 2, method: 'tools/call', params: { name: 'start_execution', arguments: { stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sleepy' } } });
    await started;
    s.closeStdin();
    const code = await exitCodeOrKill(s.exited, () => s.kill(), 8000);
    expect(code).toBe(0);
  });

  it('a message over 4 MiB is refused with an error for its id, and the server carries on', async () => {
    const s = startCli(['--local', dir]);
    try {
      await initialize(s);
      const refused = s.response(50);
      s.sendRaw(`{"jsonrpc":"2.0","id":50,"method":"ping","params":{"junk":"${'x'.repeat(5 * 1024 * 1024)}"}}\n`);
      expect(await refused).toMatchObject({ id: 50, error: { code: -32600, message: expect.stringContaining('more than the 4194304 bytes') } });
      const pong = s.response(51);
      s.send({ id: 51, method: 'ping' });
      expect(await pong).toMatchObject({ id: 51, result: {} });
    } finally {
      s.kill();
    }
  });

  it('answers a line that is not JSON, or a batch, with a JSON-RPC error for id null, and carries on', async () => {
    const s = startCli(['--local', dir]);
    try {
      await initialize(s);
      s.sendRaw('{"jsonrpc":"2.0","id":60,"method":"tools/list"\n');
      s.sendRaw('[{"jsonrpc":"2.0","id":61,"method":"ping"}]\n');
      const pong = s.response(62);
      s.send({ id: 62, method: 'ping' });
      expect(await pong).toMatchObject({ id: 62, result: {} });
      const errors = s.stdoutLines.map((line) => JSON.parse(line) as { id?: unknown; error?: { code: number } }).filter((m) => m.error);
      expect(errors).toEqual([
        { jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringContaining('not valid JSON') } },
        { jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringContaining('batches') } },
      ]);
    } finally {
      s.kill();
    }
  });

  it('answers the calls it was sent before the host closed stdin, then exits', async () => {
    const s = startCli(['--local', dir, '--allow-writes']);
    await initialize(s);
    const answers = [10, 11, 12, 13].map((id) => s.response(id));
    for (const id of [10, 11, 12, 13]) {
      s.send({ id, method: 'tools/call', params: { name: 'start_execution', arguments: { stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:noisy', name: `eof-${id}` } } });
    }
    s.closeStdin();
    const all = await Promise.all(answers);
    for (const [i, r] of all.entries()) expect(JSON.stringify(r)).toContain(`execution:noisy:eof-${10 + i}`);
    const code = await exitCodeOrKill(s.exited, () => s.kill(), 8000);
    expect(code).toBe(0);
  });

  it('exits when the host goes away without closing stdin cleanly (stdout broken), even with a port open', async () => {
    const child = spawn(process.execPath, [CLI, '--local', dir, '--local-port', '0'], {
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', EXECUTIONS_MCP_LOG_LEVEL: 'error' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const answered = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '0' } } })}\n`);
    await answered;
    child.stdout.destroy();
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_state_machines', arguments: {} } })}\n`);
    child.stdin.end();
    const code = await exitCodeOrKill(exited, () => child.kill('SIGKILL'), 8000);
    expect(code).toBe(0);
  });

  it('keeps working, and exits on end of stdin, after the host stops reading its stderr', async () => {
    const s = startCli(['--local', dir], 'info');
    await initialize(s);
    s.destroyStderr();
    // A tool error is logged; the failed log write must neither loop nor stop the answers.
    const failed = s.response(20);
    s.send({ id: 20, method: 'tools/call', params: { name: 'describe_execution', arguments: { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:noisy:nope' } } });
    expect(JSON.stringify(await failed)).toContain('ExecutionDoesNotExist');
    const listed = s.response(21);
    s.send({ id: 21, method: 'tools/call', params: { name: 'list_state_machines', arguments: {} } });
    expect(JSON.stringify(await listed)).toContain('stateMachine:noisy');
    s.closeStdin();
    const code = await exitCodeOrKill(s.exited, () => s.kill(), 5000);
    expect(code).toBe(0);
  });

  // The engine loads after the server answers initialize: what goes wrong then still reaches the host.
  it.each([
    ['fails after an await', 'await new Promise((r) => setTimeout(r, 300));\nthrow new Error("handler setup broke");', /failed to start \(.*handler setup broke.*\); the server is stopping/],
    ['never settles', 'await new Promise(() => {});', /failed to start \(it did not finish loading within 1500 ms: does .*handlers\.mjs wait on something that never settles\?\)/],
  ])('a handlers.mjs that %s: the call waiting for the engine is told why, then the server exits 2', async (_, source, expected) => {
    const broken = mkdtempSync(join(tmpdir(), 'emcp-broken-'));
    try {
      writeFileSync(join(broken, 'noisy.asl.json'), JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }));
      writeFileSync(join(broken, 'handlers.mjs'), `${source}\nexport default {};\n`);
      const s = startCli(['--local', broken], 'error', { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1500' });
      await initialize(s);
      const answer = s.response(2);
      s.send({ id: 2, method: 'tools/call', params: { name: 'list_state_machines', arguments: {} } });
      const r = (await answer) as { result?: { isError?: boolean; content?: Array<{ text: string }> } };
      expect(r.result?.isError).toBe(true);
      expect(r.result?.content?.[0]?.text).toMatch(expected);
      expect(await exitCodeOrKill(s.exited, () => s.kill(), 8000)).toBe(2);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe('local mode over stdio: a handlers.mjs that fails before the host has said anything', () => {
  let broken: string;
  beforeAll(() => {
    broken = brokenLocalDir();
  });
  afterAll(() => {
    rmSync(broken, { recursive: true, force: true });
  });

  /** The CLI on the broken DIR, once it has reported the failure on stderr (the host has sent nothing yet). */
  async function failedCli(env: Record<string, string> = {}): Promise<Session> {
    const s = startCli(['--local', broken], 'error', env);
    await until(() => s.stderr().includes('local engine:'), 'the engine failure on stderr');
    return s;
  }

  /** initialize(), or an error saying the server exited without answering it. */
  async function initializeBeforeExit(s: Session): Promise<void> {
    const exited = s.exited.then((code) => Promise.reject(new Error(`the server exited (${code}) without answering initialize`)));
    await Promise.race([initialize(s), exited]);
  }

  it('initialize is answered, a Step Functions call is told why (file and message, no stack), then the server exits 2', async () => {
    const s = await failedCli();
    await initializeBeforeExit(s);
    const listed = s.response(2);
    s.send({ id: 2, method: 'tools/list' });
    expect(JSON.stringify(await listed)).toContain('list_state_machines');
    const answer = s.response(3);
    s.send({ id: 3, method: 'tools/call', params: { name: 'list_state_machines', arguments: {} } });
    const r = (await answer) as { result?: { isError?: boolean; content?: Array<{ text: string }> } };
    expect(r.result?.isError).toBe(true);
    const text = r.result?.content?.[0]?.text ?? '';
    expect(text).toContain(`failed to start (${join(broken, 'handlers.mjs')} cannot be loaded: Error: handler load boom); the server is stopping`);
    expect(text).not.toMatch(/\n\s+at /);
    expect(await exitCodeOrKill(s.exited, () => s.kill(), 8000)).toBe(2);
  });

  it('a host that initializes and calls nothing: the server still exits 2, a short while later', async () => {
    const s = await failedCli();
    await initializeBeforeExit(s);
    expect(await exitCodeOrKill(s.exited, () => s.kill(), 8000)).toBe(2);
  });

  it('a host that never initializes: the server exits 2 after the call time limit', async () => {
    const s = await failedCli({ EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' });
    expect(await exitCodeOrKill(s.exited, () => s.kill(), 8000)).toBe(2);
    expect(s.stdoutLines).toEqual([]);
  });

  it('a host that closes stdin after the failure: the exit code is still 2', async () => {
    const s = await failedCli();
    await initializeBeforeExit(s);
    s.closeStdin();
    expect(await exitCodeOrKill(s.exited, () => s.kill(), 8000)).toBe(2);
  });
});

/** The exit code, or 'still running' (after killing it) when the process hangs past `limitMs`: a hang detector, not a speed check. */
async function exitCodeOrKill(exited: Promise<number | null>, kill: () => void, limitMs: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), limitMs)))]);
  clearTimeout(timer);
  if (code === 'still running') kill();
  return code;
}
