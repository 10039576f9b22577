import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/** Helpers to run the built CLI (dist/cli.js, built by `npm test` before vitest runs). */

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** The environment a host would pass: a minimal one plus AWS settings aimed at the fake. */
export function cliEnv(fakeUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SFN: fakeUrl,
    AWS_ACCESS_KEY_ID: 'AKIDE2E',
    AWS_SECRET_ACCESS_KEY: 'e2e-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

export interface RunningCli {
  child: ChildProcess;
  url: string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the CLI over HTTP on 127.0.0.1 port 0 and reads the URL from the "listening" log line. */
export async function startHttpCli(args: string[], env: Record<string, string>): Promise<RunningCli> {
  const child = spawn(process.execPath, [CLI, '--transport', 'http', '--port', '0', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      err += chunk;
      for (const line of err.split('\n')) {
        if (!line.includes('"message":"listening"')) continue;
        const parsed = JSON.parse(line) as { url: string };
        resolve(parsed.url);
      }
    });
    void exited.then(({ code }) => reject(new Error(`CLI exited with ${code} before listening: ${err}`)));
  });
  return {
    child,
    url,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs the CLI to completion with stdin closed at once (start-up failures; stdio end of input). */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stderr, stdout };
}

export async function httpClient(url: string, opts: { token?: string; modern?: boolean } = {}): Promise<Client> {
  const headers: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: 'e2e', version: '0' }, opts.modern ? { versionNegotiation: { mode: 'auto' } } : {});
  await client.connect(transport);
  return client;
}

/** A raw HTTP request to the server (for the guards), with full control over Host and headers. */
export async function rawRequest(
  url: string,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      // http.request takes an IPv6 address without the brackets a URL puts around it.
      { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, method: opts.method ?? 'POST', path: opts.path ?? u.pathname, headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

export type CallResult = { isError?: boolean; structuredContent?: Record<string, unknown>; content?: Array<{ text?: string }> };

/** Calls a tool and expects success: the failure message shows the tool's error text. */
export function succeedingCaller(client: Client, expectOk: (result: CallResult, name: string) => void) {
  return async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const r = (await client.callTool({ name, arguments: args })) as CallResult;
    expectOk(r, name);
    return r.structuredContent ?? {};
  };
}

/** A --local DIR with one state machine and a handlers.mjs that throws as soon as it loads. */
export function brokenLocalDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emcp-broken-'));
  writeFileSync(join(dir, 'noisy.asl.json'), JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }));
  writeFileSync(join(dir, 'handlers.mjs'), 'throw new Error("handler load boom");\nexport default {};\n');
  return dir;
}
