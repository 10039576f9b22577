import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { CLI, cliEnv, type CallResult } from './cli.js';

/**
 * The built CLI with the SDK's real credential chain reading a profile: what goes wrong there is
 * told as a credentials problem that sent nothing (a write then costs nothing and says so), a
 * credential_process that never answers is bounded by the call's time limit, and a credentials
 * file fixed after a failure is used by the next call, without a restart.
 */

let fake: FakeSfn;
let orders: string;
let dir: string;
let client: Client | undefined;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  fake.addExecutions(orders, 2);
});

afterAll(async () => {
  await fake.close();
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  fake.clearFaults();
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI with profile "dev" read from files in a fresh directory (none of them written yet). */
async function startWithProfile(extraArgs: string[] = [], extraEnv: Record<string, string> = {}): Promise<{ call: (name: string, args: Record<string, unknown>) => Promise<CallResult & { text: string }>; files: { credentials: string; config: string } }> {
  dir = mkdtempSync(join(tmpdir(), 'e2e-creds-'));
  const files = { credentials: join(dir, 'credentials'), config: join(dir, 'config') };
  const env: Record<string, string> = { ...cliEnv(fake.url), AWS_PROFILE: 'dev', AWS_SHARED_CREDENTIALS_FILE: files.credentials, AWS_CONFIG_FILE: files.config, ...extraEnv };
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...extraArgs], env, stderr: 'pipe' });
  client = new Client({ name: 'e2e', version: '0' });
  await client.connect(transport);
  const connected = client;
  return {
    files,
    call: async (name, args) => {
      const r = (await connected.callTool({ name, arguments: args })) as CallResult;
      return { ...r, text: r.content?.[0]?.text ?? '' };
    },
  };
}

const keys = (id: string) => `[dev]\naws_access_key_id = ${id}\naws_secret_access_key = secret-of-${id}\n`;

describe('credentials from a profile', () => {
  it('a profile with no credentials: a clear credentials error, nothing sent; the file written afterwards is used at the next call', async () => {
    const { call, files } = await startWithProfile(['--allow-writes'], { EXECUTIONS_MCP_WRITES_PER_MINUTE: '1' });
    const before = fake.requests.length;
    const read = await call('list_executions', { stateMachineArn: orders });
    expect(read.isError).toBe(true);
    expect(read.text).toMatch(/^Step Functions ListExecutions failed: CredentialsUnavailable: could not load AWS credentials from the AWS profile "dev", so nothing was sent \(\w+: [^\n]+\)\. Next: set AWS_PROFILE to a profile that has credentials/);
    expect(read.text).not.toMatch(/endpoint|report it/);
    const start = await call('start_execution', { stateMachineArn: orders, name: 'no-creds' });
    expect(start.text).toMatch(/^Step Functions StartExecution failed: CredentialsUnavailable: [^\n]*so nothing was sent/);
    expect(start.text).not.toMatch(/may have/);
    expect(fake.requests.length).toBe(before);

    writeFileSync(files.credentials, keys('AKIDFIXED'));
    const fixed = await call('list_executions', { stateMachineArn: orders });
    expect(fixed.isError, fixed.text).toBeUndefined();
    expect(fake.requests.at(-1)?.accessKeyId).toBe('AKIDFIXED');
    // The start refused for want of credentials did not use the one write a minute allows.
    const started = await call('start_execution', { stateMachineArn: orders, name: 'with-creds' });
    expect(started.isError, started.text).toBeUndefined();
  });

  it('keys Step Functions rejects, replaced in the file: the next call signs with the new ones', async () => {
    const { call, files } = await startWithProfile();
    writeFileSync(files.credentials, keys('AKIDWRONG'));
    fake.inject({ kind: 'unrecognizedClient' }, { op: 'ListExecutions' });
    const refused = await call('list_executions', { stateMachineArn: orders });
    expect(refused.isError).toBe(true);
    expect(fake.requests.at(-1)?.accessKeyId).toBe('AKIDWRONG');
    writeFileSync(files.credentials, keys('AKIDRIGHT'));
    const listed = await call('list_executions', { stateMachineArn: orders });
    expect(listed.isError, listed.text).toBeUndefined();
    expect(fake.requests.at(-1)?.accessKeyId).toBe('AKIDRIGHT');
  });

  it("a credential_process that never answers ends the call at its time limit, with nothing sent; the profile fixed, the next call does not wait on it", async () => {
    const hang = join(tmpdir(), `e2e-hang-${process.pid}.mjs`);
    // Long enough to outlast the calls below, bounded so that no process outlives the test run for long.
    writeFileSync(hang, 'setTimeout(() => {}, 20_000);\n');
    try {
      const { call, files } = await startWithProfile(['--allow-writes'], { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' });
      writeFileSync(files.config, `[profile dev]\ncredential_process = "${process.execPath}" "${hang}"\n`);
      const before = fake.requests.length;
      const read = await call('describe_execution', { executionArn: `${orders.replace(':stateMachine:', ':execution:')}:run-000001` });
      expect(read.isError).toBe(true);
      expect(read.text).toMatch(/^Step Functions DescribeExecution failed: CredentialsTimeout: the AWS credentials from the AWS profile "dev" did not resolve within the call's time limit, so nothing was sent\. Next: [^\n]*credential_process/);
      const stop = await call('stop_execution', { executionArn: `${orders.replace(':stateMachine:', ':execution:')}:run-000001` });
      expect(stop.text).toMatch(/CredentialsTimeout[^\n]*so nothing was sent/);
      expect(stop.text).not.toMatch(/may have/);
      expect(fake.requests.length).toBe(before);
      // The process still hangs, but the profile no longer uses it: the next call does not wait on it.
      writeFileSync(files.config, '[profile dev]\n');
      writeFileSync(files.credentials, keys('AKIDAFTERHANG'));
      const after = await call('list_executions', { stateMachineArn: orders });
      expect(after.isError, after.text).toBeUndefined();
      expect(fake.requests.at(-1)?.accessKeyId).toBe('AKIDAFTERHANG');
    } finally {
      rmSync(hang, { force: true });
    }
  });
});
