import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.js';
import { CLI, runCli, type CallResult } from './cli.js';

/** The built CLI as a host starts it: what its configuration does to stderr, the exit code and the tools. */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A --local DIR with one Pass machine and this handlers.mjs source. */
function localDir(handlers: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'emcp-config-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'pass.asl.json'), JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }));
  writeFileSync(join(dir, 'handlers.mjs'), handlers);
  return dir;
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}

/** A real MCP client on the CLI over stdio, with its stderr and exit code. */
async function connect(args: string[], extraEnv: Record<string, string> = {}) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env: env(extraEnv), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const client = new Client({ name: 'e2e', version: '0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, plainLines: () => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{')) };
}

describe('a local engine that fails to load', () => {
  // An array was taken as a table keyed "0", "1" (no Task resource matches those), reported as "handlers.mjs (1)".
  it.each([
    ['an array of functions', 'export default [async () => ({ ok: true })];\n', 'an array'],
    ['a number', 'export default 42;\n', 'a number'],
  ])('a handlers.mjs that default-exports %s: the call is told why, and stderr says it in one line', async (_label, source, found) => {
    const dir = localDir(source);
    const { client, plainLines } = await connect(['--local', dir], { EXECUTIONS_MCP_LOG_LEVEL: 'error' });
    try {
      const r = (await client.callTool({ name: 'list_state_machines', arguments: {} })) as CallResult;
      expect(r.isError).toBe(true);
      const reason = `${join(dir, 'handlers.mjs')} must default-export an object mapping Task resource ARNs to functions (it exports ${found})`;
      expect(r.content?.[0]?.text).toContain(`failed to start (${reason}); the server is stopping`);
      await until(() => plainLines().length > 0, 'the failure on stderr');
      expect(plainLines()).toEqual([`executions-mcp: local engine: ${reason}`]);
    } finally {
      await client.close();
    }
  });

  // The reason quotes the handler's own error message, which may hold line breaks.
  it('is reported on one stderr line', async () => {
    const dir = localDir('throw new Error("first line\\nsecond line");\nexport default {};\n');
    const { client, plainLines } = await connect(['--local', dir], { EXECUTIONS_MCP_LOG_LEVEL: 'error' });
    try {
      const r = (await client.callTool({ name: 'list_state_machines', arguments: {} })) as CallResult;
      expect(r.isError).toBe(true);
      await until(() => plainLines().length > 0, 'the failure on stderr');
      expect(plainLines()).toEqual([`executions-mcp: local engine: ${join(dir, 'handlers.mjs')} cannot be loaded: Error: first line second line`]);
    } finally {
      await client.close();
    }
  });
});

describe('start-up refusals: exit 2, one stderr line, nothing on stdout', () => {
  it.each([
    // A 1-character bearer token was accepted on every interface.
    [['--transport', 'http', '--host', '0.0.0.0', '--port', '0', '--http-token', 'x'], 'invalid --http-token / EXECUTIONS_MCP_HTTP_TOKEN: it has 1 characters; use at least 16 (e.g. openssl rand -hex 32)'],
    // The second --port silently won.
    [['--transport', 'http', '--port', '0', '--port', '0'], 'invalid --port: given more than once'],
  ])('%j', async (args, line) => {
    const r = await runCli(args, env());
    expect(r).toEqual({ code: 2, stdout: '', stderr: `executions-mcp: ${line}\n` });
  });
});

describe('--help and --version win over every other flag, as in most CLIs', () => {
  // A repeated or unknown flag, a missing value, an empty one or a bad value beside --help was refused with exit 2 instead.
  it.each([
    [['--port', '1', '--port', '2', '--help']],
    [['-h', '--bogus']],
    [['--local', '/a', '--local', '/b', '-h']],
    [['--allow-writes', '--allow-writes=false', '--help']],
    [['--http-token', '', '--help']],
    [['--help', '--transport']],
  ])('%j prints the help', async (args) => {
    const r = await runCli(args, env({ EXECUTIONS_MCP_PORT: 'nope' }));
    expect(r).toEqual({ code: 0, stdout: expect.stringContaining('\nUsage: executions-mcp [options]\n') as unknown, stderr: '' });
  });

  it('and --version the version', async () => {
    const r = await runCli(['--port', '1', '--port', '2', '--version'], env());
    expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\S*\n$/) as unknown, stderr: '' });
  });

  it('but not when it is given as a value (--host=--help): that is refused as a host', async () => {
    const r = await runCli(['--transport', 'http', '--host=--help'], env());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('a stray word among the flags', () => {
  // A token pasted without its --http-token was echoed on stderr, which hosts keep in their logs.
  it('exits 2 with one stderr line that gives its position, not its value', async () => {
    const r = await runCli(['--allow-writes', 'sk-live-0123456789abcdef'], env());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^executions-mcp: positional arguments are not accepted: argument 2 \(24 characters, not shown\) .* Next: give settings as flags, --name value or --name=value .*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).not.toContain('sk-live');
  });
});

describe('--local with --toolsets that leave out stepfunctions', () => {
  // It used to load the engine anyway, and a broken handlers.mjs then stopped the Ona-only server.
  it('exits 2 at start with one line, before any handlers.mjs is loaded', async () => {
    const dir = localDir('throw new Error("handler load boom");\nexport default {};\n');
    const r = await runCli(['--local', dir, '--toolsets', 'ona', '--local-port', '0'], env({ ONA_API_KEY: 'ona_pat_CONFIG_0123456789' }));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'executions-mcp: invalid --local / EXECUTIONS_MCP_LOCAL: the embedded engine serves the stepfunctions toolset, which --toolsets / EXECUTIONS_MCP_TOOLSETS (ona) leaves out; add stepfunctions, or drop --local\n',
    );
  });
});

describe('the start-up line', () => {
  // README: it is an info line, so warn and error levels leave stderr empty on a clean start.
  it.each([
    ['info', true],
    ['WARN', false],
    ['error', false],
  ])('at log level %s: written %s', async (level, written) => {
    const r = await runCli([], env({ AWS_REGION: 'eu-west-1', EXECUTIONS_MCP_LOG_LEVEL: level }));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const starting = r.stderr.split('\n').filter((l) => l.includes('"message":"starting"'));
    if (written) expect(JSON.parse(starting[0] ?? '{}')).toMatchObject({ level: 'info', region: 'eu-west-1', toolsets: ['stepfunctions'] });
    else expect(r.stderr).toBe('');
  });
});
